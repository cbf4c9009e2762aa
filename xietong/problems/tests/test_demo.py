"""The demo seeders run through the real services and can run again without creating anything twice."""

from xietong.core.demo import seed_demo
from xietong.incidents.models import ImprovementAction, Incident
from xietong.lighter.models import CustomerRequirement, Onboarding
from xietong.problems.models import Problem


def test_demo_seeders_are_idempotent(db, seeded_demo):
    first = seeded_demo()
    assert first["问题提报"] == {"problems": 4}
    assert first["紧急事项"] == {"incidents": 1}
    assert set(Problem.objects.values_list("state", flat=True)) == {"closed", "in_progress", "filed", "endorsing"}
    # Each went through its department head; the dispatched ones carry their 解决方案.
    assert [(p.endorser.username, p.endorsed_at is not None) for p in Problem.objects.order_by("pk")] == [
        ("dengli", True),
        ("sunyu", True),
        ("sunyu", True),
        ("dengli", False),
    ]
    assert [p.plans.count() for p in Problem.objects.order_by("pk")] == [1, 1, 0, 0]
    incident = Incident.objects.get()
    assert incident.state == "closed" and incident.impact_minutes == 120 and incident.notice_published_at
    assert ImprovementAction.objects.count() == 2
    assert CustomerRequirement.objects.get().rows.count() == 3
    assert Onboarding.objects.get().steps.filter(done_at__isnull=False).count() == 2
    seed_demo()
    assert Problem.objects.count() == 4 and Incident.objects.count() == 1 and Onboarding.objects.count() == 1
