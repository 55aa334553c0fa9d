"""flask-smorest wired the house way: our error shape in the spec, our JSON parser, Swagger UI served offline."""

from __future__ import annotations

import flask_smorest
import swagger_ui_bundle
from flask import Flask, send_from_directory

from enrich import __version__
from enrich.web.body import JsonParser
from enrich.web.schemas import ErrorSchema

DESCRIPTION = """Find every ticker tag in an article (`Xiaomi (NASDAQ: XIACY)`), check it against the bundled
reference data and live market data, correct it where the article got it wrong, and add price context.

Every error answers `{"error": {"code", "message", "details"?}}`. When ENRICH_API_KEYS is set, /v1 routes need
`X-API-Key: KEY` (or `Authorization: Bearer KEY`)."""


class Api(flask_smorest.Api):
    """The spec documents our error shape; enrich.web.errors registers the handlers that write it."""

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self) -> None:
        """Left to enrich.web.errors: one set of handlers, in one place."""


class Blueprint(flask_smorest.Blueprint):
    """A flask-smorest Blueprint whose JSON bodies are read strictly (enrich.web.body)."""

    ARGUMENTS_PARSER = JsonParser()


def init_app(app: Flask, *, api_keys: bool) -> Api:
    """The spec at /openapi.json, Swagger UI at /docs with its assets from the swagger-ui-bundle package."""
    security = {"ApiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
                "Bearer": {"type": "http", "scheme": "bearer"}}
    app.config.update(
        API_TITLE="enrich", API_VERSION=__version__, OPENAPI_VERSION="3.0.3", OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json", OPENAPI_SWAGGER_UI_PATH="docs",
        OPENAPI_SWAGGER_UI_URL="docs/static/",  # relative to /docs, so a mount under a prefix still works
        API_SPEC_OPTIONS={"info": {"description": DESCRIPTION},
                          **({"components": {"securitySchemes": security}} if api_keys else {})},
    )
    api = Api(app)
    app.add_url_rule("/docs/static/<path:filename>", "swagger_ui_static", _asset)
    return api


def _asset(filename: str):
    """A Swagger UI file from the pinned package: the docs work without a network."""
    return send_from_directory(swagger_ui_bundle.swagger_ui_path, filename, max_age=86400)
