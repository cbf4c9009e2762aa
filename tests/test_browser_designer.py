"""流程设计 in a real browser (issue 21).

1. The administrator builds 费用报销 in the designer — a detail table 费用明细 (日期、项目、金额) with a total
   合计 = sum(lines.amount), a 总经理 step only when 合计 > 50,000, 会签 by the two people of the finance
   group, and a limit of 1 working day on every step — and publishes it: version 1.
2. A definition that could never finish is refused at publish with the reason at the step it concerns (a
   step whose approver group has nobody in it), and everything typed stays on the page.
Screenshots at 1280 px and at 390×844 (no sideways scroll) go to test-artifacts/.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from conftest import ARTIFACTS as ARTIFACTS_DIR
from conftest import screenshot
from xietong.designer.models import ApproverGroup, ProcessDefinition
from xietong.org.models import Person

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


def finance_group() -> ApproverGroup:
    group, _created = ApproverGroup.objects.get_or_create(code="finance", defaults={"name": "财务"})
    group.members.set(Person.objects.filter(username__in=["fengjing", "heyang"]))
    return group


def last(page, kind: str):
    return page.locator(f"[data-rows={kind}] > .d-row").last


def add_field(page, label: str, key: str, kind: str, *, required: bool = False, formula: str = ""):
    page.click("[data-add-row=f]")
    row = last(page, "f")
    row.locator("[name$=_label]").first.fill(label)
    row.locator("[name$=_key]").first.fill(key)
    row.locator("select[data-type-select]").first.select_option(kind)
    if required:
        row.locator("input[name$=_required]").first.check()
    if formula:
        row.locator("input[name$=_formula]").fill(formula)
    return row


def add_column(row, label: str, key: str, kind: str, *, required: bool = True) -> None:
    row.locator("[data-add-row=c]").click()
    column = row.locator(".d-column").last
    column.locator("[name$=_label]").fill(label)
    column.locator("[name$=_key]").fill(key)
    column.locator("select[data-type-select]").select_option(kind)
    if required:
        column.locator("input[name$=_required]").check()


def limit(row, n: str, unit: str) -> None:
    row.locator("input[name$=_limit_n]").fill(n)
    row.locator("select[name$=_limit_unit]").select_option(label=unit)


def add_step(page, name: str, key: str, approver: str):
    page.click("[data-add-row=s]")
    row = last(page, "s")
    row.locator("[name$=_name]").fill(name)
    row.locator("[name$=_key]").fill(key)
    row.locator("select[data-approver-select]").select_option(approver)
    return row


def build_expense(page, base: str) -> None:
    """The administrator's clicks and keys for 费用报销, from an empty designer."""
    page.goto(f"{base}/designer/")
    page.click("#designer-new")
    page.fill("#d-name", "费用报销")
    page.fill("#d-key", "expense")
    page.fill("#d-prefix", "BX")
    # The new designer starts with 事由 and a 直属上级 step; they are kept and completed.
    first_field = page.locator("[data-rows=f] > .d-row").first
    first_field.locator("[name$=_label]").first.fill("报销事由")
    lines = add_field(page, "费用明细", "lines", "table", required=True)
    expect(lines.locator(".d-columns")).to_be_visible()
    add_column(lines, "日期", "date", "date")
    add_column(lines, "项目", "item", "text")
    add_column(lines, "金额", "amount", "money")
    total = add_field(page, "合计", "total", "money", formula="sum(lines.amount)")
    expect(total.locator("textarea[name$=_options]")).to_be_hidden()  # options only for a choice

    manager = page.locator("[data-rows=s] > .d-row").first
    manager.locator("[name$=_name]").fill("直属上级审批")
    limit(manager, "1", "工作日")
    gm = add_step(page, "总经理审批", "gm", "general_manager")
    gm.locator("input[name$=_when_field]").fill("total")
    gm.locator("select[name$=_when_op]").select_option(">")
    gm.locator("input[name$=_when_value]").fill("50000")
    limit(gm, "1", "工作日")
    finance = add_step(page, "财务审核", "finance", "group")
    finance.locator("select[name$=_group]").select_option("finance")
    finance.locator("select[name$=_mode]").select_option("all")
    limit(finance, "1", "工作日")
    finance.locator("input[name$=_clause]").fill("《费用报销管理办法》：各环节 1 个工作日内审批")


