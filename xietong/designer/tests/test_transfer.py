"""A definition moves between installations as a file: exported as JSON or YAML, imported and published with
the command line; an import that could never finish is refused with its reason."""

import io
import json

import pytest
import yaml
from django.core.management import CommandError, call_command

from xietong.designer.models import DefinitionVersion
from xietong.designer.tests.support import expense, finance_group, publish


def test_export_then_import_as_yaml_publishes_the_same_document(company, tmp_path):
    version = publish(company)
    out = io.StringIO()
    call_command("designer", "export", "expense", "--format", "yaml", stdout=out)
    assert yaml.safe_load(out.getvalue()) == version.document
    document = expense()
    document["key"], document["name"], document["prefix"] = (
        "expense-2",
        "费用报销（分公司）",
        "BXFGS",
    )  # BX is expense's
    path = tmp_path / "expense-2.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    out = io.StringIO()
    call_command("designer", "import", str(path), "--by", "admin", stdout=out)
    assert out.getvalue().strip() == "expense-2 v1"
    assert DefinitionVersion.objects.get(definition__key="expense-2").document == document


def test_an_import_whose_group_has_nobody_is_refused_with_the_reason(company, tmp_path):
    finance_group(company).members.clear()
    path = tmp_path / "expense.json"
    path.write_text(json.dumps(expense(), ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CommandError) as refused:
        call_command("designer", "import", str(path), "--by", "admin")
    assert str(refused.value) == (
        "流程定义有 1 处问题，不能发布：steps[2].approvers.group：审批组“财务”没有在职成员：此步骤将无人审批"
    )
    assert not DefinitionVersion.objects.exists()


def test_only_designers_publish(company):
    from xietong.core.errors import Forbidden
    from xietong.designer.services import definition_publish

    with pytest.raises(Forbidden):
        definition_publish(actor=company.person("guoxin"), document=expense())
