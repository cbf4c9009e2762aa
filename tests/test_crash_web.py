"""Kill the web server with SIGKILL in the middle of a stream of writes: every write the server
acknowledged (HTTP 201) is in the database after the restart, with its audit event and its clock."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time

import httpx
import pytest
from django.db import transaction

from tests.workers import REPO, database_url
from xietong.clocks.models import Clock
from xietong.core.audit import audit_seal, audit_verify
from xietong.core.models import AuditEvent
from xietong.core.tokens import api_token_create
from xietong.requests.models import Request

pytestmark = [pytest.mark.postgres_only, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_web(port: int, log) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "xietong.settings_test",
        "DATABASE_URL": database_url(),
        "XIETONG_LOG_LEVEL": "WARNING",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "xietong.wsgi",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _wait_up(base: str) -> None:
    for _ in range(120):
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.25)
    raise AssertionError("web server did not start")


def test_sigkill_mid_load_loses_no_acknowledged_write(company, tmp_path):
    with transaction.atomic():
        _token, secret = api_token_create(person=company.person("guoxin"), name="load")
    project, department = company.project("smartwatch").pk, company.department("rd-software").pk
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log = (tmp_path / "web.log").open("ab")
    web = _start_web(port, log)
    _wait_up(base)
    accepted: list[str] = []
    stop = threading.Event()

    def writer(index: int) -> None:
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {secret}"}, timeout=10) as client:
            n = 0
            while not stop.is_set():
                n += 1
                title = f"断电测试-{index}-{n}"
                try:
                    response = client.post(
                        "/api/requests/",
                        json={
                            "title": title,
                            "project_id": project,
                            "receiving_department_id": department,
                            "background": "压测",
                            "goal": "不丢数据",
                            "content": "创建并提交",
                            "expected_date": "2027-12-31",
                            "priority": "high",
                            "criteria": ["写入可见"],
                            "submit": True,
                        },
                    )
                except httpx.HTTPError:
                    time.sleep(0.05)  # the server is down: try again
                    continue
                if response.status_code == 201:
                    accepted.append(response.json()["number"])

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 60
    while len(accepted) < 30 and time.monotonic() < deadline:
        time.sleep(0.1)
    os.killpg(web.pid, signal.SIGKILL)  # master and workers, mid-request
    web.wait(timeout=30)
    killed_at = len(accepted)
    web = _start_web(port, log)
    _wait_up(base)
    deadline = time.monotonic() + 60
    while len(accepted) < killed_at + 10 and time.monotonic() < deadline:  # some traffic after the restart
        time.sleep(0.1)
    stop.set()
    for t in threads:
        t.join(timeout=30)
    os.killpg(web.pid, signal.SIGTERM)
    web.wait(timeout=30)

    assert killed_at >= 30 and len(accepted) > killed_at
    stored = set(Request.objects.values_list("number", flat=True))
    assert set(accepted) <= stored  # every acknowledged write survived
    # Nothing half-written: every stored request has its audit events and its acknowledgement clock.
    for request in Request.objects.all():
        assert (
            AuditEvent.objects.filter(
                object_type="requests.request",
                object_id=str(request.pk),
                action__in=["request.create", "request.submit"],
            ).count()
            == 2
        )
        assert Clock.objects.filter(subject_type="requests.request", subject_id=request.pk, kind="respond").count() == 1
    # No worker ran here: the sequencer seals what the killed and the restarted server wrote into one chain.
    assert audit_seal() > 0
    report = audit_verify()
    assert report.ok and report.unsealed == 0, report.problem
