from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LighterConfig(AppConfig):
    name = "xietong.lighter"
    label = "lighter"
    verbose_name = _("客户需求与新人入职")

    def ready(self) -> None:
        from xietong.core.demo import register_demo_seeder
        from xietong.items.registry import register_process
        from xietong.lighter.demo import seed_demo_lighter
        from xietong.lighter.process import CUSTOMER, ONBOARDING

        register_process(CUSTOMER)
        register_process(ONBOARDING)
        register_demo_seeder("客户需求与新人入职", seed_demo_lighter, order=42)
