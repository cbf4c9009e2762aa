from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProblemsConfig(AppConfig):
    name = "xietong.problems"
    label = "problems"
    verbose_name = _("问题提报")

    def ready(self) -> None:
        from xietong.clocks.handlers import register_clock_handlers
        from xietong.core.demo import register_demo_seeder
        from xietong.items.registry import register_process
        from xietong.problems.demo import seed_demo_problems
        from xietong.problems.models import Problem
        from xietong.problems.process import PROBLEM
        from xietong.problems.timers import problem_clock_due

        register_process(PROBLEM)
        register_clock_handlers(Problem, due=problem_clock_due)
        register_demo_seeder("问题提报", seed_demo_problems, order=40)
