"""Consistent backups and restores: every row as JSON lines from one snapshot, every attachment file, and a
manifest of SHA-256 checksums and row counts that the restore verifies.

The snapshot: on PostgreSQL one REPEATABLE READ, READ ONLY transaction (writers carry on); on SQLite the
online backup API copies the database first and the rows are read from that copy. The format is the same
for both, so a backup can also move an installation from SQLite to PostgreSQL.

A backup holds password hashes, e-mail addresses and phone numbers: its folder is 700 and its files 600, and
its manifest is signed (HMAC-SHA256) with a key kept outside every backup (XIETONG_BACKUP_KEY, else
DATA_DIR/backup_key). A restore checks the signature, that every path stays inside the backup and the media
folder, and every checksum before it touches anything, then replaces the data in one transaction: a load
that fails leaves the installation as it was.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.management import call_command
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, connections, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import Model

FORMAT = 2  # 2: the manifest is signed (manifest.sig)
PRIVATE_DIR, PRIVATE_FILE = 0o700, 0o600
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


def backup_key(key_file: Path | None = None) -> bytes:
    """The signing key: a file given to `restore --key-file`, XIETONG_BACKUP_KEY, or DATA_DIR/backup_key
    (made once, 600). It never goes into a backup: restoring on another machine needs that machine to be
    given the key (copy the file, or set XIETONG_BACKUP_KEY on both)."""
    if key_file is not None:
        if not key_file.is_file():
            raise BackupError(f"找不到签名密钥文件：{key_file}")
        return key_file.read_bytes().strip()
    if settings.XIETONG_BACKUP_KEY:
        return settings.XIETONG_BACKUP_KEY.encode()
    path = Path(settings.XIETONG_BACKUP_KEY_FILE)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
        with os.fdopen(descriptor, "w") as out:
            out.write(secrets.token_urlsafe(48))
    return path.read_bytes().strip()


def _signature(manifest_bytes: bytes, key: bytes) -> str:
    return hmac.new(key, manifest_bytes, hashlib.sha256).hexdigest()


def _make_private(root: Path) -> None:
    """Folders 700, files 600, the root included."""
    root.chmod(PRIVATE_DIR)
    for path in root.rglob("*"):
        if not path.is_symlink():
            path.chmod(PRIVATE_DIR if path.is_dir() else PRIVATE_FILE)


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
    folder.mkdir(parents=True, mode=PRIVATE_DIR)
    folder.chmod(PRIVATE_DIR)
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
    manifest_bytes = json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8")
    (folder / "manifest.json").write_bytes(manifest_bytes)
    (folder / "manifest.sig").write_text(_signature(manifest_bytes, backup_key()) + "\n", encoding="ascii")
    _make_private(folder)
    return folder


def _member(folder: Path, relative: str) -> Path:
    """A path named by the manifest, refused unless it is a plain relative path inside the backup folder."""
    if not isinstance(relative, str):
        raise BackupError(f"备份清单中的路径不安全，已拒绝：{relative!r}")
    parts = relative.split("/")
    if (
        PurePosixPath(relative).is_absolute()
        or any(part in ("", ".", "..") for part in parts)
        or "\\" in relative
        or "\0" in relative
        or parts[0] not in ("data", "media")
        or len(parts) < 2
    ):
        raise BackupError(f"备份清单中的路径不安全，已拒绝：{relative!r}")
    path = folder / relative
    if path.is_symlink() or not path.resolve().is_relative_to(folder.resolve()):
        raise BackupError(f"备份清单中的路径指向备份目录之外，已拒绝：{relative!r}")
    return path


def backup_verify(folder: Path, *, key_file: Path | None = None) -> dict:
    """The manifest's signature, every path it names, every checksum — before anything is touched."""
    manifest_path, signature_path = folder / "manifest.json", folder / "manifest.sig"
    if not manifest_path.exists():
        raise BackupError(f"{folder} 不是协同的备份目录（缺少 manifest.json）")
    manifest_bytes = manifest_path.read_bytes()
    if not signature_path.exists():
        raise BackupError("备份没有签名（缺少 manifest.sig），不能确认它来自本系统：已拒绝")
    expected = signature_path.read_text(encoding="ascii", errors="replace").strip()
    if not hmac.compare_digest(expected, _signature(manifest_bytes, backup_key(key_file))):
        raise BackupError(
            "备份签名不符：清单在备份后被改动过，或签名密钥不是备份时的密钥"
            "（在另一台机器上恢复时，用 --key-file 指定原机器的 backup_key）"
        )
    try:
        manifest = json.loads(manifest_bytes.decode("utf-8"))
    except ValueError as exc:
        raise BackupError(f"备份清单无法读取：{exc}") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"不支持的备份格式：{manifest.get('format')}（请用当前版本重新备份）")
    known = {m._meta.label_lower for m in _models()}
    for label in [*manifest["order"], *manifest["counts"]]:
        if label not in known:
            raise BackupError(f"备份中的数据表不属于当前版本：{label}")
    for label in manifest["order"]:
        if f"data/{label}.jsonl" not in manifest["files"]:
            raise BackupError(f"备份文件缺失：data/{label}.jsonl")
    for relative, checksum in manifest["files"].items():
        path = _member(folder, relative)
        if relative.startswith("data/") and relative.removeprefix("data/").removesuffix(".jsonl") not in known:
            raise BackupError(f"备份清单中的路径不安全，已拒绝：{relative!r}")
        if not path.is_file():
            raise BackupError(f"备份文件缺失：{relative}")
        if _sha256(path) != checksum:
            raise BackupError(f"备份文件已损坏（校验和不符）：{relative}")
    return manifest


