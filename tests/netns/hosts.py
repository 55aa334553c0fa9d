"""Hosts for fault tests: Linux network namespaces, each with one cable (a veth pair) into a switch (a bridge in a
namespace of its own), processes started inside them, and cables pulled and put back.

Nothing is made in the root namespace: the bridge, every interface and every address live in this run's namespaces
(named after the test process's pid), and `close()` removes them, and ends every process in them, whatever happened.
The test process reaches the hosts only through a client process inside a host namespace (`Rpc`, tests/netns/client.py):
the suite's socket guard lets it reach loopback only.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SUBNET = "10.213.7"  # a /24 that exists only inside this run's namespaces
BRIDGE = "br0"
IP_TIMEOUT_S = 15


def ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """`ip ARGS`; RuntimeError with its message when it fails (unless `check` is false)."""
    done = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=IP_TIMEOUT_S)
    if check and done.returncode != 0:
        raise RuntimeError(f"`ip {' '.join(args)}` failed ({done.returncode}): {done.stderr.strip()}")
    return done


def unavailable() -> str | None:
    """Why this machine cannot host the namespace tests (not root, no `ip`, no namespaces, bridges or veth pairs), or
    None when it can."""
    if os.geteuid() != 0:
        return "network namespaces need root (CI runs the suite as root)"
    if shutil.which("ip") is None:
        return "`ip` (iproute2) is not installed"
    probe = f"enprobe{os.getpid()}"
    try:
        for args in (("netns", "add", probe), ("-n", probe, "link", "add", BRIDGE, "type", "bridge"),
                     ("-n", probe, "link", "add", "v0", "type", "veth", "peer", "name", "v1")):
            done = ip(*args, check=False)
            if done.returncode != 0:
                return f"cannot make network namespaces here: `ip {' '.join(args)}`: {done.stderr.strip()}"
    finally:
        ip("netns", "del", probe, check=False)
    return None


@dataclass(frozen=True)
class Host:
    """One machine: its namespace, its address, and its cable's end on the switch (`port`, in the switch's
    namespace)."""

    name: str
    netns: str
    address: str
    port: str


class Lab:
    """A switch and hosts plugged into it: `start` runs a command on a host, `unplug`/`plug` pull and put back its
    cable."""

    # Pulling a cable detaches the host's port from the bridge: both ends of the veth stay up, so neither side is told;
    # the packets just vanish, as with a cable pulled between two switches.

    def __init__(self, names: list[str]) -> None:
        tag = f"en{os.getpid()}"
        self.switch = f"{tag}-switch"
        self.hosts = {name: Host(name, f"{tag}-{name}", f"{SUBNET}.{10 + i}", f"port{i}")
                      for i, name in enumerate(names)}
        self.logs = Path(tempfile.mkdtemp(prefix="enrich-netns-"))
        self.processes: list[subprocess.Popen] = []
        self._namespaces: list[str] = []

    def __getitem__(self, name: str) -> Host:
        return self.hosts[name]

    def build(self) -> Lab:
        """Make the switch and the hosts (a failure undoes what was made, then raises)."""
        try:
            self._netns(self.switch)
            ip("-n", self.switch, "link", "add", BRIDGE, "type", "bridge")
            ip("-n", self.switch, "link", "set", BRIDGE, "up")
            for host in self.hosts.values():
                self._netns(host.netns)
                ip("-n", self.switch, "link", "add", host.port, "type", "veth", "peer", "name", "eth0", "netns",
                   host.netns)
                ip("-n", self.switch, "link", "set", host.port, "master", BRIDGE, "up")
                ip("-n", host.netns, "addr", "add", f"{host.address}/24", "dev", "eth0")
                ip("-n", host.netns, "link", "set", "eth0", "up")
                ip("-n", host.netns, "link", "set", "lo", "up")
        except BaseException:
            self.close()
            raise
        return self

    def _netns(self, name: str) -> None:
        ip("netns", "add", name)
        self._namespaces.append(name)

    def unplug(self, name: str) -> None:
        """Pull the host's cable: its port leaves the bridge; both ends stay up and nothing reaches it any more."""
        ip("-n", self.switch, "link", "set", self.hosts[name].port, "nomaster")

    def plug(self, name: str) -> None:
        """Put the cable back."""
        ip("-n", self.switch, "link", "set", self.hosts[name].port, "master", BRIDGE)

    def plug_all(self) -> None:
        """Every cable back in (after a test, whatever it did)."""
        for name, host in self.hosts.items():
            if not self.plugged(name):
                ip("-n", self.switch, "link", "set", host.port, "master", BRIDGE)

    def plugged(self, name: str) -> bool:
        """The host's port is on the bridge."""
        shown = json.loads(ip("-j", "-n", self.switch, "link", "show", self.hosts[name].port).stdout)[0]
        return shown.get("master") == BRIDGE

    def link_states(self, name: str) -> tuple[str, str]:
        """(the host's eth0, its port on the switch): the kernel's operstate of both ends of its cable."""
        inside = json.loads(ip("-j", "-n", self.hosts[name].netns, "link", "show", "eth0").stdout)[0]
        outside = json.loads(ip("-j", "-n", self.switch, "link", "show", self.hosts[name].port).stdout)[0]
        return inside["operstate"], outside["operstate"]

    def start(self, name: str, argv: list[str], *, env: dict[str, str], log: str, pipes: bool = False,
              ) -> subprocess.Popen:
        """Run `argv` on the host (its own session, cwd the project), stderr (and stdout unless `pipes`) to
        logs/<log>.log; with `pipes`, stdin and stdout are pipes to the test."""
        with open(self.logs / f"{log}.log", "ab") as sink:
            process = subprocess.Popen(
                ["ip", "netns", "exec", self.hosts[name].netns, *argv], cwd=ROOT, env=env, start_new_session=True,
                stdin=subprocess.PIPE if pipes else subprocess.DEVNULL,
                stdout=subprocess.PIPE if pipes else sink, stderr=sink)
        self.processes.append(process)
        return process

    def log(self, name: str) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def stop(self, process: subprocess.Popen, grace_s: float = 5.0) -> None:
        """SIGTERM the process's group, SIGKILL after `grace_s`; close its pipes."""
        if process.poll() is None:
            _signal_group(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=grace_s)
            except subprocess.TimeoutExpired:
                _signal_group(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        _signal_group(process.pid, signal.SIGKILL)  # anything it left behind in its group
        for pipe in (process.stdin, process.stdout):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()

    def close(self) -> None:
        """Stop every process started here, end anything else left in the namespaces, remove the namespaces (with
        their interfaces) and the logs."""
        for process in reversed(self.processes):
            with contextlib.suppress(Exception):
                self.stop(process, grace_s=3.0)
        for netns in reversed(self._namespaces):
            pids = ip("netns", "pids", netns, check=False).stdout.split()
            for pid in pids:  # only processes these tests started can be in this run's namespaces
                with contextlib.suppress(ProcessLookupError, ValueError):
                    os.kill(int(pid), signal.SIGKILL)
            ip("netns", "del", netns, check=False)
        self._namespaces.clear()
        shutil.rmtree(self.logs, ignore_errors=True)


def _signal_group(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


class Channel:
    """JSON lines to and from a process started with `pipes`: `send` one, `line` waits (bounded) for the next."""

    def __init__(self, process: subprocess.Popen) -> None:
        assert process.stdin is not None and process.stdout is not None
        self.process, self._stdin, self._stdout = process, process.stdin, process.stdout
        self._buffer = b""

    def send(self, message: dict[str, Any]) -> None:
        self._stdin.write(json.dumps(message).encode() + b"\n")
        self._stdin.flush()

    def line(self, wait_s: float) -> str:
        """The next line the process writes; AssertionError when none comes within `wait_s` or it exits."""
        deadline = time.monotonic() + wait_s
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            assert left > 0, f"no answer from the process on the test network within {wait_s:g} s"
            ready, _, _ = select.select([self._stdout], [], [], left)
            if ready:
                chunk = os.read(self._stdout.fileno(), 65536)
                assert chunk, f"the process on the test network exited ({self.process.poll()})"
                self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line.decode()


class Rpc(Channel):
    """tests/netns/client.py running on a host: `call(op, ...)` sends one request and returns its JSON answer."""

    def __init__(self, lab: Lab, host: str, env: dict[str, str]) -> None:
        super().__init__(lab.start(host, [sys.executable, "-m", "tests.netns.client"], env=env, log=f"rpc-{host}",
                                   pipes=True))

    def call(self, op: str, *, wait_s: float = 30.0, **fields: Any) -> dict[str, Any]:
        """The answer to {"op": op, **fields}; AssertionError when none comes within `wait_s`."""
        self.send({"op": op, **fields})
        return json.loads(self.line(wait_s))
