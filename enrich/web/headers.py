"""Security headers on every response: no MIME sniffing, no Referer, no framing, and a CSP for what is not a page."""

from __future__ import annotations

import base64
import hashlib
import re

from flask import Flask, Response, request

# No Referer at all: the page carries the article in its URL (`/?text=...`), and nothing here reads the header.
REFERRER_POLICY = "no-referrer"
# JSON, text and assets: nothing to load, run or frame. The page (enrich/web/page.py) sets its own, fuller CSP.
API_CSP = "default-src 'none'; frame-ancestors 'none'"
DOCS_ENDPOINT = "api-docs.openapi_swagger_ui"
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def docs_csp(html: str) -> str:
    """Swagger UI's CSP: its assets and the spec from here (docs/static/, /openapi.json), its one inline script by
    hash, inline styles (it sets them on its elements), SVG icons as data: URIs."""
    hashes = " ".join("'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
                      for s in _INLINE_SCRIPT.findall(html))
    return (f"default-src 'none'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'")


def _secure(response: Response) -> Response:
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = REFERRER_POLICY
    if "Content-Security-Policy" not in response.headers:
        docs = request.endpoint == DOCS_ENDPOINT and response.status_code == 200
        response.headers["Content-Security-Policy"] = docs_csp(response.get_data(as_text=True)) if docs else API_CSP
    return response


def init_app(app: Flask) -> None:
    """Add the headers to every response, errors and 404s included; a CSP a view set itself is kept."""
    app.after_request(_secure)
