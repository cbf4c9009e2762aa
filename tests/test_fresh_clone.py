"""A fresh clone and `./run.sh`: the product comes up with demo data, stops on Ctrl-C, and a second run
duplicates nothing. Runs the real script in a real clone (slow: it creates its own virtualenv)."""

import os
import signal
import socket
import sqlite3
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.fresh_clone]

REPO = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(url: str, process: subprocess.Popen, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"./run.sh exited early with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status
        except OSError:
            time.sleep(1)
    raise AssertionError(f"{url} did not answer within {timeout} s")


def _start(clone: Path, port: int, log: Path) -> subprocess.Popen:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "XIETONG_DATA_DIR", "VIRTUAL_ENV", "SECRET_KEY"}
    }
    env["PORT"] = str(port)
    return subprocess.Popen(
        ["./run.sh"], cwd=clone, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True
    )


def _ctrl_c(process: subprocess.Popen) -> int:
    os.killpg(process.pid, signal.SIGINT)  # what the terminal does on Ctrl-C: the whole foreground group
    return process.wait(timeout=30)


def test_fresh_clone_runs_with_two_commands(tmp_path):
    clone = tmp_path / "xietong"
    subprocess.run(["git", "clone", "--quiet", str(REPO), str(clone)], check=True)
    log = tmp_path / "run.log"
    port = _free_port()

    first = _start(clone, port, log)
    try:
        assert _wait_for(f"http://127.0.0.1:{port}/accounts/login/", first, timeout=900) == 200
    finally:
        code = _ctrl_c(first)
    output = log.read_text()
    assert code == 0, output[-3000:]
    assert "http://127.0.0.1:" in output and "chenzhiqiang" in output and "xietong2026" in output
    assert "已停止" in output

    # Second run: same database, nothing duplicated, nothing broken.
    second = _start(clone, port, log)
    try:
        assert _wait_for(f"http://127.0.0.1:{port}/accounts/login/", second, timeout=300) == 200
    finally:
        assert _ctrl_c(second) == 0
    with sqlite3.connect(clone / "var" / "xietong.sqlite3") as db:
        assert db.execute("SELECT count(*) FROM org_person").fetchone()[0] == 40
        assert db.execute("SELECT count(*) FROM org_department").fetchone()[0] == 14
        assert db.execute("SELECT count(*) FROM org_project").fetchone()[0] == 3
    # Both processes are gone: nothing listens on the port any more. SO_REUSEADDR, as gunicorn binds, so
    # the closed connections still in TIME_WAIT do not count; a live listener still makes bind() fail.
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))
