"""CORS, off unless ENRICH_CORS_ORIGINS lists the origins a browser may call from (or `*`)."""

from __future__ import annotations

from flask import Flask, Response, request

ALLOW_HEADERS = "Content-Type, Authorization, X-API-Key, X-Request-ID"
EXPOSE_HEADERS = "X-Request-ID, Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset"


def init_app(app: Flask, origins: tuple[str, ...]) -> None:
    """Answer allowed origins, preflights included; other origins get no CORS headers (the browser blocks them)."""
    if not origins:
        return
    anyone = "*" in origins

    @app.after_request
    def _cors(response: Response) -> Response:
        if not anyone:
            response.vary.add("Origin")
        origin = request.headers.get("Origin")
        if not origin or not (anyone or origin in origins):
            return response
        response.headers["Access-Control-Allow-Origin"] = "*" if anyone else origin
        response.headers["Access-Control-Expose-Headers"] = EXPOSE_HEADERS
        if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
            response.headers["Access-Control-Allow-Methods"] = response.headers.get("Allow", "GET, POST")
            response.headers["Access-Control-Allow-Headers"] = ALLOW_HEADERS
            response.headers["Access-Control-Max-Age"] = "600"
        return response
