"""任务 (/tasks/): the tasks a person carries (owner, helper, coordinator, a RACI letter) or may see, across every
breakdown, with state and overdue filters — the breakdown pages show one request's tasks at a time."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from xietong.core import clock
from xietong.core.http import AuthedRequest
from xietong.org.models import Person
from xietong.tasks.choices import TaskState
from xietong.tasks.models import Task
from xietong.tasks.process import TASK

SCOPES = ("mine", "all")
OPEN_STATES = (TaskState.PUBLISHED, TaskState.ACCEPTED, TaskState.IN_PROGRESS)


@dataclass(frozen=True)
class TaskFilters:
    scope: str = "mine"
    state: str = "open"
    overdue: bool = False


def task_filters(get) -> TaskFilters:
    scope = get.get("scope", "mine")
    state = get.get("state", "open")
    return TaskFilters(
        scope=scope if scope in SCOPES else "mine",
        state=state if state in [*TaskState.values, "open", ""] else "open",
        overdue=get.get("overdue") == "1",
    )


def task_list(person: Person, filters: TaskFilters) -> QuerySet[Task]:
    tasks = Task.objects.restrict(person)
    if filters.scope == "mine":
        carried = Task.objects.filter(
            Q(owner=person) | Q(helpers=person) | Q(coordinator=person) | Q(roles__person=person)
        )
        tasks = tasks.filter(pk__in=carried.values("pk"))
    if filters.state == "open":
        tasks = tasks.filter(state__in=OPEN_STATES)
    elif filters.state:
        tasks = tasks.filter(state=filters.state)
    if filters.overdue:
        tasks = tasks.filter(state__in=OPEN_STATES, end_date__lt=clock.today())
    return tasks.select_related("request", "owner", "department").order_by("end_date", "pk")


@require_GET
def task_index(request: AuthedRequest) -> HttpResponse:
    filters = task_filters(request.GET)
    page = Paginator(task_list(request.user, filters), 25).get_page(request.GET.get("page"))
    today = clock.today()
    rows = [(t, t.state in OPEN_STATES and t.end_date < today) for t in page.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "rows": rows,
        "filters": filters,
        "states": TaskState.choices,
        "tones": TASK.tones,
        "query": query.urlencode(),
    }
    return render(request, "tasks/list.html", context)
