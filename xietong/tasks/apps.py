from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class TasksConfig(AppConfig):
    name = "xietong.tasks"
    label = "tasks"
    verbose_name = _("协作任务")

    def ready(self) -> None:
        from xietong.clocks.handlers import register_clock_handlers
        from xietong.core.audit import register_actions
        from xietong.core.navigation import register_nav
        from xietong.tasks import workbench  # noqa: F401
        from xietong.tasks.choices import MACHINE
        from xietong.tasks.timers import task_clock_due

        register_clock_handlers("tasks.task", due=task_clock_due)

        register_nav(pgettext_lazy("nav", "任务"), "task-list", url_prefix="/tasks/", order=20)
        register_actions({f"task.{name}": t.label for name, t in MACHINE.transitions.items()})
        register_actions(
            {
                "task.create": _("新增任务"),
                "task.update": _("修改任务"),
                "task.dependencies": _("设置依赖关系"),
                "task.raci": _("设置 RACI"),
                "task.auto_accept": _("超时默认接收"),
                "breakdown.create": _("创建任务分解表"),
                "breakdown.publish": _("发布任务分解表"),
            }
        )
