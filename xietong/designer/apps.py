from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DesignerConfig(AppConfig):
    name = "xietong.designer"
    label = "designer"
    verbose_name = _("流程设计")

    def ready(self) -> None:
        from xietong.core.demo import register_demo_seeder
        from xietong.designer import runtime
        from xietong.designer.demo import seed_demo_designed

        runtime.connect()
        register_demo_seeder("流程设计", seed_demo_designed, order=45)
