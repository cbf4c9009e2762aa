from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgressConfig(AppConfig):
    name = "xietong.progress"
    label = "progress"
    verbose_name = _("进度跟踪")

    def ready(self) -> None:
        from xietong.core.demo import register_demo_seeder
        from xietong.progress.demo import seed_demo_execution

        register_demo_seeder("任务分解与进度", seed_demo_execution, order=31)
        from xietong.core.audit import register_actions
        from xietong.core.worker import register_sweep
        from xietong.items.panels import register_panel
        from xietong.progress.panels import task_progress_panel
        from xietong.progress.services import weekly_summary_due

        register_panel("tasks.task", "progress", "progress/_task_progress.html", task_progress_panel, order=10)
        register_sweep("weekly-summary", weekly_summary_due, order=40)
        register_actions({"progress.post": _("更新进度"), "progress.help_answer": _("答复协助请求")})
        from xietong.items.registry import extend_process
        from xietong.progress.process import PROGRESS_UPDATE
        from xietong.tasks.process import TASK

        extend_process(TASK, PROGRESS_UPDATE)
