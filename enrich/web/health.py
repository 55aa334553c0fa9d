"""Liveness (/healthz: the process answers; touches nothing) and readiness (/readyz: data loaded, Redis up)."""

from __future__ import annotations

import ssl
from typing import Any

from flask_smorest import abort
from redis.exceptions import AuthenticationError

from enrich.domain.verdicts import SEC
from enrich.web.openapi import Blueprint
from enrich.web.schemas import HealthSchema, ReadySchema
from enrich.web.state import state
from enrich.web.store import Unavailable

blp = Blueprint("health", __name__, description="Probes for the orchestrator and the load balancer")
HEALTHY = {"status": "ok"}


@blp.route("/healthz")
@blp.alt_response(200, schema=HealthSchema, success=True, description="The process answers")
def healthz() -> dict[str, Any]:
    """Alive: no Redis, no reference data, no work (the benchmark's framework ceiling)."""
    return HEALTHY


@blp.route("/readyz")
@blp.alt_response(200, schema=ReadySchema, success=True, description="Ready for traffic")
def readyz() -> dict[str, Any]:
    """Ready: the reference data is loaded (with its as-of dates) and Redis answers when REDIS_URL is set."""
    current = state()
    refdata = {"ok": current.services.reference.as_of(SEC) is not None, "as_of": current.services.refdata_versions}
    redis: dict[str, Any] = {"ok": True, "detail": "not configured (REDIS_URL unset)"}
    if current.store is not None:
        try:
            current.store.ping()
            redis = {"ok": True}
        except Unavailable as exc:  # the store logs why; the probe is public, so it names no address
            redis = {"ok": False, "detail": _why(exc)}
    checks = {"refdata": refdata, "redis": redis}
    failing = [name for name, check in checks.items() if not check["ok"]]
    if failing:
        abort(503, code="not_ready", message=f"not ready: {', '.join(failing)}", details=checks)
    return {"status": "ready", "checks": checks}


def _why(exc: Unavailable) -> str:
    """The kind of Redis failure, for a public probe: what to fix, never the address or the URL."""
    cause = exc.__cause__
    if isinstance(cause, AuthenticationError):
        return "authentication failed (the password in REDIS_URL)"
    if isinstance(cause, ssl.SSLError) or isinstance(getattr(cause, "__context__", None), ssl.SSLError):
        return "TLS failed (rediss:// and its ssl_ca_certs in REDIS_URL)"
    return "unreachable"
