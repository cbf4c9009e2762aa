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

        from xietong.items.registry import extend_step
        from xietong.requests.participation import PARTICIPATION
        from xietong.requests.process import REQUEST
        from xietong.tasks.process import breakdown_signature_asked_again
        from xietong.tasks.request_gates import (
            breakdown_signed_before_delivery,
            open_tasks_cancelled_at_close,
            tasks_finished_before_delivery,
        )

        extend_step(REQUEST, "deliver", check=tasks_finished_before_delivery)
        extend_step(REQUEST, "deliver", check=breakdown_signed_before_delivery)
        extend_step(REQUEST, "close", after=open_tasks_cancelled_at_close)
        extend_step(PARTICIPATION, "send", after=breakdown_signature_asked_again)
        extend_step(PARTICIPATION, "void", after=breakdown_signature_asked_again)

        from xietong.meetings.callers import on_called_meeting_set
        from xietong.requests.changes import register_change_part
        from xietong.tasks.changes import CANCEL_TASKS_PART, NEW_TASKS_PART, TASKS_PART
        from xietong.tasks.kickoff import kickoff_set, kickoff_when_accepted

        register_change_part(TASKS_PART)  # a published 分工表's tasks change by the request's 需求变更
        register_change_part(NEW_TASKS_PART)  # …and are added to it
        register_change_part(CANCEL_TASKS_PART)  # …or cancelled from it

        on_called_meeting_set(kickoff_set)
        extend_step(REQUEST, "accept", after=kickoff_when_accepted)
