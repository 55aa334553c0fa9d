"""flask-smorest wired the house way: our error shape in the spec, our JSON parser, Swagger UI served offline."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

import flask_smorest
import swagger_ui_bundle
from flask import Flask, send_from_directory
from webargs.core import _UNKNOWN_DEFAULT_PARAM as UNKNOWN_DEFAULT

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
    """A flask-smorest Blueprint whose JSON bodies are read strictly (enrich.web.body), and whose decorators cost a
    sync view one plain call each: flask-smorest wraps a view once per decorator in a function that asks Flask
    (through `current_app`) whether the view is a coroutine on every request, and webargs adds its own layer per
    argument location. The documentation each decorator records (`_apidoc`) is kept as flask-smorest makes it."""

    ARGUMENTS_PARSER = JsonParser()

    def arguments(self, schema: Any, *, location: str = "json", **kwargs: Any) -> Callable[[Callable], Callable]:
        documenting = super().arguments(schema, location=location, **kwargs)
        use_args = {k: v for k, v in kwargs.items()
                    if k not in ("content_type", "required", "description", "example", "examples")}
        if location not in ("path", "query") or use_args:
            return documenting  # bodies, and any webargs option: webargs' own wrapper

        def decorator(func: Callable) -> Callable:
            documented = documenting(func)
            if inspect.iscoroutinefunction(func):
                return documented
            parse = self.ARGUMENTS_PARSER.parse

            @functools.wraps(func)
            def wrapper(*args: Any, **view_args: Any) -> Any:
                # webargs' use_args, less its layers: the parsed arguments after those of outer decorators
                return func(*args, parse(schema, location=location, unknown=UNKNOWN_DEFAULT), **view_args)

            wrapper._apidoc = documented._apidoc  # type: ignore[attr-defined]
            return wrapper

        return decorator

    def alt_response(self, status_code: Any, **kwargs: Any) -> Callable[[Callable], Callable]:
        documenting = super().alt_response(status_code, **kwargs)

        def decorator(func: Callable) -> Callable:
            documented = documenting(func)
            if inspect.iscoroutinefunction(func):
                return documented

            @functools.wraps(func)
            def wrapper(*args: Any, **view_args: Any) -> Any:
                return func(*args, **view_args)

            wrapper._apidoc = documented._apidoc  # type: ignore[attr-defined]
            return wrapper

        return decorator


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