def test_the_administrator_builds_expense_claims_and_publishes_them(page_for, live_server):
    finance_group()
    admin = page_for("admin")
    build_expense(admin, live_server.url)
    screenshot(admin, "designer-1-editor-desktop")
    admin.click("#designer-publish")
    admin.wait_for_load_state("networkidle")
    expect(admin.locator(".messages")).to_contain_text("已发布“费用报销”第 1 版")

    definition = ProcessDefinition.objects.get(key="expense")
    document = definition.current.document
    assert definition.current.n == 1
    assert [f["key"] for f in document["fields"]] == ["reason", "lines", "total"]
    assert document["fields"][1]["columns"] == [
        {"key": "date", "label": "日期", "type": "date", "required": True},
        {"key": "item", "label": "项目", "type": "text", "required": True},
        {"key": "amount", "label": "金额", "type": "money", "required": True},
    ]
    assert document["fields"][2] == {"key": "total", "label": "合计", "type": "money", "formula": "sum(lines.amount)"}
    assert [(s["key"], s["approvers"], s["mode"], s["when"]) for s in document["steps"]] == [
        ("manager", {"type": "manager"}, "any", None),
        ("gm", {"type": "general_manager"}, "any", {"field": "total", "op": ">", "value": 50000}),
        ("finance", {"type": "role", "group": "finance"}, "all", None),
    ]
    assert {s["key"]: (s["limit"]["duration"], s["limit"]["mode"]) for s in document["steps"]} == {
        "manager": ("1d", "working"),
        "gm": ("1d", "working"),
        "finance": ("1d", "working"),
    }

    # The form as a requester sees it: the detail table adds rows and sums them, the total follows.
    admin.click("#designer-preview")
    admin.wait_for_load_state("networkidle")
    preview = admin.locator("#form-preview")
    preview.locator("input[name='f_lines-0-amount']").fill("1200")
    preview.locator("[data-add-line]").click()
    preview.locator("input[name='f_lines-1-amount']").fill("350.5")
    expect(preview.locator("[data-sum=amount]")).to_have_text("1,550.50")
    expect(preview.locator("#f_total-shown")).to_have_text("¥ 1,550.50")
    screenshot(admin, "designer-2-preview-desktop")

    admin.goto(f"{live_server.url}/designer/{definition.pk}/versions/")
    expect(admin.locator("#versions tbody tr")).to_have_count(1)

    admin.set_viewport_size(PHONE)
    for path in ("/designer/", f"/designer/{definition.pk}/", f"/designer/{definition.pk}/versions/", "/designer/new/"):
        admin.goto(f"{live_server.url}{path}")
        assert admin.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
    admin.goto(f"{live_server.url}/designer/{definition.pk}/")
    screenshot(admin, "designer-3-editor-phone")
    admin.click("#designer-preview")
    admin.wait_for_load_state("networkidle")
    admin.locator("input[name='f_lines-0-amount']").fill("80000")
    expect(admin.locator("#f_total-shown")).to_have_text("¥ 80,000.00")
    assert admin.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    admin.locator("#form-preview").screenshot(path=str(screenshot(admin, "designer-5-preview-phone")))


def test_a_definition_that_could_never_finish_is_refused_with_the_reason_at_its_step(page_for, live_server):
    ApproverGroup.objects.get_or_create(code="legal", defaults={"name": "法务"})  # nobody in it
    finance_group()
    admin = page_for("admin")
    build_expense(admin, live_server.url)
    legal = add_step(admin, "法务审核", "legal", "group")
    legal.locator("select[name$=_group]").select_option("legal")
    admin.click("#designer-publish")
    admin.wait_for_load_state("networkidle")

    refused = admin.locator("[data-rows=s] > .d-row.has-error")
    expect(refused).to_have_count(1)
    assert refused.locator("[name$=_key]").input_value() == "legal"
    expect(refused.locator(".step-error")).to_have_text("审批组“法务”没有在职成员：此步骤将无人审批")
    # What was typed is all there, and it was kept as a draft; nothing was published.
    assert admin.locator("[data-rows=f] > .d-row").count() == 3
    assert admin.locator("input[name$=_when_value]").nth(1).input_value() == "50000"
    definition = ProcessDefinition.objects.get(key="expense")
    assert definition.current is None
    assert [s["key"] for s in definition.draft["steps"]] == ["manager", "gm", "finance", "legal"]
    screenshot(admin, "designer-4-refused")


