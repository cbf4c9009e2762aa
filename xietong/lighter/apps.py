from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LighterConfig(AppConfig):
    name = "xietong.lighter"
    label = "lighter"
    verbose_name = _("客户需求与新人入职")

    def ready(self) -> None:
        from xietong.core.audit import register_actions
        from xietong.core.demo import register_demo_seeder
        from xietong.core.navigation import register_nav
        from xietong.lighter import workbench  # noqa: F401
        from xietong.lighter.demo import seed_demo_lighter

        register_nav(_("客户需求"), "customer-list", url_prefix="/lighter/customers/", order=60)
        register_nav(_("新人入职"), "onboarding-list", url_prefix="/lighter/onboarding/", order=61)
        register_actions(
            {
                "customer.create": _("新建客户需求"),
                "customer.row": _("填写沟通进度"),
                "customer.close": _("客户需求闭环"),
                "onboarding.create": _("安排新人入职"),
                "onboarding.add_step": _("添加入职事项"),
                "onboarding.step_done": _("完成入职事项"),
            }
        )
        register_demo_seeder("客户需求与新人入职", seed_demo_lighter, order=42)
