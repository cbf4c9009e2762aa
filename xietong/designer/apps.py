from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DesignerConfig(AppConfig):
    name = "xietong.designer"
    label = "designer"
    verbose_name = _("流程设计")

    def ready(self) -> None:
        from xietong.designer import runtime

        runtime.connect()
