from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "xietong.feedback"
    label = "feedback"
    verbose_name = _("协作反馈")

    def ready(self) -> None:
        from xietong.core.demo import register_demo_seeder
        from xietong.feedback.demo import seed_demo_feedback

        register_demo_seeder("协作反馈", seed_demo_feedback, order=33)
        from xietong.clocks.handlers import register_clock_handlers
        from xietong.feedback.timers import invitation_clock_due

        register_clock_handlers("feedback.feedbackinvitation", due=invitation_clock_due)
        from xietong.core.audit import register_actions
        from xietong.core.workbench import WorkbenchEntry, WorkbenchSection, register_section
        from xietong.feedback.models import FeedbackInvitation
        from xietong.feedback.panels import request_feedback_panel
        from xietong.items.panels import register_panel

        register_panel("requests.request", "feedback", "feedback/_request_panel.html", request_feedback_panel, order=40)
        register_actions(
            {
                "feedback.invite": _("邀请填写协作反馈"),
                "feedback.submit": _("填写协作反馈"),
                "feedback.close": _("截止协作反馈"),
            }
        )

        def pending(person) -> WorkbenchSection:
            rows = FeedbackInvitation.objects.filter(person=person, state="pending").select_related("request")[:10]
            return WorkbenchSection(
                "feedback",
                str(_("待填写的协作反馈")),
                [WorkbenchEntry(f"{i.request.number} {i.request.title}", i.get_absolute_url(), "") for i in rows],
                str(_("没有待填写的反馈。")),
            )

        register_section("feedback", pending, order=40)
