"""The audit trail (留痕): one event per change with before/after, sealed by the sequencer into a
tamper-evident hash chain (see also test_audit_sequencer.py)."""

import itertools

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from xietong.core.audit import audit_record, audit_seal, audit_verify
from xietong.core.errors import ApplicationError
from xietong.core.models import AuditEvent
from xietong.org.services import person_update_contact


def test_a_change_writes_exactly_one_event_with_before_and_after(company):
    lina = company.person("lina")
    before_count = AuditEvent.objects.count()

    person_update_contact(actor=lina, person=lina, expected_version=lina.version, phone="13912345678")

    assert AuditEvent.objects.count() == before_count + 1
    event = AuditEvent.objects.order_by("-id").first()
    assert event.action == "org.person.update_contact"
    assert event.actor_id == lina.pk
    assert event.actor_label == "李娜"
    assert (event.object_type, event.object_id, event.object_label) == ("org.person", str(lina.pk), "李娜")
    assert event.before == {"phone": lina.phone}
    assert event.after == {"phone": "13912345678"}


def test_refused_input_writes_nothing(company):
    lina = company.person("lina")
    count = AuditEvent.objects.count()
    with pytest.raises(ApplicationError) as refused:
        person_update_contact(actor=lina, person=lina, expected_version=lina.version, phone="打电话给我")
    assert "phone" in refused.value.fields
    assert AuditEvent.objects.count() == count
    lina.refresh_from_db()
    assert lina.phone != "打电话给我"


@pytest.mark.django_db(transaction=True)
def test_audit_needs_the_changes_transaction(company):
    with pytest.raises(RuntimeError):
        audit_record(actor=None, action="x.y", object_type="x", object_id=1)


def _three_events(company):
    lina = company.person("lina")
    for phone in ("13900000001", "13900000002", "13900000003"):
        lina = person_update_contact(actor=lina, person=lina, expected_version=lina.version, phone=phone)
    assert audit_seal() == AuditEvent.objects.count()
    return lina


def test_verify_passes_on_an_untouched_chain(company, capsys):
    _three_events(company)
    report = audit_verify()
    assert report.ok and report.checked == AuditEvent.objects.count() >= 3
    call_command("audit", "verify")
    assert "审计链完整" in capsys.readouterr().out


def test_verify_detects_an_edited_event(company):
    _three_events(company)
    victim = AuditEvent.objects.order_by("seq")[1]
    # Tamper below the application, as someone with database access would.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditevent SET object_label = %s WHERE id = %s", ["张三", victim.pk])
    report = audit_verify()
    assert not report.ok
    assert report.seq == victim.seq
    assert "篡改" in report.problem
    with pytest.raises(CommandError, match="审计链校验失败"):
        call_command("audit", "verify")


def test_verify_detects_a_deleted_event(company):
    _three_events(company)
    victim = AuditEvent.objects.order_by("seq")[1]
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent WHERE id = %s", [victim.pk])
    report = audit_verify()
    assert not report.ok and report.seq == victim.seq


def test_verify_detects_a_truncated_tail(company):
    _three_events(company)
    last = AuditEvent.objects.order_by("-seq").first()
    assert last.seq == AuditEvent.objects.count()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent WHERE id = %s", [last.pk])
    report = audit_verify()
    assert not report.ok and "末尾" in report.problem


def test_events_link_to_their_predecessor(company):
    _three_events(company)
    events = list(AuditEvent.objects.order_by("seq"))
    for previous, event in itertools.pairwise(events):
        assert event.prev_hash == previous.hash
        assert event.seq == previous.seq + 1


def test_admin_cannot_add_edit_or_delete_events(company, client_for):
    _three_events(company)
    event = AuditEvent.objects.first()
    admin = client_for("admin")
    assert admin.get("/admin/core/auditevent/").status_code == 200
    detail = admin.get(f"/admin/core/auditevent/{event.pk}/change/")
    assert detail.status_code == 200
    assert 'name="_save"' not in detail.content.decode()
    assert admin.post(f"/admin/core/auditevent/{event.pk}/change/", {"action": "x"}).status_code == 403
    assert admin.get(f"/admin/core/auditevent/{event.pk}/delete/").status_code == 403
    assert admin.get("/admin/core/auditevent/add/").status_code == 403
    assert audit_verify().ok


def test_admin_edits_of_the_organisation_are_audited(company, client_for):
    dept = company.department("rd-qa")
    admin = client_for("admin")
    response = admin.post(
        f"/admin/org/department/{dept.pk}/change/",
        {
            "name": "质量测试部",
            "code": "rd-qa",
            "parent": dept.parent_id,
            "head": dept.head_id,
            "division_leader": "",
            "sort_order": dept.sort_order,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    event = AuditEvent.objects.order_by("-id").first()
    assert event.action == "org.department.change"
    assert event.before == {"name": "测试部"}
    assert event.after == {"name": "质量测试部"}
    assert event.actor_label == "系统管理员"


@pytest.mark.django_db(transaction=True)
def test_chain_survives_concurrent_writers_on_sqlite_and_postgres(company):
    # Two writes in separate transactions still form one unbroken chain.
    lina = company.person("lina")
    with transaction.atomic():
        audit_record(actor=lina, action="test.one", obj=lina)
    with transaction.atomic():
        audit_record(actor=lina, action="test.two", obj=lina)
    sealed = audit_seal()
    assert sealed == AuditEvent.objects.count() >= 2
    report = audit_verify()
    assert report.ok and report.checked == sealed, report.problem
