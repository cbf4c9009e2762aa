"""People pickers (issue 23): no raw <select multiple> of everyone. On a phone, 李娜 finds people by pinyin
initials; only who may be named is offered — the project's people and, since she heads 软件开发部, her own
engineers, who join the project when chosen (on the project's record). Nobody else can be picked."""

import pytest

from xietong.core.models import AuditEvent
from xietong.org.models import ProjectMembership
from xietong.requests.tests.test_request_flow import _published_task
from xietong.tasks.models import Task

pytestmark = pytest.mark.browser


def offered(page, field: str, typed: str) -> list[str]:
    search = f"#id_{field} + .picker .picker-search"
    page.fill(search, "")
    page.type(search, typed)
    return page.eval_on_selector_all(
        f"#id_{field} + .picker .picker-options li", "items => items.map(i => i.innerText)"
    )


def test_a_department_head_picks_by_pinyin_and_adds_her_engineer_to_the_project_on_a_phone(
    page_for, live_server, live_company
):
    # A draft 分工表: after publication a task is added only by a 需求变更 (tasks.changes).
    request, _breakdown, _task = _published_task(live_company, publish=False)
    page = page_for("lina")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/tasks/breakdown/{request.pk}/")
    assert page.is_hidden("select#id_helpers")  # the raw list is replaced by the search box
    # …which reads as the form's other boxes: it was 21 px tall at 13 px, unpadded (type=search escaped .field's
    # rules), a hard target for a thumb.
    box = "el => [el.getBoundingClientRect().height, getComputedStyle(el).fontSize, getComputedStyle(el).borderRadius]"
    search_box = page.eval_on_selector("#id_owner + .picker .picker-search", box)
    assert search_box == page.eval_on_selector("#add-task input[name=title]", box)
    assert search_box[0] >= 38

    page.fill("#add-task input[name=title]", "前端续航提示")
    assert offered(page, "owner", "wq") == ["王强（软件开发部）"]
    page.keyboard.press("Enter")
    assert page.input_value("select#id_owner") == str(live_company.person("wangqiang").pk)

    assert offered(page, "helpers", "韩") == ["没有可选的人"]  # 销售部 is neither in the project nor hers
    assert offered(page, "helpers", "ly") == ["刘洋（软件开发部） 选中即加入项目"]
    page.keyboard.press("Enter")
    chips = page.eval_on_selector_all("#id_helpers + .picker .picker-chip span", "c => c.map(x => x.innerText)")
    assert chips == ["刘洋（软件开发部） · 选中即加入项目"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.fill("#add-task textarea[name=completion_criteria]", "续航提示在设置页显示并通过走查")
    with page.expect_navigation():
        page.click("#add-task-submit")
    task = Task.objects.get(title="前端续航提示")
    assert (task.owner.username, [p.username for p in task.helpers.all()]) == ("wangqiang", ["liuyang"])
    assert ProjectMembership.objects.filter(project=request.project, person__username="liuyang").exists()
    event = AuditEvent.objects.get(action="org.project.member_add")
    assert (event.actor_label, event.after["name"]) == ("李娜", "刘洋")
