"""The child processes of `python -m enrich up`: each started in its own session (a Ctrl-C in the terminal reaches
only the parent), killed by the kernel if the parent dies (Linux), and stopped in order: the apps, then Redis."""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from enrich.errors import StackFailed

STOP_TIMEOUT_S = 25.0  # gunicorn's graceful_timeout is 20 s; an RQ worker finishes its current job first
LOST_REDIS_STOP_S = 3.0
POLL_S = 0.2
PR_SET_PDEATHSIG = 1


@dataclass
class Child:
    """One process of the stack, the leader of its own process group."""

    name: str
    process: subprocess.Popen
    log: Path | None = None  # where its output goes when not to the terminal
    stop_signal: int = signal.SIGTERM  # what asks it to stop gracefully

    @property
    def pid(self) -> int:
        return self.process.pid

    def ended(self) -> str:
        """How it ended: its exit code, or the signal that killed it."""
        code = self.process.returncode
        if code >= 0:
            return f"exited with code {code}"
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"

    def last_output(self) -> str:
        """Where to read why: the terminal above, or the last lines of its log."""
        if self.log is None:
            return "; its output is above"
        try:
            lines = self.log.read_text(errors="replace").strip().splitlines()[-5:]
        except OSError:
            return ""
        return "; its log ends:\n  " + "\n  ".join(lines) if lines else ""


def _die_with_parent(parent: int) -> Callable[[], None] | None:
    """On Linux: a pre-exec hook that has the kernel send the child SIGTERM when this process dies."""
    if not sys.platform.startswith("linux"):
        return None

    def hook() -> None:
        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        except (OSError, AttributeError):
            return
        if os.getppid() != parent:  # the parent died before the hook ran
            os.kill(os.getpid(), signal.SIGTERM)

    return hook


class Stack:
    """The child processes, started in order and stopped in reverse; a signal asks for a stop."""

    def __init__(self, say: Callable[[str], None] | None = None) -> None:
        self.say = say or _to_stderr  # how the stack tells its operator what it does
        self.children: list[Child] = []
        self.signalled: int | None = None
        self.force = False
        self.redis_dir: Path | None = None

    def on_signal(self, signum: int, frame: object) -> None:
        """First signal: stop gracefully. Second: kill what is left."""
        if self.signalled is not None:
            self.force = True
            self.say("stopping now (killing what is left)")
            return
        self.signalled = signum
        self.say(f"{signal.Signals(signum).name}: stopping " + ", ".join(c.name for c in self.children))

    def start(self, name: str, argv: list[str], env: dict[str, str], log: Path | None = None,
              stop_signal: int = signal.SIGTERM, piped: bool = False, own_group: bool = True) -> Child:
        """Start one child in a new session (its own process group; with `own_group` false, in ours, so that
        whoever kills our group kills it too), its output to the terminal, to `log`, or (`piped`) to a pipe the
        caller reads from `child.process.stdout`."""
        with open(log, "wb") if log else contextlib.nullcontext() as sink:  # the child keeps its own copy
            out = subprocess.PIPE if piped else sink
            process = subprocess.Popen(argv, env=env, start_new_session=own_group,
                                       preexec_fn=_die_with_parent(os.getpid()),
                                       stdout=out, stderr=subprocess.STDOUT if out else None)
        child = Child(name, process, log, stop_signal)
        self.children.append(child)
        return child

    def dead(self) -> Child | None:
        """The first child that has exited, if any."""
        return next((child for child in self.children if child.process.poll() is not None), None)

    def wait_for(self, what: str, check: Callable[[], bool], timeout: float) -> None:
        """Poll check() until true; StackFailed if a child dies or time runs out (a signal just returns)."""
        deadline = time.monotonic() + timeout
        while not check():
            if self.signalled is not None:
                return
            dead = self.dead()
            if dead is not None:
                raise StackFailed(f"{dead.name} (pid {dead.pid}) {dead.ended()} before {what}{dead.last_output()}")
            if time.monotonic() > deadline:
                raise StackFailed(f"{what} did not happen within {timeout:.0f} s")
            time.sleep(POLL_S)

    def stop(self, order: tuple[str, ...] = ()) -> None:
        """Stop everything: the children named in `order` one after the other (a front before the server behind
        it), then the other app processes together, then Redis; kill any group that outlives the timeout."""
        first = [[child for child in self.children if child.name == name] for name in order]
        apps = [child for child in self.children if child.name != "redis" and child.name not in order]
        redis = [child for child in self.children if child.name == "redis"]
        # Without its Redis a worker cannot finish a chunk anyway, and would spend its grace retrying the connection.
        lost = any(child.process.poll() is not None for child in redis)
        for group in (*first, apps, redis):
            for child in group:
                if child.process.poll() is None:
                    _signal_group(child, child.stop_signal, leader_only=True)
            deadline = time.monotonic() + (LOST_REDIS_STOP_S if lost else STOP_TIMEOUT_S)
            for child in group:
                while child.process.poll() is None and time.monotonic() < deadline and not self.force:
                    time.sleep(0.05)
                if child.process.poll() is None:
                    self.say(f"{child.name} (pid {child.pid}) did not stop: killing it")
                    _signal_group(child, signal.SIGKILL)
                    child.process.wait()
                _signal_group(child, signal.SIGKILL)  # grandchildren left behind (a gunicorn worker, an RQ horse)
        if self.redis_dir is not None:
            shutil.rmtree(self.redis_dir, ignore_errors=True)


@dataclass(frozen=True, slots=True)
class Proc:
    """One process as /proc/<pid>/stat tells it."""

    pid: int
    name: str  # the command name (comm), e.g. "nginx"
    state: str  # "R", "S", ..., "Z" for a zombie its parent has not reaped
    ppid: int
    pgid: int


def processes() -> list[Proc]:
    """Every process on the machine (Linux /proc; none elsewhere)."""
    found = []
    for entry in Path("/proc").iterdir() if Path("/proc/self/stat").exists() else ():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # gone meanwhile
            continue
        fields = stat[stat.rindex(")") + 2:].split()  # after "pid (comm) ": state, ppid, pgrp, ...
        found.append(Proc(int(entry.name), stat[stat.index("(") + 1:stat.rindex(")")], fields[0], int(fields[1]),
                          int(fields[2])))
    return found


def _to_stderr(message: str) -> None:
    print(f"\n{message}", file=sys.stderr, flush=True)


def _signal_group(child: Child, signum: int, leader_only: bool = False) -> None:
    try:
        if leader_only:
            os.kill(child.pid, signum)
        else:
            os.killpg(child.pid, signum)
    except (ProcessLookupError, PermissionError):
        pass
