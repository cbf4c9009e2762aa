"""我的工作台 › 节假日安排: from 1 November, administrators and the coordinating office see that next year's
holidays are not published yet (until then every clock running into it counts by the weekday pattern)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from xietong.core import clock
from xietong.core.workbench import WorkbenchEntry, WorkbenchSection, register_section
from xietong.workcal.selectors import default_calendar, engine_for

# The State Council publishes next year's arrangement in November or December.
WARN_FROM_MONTH = 11


def missing_years(today) -> list[int]:
    engine = engine_for(default_calendar())
    years = [today.year] + ([today.year + 1] if today.month >= WARN_FROM_MONTH else [])
    return [year for year in years if not engine.statutory_published(year)]


def holidays_unpublished(person) -> WorkbenchSection | None:
    if not (person.is_staff or person.is_superuser or person.is_coordinator):
        return None
    missing = missing_years(clock.today())
    if not missing:
        return None
    url = reverse("admin:workcal_holidayschedule_import") if person.is_staff or person.is_superuser else ""
    entries = [
        WorkbenchEntry(
            _("%(year)d 年法定节假日尚未公布/录入") % {"year": year},
            url,
            _("跨入 %(year)d 年的时限暂按每周工作日推算；国务院办公厅通知发布后请导入（系统管理 › 节假日安排）。")
            % {"year": year},
            "warn",
        )
        for year in missing
    ]
    return WorkbenchSection(key="holidays", title=_("节假日安排"), entries=entries)


register_section("holidays", holidays_unpublished, order=1)
