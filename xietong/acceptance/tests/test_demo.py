"""The demo company shows the acceptance's end: a 结果确认表 signed by every key receiver and a 复盘报告 filed in the
archive after the go-live."""

import datetime as dt
from zoneinfo import ZoneInfo

import time_machine

from xietong.acceptance.models import ResultConfirmation, Retrospective
from xietong.archive.indexing import subject_refresh
from xietong.archive.models import ArchiveRecord
from xietong.core.demo import seed_demo
from xietong.requests.demo import BATTERY

WEDNESDAY = dt.datetime(2026, 12, 2, 11, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_the_demo_shows_a_signed_result_confirmation_and_a_filed_retrospective(db, seeded_demo):
    with time_machine.travel(WEDNESDAY, tick=False):
        seeded_demo()
        seed_demo()  # idempotent
        confirmation = ResultConfirmation.objects.get(request__title=BATTERY)
        assert confirmation.signatures.count() >= 1
        assert not confirmation.signatures.filter(signed_at__isnull=True).exists()
        assert confirmation.confirmed_at is not None
        retrospective = Retrospective.objects.get(request__title=BATTERY)
        assert retrospective.state == "filed"
        assert retrospective.went_live_at == dt.datetime(2026, 12, 1, 14, 0, tzinfo=WEDNESDAY.tzinfo)
        subject_refresh("acceptance.retrospective", retrospective.pk)
    record = ArchiveRecord.objects.get(subject_type="acceptance.retrospective", subject_id=retrospective.pk)
    assert record.type_label == "复盘报告"
    assert record.name.endswith("-智能手表项目-2026-12-01")
