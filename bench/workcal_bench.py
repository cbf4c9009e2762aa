"""Working-time arithmetic: operations per second for add and between, spans from minutes to 3 years,
against the obvious day-by-day loop on the same inputs. Pure Python, no database, one core."""

from __future__ import annotations

import datetime as dt
import random
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import emit
from xietong.workcal.engine import WorkingCalendar
from xietong.workcal.naive import naive_add, naive_between

SH = ZoneInfo("Asia/Shanghai")
SPANS = [
    ("30 分钟", dt.timedelta(minutes=30)),
    ("2 小时", dt.timedelta(hours=2)),
    ("1 个工作日", dt.timedelta(hours=7.5)),
    ("1 个月", dt.timedelta(hours=7.5 * 21)),
    ("3 年", dt.timedelta(hours=7.5 * 750)),
]


def starts(n: int, seed: int = 7) -> list[dt.datetime]:
    rng = random.Random(seed)
    base = dt.datetime(2026, 1, 1, tzinfo=SH)
    # Instants arrive from the database and from now() in UTC, as in the running product.
    return [(base + dt.timedelta(minutes=rng.randrange(0, 365 * 24 * 60))).astimezone(dt.UTC) for _ in range(n)]


def rate(fn, args, min_seconds: float = 1.0) -> float:
    done, started = 0, time.perf_counter()
    while True:
        for a in args:
            fn(*a)
        done += len(args)
        elapsed = time.perf_counter() - started
        if elapsed >= min_seconds:
            return done / elapsed


def main(quick: bool = False) -> None:
    calendar = WorkingCalendar()
    points = starts(2000 if not quick else 500)
    for label, span in SPANS:
        adds = [(p, span) for p in points]
        add = calendar.add
        emit("工作时间计算", f"add（{label}）", rate(add, adds), "次/秒", "≥ 300,000" if label == "2 小时" else "")
        naive_points = adds[: 200 if span < dt.timedelta(days=30) else 20]
        emit(
            "工作时间计算",
            f"add（{label}）· 逐日循环对照",
            rate(lambda p, s: naive_add(calendar, p, s), naive_points, 0.5),
            "次/秒",
        )
        pairs = [(p, calendar.add(p, span)) for p in points]
        emit("工作时间计算", f"between（{label}）", rate(calendar.between, pairs), "次/秒")
        naive_pairs = pairs[: 200 if span < dt.timedelta(days=30) else 20]
        emit(
            "工作时间计算",
            f"between（{label}）· 逐日循环对照",
            rate(lambda a, b: naive_between(calendar, a, b), naive_pairs, 0.5),
            "次/秒",
        )


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
