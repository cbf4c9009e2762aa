from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RequestsConfig(AppConfig):
    name = "xietong.requests"
    label = "requests"
    verbose_name = _("需求协作")

    def ready(self) -> None:
        from xietong.core.demo import register_demo_seeder
        from xietong.requests.demo import seed_demo_requests

        register_demo_seeder("需求协作", seed_demo_requests, order=30)
        from xietong.items.registry import register_process
        from xietong.requests.participation import PARTICIPATION
        from xietong.requests.process import REQUEST

        register_process(REQUEST)
        register_process(PARTICIPATION)
        from xietong.items.registry import extend_process
        from xietong.requests.changes import CHANGE_STEP, REQUEST_CHANGE
        from xietong.requests.milestones import MILESTONE

        register_process(MILESTONE)
        register_process(REQUEST_CHANGE)
        extend_process(REQUEST, CHANGE_STEP)
        from xietong.items.panels import register_panel
        from xietong.requests.participation_views import participants_panel

        register_panel(
            "requests.request", "participants", "requests/_participants_panel.html", participants_panel, order=5
        )
        from xietong.requests.milestone_views import changes_panel, milestones_panel

        register_panel("requests.request", "milestones", "requests/_milestones_panel.html", milestones_panel, order=6)
        register_panel("requests.request", "changes", "requests/_changes_panel.html", changes_panel, order=7)
        from xietong.requests.demo_milestones import seed_demo_milestones

        register_demo_seeder("关键节点与需求变更", seed_demo_milestones, order=35)
