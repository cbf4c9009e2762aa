from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DesignerConfig(AppConfig):
    name = "xietong.designer"
    label = "designer"
    verbose_name = _("流程设计")

    def ready(self) -> None:
        from xietong.core.audit import register_actions
        from xietong.core.demo import register_demo_seeder
        from xietong.designer import runtime
        from xietong.designer.demo import seed_demo_designed

        runtime.connect()
        register_actions(
            {
                "designer.create": _("新建流程"),
                "designer.draft": _("保存流程草稿"),
                "designer.publish": _("发布流程"),
                "designer.delete": _("删除流程草稿"),
                "designer.discard": _("放弃未发布的修改"),
            }
        )
        register_demo_seeder("流程设计", seed_demo_designed, order=45)
