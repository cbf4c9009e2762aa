"""`xietong serve`: the web server (gunicorn) and the worker as two supervised children.

A child that dies is started again after a backoff (1 s, doubling up to a minute; back to 1 s once it stayed
up for a minute), the other one carries on: a killed worker no longer takes the site down, a killed gunicorn
master comes back. Ctrl-C or SIGTERM stops both (TERM, then KILL after a grace period). Children run in their
own sessions, so the terminal's Ctrl-C reaches only the supervisor, which stops them in order; if the
supervisor itself is killed, Linux sends them SIGTERM (PR_SET_PDEATHSIG).

Standard library only: the supervisor holds no database connection and imports nothing of Django.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:  # pragma: no cover (runs in the child between fork and exec)
    # Not Linux: no prctl, and the supervisor's own stop() is the only way down.
    with contextlib.suppress(AttributeError, OSError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def exit_reason(returncode: int) -> str:
    if returncode < 0:
        try:
            return signal.Signals(-returncode).name
        except ValueError:
            return f"signal {-returncode}"
    return f"exit {returncode}"


@dataclass
class Program:
    """One supervised command. `env_for` adds variables for each start (the worker is told its restarts)."""

    name: str
    argv: Sequence[str]
    env_for: Callable[[Program], dict[str, str]] = lambda program: {}
    process: subprocess.Popen | None = None
    restarts: int = 0
    last_exit: str = ""
    started: float = 0.0
    due: float = 0.0
    backoff: float = 0.0
    history: list[str] = field(default_factory=list)


class Supervisor:
    def __init__(
        self,
        programs: Sequence[Program],
        *,
        min_backoff: float = 1.0,
        max_backoff: float = 60.0,
        stable_after: float = 60.0,
        grace: float = 15.0,
        say: Callable[[str], None] | None = None,
    ):
        self.programs = list(programs)
        self.min_backoff, self.max_backoff, self.stable_after, self.grace = (
            min_backoff,
            max_backoff,
            stable_after,
            grace,
        )
        self.say = say or (lambda text: print(text, file=sys.stderr, flush=True))
        self.stopping = False

    def _stop_signal(self, signum, frame) -> None:
        self.stopping = True

    def start(self, program: Program) -> None:
        env = {**os.environ, **program.env_for(program)}
        program.process = subprocess.Popen(  # noqa: S603 (our own commands)
            list(program.argv), env=env, start_new_session=True, preexec_fn=_die_with_parent
        )
        program.started = time.monotonic()
        self.say(f"{program.name} 已启动（pid {program.process.pid}）")

    def _reap(self, program: Program) -> None:
        assert program.process is not None
        code = program.process.returncode
        ran = time.monotonic() - program.started
        program.process = None
        program.last_exit = exit_reason(code)
        program.restarts += 1
        # A child that ran for a while gets a fresh start; one that keeps dying waits longer each time.
        program.backoff = (
            self.min_backoff
            if ran >= self.stable_after
            else min(max(program.backoff * 2, self.min_backoff), self.max_backoff)
        )
        program.due = time.monotonic() + program.backoff
        program.history.append(program.last_exit)
        self.say(f"{program.name} 已退出（{program.last_exit}），{program.backoff:g} 秒后重启")

    def run(self) -> int:
        previous = {sig: signal.signal(sig, self._stop_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            for program in self.programs:
                self.start(program)
            while not self.stopping:
                for program in self.programs:
                    if program.process is not None and program.process.poll() is not None:
                        self._reap(program)
                    if program.process is None and not self.stopping and time.monotonic() >= program.due:
                        self.start(program)
                time.sleep(0.2)
        finally:
            self.say("正在停止……")
            self.stop()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return 0

    def stop(self) -> None:
        running = [p.process for p in self.programs if p.process is not None and p.process.poll() is None]
        for process in running:
            process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.grace
        for process in running:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def serve_programs(*, bind: str, web_workers: int, python: str = sys.executable) -> list[Program]:
    """gunicorn on `bind` and one `xietong worker`. gunicorn binds with SO_REUSEPORT so that a new master can
    listen while the workers of a killed one are still finishing (they exit when their parent is gone)."""
    web = Program(
        "web",
        [python, "-m", "gunicorn", "xietong.wsgi", "--bind", bind, "--workers", str(web_workers),
         "--access-logfile", "-", "--log-level", "warning", "--graceful-timeout", "5", "--reuse-port"],
    )  # fmt: skip
    worker = Program(
        "worker",
        [python, "-m", "xietong.cli", "worker"],
        env_for=lambda program: {
            "XIETONG_WORKER_RESTARTS": str(program.restarts),
            "XIETONG_WORKER_LAST_EXIT": program.last_exit,
        },
    )
    return [web, worker]
