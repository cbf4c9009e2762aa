"""The onboarding steps a person owns and the onboardings they follow (the onboarding process's section)."""

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from xietong.core import clock
from xietong.core.workbench import WorkbenchEntry, WorkbenchSection
from xietong.lighter.selectors import onboarding_list, open_steps_of


def onboarding_section(person) -> WorkbenchSection:
    today = clock.today()
    entries = [
        WorkbenchEntry(
            _("%(who)s入职：%(step)s") % {"who": step.onboarding.newcomer.display_name, "step": step.title},
            step.get_absolute_url(),
            _("截止 %(due)s") % {"due": f"{step.due_date:%m-%d}"},
            "late" if step.due_date < today else "",
        )
        for step in open_steps_of(person)[:10]
    ]
    # The newcomer's head (and the newcomer) follow the progress of onboardings in progress.
    onboardings: Any = onboarding_list(person, "open")[:5]  # annotated with step_done / step_total
    for onboarding in onboardings:
        if onboarding.newcomer_id == person.pk or onboarding.department.head_id == person.pk:
            entries.append(
                WorkbenchEntry(
                    onboarding.title,
                    onboarding.get_absolute_url(),
                    _("进度 %(done)d/%(total)d") % {"done": onboarding.step_done, "total": onboarding.step_total},
                )
            )
    return WorkbenchSection(
        key="onboarding",
        title=_("新人入职"),
        entries=entries,
        empty_text=_("没有待办的入职事项。"),
        more_url=reverse("onboarding-list"),
    )
