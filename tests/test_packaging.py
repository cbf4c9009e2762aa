"""What gets installed: the locks pin every dependency the project names (with hashes), ./run.sh and ./test.sh
install from them, the built wheel speaks English without a compile step, and the container recipe runs the
web, the worker and PostgreSQL with the uploads on one shared volume.

Docker itself cannot run on the machines this suite runs on: the Dockerfile and the compose file are checked
as text and YAML here, not built."""

import gettext
import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parent.parent


def pyproject() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def pins(lock: str) -> dict[str, tuple[str, int]]:
    """name → (version, number of hashes) of a `uv pip compile --generate-hashes` lock."""
    text = (REPO / lock).read_text(encoding="utf-8")
    found = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        match = re.match(r"([A-Za-z0-9._-]+)==([^\s;\\]+)", block)
        if match:
            found[canonicalize_name(match.group(1))] = (match.group(2), block.count("--hash=sha256:"))
    return found


def test_every_dependency_is_pinned_with_hashes_in_both_locks():
    project = pyproject()["project"]
    runtime, test_extra = project["dependencies"], project["optional-dependencies"]["test"]
    run_lock, test_lock = pins("requirements.lock"), pins("requirements-test.lock")
    for lock, wanted in ((run_lock, runtime), (test_lock, runtime + test_extra)):
        for line in wanted:
            requirement = Requirement(line)
            name = canonicalize_name(requirement.name)
            assert name in lock, f"{name} is in pyproject.toml but not in the lock: regenerate it (README)"
            assert requirement.specifier.contains(lock[name][0], prereleases=True), (name, lock[name][0])
    assert all(hashes > 0 for _version, hashes in {**run_lock, **test_lock}.values())
    # The test lock installs the very versions ./run.sh does.
    assert {name: pin for name, pin in test_lock.items() if name in run_lock} == run_lock
    # Only tests use these.
    assert "holidays" in test_lock and "holidays" not in run_lock
    assert "factory-boy" not in test_lock and "factory-boy" not in run_lock


def test_run_and_test_scripts_install_from_the_locks_and_only_when_they_changed():
    run_sh, test_sh = (REPO / "run.sh").read_text(), (REPO / "test.sh").read_text()
    assert "pip install --quiet --require-hashes -r requirements.lock" in run_sh
    assert "pip install --quiet --require-hashes -r requirements-test.lock" in test_sh
    for script in (run_sh, test_sh):
        assert "pip install --quiet --no-deps -e ." in script
        assert re.search(r"pip install --quiet -e", script) is None  # nothing resolved outside the lock
        assert "sha256sum" in script  # the stamp is the lock's checksum


@pytest.mark.slow
def test_the_built_wheel_carries_compiled_translations(tmp_path):
    """Built from the tracked files alone (no .mo lying around, as in a fresh clone)."""
    source = tmp_path / "source"
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    for name in filter(None, tracked.decode().split("\0")):
        if (REPO / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            (source / name).write_bytes((REPO / name).read_bytes())
    assert not list(source.rglob("*.mo"))
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(tmp_path / "dist"), str(source)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    [wheel] = (tmp_path / "dist").glob("xietong-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        assert "xietong/locale/en/LC_MESSAGES/django.po" in archive.namelist()
        catalogue = archive.read("xietong/locale/en/LC_MESSAGES/django.mo")
    (tmp_path / "django.mo").write_bytes(catalogue)
    with (tmp_path / "django.mo").open("rb") as mo:
        english = gettext.GNUTranslations(mo)
    assert english.gettext("登录协同") != "登录协同"
    assert english.gettext("登录失败次数过多，请 %(minutes)d 分钟后再试。") == (
        "Too many failed sign-ins; try again in %(minutes)d minutes."
    )


def test_compose_runs_web_worker_and_postgresql_sharing_the_uploads():
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert set(services) == {"db", "migrate", "web", "worker"}
    assert services["db"]["image"].startswith("postgres:")
    assert services["web"]["command"][0] == "gunicorn" and services["worker"]["command"] == ["xietong", "worker"]
    for name in ("web", "worker", "migrate"):
        service = services[name]
        assert service["build"] == "." and service["environment"]["DATABASE_URL"].startswith("postgres://")
        assert "media:/var/lib/xietong/media" in service["volumes"]
        assert service["environment"]["XIETONG_MEDIA_ROOT"] == "/var/lib/xietong/media"
    assert services["web"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert set(compose["volumes"]) == {"pgdata", "media"}


def test_dockerfile_installs_the_lock_and_the_wheel_and_runs_unprivileged():
    dockerfile = (REPO / "Dockerfile").read_text(encoding="utf-8")
    instructions = [line.split()[0] for line in dockerfile.splitlines() if line and not line[0].isspace()]
    known = ["#", "FROM", "ENV", "WORKDIR", "COPY", "RUN", "USER", "VOLUME", "EXPOSE", "HEALTHCHECK", "CMD"]
    assert set(instructions) <= set(known)
    assert "pip install --require-hashes -r requirements.lock" in dockerfile
    assert "pip wheel --no-deps" in dockerfile and "pip install --no-deps /wheels/xietong-*.whl" in dockerfile
    assert "\nUSER xietong\n" in dockerfile
    for copied in re.findall(r"^COPY (?!--from)(.+) \S+$", dockerfile, flags=re.M):
        for name in copied.split():
            assert (REPO / name).exists(), name
