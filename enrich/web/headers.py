"""Security headers on every response: no MIME sniffing, no Referer, no framing, and a CSP for what is not a page."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from flask import Flask, Response, request

from config.logging import REQUEST_ID

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

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


class SecurityHeaders:
    """WSGI middleware: the headers every answer carries, added as the answer starts (a list appended to, where a
    Flask hook cost a header-by-header `Headers.set` and a look-up of the request on every request), and the
    request's id (enrich/web/tracing.py sets it for the request; Flask starts the answer before tearing down)."""

    _OURS = frozenset({"x-content-type-options", "referrer-policy"})
    _ALWAYS = [("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", REFERRER_POLICY)]

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            names = {name.lower() for name, _ in headers}
            if names & self._OURS:
                headers = [(name, value) for name, value in headers if name.lower() not in self._OURS]
            headers += self._ALWAYS
            if "content-security-policy" not in names:
                headers.append(("Content-Security-Policy", API_CSP))
            request_id = REQUEST_ID.get()
            if request_id is not None and "x-request-id" not in names:
                headers.append(("X-Request-ID", request_id))
            return start_response(status, headers, exc_info)

        return self.app(environ, start)


def _docs_csp(response: Response) -> Response:
    if request.endpoint == DOCS_ENDPOINT and response.status_code == 200:
        response.headers["Content-Security-Policy"] = docs_csp(response.get_data(as_text=True))
    return response


def init_app(app: Flask) -> None:
    """Add the headers to every response, errors and 404s included; a CSP a view set itself is kept (the page's,
    Swagger UI's by a hook on its blueprint only)."""
    app.wsgi_app = SecurityHeaders(app.wsgi_app)  # type: ignore[method-assign]
    app.after_request_funcs.setdefault(DOCS_ENDPOINT.split(".")[0], []).append(_docs_csp)
