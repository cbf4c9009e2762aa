from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArchiveConfig(AppConfig):
    name = "xietong.archive"
    label = "archive"
    verbose_name = _("归档与检索")

    def ready(self) -> None:
        from xietong.archive.indexing import index_sweep, queue_subject
        from xietong.archive.services import archive_guard
        from xietong.core.audit import on_change_recorded, register_actions
        from xietong.core.navigation import register_nav
        from xietong.core.worker import register_sweep
        from xietong.items.services import register_write_guard

        on_change_recorded(queue_subject)
        register_write_guard(archive_guard)
        register_sweep("search-index", index_sweep, order=50)
        register_nav(_("归档"), "archive-list", url_prefix="/archive/", order=900)
        register_actions(
            {
                "archive.file": _("归档"),
                "archive.hold": _("设置法律保全"),
                "archive.release": _("解除法律保全"),
                "archive.delete": _("删除归档资料"),
                "archive.download": _("下载归档资料包"),
                "archive.retentionpolicy.create": _("新增保存期限"),
                "archive.retentionpolicy.change": _("修改保存期限"),
                "archive.retentionpolicy.delete": _("删除保存期限"),
            }
        )
