from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "xietong.incidents"
    label = "incidents"
    verbose_name = _("紧急事项")

    def ready(self) -> None:
        from xietong.clocks.handlers import register_clock_handlers
        from xietong.core.demo import register_demo_seeder
        from xietong.incidents.demo import seed_demo_incidents
        from xietong.incidents.models import Incident
        from xietong.incidents.process import IMPROVEMENT, INCIDENT
        from xietong.incidents.timers import incident_clock_due
        from xietong.items.replies import exempt_from_replies

        exempt_from_replies("incidents.incident")  # 紧急情况除外 (004): an emergency's messages are answered at once
        from xietong.items.registry import register_process

        register_process(INCIDENT)
        register_process(IMPROVEMENT)
        register_clock_handlers(Incident, due=incident_clock_due)
        register_demo_seeder("紧急事项", seed_demo_incidents, order=41)
