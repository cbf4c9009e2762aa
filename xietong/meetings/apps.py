from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "xietong.meetings"
    label = "meetings"
    verbose_name = _("会议")

    def ready(self) -> None:
        from xietong.clocks.handlers import register_clock_handlers
        from xietong.core.audit import register_actions
        from xietong.core.demo import register_demo_seeder
        from xietong.items.registry import register_process
        from xietong.meetings import workbench  # noqa: F401  (registers the workbench sections)
        from xietong.meetings.choices import ACTION_MACHINE, MINUTES_MACHINE
        from xietong.meetings.demo import seed_demo_meetings
        from xietong.meetings.process import MEETING
        from xietong.meetings.timers import meeting_clock_due, meeting_clock_remind

        register_clock_handlers("meetings.meeting", due=meeting_clock_due, remind=meeting_clock_remind)

        register_process(MEETING)
        register_actions({f"meeting.minutes.{name}": t.label for name, t in MINUTES_MACHINE.transitions.items()})
        register_actions({f"action_item.{name}": t.label for name, t in ACTION_MACHINE.transitions.items()})
        register_actions(
            {
                "meeting.minutes.create": _("编写会议纪要"),
                "meeting.minutes.update": _("修改会议纪要"),
                "meeting.minutes.approve": _("主持人签字确认纪要并分发"),
                "action_item.open": _("决议事项开始跟踪"),
            }
        )
        register_demo_seeder("会议", seed_demo_meetings, order=40)
