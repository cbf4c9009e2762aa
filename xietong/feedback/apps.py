from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "xietong.feedback"
    label = "feedback"
    verbose_name = _("协作反馈")

    def ready(self) -> None:
        from xietong.clocks.handlers import register_clock_handlers
        from xietong.core.demo import register_demo_seeder
        from xietong.feedback.demo import seed_demo_feedback
        from xietong.feedback.models import FeedbackInvitation
        from xietong.feedback.panels import request_feedback_panel
        from xietong.feedback.process import FEEDBACK
        from xietong.feedback.timers import invitation_clock_due
        from xietong.items.panels import register_panel
        from xietong.items.registry import register_process

        register_process(FEEDBACK)
        register_clock_handlers(FeedbackInvitation, due=invitation_clock_due)
        register_demo_seeder("协作反馈", seed_demo_feedback, order=33)
        register_panel("requests.request", "feedback", "feedback/_request_panel.html", request_feedback_panel, order=40)
