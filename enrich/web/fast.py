"""Two costs every request paid in Flask itself, removed: JSON answers encoded by orjson, and each hook checked for
a coroutine once rather than on every request (Flask's `ensure_sync` inspects every before/after-request function
each time it runs it; the app has a dozen)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from flask import Flask, Response
from flask.json.provider import DefaultJSONProvider


class OrjsonProvider(DefaultJSONProvider):
    """JSON answers by orjson (UTF-8 as is, keys in the order written), the standard library where orjson can't:
    a lone surrogate in an article's text (json escapes it), an integer past 64 bits, a type only `default` knows."""

    sort_keys = False

    def response(self, *args: Any, **kwargs: Any) -> Response:
        if self.compact is False or (self.compact is None and self._app.debug):
            return super().response(*args, **kwargs)  # indented answers: rare, and json indents as documented
        obj = self._prepare_response_obj(args, kwargs)
        try:
            body = orjson.dumps(obj, option=orjson.OPT_APPEND_NEWLINE)
        except (orjson.JSONEncodeError, TypeError):
            return super().response(*args, **kwargs)
        return self._app.response_class(body, mimetype=self.mimetype)


class App(Flask):
    """Flask with orjson answers and hooks checked for coroutines once."""

    json_provider_class = OrjsonProvider

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sync: dict[Callable[..., Any], Callable[..., Any]] = {}

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        try:
            return self._sync[func]
        except KeyError:
            wrapped = self._sync[func] = super().ensure_sync(func)
            return wrapped
        except TypeError:  # an unhashable callable: as Flask does
            return super().ensure_sync(func)
