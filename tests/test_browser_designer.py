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
