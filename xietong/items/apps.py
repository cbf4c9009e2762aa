from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ItemsConfig(AppConfig):
    name = "xietong.items"
    label = "items"
    verbose_name = _("事项通用")

    def ready(self) -> None:
        from xietong.core.audit import register_actions

        register_actions(
            {
                "items.comment.add": _("发表评论"),
                "items.attachment.add": _("上传附件"),
                "items.attachment.download": _("下载附件"),
            }
        )
