from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "xietong.core"
    label = "core"
    verbose_name = _("基础")

    def ready(self) -> None:
        from xietong.core import signals  # noqa: F401
        from xietong.core.memo import connect_invalidation

        connect_invalidation()
