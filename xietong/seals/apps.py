from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SealsConfig(AppConfig):
    name = "xietong.seals"
    label = "seals"
    verbose_name = _("用印申请")

    def ready(self) -> None:
        from xietong.items.registry import register_process
        from xietong.seals.process import SEAL

        register_process(SEAL)
