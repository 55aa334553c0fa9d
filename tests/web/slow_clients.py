"""Slow and stalled HTTP clients, for the front's tests (tests/web/test_front.py) and bench/slow_clients.py."""

from __future__ import annotations

import socket
import time

HEAD = b"POST /v1/enrich HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"


class Trickler:
    """One client of a POST promising a 100 KB body: `trickle` sends the headers, then one body byte a second;
    `stall-body` sends the headers and nothing more; `stall-head` sends half the headers and nothing more.
    Call `tick()` often (several times a second); `cut_after` is set when the server answers or closes."""

    def __init__(self, port: int, kind: str = "trickle", host: str = "127.0.0.1"):
        if kind not in ("trickle", "stall-body", "stall-head"):
            raise ValueError(kind)
        self.kind = kind
        self.sock = socket.create_connection((host, port), timeout=5)
        self.sock.sendall(HEAD[:len(HEAD) // 2] if kind == "stall-head" else HEAD)
        self.sock.setblocking(False)
        self.started = self.sent_at = time.monotonic()
        self.cut_after: float | None = None
        self.answer = b""

    def tick(self) -> None:
        """Send a byte if a second has passed (trickle); notice an answer or a closed connection."""
        if self.cut_after is not None:
            return
        now = time.monotonic()
        try:
            chunk = self.sock.recv(4096)
            self.answer += chunk
            self.cut_after = now - self.started  # an answer, or b"": closed
            return
        except BlockingIOError:
            pass
        except OSError:
            self.cut_after = now - self.started
            return
        if self.kind == "trickle" and now - self.sent_at >= 1.0:
            try:
                self.sock.send(b"x")
                self.sent_at = now
            except OSError:
                self.cut_after = now - self.started

    def close(self) -> None:
        self.sock.close()
