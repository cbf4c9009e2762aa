from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ProblemsConfig(AppConfig):
    name = "xietong.problems"
    label = "problems"
    verbose_name = _("问题提报")

    def ready(self) -> None:
        from xietong.clocks.handlers import register_clock_handlers
        from xietong.core.audit import register_actions
        from xietong.core.demo import register_demo_seeder
        from xietong.core.navigation import register_nav
        from xietong.problems import workbench  # noqa: F401
        from xietong.problems.choices import MACHINE
        from xietong.problems.demo import seed_demo_problems
        from xietong.problems.timers import problem_clock_due

        register_clock_handlers("problems.problem", due=problem_clock_due)

        register_nav(pgettext_lazy("nav", "问题"), "problem-list", url_prefix="/problems/", order=40)
        register_actions({f"problem.{name}": t.label for name, t in MACHINE.transitions.items()})
        register_actions({"problem.file": _("提报问题"), "problem.urgency": _("调整紧急程度")})
        register_demo_seeder("问题提报", seed_demo_problems, order=40)
