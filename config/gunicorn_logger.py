"""gunicorn's logger without its access log (config/gunicorn.py sets it as `logger_class`)."""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger


class NoAccessLogger(Logger):
    """The app writes one line per request with its request id, route and duration (enrich/web/tracing.py); gunicorn
    builds its own access line's fields on every request whenever logging is configured, even with its access logger
    silenced, only to drop them. This logger builds none, unless an access log file is asked for
    (`--access-logfile` in GUNICORN_CMD_ARGS): then gunicorn's lines are written as usual."""

    @property
    def access_log_enabled(self) -> bool:
        return bool(self.cfg.accesslog)

    def access(self, resp: Any, req: Any, environ: Any, request_time: Any) -> None:
        if self.cfg.accesslog:
            super().access(resp, req, environ, request_time)
