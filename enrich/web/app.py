"""The WSGI app: create_app(settings) builds the services once and wires each concern in a flat list."""

from __future__ import annotations

from flask import Flask

from config.settings import Settings
from enrich.web import (
    access,
    body,
    cors,
    errors,
    headers,
    health,
    jobs,
    metrics,
    openapi,
    page,
    proxies,
    routes,
    tracing,
)
from enrich.web.fast import App
from enrich.web.state import State
from enrich.web.store import RedisStore
from enrich.wiring import build_services


def create_app(settings: Settings | None = None) -> Flask:
    """The app for gunicorn (`enrich.web:create_app()`), `flask run` and tests; settings from the environment unless
    given. Loads the reference data; connects to nothing until a request needs it."""
    settings = settings or Settings.from_env()
    services = build_services(settings)
    app = App("enrich.web")
    app.json.sort_keys = False  # the fields in the order the service writes them, as the CLI prints them
    app.json.compact = True
    store = RedisStore(settings.redis_url) if settings.redis_url else None
    app.extensions["enrich"] = State(settings=settings, services=services, store=store)
    proxies.init_app(app, settings)
    tracing.init_app(app)
    headers.init_app(app)
    body.init_app(app, settings.max_body_bytes,
                  {"jobs.create": (settings.max_job_body_bytes, "ENRICH_MAX_JOB_BODY_BYTES")})
    access.init_app(app, settings, store)
    cors.init_app(app, settings.cors_origins)
    metrics.init_app(app, services)
    api = openapi.init_app(app, api_keys=bool(settings.api_keys))
    errors.init_app(app)
    for blueprint in (routes.blp, jobs.blp, health.blp, metrics.blp):
        api.register_blueprint(blueprint)
    app.register_blueprint(page.blp)  # the page at / (enrich/web/page.py), outside the API spec
    return app
