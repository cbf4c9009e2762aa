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
truncated tail, on a chain that no longer reaches the anchor, on a row placed outside the chain (a position
before its first or after its head), and on events left unsealed longer than
XIETONG_AUDIT_UNSEALED_MAX_SECONDS (the sequencer is not running, or something holds them back).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, connections, transaction

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


# One encoder for every hash: json.dumps with options builds a new JSONEncoder on each call.
_encode = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode


def _payload(seq: int | None, prev: str, row: tuple[Any, ...]) -> bytes:
    at, actor_id, actor_label, action, object_type, object_id, object_label, before, after, ip = row
    payload = {
        "seq": seq,
        # The verifier's PostgreSQL pages bring the instant already as this text (_PG_PAGE).
        "at": at if isinstance(at, str) else at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
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
    return _encode(payload).encode()


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


def _write_seals(updates: list[tuple[int, str, str, int]]) -> None:
    """(seq, prev_hash, hash, id) for each event: on PostgreSQL one UPDATE joined to the arrays (one round
    trip for the batch), on SQLite one prepared UPDATE run per row in process."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            seqs, prevs, hashes, ids = (list(column) for column in zip(*updates, strict=True))
            cursor.execute(
                "UPDATE core_auditevent AS e SET seq = v.seq, prev_hash = v.prev, hash = v.hash"
                " FROM unnest(%s::bigint[], %s::varchar[], %s::varchar[], %s::bigint[]) AS v(seq, prev, hash, id)"
                " WHERE e.id = v.id",
                [seqs, prevs, hashes, ids],
            )
        else:
            cursor.executemany("UPDATE core_auditevent SET seq = %s, prev_hash = %s, hash = %s WHERE id = %s", updates)


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
        _write_seals(updates)
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


@dataclass(frozen=True)
class _Range:
    fault: ChainReport | None
    checked: int
    first_prev: str | None  # the prev_hash of the range's first event, when it was read
    last_hash: str


def _walk_range(lo: int, hi: int, first_prev: str | None, anchor: Anchor | None, batch_size: int, last: bool) -> _Range:
    """Sealed events lo..hi in chain order. `first_prev` is what the first must link to (None: not known
    here, the caller stitches ranges). Stops at the first fault."""
    expected_prev, expected_seq, checked, seen_prev = first_prev, lo, 0, None
    before = lo - 1  # events before this range (all verified when a fault in it is reported)

    def fault(problem: str, seq: int, **extra: Any) -> _Range:
        return _Range(ChainReport(before + checked, False, problem, seq, **extra), checked, seen_prev, "")

    if connection.vendor == "postgresql":
        sealed: Any = _pg_pages(lo, hi, batch_size)
    else:
        sealed = (
            AuditEvent.objects.filter(seq__gte=lo, seq__lte=hi)
            .order_by("seq")
            .values_list("seq", "prev_hash", "hash", *CONTENT)
            .iterator(chunk_size=batch_size)
        )
    for seq, prev_hash, stored_hash, *content in sealed:
        if seq != expected_seq:
            return fault(f"事件序号不连续：缺少 #{expected_seq}", expected_seq)
        if seq == lo:
            seen_prev = prev_hash
        if expected_prev is not None and prev_hash != expected_prev:
            return fault(f"事件 #{seq} 的前序哈希与上一事件不符（事件被删除或调换了顺序）", seq)
        if row_hash(seq, prev_hash, tuple(content)) != stored_hash:
            return fault(f"事件 #{seq} 的内容已被篡改（哈希不符）", seq)
        if anchor is not None and seq == anchor.seq and stored_hash != anchor.hash:
            return fault(
                f"事件 #{seq} 与库外锚点记录的链头哈希不符：数据库被整体改写或从别处恢复", seq, anchor_seq=anchor.seq
            )
        expected_prev = stored_hash
        expected_seq += 1
        checked += 1
    if not last and expected_seq != hi + 1:
        return fault(f"事件序号不连续：缺少 #{expected_seq}", expected_seq)
    return _Range(None, checked, seen_prev, expected_prev or "")


# One page of the chain as _payload reads it, without the ORM's per-value converters: the instant as the
# ISO text the hash covers (UTC, microseconds), the JSON as text parsed here.
_PG_PAGE = (
    "SELECT seq, prev_hash, hash, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"'),"
    " actor_id, actor_label, action, object_type, object_id, object_label, before::text, after::text, ip"
    " FROM core_auditevent WHERE seq >= %s AND seq <= %s ORDER BY seq"
)


def _pg_pages(lo: int, hi: int, page: int) -> Iterator[tuple[Any, ...]]:
    """Sealed events lo..hi in seq order, `page` seqs per plain index-range query (no server-side cursor
    to hold open, no transaction needed)."""
    loads = json.loads
    with connection.cursor() as cursor:
        for start in range(lo, hi + 1, page):
            cursor.execute(_PG_PAGE, [start, min(start + page - 1, hi)])
            for seq, prev, stored, at, actor, label, action, otype, oid, olabel, before, after, ip in cursor:
                yield (
                    seq,
                    prev,
                    stored,
                    at,
                    actor,
                    label,
                    action,
                    otype,
                    oid,
                    olabel,
                    None if before is None else loads(before),
                    None if after is None else loads(after),
                    ip,
                )


def _forget_inherited_connections() -> None:
    """A forked process starts with its parent's database sockets: forget them (closing one would close the
    parent's, and two processes on one socket read each other's replies) and open its own on first use."""
    for alias in connections:
        connections[alias].connection = None


def _walk_part(args: tuple[int, int, Anchor | None, int, bool]) -> _Range:
    lo, hi, anchor, batch_size, last = args
    try:
        return _walk_range(lo, hi, None, anchor, batch_size, last)
    finally:
        connection.close()


def _walk(head_seq: int, anchor: Anchor | None, batch_size: int, workers: int) -> ChainReport | tuple[int, str]:
    """Every sealed event up to the head, in chain order. Returns the fault, or (checked, last hash).
    With workers > 1 (PostgreSQL, outside a transaction) the chain is split into ranges checked by
    processes side by side; the links between ranges are checked here, in chain order, so the fault
    reported is the one a single pass would report first."""
    if workers <= 1 or head_seq < 2 * workers:
        walked = _walk_range(1, head_seq, GENESIS_HASH, anchor, batch_size, True)
        return walked.fault or (walked.checked, walked.last_hash or GENESIS_HASH)
    import multiprocessing

    size = -(-head_seq // workers)
    parts = [
        (lo, min(lo + size - 1, head_seq), anchor, batch_size, lo + size > head_seq)
        for lo in range(1, head_seq + 1, size)
    ]
    connections.close_all()  # each process opens its own
    with multiprocessing.get_context("fork").Pool(len(parts), initializer=_forget_inherited_connections) as pool:
        results = pool.map(_walk_part, parts)
    checked, last_hash = 0, GENESIS_HASH
    for (lo, *_rest), part in zip(parts, results, strict=True):
        if part.first_prev is not None and part.first_prev != last_hash:
            return ChainReport(checked, False, f"事件 #{lo} 的前序哈希与上一事件不符（事件被删除或调换了顺序）", lo)
        if part.fault is not None:
            return part.fault
        checked += part.checked
        last_hash = part.last_hash or last_hash
    return checked, last_hash


def verify_workers(head_seq: int) -> int:
    """Processes for checking a chain this long: on PostgreSQL, outside a transaction, one per core (up to 4)
    from XIETONG_AUDIT_VERIFY_PARALLEL_FROM events on; else 1."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return 1
    if head_seq < settings.XIETONG_AUDIT_VERIFY_PARALLEL_FROM:
        return 1
    return max(1, min(4, os.cpu_count() or 1))


def audit_verify(batch_size: int = 10_000, workers: int | None = None) -> ChainReport:
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
    walked = _walk(head.seq, anchor, batch_size, verify_workers(head.seq) if workers is None else workers)
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
    # The sequencer numbers from 1: a position below is a row placed there by hand, outside the walk above.
    below = AuditEvent.objects.filter(seq__lt=1).order_by("seq").values_list("seq", flat=True).first()
    if below is not None:
        return ChainReport(checked, False, f"事件 #{below} 在链首 #1 之前：不属于哈希链", below)
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