def _is_empty() -> bool:
    from django.contrib.auth import get_user_model

    return not get_user_model().objects.exists()


def _media_target(media_root: Path, relative: str) -> Path:
    """Where a media file of the backup goes: inside the media folder, or refused."""
    target = media_root / relative.removeprefix("media/")
    if not target.resolve().is_relative_to(media_root.resolve()):
        raise BackupError(f"备份中的附件路径指向附件目录之外，已拒绝：{relative!r}")
    return target


def _replace_rows(folder: Path, manifest: dict) -> dict[str, int]:
    """In the caller's transaction: empty the tables a backup holds (and the session and sign-in state
    that belonged to the old data), load every row, check every count."""
    keep = {"contenttypes.contenttype", "auth.permission"}  # rebuilt by migrate, referred to by natural key
    # Many-to-many tables too (auth_group_permissions …): PostgreSQL truncates a table only with the
    # tables that refer to it.
    tables = [
        m._meta.db_table
        for m in apps.get_models(include_auto_created=True)
        if m._meta.managed and m._meta.label_lower not in keep
    ]
    tables = [t for t in tables if t in connection.introspection.table_names()]
    connection.ops.execute_sql_flush(connection.ops.sql_flush(no_style(), tables, reset_sequences=True))
    paths = [
        str(folder / "data" / f"{label}.jsonl")
        for label in manifest["order"]
        if (folder / "data" / f"{label}.jsonl").stat().st_size
    ]
    if paths:
        # One loaddata for everything, foreign keys checked once at the end (departments and their heads
        # refer to each other).
        call_command("loaddata", *paths, verbosity=0)
    restored = {}
    for label, expected in manifest["counts"].items():
        restored[label] = apps.get_model(label)._base_manager.count()
        if restored[label] != expected:
            raise BackupError(f"{label}：恢复 {restored[label]} 行，备份中为 {expected} 行")
    return restored


def backup_restore(folder: Path, *, force: bool = False, key_file: Path | None = None) -> dict[str, int]:
    """Restore into a migrated installation of the same version (an empty one, or any with `force`): all
    or nothing. Returns row counts restored."""
    manifest = backup_verify(folder, key_file=key_file)
    if manifest["migrations"] != _migration_heads():
        raise BackupError("备份与当前版本的数据库结构不一致：请先安装与备份相同版本的协同并执行 migrate")
    if not _is_empty() and not force:
        raise BackupError("目标数据库已有数据：恢复只能在空的安装上进行（确需覆盖请加 --force）")
    media_root = Path(settings.MEDIA_ROOT)
    media = {r: _media_target(media_root, r) for r in manifest["files"] if r.startswith("media/")}
    # Attachments are staged inside the media folder (same file system: moving them in is a rename) and
    # only moved into place once the rows are committed.
    media_root.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    staging = media_root / f".restore-{uuid.uuid4().hex}"
    staging.mkdir(mode=PRIVATE_DIR)
    try:
        staged = {}
        for relative in media:
            copy = staging / relative
            copy.parent.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
            shutil.copyfile(folder / relative, copy)
            copy.chmod(PRIVATE_FILE)
            staged[relative] = copy
        try:
            with transaction.atomic():
                restored = _replace_rows(folder, manifest)
        except BackupError as exc:
            raise BackupError(f"恢复失败，数据库保持原样：{exc}") from exc
        except Exception as exc:  # a row the database refuses: nothing was changed
            raise BackupError(f"恢复失败，数据库保持原样：{type(exc).__name__}: {exc}") from exc
        # The restored chain is the installation's chain now: it becomes the audit anchor (the old kept).
        from xietong.core.audit_chain import anchor_reset

        anchor_reset()
        for relative, copy in staged.items():
            target = media[relative]
            target.parent.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
            os.replace(copy, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return restored
