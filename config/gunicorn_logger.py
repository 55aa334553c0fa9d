"""gunicorn's logger without its access log (config/gunicorn.py sets it as `logger_class`)."""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger


class NoAccessLogger(Logger):
    """The app writes one line per request with its request id, route and duration (enrich/web/tracing.py); gunicorn
    builds its own access line's fields on every request whenever logging is configured, even with its access logger
    silenced, only to drop them. This logger builds none."""

    @property
    def access_log_enabled(self) -> bool:
        return False

    def access(self, resp: Any, req: Any, environ: Any, request_time: Any) -> None:
        return