# --- End to end: built in the designer, used by the people it names -----------------------------------------


def act(page, action: str, *, reason: str = "", **selects: str) -> None:
    """Click one of the item page's actions (its own small form), with its reason and choices."""
    form = page.locator(f"#actions form:has(button[data-action={action}])")
    for name, label in selects.items():
        if name == "to_person":  # the people picker: typed, then chosen from what the server finds
            form.locator(".picker-search").fill(label)
            form.locator(".picker-option", has_text=label).first.click()
        else:
            form.locator(f"select[name={name}]").select_option(label=label)
    if reason:
        form.locator("textarea[name=reason]").fill(reason)
    form.locator(f"button[data-action={action}]").click()
    page.wait_for_load_state("networkidle")


def clocks(page) -> list[tuple[str, ...]]:
    """The item page's 时限 panel: (limit, who, due) per row."""
    rows = page.eval_on_selector_all(
        "#clocks tbody tr",
        "rows => rows.map(r => [...r.querySelectorAll('td')].slice(0, 3).map(td => td.childNodes[0].textContent.trim()))",
    )
    return [tuple(row) for row in rows]


def test_expense_claims_built_in_the_browser_run_end_to_end_over_the_adjusted_saturday(page_for, live_server):
    """郭鑫 claims 1,753.50 on Friday 2026-10-09 (国庆 is over; Saturday 10-10 is a 调休 workday, Sunday is
    not): 胡军 sends it back, 郭鑫 submits again, 胡军 adds 王建国 after himself (加签) and approves, 王建国
    approves, the total is not above 50,000 so 总经理 is skipped, and 冯静 and 何洋 both approve (会签)."""
    import time_machine

    from xietong.clocks.models import Clock
    from xietong.designer.models import DesignedItem
    from xietong.requests.tests.test_request_flow import at

    finance_group()
    base = live_server.url
    with time_machine.travel(at("2026-10-08 16:00"), tick=False):
        admin = page_for("admin")
        build_expense(admin, base)
        admin.click("#designer-publish")
        admin.wait_for_load_state("networkidle")
        expect(admin.locator(".messages")).to_contain_text("已发布“费用报销”第 1 版")

    with time_machine.travel(at("2026-10-09 10:00"), tick=False):
        guoxin = page_for("guoxin")
        guoxin.goto(f"{base}/p/expense/new/")
        guoxin.fill("#id_title", "10月上海出差报销")
        guoxin.select_option("#id_project", label="智能手表项目")
        guoxin.fill("#f_reason", "智能手表渠道拜访")
        guoxin.fill("input[name='f_lines-0-date']", "2026-10-08")
        guoxin.fill("input[name='f_lines-0-item']", "往返高铁")
        guoxin.fill("input[name='f_lines-0-amount']", "1200")
        guoxin.click("[data-add-line]")
        guoxin.fill("input[name='f_lines-1-date']", "2026-10-08")
        guoxin.fill("input[name='f_lines-1-item']", "住宿")
        guoxin.fill("input[name='f_lines-1-amount']", "553.5")
        guoxin.locator("input[name='f_lines-1-item']").click()  # leaving the amount writes it with two decimals
        assert guoxin.input_value("input[name='f_lines-1-amount']") == "553.50"
        expect(guoxin.locator("#f_total-shown")).to_have_text("¥ 1,753.50")
        screenshot(guoxin, "designer-6-claim-form-desktop")
        guoxin.set_viewport_size(PHONE)
        assert guoxin.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        screenshot(guoxin, "designer-7-claim-form-phone")
        guoxin.set_viewport_size({"width": 1280, "height": 860})
        guoxin.click("button[name=submit]")
        guoxin.wait_for_load_state("networkidle")
        expect(guoxin.locator(".messages")).to_contain_text("BX-2026-0001 已提交")
        item = DesignedItem.objects.get()
        assert (item.values["total"], item.step) == ("1753.50", "manager")
        # One working day: Friday 10:00 → the 调休 Saturday 10:00.
        assert clocks(guoxin) == [("直属上级审批", "胡军", "2026-10-10 10:00")]
        claim = guoxin.url

    with time_machine.travel(at("2026-10-09 11:00"), tick=False):
        hujun = page_for("hujun")
        hujun.goto(claim)
        act(hujun, "send_back", reason="请补充发票编号", to_step="发起人")
        expect(hujun.locator("h1 .badge")).to_have_text("已退回")

    with time_machine.travel(at("2026-10-09 14:00"), tick=False):
        guoxin = page_for("guoxin")
        guoxin.goto(claim)
        act(guoxin, "submit")
        expect(guoxin.locator("h1 .badge")).to_have_text("审批中")
        assert Clock.objects.get(subject_id=item.pk, kind="manager", state="armed").due_at == at("2026-10-10 14:00")

    with time_machine.travel(at("2026-10-10 09:30"), tick=False):  # Saturday, a working day
        hujun = page_for("hujun")
        hujun.goto(claim)
        act(hujun, "add_sign", to_person="王建国", how="在我之后", reason="请分管领导一并审核")
        act(hujun, "approve", reason="同意")
        assert DesignedItem.objects.get().step == "manager"  # waits on 王建国, added after 胡军
        screenshot(hujun, "designer-8-item-after-add-sign")

    with time_machine.travel(at("2026-10-10 11:00"), tick=False):
        wangjianguo = page_for("wangjianguo")
        wangjianguo.goto(claim)
        act(wangjianguo, "approve")
        item = DesignedItem.objects.get()
        assert item.step == "finance"  # 1,753.50 is not above 50,000: no 总经理
        # Saturday 11:00 + one working day: Sunday rests, so Monday 11:00, for each of the two.
        finance = Clock.objects.filter(subject_id=item.pk, kind="finance", state="armed")
        assert finance.count() >= 1 and {c.due_at for c in finance} == {at("2026-10-12 11:00")}

    for username, when in (("fengjing", "2026-10-12 09:00"), ("heyang", "2026-10-12 10:00")):
        with time_machine.travel(at(when), tick=False):
            page = page_for(username)
            page.goto(claim)
            act(page, "approve")
    expect(page.locator("h1 .badge")).to_have_text("已通过")
    item = DesignedItem.objects.get()
    assert [(t.step, t.person.username, t.status) for t in item.tasks.order_by("pk") if t.step != "notify"] == [
        ("manager", "hujun", "returned"),
        ("manager", "hujun", "approved"),
        ("manager", "wangjianguo", "approved"),
        ("finance", "fengjing", "approved"),
        ("finance", "heyang", "approved"),
    ]
    screenshot(page, "designer-9-item-approved-desktop")
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "designer-10-item-approved-phone")


