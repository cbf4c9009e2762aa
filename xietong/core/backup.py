"""Consistent backups and restores: every row as JSON lines from one snapshot, every attachment file, and a
manifest of SHA-256 checksums and row counts that the restore verifies.

The snapshot: on PostgreSQL one REPEATABLE READ, READ ONLY transaction (writers carry on); on SQLite the
online backup API copies the database first and the rows are read from that copy. The format is the same
for both, so a backup can also move an installation from SQLite to PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.management import call_command
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, connections, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import Model

FORMAT = 1
# Sessions and sign-in throttling state are not data: a restored install starts with neither.
EXCLUDED = {
    "contenttypes.contenttype",
    "auth.permission",
    "sessions.session",
    "admin.logentry",
    "axes.accessattempt",
    "axes.accessattemptexpiration",
    "axes.accessfailurelog",
    "axes.accesslog",
    "core.workerheartbeat",
}


class ExactJSONEncoder(DjangoJSONEncoder):
    """Django's encoder cuts datetimes to milliseconds; a backup must keep every microsecond (the audit
    trail's hashes cover them)."""

    def default(self, o):
        if isinstance(o, dt.datetime | dt.time):
            return o.isoformat()
        return super().default(o)


class BackupError(Exception):
    """A backup or restore that cannot go on, with the reason in the operator's language."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _models() -> list[type[Model]]:
    candidates = [
        m for m in apps.get_models() if m._meta.label_lower not in EXCLUDED and m._meta.managed and not m._meta.proxy
    ]
    app_list: dict = {}
    for model in candidates:
        app_list.setdefault(model._meta.app_config, []).append(model)
    return serializers.sort_dependencies(app_list.items(), allow_cycles=True)


def _migration_heads(using: str = "default") -> dict[str, str]:
    heads: dict[str, str] = {}
    for app, name in (
        MigrationRecorder(connections[using]).migration_qs.values_list("app", "name").order_by("app", "name")
    ):
        heads[app] = max(heads.get(app, ""), name)
    return heads


def rows_dump(folder: Path, alias: str = "default") -> tuple[dict[str, int], dict[str, str], dict[str, str]]:
    """Write every table as JSON lines into folder/data; returns counts, checksums and migration heads."""
    (folder / "data").mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    data_files: dict[str, str] = {}
    heads = _migration_heads(alias)
    for model in _models():
        label = model._meta.label_lower
        path = folder / "data" / f"{label}.jsonl"
        queryset = model._base_manager.using(alias).order_by("pk")
        with path.open("w", encoding="utf-8") as out:
            serializers.serialize(
                "jsonl",
                queryset.iterator(chunk_size=2000),
                stream=out,
                use_natural_foreign_keys=True,
                cls=ExactJSONEncoder,
            )
        counts[label] = queryset.count()
        data_files[f"data/{label}.jsonl"] = _sha256(path)
    return counts, data_files, heads


def _rows_from_sqlite_copy(folder: Path) -> tuple[dict[str, int], dict[str, str], dict[str, str]]:
    """SQLite: copy the live database with the online backup API (consistent; writers wait only for page
    copies), then read the rows from that private copy in a child process."""
    with tempfile.TemporaryDirectory(prefix="xietong-backup-") as tmp:
        copy = Path(tmp) / "snapshot.sqlite3"
        connection.ensure_connection()
        with sqlite3.connect(copy) as target:
            connection.connection.backup(target)
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{copy}"}
        env.setdefault("DJANGO_SETTINGS_MODULE", os.environ.get("DJANGO_SETTINGS_MODULE", "xietong.settings"))
        result = subprocess.run(  # noqa: S603 (our own command, no user input)
            [sys.executable, "-m", "xietong.cli", "backup", "--rows-only", str(folder)],
            capture_output=True,
            text=True,
            env=env,
        )
        if result.returncode != 0:
            raise BackupError(f"读取数据库快照失败：{result.stderr[-500:]}")
    summary = json.loads((folder / "rows.json").read_text(encoding="utf-8"))
    (folder / "rows.json").unlink()
    return summary["counts"], summary["files"], summary["migrations"]


def backup_create(destination: Path) -> Path:
    """Write a backup folder under `destination` and return it."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S-%f")
    folder = destination / f"xietong-backup-{stamp}"
    folder.mkdir(parents=True)
    if connection.vendor == "sqlite":
        counts, data_files, heads = _rows_from_sqlite_copy(folder)
    else:
        # PostgreSQL: one REPEATABLE READ, READ ONLY transaction sees one instant; writers carry on.
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            counts, data_files, heads = rows_dump(folder)
    media_root = Path(settings.MEDIA_ROOT)
    media_files: dict[str, str] = {}
    if media_root.exists():
        for source in sorted(p for p in media_root.rglob("*") if p.is_file()):
            relative = source.relative_to(media_root).as_posix()
            target = folder / "media" / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
            media_files[f"media/{relative}"] = _sha256(target)
    manifest = {
        "format": FORMAT,
        "created_at": dt.datetime.now(dt.UTC).isoformat(),
        "database": connection.vendor,
        "migrations": heads,
        "order": [m._meta.label_lower for m in _models()],
        "counts": counts,
        "files": {**data_files, **media_files},
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return folder


def backup_verify(folder: Path) -> dict:
    manifest_path = folder / "manifest.json"
    if not manifest_path.exists():
        raise BackupError(f"{folder} 不是协同的备份目录（缺少 manifest.json）")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise BackupError(f"不支持的备份格式：{manifest.get('format')}")
    for relative, expected in manifest["files"].items():
        path = folder / relative
        if not path.exists():
            raise BackupError(f"备份文件缺失：{relative}")
        if _sha256(path) != expected:
            raise BackupError(f"备份文件已损坏（校验和不符）：{relative}")
    return manifest


def _is_empty() -> bool:
    from django.contrib.auth import get_user_model

    return not get_user_model().objects.exists()


def backup_restore(folder: Path, *, force: bool = False) -> dict[str, int]:
    """Restore into an empty, migrated installation of the same version. Returns row counts restored."""
    manifest = backup_verify(folder)
    if manifest["migrations"] != _migration_heads():
        raise BackupError("备份与当前版本的数据库结构不一致：请先安装与备份相同版本的协同并执行 migrate")
    if not _is_empty() and not force:
        raise BackupError("目标数据库已有数据：恢复只能在空的安装上进行（确需覆盖请加 --force）")
    call_command("flush", interactive=False, verbosity=0)
    paths = [
        str(folder / "data" / f"{label}.jsonl")
        for label in manifest["order"]
        if (folder / "data" / f"{label}.jsonl").stat().st_size
    ]
    if paths:
        # One loaddata for everything: a single transaction, with foreign keys checked once at the end
        # (departments and their heads refer to each other).
        call_command("loaddata", *paths, verbosity=0)
    media_root = Path(settings.MEDIA_ROOT)
    for relative in manifest["files"]:
        if relative.startswith("media/"):
            target = media_root / relative.removeprefix("media/")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(folder / relative, target)
    restored = {}
    for label, expected in manifest["counts"].items():
        model = apps.get_model(label)
        restored[label] = model._base_manager.count()
        if restored[label] != expected:
            raise BackupError(f"{label}：恢复 {restored[label]} 行，备份中为 {expected} 行")
    return restored
