"""The client behind the proxies: trust exactly as many X-Forwarded-For entries, from the right, as proxies we know of.

Each proxy appends the address it was called from, so the entry it wrote is the last one when it passes the request
on; anything left of the trusted entries is whatever the client sent, and is ignored. Only X-Forwarded-For is read:
gunicorn takes the scheme from the front (X-Forwarded-Proto, which proxies set rather than append)."""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from config.settings import Settings


def hops(settings: Settings) -> int:
    """How many X-Forwarded-For entries were written by proxies we trust: ENRICH_TRUSTED_PROXIES, plus our nginx."""
    return settings.trusted_proxies + (1 if settings.front == "nginx" else 0)


def init_app(app: Flask, settings: Settings) -> None:
    """Set REMOTE_ADDR (request.remote_addr, the rate limit's per-address key) to the client the last proxy saw."""
    trusted = hops(settings)
    if trusted > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=trusted, x_proto=0, x_host=0, x_port=0, x_prefix=0)