def test_named_approvers_are_picked_by_pinyin_initials(page_for, live_server):
    admin = page_for("admin")
    admin.goto(f"{live_server.url}/designer/new/")
    admin.fill("#d-name", "IT 权限申请")
    admin.fill("#d-key", "it-access")
    admin.fill("#d-prefix", "IT")
    step = admin.locator("[data-rows=s] > .d-row").first
    step.locator("select[data-approver-select]").select_option("people")
    search = step.locator(".picker-search")
    search.fill("hy")  # 何洋 by the initials of his pinyin, found by the server
    expect(step.locator(".picker-options li[role=option]").first).to_contain_text("何洋")
    search.press("Enter")
    search.fill("冯")
    step.locator(".picker-options li[data-value=fengjing]").click()
    expect(step.locator(".picker-chip")).to_have_count(2)
    admin.set_viewport_size(PHONE)
    assert admin.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    step.screenshot(path=str(ARTIFACTS_DIR / "designer-11-people-picker-phone.png"))
    admin.click("#designer-save")
    admin.wait_for_load_state("networkidle")
    expect(admin.locator(".messages")).to_contain_text("草稿已保存（尚未发布）")
    draft = ProcessDefinition.objects.get(key="it-access").draft
    assert draft["steps"][0]["approvers"] == {"type": "people", "people": ["heyang", "fengjing"]}
    # Opened again, the picker names them.
    expect(admin.locator("[data-rows=s] .picker-chip span")).to_have_text(["何洋（财务部）", "冯静（财务部）"])
