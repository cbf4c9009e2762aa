"""The background worker: fires what is due, delivers, indexes and seals, in a loop, until told to stop.

Apps register sweeps (e.g. "fire due clocks", "deliver the outbox"): functions that claim a bounded
batch of due rows with row locks, handle them one transaction per row, and return how many they
handled. The audit sequencer ("audit-seal") runs last in every pass of every worker, one process at a
time. Durable state lives in those rows, not in the worker, so any number of workers on any
number of machines can run at once, and a killed worker loses nothing.
One-off heavy work (extracting an attachment's text, re-indexing) is a queued row a sweep takes too,
not a request's business; there is no second job queue.
"""

from __future__ import annotations

import logging
import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import FrameType

from django.conf import settings
from django.db import close_old_connections

logger = logging.getLogger("xietong.worker")


@dataclass(frozen=True)
class Sweep:
    name: str
    run: Callable[[int], int]  # batch size → rows handled
    order: int


_sweeps: dict[str, Sweep] = {}
ALWAYS = {"audit-seal"}


def register_sweep(name: str, run: Callable[[int], int], *, order: int = 100) -> None:
    _sweeps[name] = Sweep(name, run, order)


def sweeps() -> list[Sweep]:
    return sorted(_sweeps.values(), key=lambda s: (s.order, s.name))


def run_sweeps_once(batch_size: int = 200) -> dict[str, int]:
    """One pass over every sweep; returns rows handled per sweep. Tests call this directly."""
    return {sweep.name: sweep.run(batch_size) for sweep in sweeps()}


class Worker:
    def __init__(
        self,
        *,
        interval: float = 1.0,
        batch_size: int = 200,
        once: bool = False,
        only: list[str] | None = None,
    ):
        self.interval = interval
        self.batch_size = batch_size
        self.once = once
        self.only = only
        self.running = True

    def _sweeps(self) -> list[Sweep]:
        # The audit sequencer runs in every worker whatever `only` says: without it the trail stays unsealed.
        return [s for s in sweeps() if self.only is None or s.name in self.only or s.name in ALWAYS]

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        if not self.running:
            raise SystemExit(1)
        logger.info("收到 %s，处理完当前批次后退出", signal.strsignal(signum))
        self.running = False

    def run(self) -> None:
        from xietong.core.heartbeat import heartbeat_start, heartbeat_stop

        signal.signal(signal.SIGINT, self._stop)
        signal.signal(signal.SIGTERM, self._stop)
        logger.info("后台任务进程已启动：%s", ", ".join(s.name for s in self._sweeps()) or "（无定时扫描）")
        # The supervisor (`xietong serve`) says how often it had to start this worker again, and why.
        beat = heartbeat_start(
            restarts=int(os.environ.get("XIETONG_WORKER_RESTARTS", "0") or 0),
            last_exit=os.environ.get("XIETONG_WORKER_LAST_EXIT", ""),
        )
        try:
            self._loop(beat)
        finally:
            close_old_connections()
            heartbeat_stop(beat)

    def _loop(self, beat) -> None:
        from xietong.core.heartbeat import heartbeat_beat

        every = settings.XIETONG_WORKER_HEARTBEAT_SECONDS
        last_beat = time.monotonic()
        while self.running:
            if time.monotonic() - last_beat >= every:
                try:
                    heartbeat_beat(beat)
                    last_beat = time.monotonic()
                except Exception:  # the database away for a moment: the sweeps will say so too
                    logger.exception("写入心跳失败")
            close_old_connections()
            handled = 0
            for sweep in self._sweeps():
                if not self.running:
                    break
                try:
                    handled += sweep.run(self.batch_size)
                except Exception:  # keep the worker alive; the rows stay due and are retried
                    logger.exception("扫描 %s 失败", sweep.name)
            close_old_connections()
            if self.once:
                break
            if handled == 0 and self.running:
                time.sleep(self.interval)
