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
        from xietong.items.panels import register_panel
        from xietong.requests.participation_views import participants_panel

        register_panel(
            "requests.request", "participants", "requests/_participants_panel.html", participants_panel, order=5
        )
