from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RisksConfig(AppConfig):
    name = "xietong.risks"
    label = "risks"
    verbose_name = _("异常、延期与分歧")

    def ready(self) -> None:
        from xietong.core.demo import register_demo_seeder
        from xietong.risks.demo import seed_demo_risks

        register_demo_seeder("异常与延期", seed_demo_risks, order=34)
        from xietong.clocks.handlers import register_clock_handlers
        from xietong.core.audit import register_actions
        from xietong.items.panels import register_panel
        from xietong.items.registry import register_process
        from xietong.risks.panels import request_risks_panel, task_risks_panel
        from xietong.risks.process import DELAY, DISPUTE, EXCEPTION
        from xietong.risks.timers import dispute_escalation_targets

        register_clock_handlers("risks.dispute", escalation_targets=dispute_escalation_targets)

        register_panel("tasks.task", "risks", "risks/_task_panel.html", task_risks_panel, order=20)
        register_panel("requests.request", "risks", "risks/_request_panel.html", request_risks_panel, order=30)
        # Events of delays granted before the task took its own postpone/replan steps keep their names.
        register_actions({"task.delay_applied": _("延期已生效"), "task.rescheduled": _("计划顺延")})
        for process in (EXCEPTION, DELAY, DISPUTE):
            register_process(process)

        from xietong.items.registry import extend_step
        from xietong.requests.process import REQUEST
        from xietong.risks.request_gates import no_open_major_exception, open_exceptions_closed_with_request

        extend_step(REQUEST, "close", check=no_open_major_exception, after=open_exceptions_closed_with_request)
