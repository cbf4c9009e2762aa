"""`xietong backup` writes a consistent snapshot with a signed checksum manifest, readable by its owner only;
`xietong restore` into an empty install reproduces every row and every file (checked table by table). Before
touching anything it refuses a damaged, unsigned or re-signed-elsewhere backup and any path that leaves the
backup or the media folder; a load that fails leaves the install as it was."""

import hashlib
import hmac
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from xietong.core.audit import audit_seal
from xietong.core.backup import backup_key
from xietong.items.services import attachment_add
from xietong.org.models import Person
from xietong.requests.tests.test_request_flow import _published_task

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
REPO = Path(__file__).resolve().parent.parent


def _xietong(env, *args):
    return subprocess.run(
        [sys.executable, "-m", "xietong.cli", *args], capture_output=True, text=True, env=env, cwd=REPO
    )


def _target_env(tmp_path) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "XIETONG_AUDIT_ANCHOR_FILE"}  # its own data dir
    }
    # The same settings as this test run (they include the test-only probe app): same schema on both sides.
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "xietong.settings_test",
            "SECRET_KEY": "restore-test-" + "x" * 40,
            "XIETONG_DATA_DIR": str(tmp_path / "target"),
        }
    )
    if connection.vendor == "postgresql":
        import psycopg

        settings_dict = connection.settings_dict
        name = f"{settings_dict['NAME']}_restore"
        base = (
            f"postgres://{settings_dict['USER']}@{settings_dict['HOST'] or '127.0.0.1'}:{settings_dict['PORT'] or 5432}"
        )
        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            admin.execute(f"CREATE DATABASE {name}")
        env["DATABASE_URL"] = f"{base}/{name}"
    return env


