from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "xietong.reports"
    label = "reports"
    verbose_name = _("报表与季度复盘")

    def ready(self) -> None:
        from xietong.core.audit import register_actions
        from xietong.core.navigation import register_nav
        from xietong.items.panels import register_panel
        from xietong.items.registry import register_process
        from xietong.reports.proposal_process import PROPOSAL

        register_process(PROPOSAL)
        register_nav(_("报表"), "reports-dashboard", url_prefix="/reports/", order=910)
        register_panel(
            "requests.request",
            "exports",
            "reports/_request_exports.html",
            lambda request, item: {"item": item},
            order=90,
        )
        register_actions(
            {
                "review.generate": _("生成季度复盘材料"),
                "review.regenerate": _("重新生成季度复盘材料"),
                "review.propose": _("提出协作流程优化建议"),
                "review.approve": _("批准优化建议"),
                "review.reject": _("不批准优化建议"),
            }
        )
