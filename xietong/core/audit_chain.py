"""The audit trail's hash chain: the sequencer that seals events, the anchor kept outside the database,
and the verifier.

Writers append events unsealed (core.audit.audit_record takes no shared lock), so any number of them
commit side by side. The sequencer — `audit_seal`, run by every worker loop but by one process at a time
(a PostgreSQL advisory lock; on SQLite the write transaction itself) — takes committed unsealed events in
the order they were written and seals them in batches, in the order it seals them: position (seq), the
hash of the event before, and its own hash over its content (the design of Certificate Transparency logs:
leaves queued, a sequencer integrating batches, signed tree heads). After each batch commits, the newest
sealed head is written to the anchor file under the data directory and to the log, so that a database
restored or rewritten behind the product's back no longer matches it.

`audit_verify` recomputes every sealed event and fails on any edited, deleted or reordered event, on a
truncated tail, on a chain that no longer reaches the anchor, and on events left unsealed longer than
XIETONG_AUDIT_UNSEALED_MAX_SECONDS (the sequencer is not running, or something holds them back).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction

from xietong.core import clock
from xietong.core.models import AuditChainHead, AuditEvent

logger = logging.getLogger("xietong.audit")

GENESIS_HASH = "0" * 64
SEQUENCER_LOCK = 0x58_54_41_55  # "XTAU": the PostgreSQL advisory lock only the sequencer takes

# What a hash covers, in the order values_list() returns it (seq and prev are added when sealing).
CONTENT = (
    "at",
    "actor_id",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "object_label",
    "before",
    "after",
    "ip",
)


def _payload(seq: int | None, prev: str, row: tuple[Any, ...]) -> bytes:
    at, actor_id, actor_label, action, object_type, object_id, object_label, before, after, ip = row
    payload = {
        "seq": seq,
        "at": at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor": actor_id,
        "actor_label": actor_label,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "object_label": object_label,
        "before": before,
        "after": after,
        "ip": ip,
        "prev": prev,
    }
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def row_hash(seq: int | None, prev: str, row: tuple[Any, ...]) -> str:
    return hashlib.sha256(_payload(seq, prev, row)).hexdigest()


def event_hash(event: AuditEvent) -> str:
    """The hash of `event` at its position (event.seq) after event.prev_hash."""
    return row_hash(event.seq, event.prev_hash, tuple(getattr(event, name) for name in CONTENT))


# --- The anchor ------------------------------------------------------------------------------------
def anchor_path() -> Path:
    return Path(settings.XIETONG_AUDIT_ANCHOR_FILE)


@dataclass(frozen=True)
class Anchor:
    seq: int
    hash: str


class AnchorUnreadable(Exception):
    pass


def anchor_read() -> Anchor | None:
    path = anchor_path()
    try:
        data = json.loads(path.read_text())
        return Anchor(int(data["seq"]), str(data["hash"]))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise AnchorUnreadable(f"{path}: {exc}") from exc


def anchor_write(seq: int, hash_: str, *, force: bool = False) -> None:
    """Record the sealed head outside the database (atomically: a crash leaves the old file or the new).
    It only moves forward, unless `force` (a restore through the product replaces the chain)."""
    path = anchor_path()
    if not force:
        try:
            current = anchor_read()
        except AnchorUnreadable:
            current = None
        if current is not None and current.seq >= seq:
            return
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    body = json.dumps({"seq": seq, "hash": hash_, "sealed_at": clock.now().isoformat()}) + "\n"
    with open(partial, "w", opener=lambda p, flags: os.open(p, flags, 0o600)) as out:
        out.write(body)
        out.flush()
        os.fsync(out.fileno())
    os.replace(partial, path)
    logger.info("审计链已封存至 #%d，链头哈希 %s", seq, hash_)


# --- The sequencer ---------------------------------------------------------------------------------
def _sequencer_lock() -> bool:
    """Only one sequencer at a time: on PostgreSQL a transaction-scoped advisory lock (the others skip);
    on SQLite the write transaction already excludes every other writer."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [SEQUENCER_LOCK])
        return bool(cursor.fetchone()[0])


def _seal_batch(batch_size: int) -> int:
    with transaction.atomic():
        if not _sequencer_lock():
            return 0
        rows = list(AuditEvent.objects.filter(seq__isnull=True).order_by("id").values_list("id", *CONTENT)[:batch_size])
        if not rows:
            return 0
        head, _created = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
        seq, prev = head.seq, head.last_hash
        updates = []
        for event_id, *content in rows:
            seq += 1
            digest = row_hash(seq, prev, tuple(content))
            updates.append((seq, prev, digest, event_id))
            prev = digest
        with connection.cursor() as cursor:  # one statement, many rows (psycopg pipelines them)
            cursor.executemany("UPDATE core_auditevent SET seq = %s, prev_hash = %s, hash = %s WHERE id = %s", updates)
        AuditChainHead.objects.filter(pk=1).update(seq=seq, last_hash=prev)
        transaction.on_commit(lambda: anchor_write(seq, prev), robust=True)
        return len(rows)


def audit_seal(batch_size: int | None = None, max_batches: int | None = None) -> int:
    """Seal committed unsealed events into the chain, one transaction per batch, until none is left (or
    `max_batches`). Returns how many it sealed; 0 when another process is sealing right now.
    The worker calls it on every pass; tests call it to seal explicitly."""
    size = batch_size or settings.XIETONG_AUDIT_SEAL_BATCH
    sealed = 0
    batches = 0
    while max_batches is None or batches < max_batches:
        done = _seal_batch(size)
        sealed += done
        batches += 1
        if done < size:
            break
    return sealed


