from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class RequestsConfig(AppConfig):
    name = "xietong.requests"
    label = "requests"
    verbose_name = _("需求协作")

    def ready(self) -> None:
        from xietong.core.demo import register_demo_seeder
        from xietong.requests.demo import seed_demo_requests

        register_demo_seeder("需求协作", seed_demo_requests, order=30)
        from xietong.core.audit import register_actions
        from xietong.core.navigation import register_nav
        from xietong.requests import workbench  # noqa: F401
        from xietong.requests.choices import MACHINE

        register_nav(pgettext_lazy("nav", "需求"), "request-list", url_prefix="/requests/", order=10)
        register_actions({"request.create": _("创建需求说明书"), "request.update": _("修改需求说明书")})
        register_actions({f"request.{name}": t.label for name, t in MACHINE.transitions.items()})
