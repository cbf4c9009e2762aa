"""A limit a page states in words comes from its policy: an administrator who changes the policy changes
the page (never "1 个工作日" written into a template)."""

from xietong.clocks.models import ClockPolicy


def test_the_problem_pages_state_the_dispatch_and_progress_limits_of_the_policies(company, client_for):
    client = client_for("lina")
    assert "综合管理部 1 个工作日内分派 → 主责部门每 2 个工作日反馈进度" in client.get("/problems/").content.decode()
    ClockPolicy.objects.filter(process="problem", kind="dispatch", priority="*").update(duration="4h")
    ClockPolicy.objects.filter(process="problem", kind="update_due", priority="*").update(duration="3d")
    assert "综合管理部 4 个工作小时内分派 → 主责部门每 3 个工作日反馈进度" in client.get("/problems/").content.decode()


def test_the_emergency_list_states_its_limits_in_elapsed_time_from_the_policies(company, client_for):
    client = client_for("lina")
    html = client.get("/incidents/").content.decode()
    assert (
        "10 分钟内组建应急小组，30 分钟内到位，每 30 分钟更新状态，2 小时未控制上报总经理；解决后 3 个工作日内复盘"
        in html
    )
    ClockPolicy.objects.filter(process="emergency", kind="assign_team").update(duration="15m")
    assert "15 分钟内组建应急小组" in client.get("/incidents/").content.decode()