def audit_seal_sweep(batch_size: int) -> int:
    """The worker's sweep (its batch size is for claims of other rows; sealing uses its own)."""
    return audit_seal()


# --- The verifier ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ChainReport:
    checked: int
    ok: bool
    problem: str = ""
    seq: int | None = None  # the sealed event at fault
    unsealed: int = 0  # events written but not sealed yet
    event_id: int | None = None  # the unsealed event at fault
    anchor_seq: int | None = None


def unsealed_bound() -> dt.timedelta:
    return dt.timedelta(seconds=settings.XIETONG_AUDIT_UNSEALED_MAX_SECONDS)


def _walk(head_seq: int, anchor: Anchor | None, batch_size: int) -> ChainReport | tuple[int, str]:
    """Every sealed event up to the head, in chain order. Returns the fault, or (checked, last hash)."""
    expected_prev, expected_seq, checked = GENESIS_HASH, 1, 0
    sealed = (
        AuditEvent.objects.filter(seq__isnull=False, seq__lte=head_seq)
        .order_by("seq")
        .values_list("seq", "prev_hash", "hash", *CONTENT)
    )
    for seq, prev_hash, stored_hash, *content in sealed.iterator(chunk_size=batch_size):
        if seq != expected_seq:
            return ChainReport(checked, False, f"事件序号不连续：缺少 #{expected_seq}", expected_seq)
        if prev_hash != expected_prev:
            return ChainReport(checked, False, f"事件 #{seq} 的前序哈希与上一事件不符（事件被删除或调换了顺序）", seq)
        if row_hash(seq, prev_hash, tuple(content)) != stored_hash:
            return ChainReport(checked, False, f"事件 #{seq} 的内容已被篡改（哈希不符）", seq)
        if anchor is not None and seq == anchor.seq and stored_hash != anchor.hash:
            return ChainReport(
                checked,
                False,
                f"事件 #{seq} 与库外锚点记录的链头哈希不符：数据库被整体改写或从别处恢复",
                seq,
                anchor_seq=anchor.seq,
            )
        expected_prev = stored_hash
        expected_seq += 1
        checked += 1
    return checked, expected_prev


def audit_verify(batch_size: int = 10_000) -> ChainReport:
    """Recompute the whole sealed chain (every hash, every link, no gaps, the head at the tip, the anchor
    on the chain) and look for events left unsealed too long."""
    try:
        anchor = anchor_read()  # before the head: an anchor is only written after its head committed
    except AnchorUnreadable as exc:
        return ChainReport(0, False, f"库外锚点文件无法读取：{exc}")
    head = AuditChainHead.objects.filter(pk=1).first() or AuditChainHead(pk=1)
    anchor_seq = anchor.seq if anchor else None
    if anchor is not None and anchor.seq > head.seq:
        return ChainReport(
            0,
            False,
            f"库外锚点记录已封存至 #{anchor.seq}，数据库链头只到 #{head.seq}：数据库被回退、截断或从旧备份恢复",
            head.seq + 1,
            anchor_seq=anchor.seq,
        )
    walked = _walk(head.seq, anchor, batch_size)
    if isinstance(walked, ChainReport):
        return walked
    checked, last_hash = walked
    if checked != head.seq or last_hash != head.last_hash:
        return ChainReport(
            checked,
            False,
            f"链头记录 #{head.seq}，实际最后事件 #{checked}：末尾事件被删除或链头被改动",
            checked + 1 if checked < head.seq else head.seq,
            anchor_seq=anchor_seq,
        )
    beyond = AuditEvent.objects.filter(seq__gt=head.seq).order_by("seq").values_list("seq", flat=True).first()
    if beyond is not None:
        current = AuditChainHead.objects.filter(pk=1).values_list("seq", flat=True).first() or 0
        if beyond > current:  # not sealed meanwhile by the sequencer: written outside the chain
            return ChainReport(checked, False, f"事件 #{beyond} 在链头 #{current} 之后：不属于哈希链", beyond)
    unsealed = AuditEvent.objects.filter(seq__isnull=True)
    late = unsealed.filter(at__lt=clock.now() - unsealed_bound()).order_by("id").first()
    count = unsealed.count()
    if late is not None:
        waited = int((clock.now() - late.at).total_seconds())
        return ChainReport(
            checked,
            False,
            f"事件（编号 {late.pk}，{late.action}，{late.object_label or late.object_type}）已 {waited} 秒未封存入哈希链"
            f"（上限 {settings.XIETONG_AUDIT_UNSEALED_MAX_SECONDS} 秒）：封存程序（后台任务进程）没有运行或被阻挡",
            unsealed=count,
            event_id=late.pk,
            anchor_seq=anchor_seq,
        )
    return ChainReport(checked, True, unsealed=count, anchor_seq=anchor_seq)


def anchor_reset() -> Anchor:
    """After a restore through the product: the restored chain's head becomes the anchor (the old one is
    kept beside it and the change logged)."""
    head = AuditChainHead.objects.filter(pk=1).first() or AuditChainHead(pk=1)
    path = anchor_path()
    if path.exists():
        kept = path.with_name(f"{path.name}.replaced-{clock.now().strftime('%Y%m%dT%H%M%S')}")
        os.replace(path, kept)
        logger.warning("恢复备份：原审计锚点另存为 %s", kept)
    anchor_write(head.seq, head.last_hash, force=True)
    return Anchor(head.seq, head.last_hash)