def test_backup_and_restore_reproduce_every_row_and_file(company, tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media-source")
    request, _breakdown, _task = _published_task(company)
    with transaction.atomic():
        attachment_add(
            actor=company.person("guoxin"),
            subject=request,
            upload=SimpleUploadedFile("需求说明书.txt", "续航需求 v1".encode(), "text/plain"),
        )
    sealed = audit_seal()  # as the worker of a running installation does
    call_command("backup", str(tmp_path / "backups"))
    [folder] = list((tmp_path / "backups").iterdir())
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["counts"]["requests.request"] == 1 and manifest["counts"]["tasks.task"] == 1
    assert manifest["counts"]["core.auditevent"] > 5
    [media] = [f for f in manifest["files"] if f.startswith("media/")]
    assert manifest["files"][media] == hashlib.sha256("续航需求 v1".encode()).hexdigest()

    env = _target_env(tmp_path)
    assert _xietong(env, "migrate", "-v0").returncode == 0
    # Another machine has its own signing key: without the original one the backup is refused.
    foreign = _xietong(env, "restore", str(folder))
    assert foreign.returncode != 0 and "备份签名不符" in foreign.stderr and "Traceback" not in foreign.stderr
    restored = _xietong(env, "restore", str(folder), "--key-file", str(settings.XIETONG_BACKUP_KEY_FILE))
    assert restored.returncode == 0, restored.stderr
    assert "校验通过" in restored.stdout
    # Restoring twice is refused: the target is no longer empty.
    again = _xietong(env, "restore", str(folder), "--key-file", str(settings.XIETONG_BACKUP_KEY_FILE))
    assert again.returncode != 0 and "目标数据库已有数据" in again.stderr
    # Every table has the same rows; the audit chain still verifies; the file is there, byte for byte.
    dump = _xietong(
        env,
        "shell",
        "-c",
        "import json; from django.apps import apps; "
        "print(json.dumps({m._meta.label_lower: m._base_manager.count() for m in apps.get_models()}))",
    )
    counts = json.loads(dump.stdout.strip().splitlines()[-1])
    for label, expected in manifest["counts"].items():
        assert counts[label] == expected, label
    verified = _xietong(env, "audit", "verify")
    assert verified.returncode == 0, verified.stderr
    # The restore made the restored chain's head the target's anchor.
    assert f"记录至 #{sealed}，与数据库一致" in verified.stdout
    restored_file = tmp_path / "target" / "media" / media.removeprefix("media/")
    assert restored_file.read_bytes() == "续航需求 v1".encode()
    assert stat.S_IMODE(restored_file.stat().st_mode) == 0o600
    # The target's own data directory and SQLite database are private too.
    assert stat.S_IMODE((tmp_path / "target").stat().st_mode) == 0o700
    if connection.vendor == "sqlite":
        assert stat.S_IMODE((tmp_path / "target" / "xietong.sqlite3").stat().st_mode) == 0o600


def _backup(company, tmp_path, settings) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    request, _breakdown, _task = _published_task(company)
    with transaction.atomic():
        attachment_add(
            actor=company.person("guoxin"),
            subject=request,
            upload=SimpleUploadedFile("需求说明书.txt", "续航需求 v1".encode(), "text/plain"),
        )
    call_command("backup", str(tmp_path / "backups"))
    [folder] = list((tmp_path / "backups").iterdir())
    return folder


def _resign(folder: Path, manifest: dict) -> None:
    """What someone holding the key could do: rewrite the manifest and sign it again."""
    data = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
    (folder / "manifest.json").write_bytes(data)
    (folder / "manifest.sig").write_text(hmac.new(backup_key(), data, hashlib.sha256).hexdigest())


def _restore_refused(folder: Path, message: str) -> None:
    with pytest.raises(CommandError) as refused:
        call_command("restore", str(folder), "--force")
    assert message in str(refused.value)


def test_a_backup_is_readable_by_its_owner_only(company, tmp_path, settings):
    folder = _backup(company, tmp_path, settings)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    modes = {stat.S_IMODE(p.stat().st_mode) for p in folder.rglob("*")}
    assert modes == {0o700, 0o600}
    assert {p.name for p in folder.iterdir()} == {"manifest.json", "manifest.sig", "data", "media"}
    # The uploaded file itself, and the signing key, which stays out of the backup.
    [upload] = [p for p in (tmp_path / "media").rglob("*") if p.is_file()]
    assert stat.S_IMODE(upload.stat().st_mode) == 0o600
    assert stat.S_IMODE(Path(settings.XIETONG_BACKUP_KEY_FILE).stat().st_mode) == 0o600
    assert not list(folder.rglob("backup_key")) and backup_key() not in b"".join(
        p.read_bytes() for p in folder.rglob("*") if p.is_file()
    )


def test_a_damaged_unsigned_or_edited_backup_is_refused_before_anything_changes(company, tmp_path, settings):
    folder = _backup(company, tmp_path, settings)
    people = Person.objects.count()
    victim = folder / "data" / "requests.request.jsonl"
    original = victim.read_text()
    victim.write_text(original.replace("续航", "篡改"))
    _restore_refused(folder, "备份文件已损坏（校验和不符）：data/requests.request.jsonl")
    victim.write_text(original)
    # The manifest edited (a count, say) without the key: the signature no longer matches.
    manifest_path = folder / "manifest.json"
    manifest_path.write_text(manifest_path.read_text().replace('"org.person": 40', '"org.person": 41'))
    _restore_refused(folder, "备份签名不符")
    (folder / "manifest.sig").unlink()
    _restore_refused(folder, "备份没有签名")
    assert Person.objects.count() == people


def test_paths_outside_the_backup_or_the_media_folder_are_refused(company, tmp_path, settings):
    """Even signed with the right key: every path must stay inside the backup and the media folder."""
    folder = _backup(company, tmp_path, settings)
    original = json.loads((folder / "manifest.json").read_text())
    [media] = [f for f in original["files"] if f.startswith("media/")]
    for path in ("media//tmp/xietong-escape.txt", "media/../../xietong-escape.txt", "media/./a", "data/../../x.jsonl"):
        manifest = json.loads(json.dumps(original))
        manifest["files"][path] = manifest["files"][media]
        _resign(folder, manifest)
        _restore_refused(folder, f"备份清单中的路径不安全，已拒绝：{path!r}")
    assert not Path("/tmp/xietong-escape.txt").exists() and not (tmp_path.parent / "xietong-escape.txt").exists()
    # A file of the backup that is a symbolic link to somewhere else.
    _resign(folder, original)
    secret = tmp_path / "secret.txt"
    secret.write_text("续航需求 v1")
    (folder / media).unlink()
    (folder / media).symlink_to(secret)
    _restore_refused(folder, "备份清单中的路径指向备份目录之外，已拒绝")


def test_a_load_that_fails_leaves_the_install_as_it_was(company, tmp_path, settings):
    """A backup that verifies but whose rows the database refuses: restore --force on a working install."""
    folder = _backup(company, tmp_path, settings)
    manifest = json.loads((folder / "manifest.json").read_text())
    [media] = [f for f in manifest["files"] if f.startswith("media/")]
    # A task whose owner does not exist: the foreign key fails at the very end of the load.
    tasks = folder / "data" / "tasks.task.jsonl"
    original_tasks = tasks.read_text()
    row = json.loads(original_tasks.splitlines()[0])
    row["fields"]["owner"] = ["nobody-such"]
    tasks.write_text(json.dumps(row, ensure_ascii=False) + "\n")
    manifest["files"]["data/tasks.task.jsonl"] = hashlib.sha256(tasks.read_bytes()).hexdigest()
    _resign(folder, manifest)
    (tmp_path / "media" / media.removeprefix("media/")).unlink()
    before = {m._meta.label_lower: m._base_manager.count() for m in apps.get_models()}
    _restore_refused(folder, "恢复失败，数据库保持原样")
    assert {m._meta.label_lower: m._base_manager.count() for m in apps.get_models()} == before
    assert Person.objects.filter(username="lina").exists()
    # No attachment of the failed restore was put in place, and no staging folder is left behind.
    assert not (tmp_path / "media" / media.removeprefix("media/")).exists()
    assert not list((tmp_path / "media").glob(".restore-*"))
    # The same backup, sound again: --force replaces everything in one go.
    tasks.write_text(original_tasks)
    manifest["files"]["data/tasks.task.jsonl"] = hashlib.sha256(tasks.read_bytes()).hexdigest()
    _resign(folder, manifest)
    Person.objects.filter(username="wangqiang").update(name="改过的名字")
    call_command("restore", str(folder), "--force")
    assert Person.objects.get(username="wangqiang").name == "王强"
    assert (tmp_path / "media" / media.removeprefix("media/")).read_bytes() == "续航需求 v1".encode()
