from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class NotifyConfig(AppConfig):
    name = "xietong.notify"
    label = "notify"
    verbose_name = pgettext_lazy("app", "通知")

    def ready(self) -> None:
        from xietong.clocks.handlers import register_notifier
        from xietong.core.audit import register_actions
        from xietong.core.worker import register_sweep
        from xietong.notify.delivery import outbox_deliver_due
        from xietong.notify.digest import digest_send_due
        from xietong.notify.services import notify, notify_batch, notify_later

        register_notifier(notify, later=notify_later, batch=notify_batch)
        register_sweep("outbox", outbox_deliver_due, order=20)
        register_sweep("digest", digest_send_due, order=30)
        register_actions(
            {
                "notify.preference.update": _("修改通知设置"),
                "notify.channel.create": _("新增推送渠道"),
                "notify.channel.change": _("修改推送渠道"),
                "notify.channel.test": _("发送测试消息"),
                "notify.delivery.retry": _("重新发送投递"),
            }
        )
