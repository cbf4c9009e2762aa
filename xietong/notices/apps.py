from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "xietong.notices"
    label = "notices"
    verbose_name = _("通知确认")

    def ready(self) -> None:
        from xietong.clocks.handlers import register_clock_handlers
        from xietong.core.demo import register_demo_seeder
        from xietong.items.registry import register_process
        from xietong.notices.demo import seed_demo_notices
        from xietong.notices.models import Notice
        from xietong.notices.process import NOTICE
        from xietong.notices.timers import notice_clock_due, notice_clock_remind

        register_process(NOTICE)
        register_clock_handlers(Notice, due=notice_clock_due, remind=notice_clock_remind)
        register_demo_seeder("通知", seed_demo_notices, order=50)
