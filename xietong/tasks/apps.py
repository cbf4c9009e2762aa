from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TasksConfig(AppConfig):
    name = "xietong.tasks"
    label = "tasks"
    verbose_name = _("协作任务")

    def ready(self) -> None:
        from xietong.clocks.handlers import register_clock_handlers
        from xietong.items.registry import register_process
        from xietong.tasks.process import BREAKDOWN, TASK
        from xietong.tasks.timers import task_clock_due

        register_process(TASK)
        register_process(BREAKDOWN)
        register_clock_handlers("tasks.task", due=task_clock_due)
