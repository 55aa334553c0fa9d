"""create_app: services built once per app, nothing connected and no market adapter built before a request needs it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_creating_the_app_connects_to_nothing_and_imports_no_yfinance():
    code = """
import socket, sys
def refuse(self, address):
    raise AssertionError(f"connected at start: {address!r}")
socket.socket.connect = refuse
from config.settings import Settings
from enrich.web import create_app
app = create_app(Settings(market_data="yfinance", redis_url="redis://127.0.0.1:1/0", rate_limit=(5, 60)))
assert "yfinance" not in sys.modules, "the market adapter is built on the first quote request"
assert app.test_client().get("/healthz").status_code == 200
assert app.test_client().get("/metrics").status_code == 200
assert "yfinance" not in sys.modules, "neither a request without prices nor a scrape builds the market adapter"
print("ok")
"""
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr


def test_each_app_holds_its_services(app):
    state = app.extensions["enrich"]
    assert state.services.settings is state.settings and state.store is None
