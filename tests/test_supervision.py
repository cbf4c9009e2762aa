"""`xietong serve` (what ./run.sh ends in) supervises the web server and the worker separately: kill -9 the
worker and /healthz keeps answering, then reports the new worker with its restart and why; kill -9 the
gunicorn master and it comes back; Ctrl-C stops everything. Real processes on their own SQLite database."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from xietong.core.supervisor import Program, Supervisor

REPO = Path(__file__).resolve().parent.parent
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="runs on its own SQLite database whatever the suite's: once is enough",
    ),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> dict[str, int]:
    """The supervisor's children by role, from /proc."""
    found = {}
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        cmdline = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
        found["web" if b"gunicorn" in cmdline else "worker"] = int(child)
    return found


def _health(port: int) -> dict | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            return json.loads(response.read())
    except OSError:
        return None


def _until(condition, what: str, timeout: float = 120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


def test_a_killed_worker_or_web_master_comes_back_and_healthz_says_so(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "XIETONG_DATA_DIR", "SECRET_KEY"}
    }
    env.update(DJANGO_SETTINGS_MODULE="xietong.settings", XIETONG_DATA_DIR=str(tmp_path / "var"), SECRET_KEY="s" * 50)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    migrate = subprocess.run(
        [sys.executable, "-m", "xietong.cli", "migrate", "-v0"], cwd=REPO, env=env, capture_output=True, text=True
    )
    assert migrate.returncode == 0, migrate.stderr[-2000:]
    port = _free_port()
    log = tmp_path / "serve.log"
    supervisor = subprocess.Popen(
        [sys.executable, "-m", "xietong.cli", "serve", "--bind", f"127.0.0.1:{port}", "--web-workers", "1"],
        cwd=REPO,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        first = _until(lambda: (h := _health(port)) and h["worker"]["status"] == "ok" and h, "web and worker up")
        assert first["status"] == "ok" and [(w["restarts"], w["last_exit"]) for w in first["worker"]["workers"]] == [
            (0, "")
        ]
        before = _children(supervisor.pid)

        os.kill(before["worker"], signal.SIGKILL)
        # The web keeps answering while the worker is down, and then shows the new worker and why it started.
        assert _health(port) is not None
        after = _until(
            lambda: (
                (h := _health(port))
                and [(w["restarts"], w["last_exit"]) for w in h["worker"]["workers"]] == [(1, "SIGKILL")]
                and h
            ),
            "the restarted worker's heartbeat",
        )
        assert after["status"] == "ok" and after["worker"]["status"] == "ok"
        assert _children(supervisor.pid)["worker"] != before["worker"]

        os.kill(before["web"], signal.SIGKILL)
        new_web = _until(
            lambda: (c := _children(supervisor.pid).get("web")) not in (None, before["web"]) and c, "a new master"
        )
        _until(lambda: _alive(new_web) and _health(port), "the new web server to answer")
        output = log.read_text()
        assert "worker 已退出（SIGKILL），1 秒后重启" in output and "web 已退出（SIGKILL），1 秒后重启" in output
        running = _children(supervisor.pid)
    finally:
        os.killpg(supervisor.pid, signal.SIGINT)  # Ctrl-C in the terminal
        code = supervisor.wait(timeout=60)
    assert code == 0
    assert "已停止" in log.read_text()
    assert not any(_alive(pid) for pid in running.values())


def test_a_child_that_keeps_dying_waits_longer_each_time_and_the_other_runs_on():
    """Backoff doubles from the minimum up to the maximum; the steady child is never restarted."""
    crashing = Program("crashing", [sys.executable, "-c", "raise SystemExit(3)"])
    steady = Program("steady", [sys.executable, "-c", "import time; time.sleep(120)"])
    said = []
    supervisor = Supervisor([crashing, steady], min_backoff=0.05, max_backoff=0.2, grace=5)

    def stop_after_five_restarts(text: str) -> None:
        said.append(text)
        if crashing.restarts >= 5:
            supervisor.stopping = True

    supervisor.say = stop_after_five_restarts
    assert supervisor.run() == 0
    assert crashing.history[:5] == ["exit 3"] * 5
    backoffs = [line.split("，")[1] for line in said if line.startswith("crashing 已退出")][:5]
    assert backoffs == ["0.05 秒后重启", "0.1 秒后重启", "0.2 秒后重启", "0.2 秒后重启", "0.2 秒后重启"]
    assert steady.restarts == 0 and said.count("正在停止……") == 1
