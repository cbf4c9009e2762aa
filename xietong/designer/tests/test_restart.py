"""After a restart nothing designed is registered in memory: the registry finds a published process by its key,
and an item finds the process of the version it started on — both compiled from the database on demand."""

from xietong.designer import definitions, runtime
from xietong.designer.models import DesignedItem
from xietong.designer.tests.support import act, expense, publish, start
from xietong.items import process as registry


def forget_everything_designed():
    for key in [k for k, p in registry._processes.items() if p.model is DesignedItem and k != "designed"]:
        del registry._processes[key]
    runtime._compiled.clear()
    runtime._latest.clear()
    definitions._definitions.clear()
    definitions._policy_processes.clear()


def test_a_restart_finds_the_newest_version_by_key_and_each_item_its_own(company):
    v1 = publish(company)
    item = start(company, v1)
    document = expense()
    document["name"] = "费用报销（新）"
    v2 = publish(company, document, when="2026-10-09 15:30")
    forget_everything_designed()
    assert str(registry.process_named("expense").label) == "费用报销（新）"
    act(company, "hujun", item, "approve", "2026-10-09 16:00")
    item = DesignedItem.objects.get(pk=item.pk)
    assert (item.step, str(registry.process_for(item).label)) == ("finance", "费用报销")
    assert runtime._compiled.keys() == {v1.pk, v2.pk}
