from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AcceptanceConfig(AppConfig):
    name = "xietong.acceptance"
    label = "acceptance"
    verbose_name = _("成果交付与验收")

    def ready(self) -> None:
        from xietong.acceptance.demo import seed_demo_acceptance
        from xietong.core.demo import register_demo_seeder

        register_demo_seeder("成果交付与验收", seed_demo_acceptance, order=32)
        from xietong.acceptance.panels import request_deliverables_panel
        from xietong.core.audit import register_actions
        from xietong.items.panels import register_panel

        register_panel(
            "requests.request", "deliverables", "acceptance/_request_panel.html", request_deliverables_panel, order=10
        )
        register_actions(
            {
                "deliverable.submit": _("提交成果"),
                "deliverable.pass": _("验收通过"),
                "deliverable.rework": _("验收需整改"),
                "deliverable.fail": _("验收不通过"),
                "deliverable.start_rework": _("启动整改"),
                "deliverable.resubmit": _("重新提交成果"),
                "request.reopen_work": _("退回执行"),
            }
        )
