"""离职交接 for incidents: when the lead of a live incident leaves, the incident and its wall-clock limits pass
to the successor in one transaction."""

from xietong.clocks.models import Clock
from xietong.incidents.models import Incident
from xietong.incidents.tests.test_incident_flow import assign, at, report
from xietong.problems.tests.test_hand_over import armed_owners, leave


def test_the_lead_of_a_live_incident_leaves_and_the_successor_steers_it(company):
    incident = report(company, when="2026-10-01 03:00")  # led by 李娜, head of 软件开发部
    assign(company, incident, "2026-10-01 03:05")
    handed = leave(company, "lina", "zhaolei", "2026-10-01 03:20")

    assert handed.items["incidents.incident"] == 1
    incident = Incident.objects.get(pk=incident.pk)
    assert (incident.lead.username, incident.state) == ("zhaolei", "responding")
    # The lead's clocks pass on; the 紧急事项报告 stays the reporter's (王强).
    owners = {(limit, owner) for limit, _kind, owner in armed_owners("incidents.incident", incident.pk)}
    assert {owner for limit, owner in owners if limit != "written_report"} == {"zhaolei"}
    assert {owner for limit, owner in owners if limit == "written_report"} == {"wangqiang"}
    assert Clock.objects.get(subject_id=incident.pk, kind="control", state="armed").due_at == at("2026-10-01 05:00")
