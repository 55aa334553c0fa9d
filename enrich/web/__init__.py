"""The HTTP API: Flask, marshmallow at the edge, served by gunicorn (config/gunicorn.py)."""

from enrich.web.app import create_app

__all__ = ["create_app"]
