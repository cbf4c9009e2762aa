"""What calendar tests share: instants in Asia/Shanghai and the notices written out in tests/notices/."""

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

SH = ZoneInfo("Asia/Shanghai")
NOTICES = Path(__file__).parent / "notices"


def at(text: str) -> dt.datetime:
    """ "2026-12-31 17:00" in Asia/Shanghai."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=SH)


def notice(name: str) -> str:
    """A notice's text: "2025", "2026" (real, standard wording) or "2027-invented"."""
    return (NOTICES / f"{name}.txt").read_text(encoding="utf-8")
