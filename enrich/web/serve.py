"""`python -m enrich serve` (the Procfile's web line): gunicorn with config/gunicorn.py, behind nginx by default.

With ENRICH_FRONT=nginx (the default) it starts gunicorn on a Unix socket in a private folder and nginx on
HOST:PORT in front of it (enrich/web/front.py), watches both and stops both: a signal stops nginx gracefully (it
finishes the requests it holds), then gunicorn; either one dying stops the other and `serve` exits 1, so an
orchestrator sees one process. nginx's own log lines are passed on as JSON lines like every other. With
ENRICH_FRONT=none it becomes gunicorn itself on HOST:PORT (for a platform whose router already buffers clients).
"""

from __future__ import annotations

import contextlib
import logging
import logging.config
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import IO

from config.logging import logging_config
from config.settings import Settings
from enrich.errors import StackFailed
from enrich.stack import Stack, processes
from enrich.web import front

CONFIG = Path(__file__).resolve().parents[2] / "config" / "gunicorn.py"
READY_TIMEOUT_S = 120.0  # the app preloads the reference index in gunicorn's master before it binds
POLL_S = 0.2
log = logging.getLogger("enrich.serve")


def argv() -> list[str]:
    """The command that runs gunicorn (with this interpreter and an absolute config path)."""
    return [sys.executable, "-m", "gunicorn", "--config", str(CONFIG)]


def serve() -> int:
    """Check the settings (one clear line instead of a traceback), then serve until a signal or a child's end."""
    settings = Settings.from_env()
    if settings.front == "none":
        sys.stdout.flush()
        sys.stderr.flush()
        os.execv(sys.executable, argv())
    nginx = front.nginx_binary()
    logging.config.dictConfig(logging_config(settings.log_level))
    folder = Path(tempfile.mkdtemp(prefix="enrich-front-"))
    os.chmod(folder, 0o700)  # the socket inside is reachable only by the front's workers (and root)
    user = front.worker_user()
    if user is not None:
        os.chown(folder, user[2], user[3])
    stack = Stack(say=log.info)
    previous = {signum: signal.signal(signum, stack.on_signal)
                for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    code = 0
    try:
        upstream = folder / "gunicorn.sock"
        lua = front.lua_modules()
        if not lua:
            log.warning("nginx's Lua module is not installed (Debian: libnginx-mod-http-lua): a client that trickles "
                        "its body is cut only when it pauses for ENRICH_CLIENT_TIMEOUT_S, not after it in total")
        (folder / "nginx.conf").write_text(front.config(settings, folder, upstream, user, lua))
        env = {**os.environ, front.UPSTREAM_ENV: str(upstream)}
        # In serve's own process group: `up` (or anyone) killing serve's group kills both.
        stack.start("gunicorn", argv(), env, own_group=False)
        stack.wait_for(f"gunicorn listening on {upstream}", upstream.exists, READY_TIMEOUT_S)
        if stack.signalled is None:
            child = stack.start("nginx", [nginx, "-e", "stderr", "-p", str(folder), "-c", str(folder / "nginx.conf")],
                                env, stop_signal=signal.SIGQUIT, piped=True, own_group=False)  # SIGQUIT: graceful
            threading.Thread(target=_relay, args=(child.process.stdout,), name="nginx-log", daemon=True).start()
            log.info("nginx in front on %s:%s, gunicorn behind it on %s", settings.host, settings.port, upstream)
        while stack.signalled is None:
            dead = stack.dead()
            if dead is not None:
                raise StackFailed(f"{dead.name} (pid {dead.pid}) {dead.ended()}; stopping the other")
            time.sleep(POLL_S)
    except StackFailed as exc:
        log.error("%s", exc)
        code = 1
    finally:
        stack.stop(order=("nginx", "gunicorn"))
        _kill_orphaned_nginx()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        shutil.rmtree(folder, ignore_errors=True)
    return code


def _kill_orphaned_nginx() -> None:
    """nginx's workers outlive a master that was killed outright (SIGKILL, OOM) and keep the port: kill those in
    our process group (Linux /proc; elsewhere nothing to do)."""
    group = os.getpgid(0)
    for process in processes():
        if process.name == "nginx" and process.pgid == group:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(process.pid, signal.SIGKILL)


_LEVELS = {"emerg": "CRITICAL", "alert": "CRITICAL", "crit": "CRITICAL", "error": "ERROR", "warn": "WARNING",
           "notice": "INFO", "info": "INFO", "debug": "DEBUG"}


def _relay(stream: IO[bytes]) -> None:
    """nginx's log lines (`2026/11/30 12:25:29 [error] 11505#11505: *6 message`) as JSON lines of logger `nginx`."""
    nginx = logging.getLogger("nginx")
    for raw in stream:
        line = raw.decode("utf-8", "replace").rstrip("\n")
        _, _, rest = line.partition(" [")
        level, _, message = rest.partition("] ")
        if level in _LEVELS and message:
            message = message.split(": ", 1)[-1]  # the pid#tid part: the record carries serve's pid
            nginx.log(logging.getLevelName(_LEVELS[level]), "%s", message)
        elif line.strip():
            nginx.warning("%s", line)
