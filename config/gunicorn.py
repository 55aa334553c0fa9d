"""gunicorn's configuration, from the same Settings as the app, for `python -m enrich serve` (the Procfile).

Binds the Unix socket `serve` gives it behind its nginx front (ENRICH_FRONT=nginx, the default), or HOST:PORT
(default 127.0.0.1:8000) with ENRICH_FRONT=none; WEB_CONCURRENCY workers of ENRICH_WEB_THREADS threads (gthread).
The app is preloaded: the reference index loads once in the master and the forked workers share it
(copy-on-write), and a bad setting stops the server before any worker starts. Prometheus runs in multiprocess
mode: every worker writes its samples under PROMETHEUS_MULTIPROC_DIR (a fresh temporary folder unless given;
emptied at start) and a scrape of any worker reports the sum. GUNICORN_CMD_ARGS can still override anything here
(e.g. "--timeout 60").
"""

import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # gunicorn may run from another folder (python -m enrich serve runs it from anywhere)
    sys.path.insert(0, str(ROOT))

from config.logging import logging_config  # noqa: E402
from config.settings import Settings  # noqa: E402

settings = Settings.from_env()

# Before the app (and prometheus_client) is imported: the metrics library reads this once, at import.
_made_metrics_dir = not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if _made_metrics_dir:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="enrich-metrics-")
_metrics_dir = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
_metrics_dir.mkdir(parents=True, exist_ok=True)
for _stale in _metrics_dir.glob("*.db"):  # samples of an earlier run would be added to this one's
    _stale.unlink()

wsgi_app = "enrich.web:create_app()"
if settings.front == "none":
    _host = settings.host.strip("[]")
    bind = [f"[{_host}]:{settings.port}" if ":" in _host else f"{_host}:{settings.port}"]  # IPv6 in brackets
elif os.environ.get("ENRICH_UPSTREAM_SOCKET"):  # `python -m enrich serve` runs nginx on HOST:PORT in front
    bind = [f"unix:{os.environ['ENRICH_UPSTREAM_SOCKET']}"]
    # nginx caps request lines and headers at 16 KB and answers beyond in JSON: gunicorn's own, lower limits would
    # answer in HTML (the private socket sees nothing else)
    limit_request_line, limit_request_field_size, limit_request_fields = 0, 0, 32768
else:  # the app would trust an X-Forwarded-For entry that no front wrote
    sys.exit("error: ENRICH_FRONT=nginx: start the web server with `python -m enrich serve` (nginx in front of "
             "gunicorn), or set ENRICH_FRONT=none to run gunicorn alone on HOST:PORT")
workers = settings.web_concurrency
worker_class = "gthread"
threads = settings.web_threads
preload_app = True
timeout = 30
graceful_timeout = 20
keepalive = 5
logconfig_dict = logging_config(settings.log_level)
# gunicorn builds an access line's fields on every request whenever logging is configured, even with its access
# logger silenced; the app logs each request itself (enrich/web/tracing.py): this logger builds none.
# (gunicorn switches to its statsd logger only from its default one: asked for, statsd keeps that.)
if "--statsd-host" not in os.environ.get("GUNICORN_CMD_ARGS", ""):
    logger_class = "config.gunicorn_logger.NoAccessLogger"
proc_name = "enrich-web"
control_socket_disable = True  # gunicorn 27's control socket lives in $HOME, shared by every server: not ours


def child_exit(server, worker):
    """A worker's live gauges go with it."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    """Remove the metrics folder this config made."""
    if _made_metrics_dir:
        shutil.rmtree(_metrics_dir, ignore_errors=True)
