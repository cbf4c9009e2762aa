from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class IncidentsConfig(AppConfig):
    name = "xietong.incidents"
    label = "incidents"
    verbose_name = _("紧急事项")

    def ready(self) -> None:
        from xietong.clocks.handlers import register_clock_handlers
        from xietong.core.audit import register_actions
        from xietong.core.demo import register_demo_seeder
        from xietong.core.navigation import register_nav
        from xietong.incidents import workbench  # noqa: F401
        from xietong.incidents.timers import incident_clock_due

        register_clock_handlers("incidents.incident", due=incident_clock_due)
        from xietong.incidents.demo import seed_demo_incidents

        register_nav(pgettext_lazy("nav", "紧急事项"), "incident-list", url_prefix="/incidents/", order=45)
        register_actions(
            {
                "incident.report": _("上报紧急事项"),
                "incident.assign_team": _("明确应急小组分工"),
                "incident.acknowledge": _("确认到位"),
                "incident.status": _("更新处理状态"),
                "incident.decision": _("记录决策"),
                "incident.control": _("风险已控制"),
                "incident.resolve": _("宣布问题已解决"),
                "incident.notice": _("编辑用户告知函"),
                "incident.notice_publish": _("发布用户告知函"),
                "incident.review": _("完成复盘"),
                "improvement.create": _("新增改进措施"),
                "improvement.done": _("完成改进措施"),
            }
        )
        register_demo_seeder("紧急事项", seed_demo_incidents, order=41)
