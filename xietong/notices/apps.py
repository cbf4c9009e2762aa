from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "xietong.notices"
    label = "notices"
    verbose_name = _("通知确认")

    def ready(self) -> None:
        from xietong.clocks.handlers import register_clock_handlers
        from xietong.core.audit import register_actions
        from xietong.core.demo import register_demo_seeder
        from xietong.core.navigation import register_nav
        from xietong.notices import workbench  # noqa: F401  (registers the workbench section)
        from xietong.notices.choices import MACHINE
        from xietong.notices.demo import seed_demo_notices
        from xietong.notices.timers import notice_clock_due, notice_clock_remind

        register_clock_handlers("notices.notice", due=notice_clock_due, remind=notice_clock_remind)

        register_nav(_("通知"), "notice-list", url_prefix="/notices/", order=50)
        register_actions({f"notice.{name}": t.label for name, t in MACHINE.transitions.items()})
        register_actions(
            {
                "notice.create": _("起草通知"),
                "notice.update": _("修改通知"),
                "notice.confirm": _("确认已阅"),
            }
        )
        register_demo_seeder("通知", seed_demo_notices, order=50)
