"""Suite-wide guards: no socket may leave the machine, and ../shared is optional."""

from __future__ import annotations

import atexit
import ipaddress
import os
import shutil
import socket
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# No test reaches Yahoo: the suite runs offline unless a test points the service at the loopback fake.
os.environ["ENRICH_MARKET_DATA"] = "offline"
# Outage tests stop Redis and expect no prices at once: the per-process quote memo is off unless a test turns it on.
os.environ["ENRICH_QUOTE_LOCAL_TTL_MS"] = "0"
os.environ.pop("ENRICH_YAHOO_BASE_URL", None)
# The compiled name index is cached for the suite's processes (workers, servers) in a folder of its own, not the
# user's ~/.cache.
if "ENRICH_CACHE_DIR" not in os.environ:
    os.environ["ENRICH_CACHE_DIR"] = tempfile.mkdtemp(prefix="enrich-test-cache-")
    atexit.register(shutil.rmtree, os.environ["ENRICH_CACHE_DIR"], True)
SHARED = ROOT.parent / "shared"

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _loopback(address) -> bool:
    if isinstance(address, str | bytes):  # a Unix socket path
        return True
    host = address[0]
    if host in ("localhost", "", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class NetworkBlocked(OSError):
    """A test tried to reach beyond loopback."""


def _guarded(real):
    def connect(self, address):
        if not _loopback(address):
            raise NetworkBlocked(f"tests may not reach the network: {address!r}")
        return real(self, address)

    return connect


@pytest.fixture(autouse=True, scope="session")
def _no_network():
    socket.socket.connect = _guarded(_real_connect)
    socket.socket.connect_ex = _guarded(_real_connect_ex)
    yield
    socket.socket.connect = _real_connect
    socket.socket.connect_ex = _real_connect_ex


@pytest.fixture(scope="session")
def shared() -> Path:
    """The shared data folder beside the project; tests that need it skip cleanly without it."""
    if not (SHARED / "data" / "raw").is_dir():
        pytest.skip("../shared/data/raw is not here")
    return SHARED


@pytest.fixture(scope="session")
def redis_url():
    """A real Redis for integration tests: REDIS_URL when given, else a throwaway server the suite starts."""
    given = os.environ.get("REDIS_URL")
    if given:
        yield given
        return
    from tests.redis_server import RedisServer

    server = RedisServer()
    server.start()
    try:
        yield server.url
    finally:
        server.close()


@pytest.fixture
def redis_server():
    """A private throwaway Redis server that a test may stop and start (outage tests)."""
    from tests.redis_server import RedisServer

    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.close()
