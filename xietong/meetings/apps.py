from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "xietong.meetings"
    label = "meetings"
    verbose_name = _("会议")

    def ready(self) -> None:
        from xietong.clocks.handlers import register_clock_handlers
        from xietong.clocks.models import register_priority_labels
        from xietong.core.demo import register_demo_seeder
        from xietong.core.worker import register_sweep
        from xietong.items.registry import register_process
        from xietong.meetings import workbench  # noqa: F401  (registers the workbench sections)
        from xietong.meetings.callers import register_calls_panels
        from xietong.meetings.demo import seed_demo_meetings
        from xietong.meetings.minutes_limits import PRIORITY_LABELS as MINUTES_PRIORITY_LABELS
        from xietong.meetings.minutes_process import ACTION_ITEM, MINUTES
        from xietong.meetings.process import MEETING
        from xietong.meetings.timers import meeting_clock_due, meeting_clock_remind
        from xietong.meetings.tracking import tracking_send_due

        register_priority_labels(MINUTES_PRIORITY_LABELS)
        register_process(MEETING)
        register_process(MINUTES)
        register_process(ACTION_ITEM)
        register_calls_panels()
        register_sweep("meeting-tracking", tracking_send_due, order=45)
        register_clock_handlers("meetings.meeting", due=meeting_clock_due, remind=meeting_clock_remind)
        register_demo_seeder("会议", seed_demo_meetings, order=40)
