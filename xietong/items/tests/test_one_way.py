"""There is one way an item's state changes: a declared step run by items.runner.run_step.

Every model of the product with a `state` is declared as a process (so the runner may run it and the guard
refuses any other save of its state), except the mechanism rows that are not steps of a process — a
clock's state (the clocks app) and a message delivery's (the notify app). And no module writes a `state`
anywhere else: no `x.state = …`, no `.update(state=…)`, no `setattr(x, "state", …)`, no state in a
`bulk_update`, outside the runner and those two mechanisms."""

import ast
from pathlib import Path

import pytest
from django.apps import apps

from xietong.items.guard import StateWriteOutsideRunner, _guarded
from xietong.items.process import process_for

ROOT = Path(__file__).resolve().parents[2]
MECHANISMS = {"clocks", "notify"}  # their rows' states are the mechanism's own, not process steps
RUNNER = ROOT / "items" / "runner.py"


def stateful_models():
    return [m for m in apps.get_models() if any(f.name == "state" for f in m._meta.get_fields())]


def test_every_model_with_a_state_is_a_declared_process_or_a_mechanism_row():
    undeclared = [
        m._meta.label_lower
        for m in stateful_models()
        if m._meta.app_label not in MECHANISMS and not (_guarded(m) and process_for(m) is not None)
    ]
    assert undeclared == []
    declared = {m._meta.label_lower for m in stateful_models() if _guarded(m)}
    assert {"requests.request", "tasks.task", "meetings.minutes", "reports.improvementproposal"} <= declared


def _state_writes(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        where = f"{path.relative_to(ROOT.parent)}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Attribute) and node.attr == "state" and isinstance(node.ctx, ast.Store):
            found.append(where)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in ("update", "update_or_create") and any(k.arg == "state" for k in node.keywords):
                found.append(where)
            if node.func.attr == "bulk_update" and "'state'" in ast.unparse(node):
                found.append(where)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "setattr"
            and len(node.args) > 1
            and isinstance(node.args[1], ast.Constant)
            and node.args[1].value == "state"
        ):
            found.append(where)
    return found


def test_no_module_writes_a_state_outside_the_runner():
    modules = [
        p
        for p in ROOT.rglob("*.py")
        if "tests" not in p.parts and "migrations" not in p.parts and p.relative_to(ROOT).parts[0] not in MECHANISMS
    ]
    assert len(modules) > 100
    writes = [w for p in modules if p != RUNNER for w in _state_writes(p)]
    assert writes == []
    assert _state_writes(RUNNER)  # the one place (the scan sees what it looks for)


@pytest.mark.parametrize("label", ["requests.request", "reports.improvementproposal", "meetings.actionitem"])
def test_saving_a_changed_state_of_a_declared_model_outside_the_runner_is_refused(label):
    model = apps.get_model(label)
    item = model(state="x")
    item._stored_state = "y"
    with pytest.raises(StateWriteOutsideRunner):
        item.save()
    with pytest.raises(StateWriteOutsideRunner):
        model.objects.filter(pk=0).update(state="x")
