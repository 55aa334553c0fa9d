"""The baseline of bench/hot_path.py: a bare Flask app with one route shaped like the lookup, nothing else (no
hooks, no schemas, no logging, no metrics), served by gunicorn exactly as the service is."""

from __future__ import annotations

from flask import Flask, jsonify

app = Flask("bare")


@app.get("/v1/tickers/<symbol>")
def ticker(symbol: str):
    return jsonify({"symbol": symbol, "status": "valid"})
