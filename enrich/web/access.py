"""Who may call /v1: API keys (when ENRICH_API_KEYS is set) and a per-client rate limit kept in Redis."""

from __future__ import annotations

from flask import Flask, Response, g, request
from flask_smorest import abort

from config.settings import Settings
from enrich.web import keys
from enrich.web.ratelimit import RateLimiter
from enrich.web.store import RedisStore, Unavailable

PROTECTED_PREFIX = "/v1/"


def _presented_key() -> str | None:
    key = request.headers.get("X-API-Key")
    if key:
        return key
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def _client(digests: tuple[str, ...]) -> str:
    """The caller's rate-limit identity: its key's digest prefix, or its address when keys are off."""
    if not digests:
        return f"addr:{request.remote_addr}"
    key = _presented_key()
    challenge = {"WWW-Authenticate": 'Bearer realm="enrich"'}
    if key is None:
        abort(401, message="an API key is required: send X-API-Key: KEY or Authorization: Bearer KEY",
              headers=challenge)
    matched = keys.match(key, digests)
    if matched is None:
        abort(401, message="unknown API key", headers=challenge)
    return f"key:{matched[:16]}"


def init_app(app: Flask, settings: Settings, store: RedisStore | None) -> None:
    """Guard every /v1 route; preflights (OPTIONS) pass, since browsers send them without credentials."""
    digests = settings.api_keys
    limiter = RateLimiter(store, *settings.rate_limit) if settings.rate_limit and store is not None else None
    if not digests and limiter is None:
        return

    @app.before_request
    def _guard() -> None:
        rule = request.url_rule
        if request.method == "OPTIONS" or rule is None or not rule.rule.startswith(PROTECTED_PREFIX):
            return
        g.client = _client(digests)
        if limiter is None:
            return
        try:
            g.rate = decision = limiter.hit(g.client)
        except Unavailable:
            return  # fail open: a Redis outage costs the limit, never the answer (the store logs it)
        if not decision.allowed:
            abort(429, message=f"more than {decision.limit} requests in the window; retry in {decision.reset_s} s",
                  headers={"Retry-After": str(decision.reset_s)})

    @app.after_request
    def _rate_headers(response: Response) -> Response:
        decision = g.get("rate")
        if decision is not None:
            response.headers["X-RateLimit-Limit"] = str(decision.limit)
            response.headers["X-RateLimit-Remaining"] = str(decision.remaining)
            response.headers["X-RateLimit-Reset"] = str(decision.reset_s)
        return response
