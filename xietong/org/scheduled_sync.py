"""The scheduled org sync: once a day, from XIETONG_ORG_SYNC_TIME (local time), a worker reads the configured
source (XIETONG_ORG_SYNC_SOURCE), plans the diff as the dry run shows it and applies it in the name of
XIETONG_ORG_SYNC_ACTOR — departures handed over to their department's head and switched off, exactly as on
the 通讯录同步 page. Each day's run is one OrgSyncRun row (unique per source and day: a second worker finds
it and does nothing), with what it changed or why it failed.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from xietong.core import clock
from xietong.core.errors import ApplicationError
from xietong.core.platforms import PlatformError
from xietong.org import excel_directory
from xietong.org.models import OrgSyncRun, Person
from xietong.org.sync import apply_plan, plan_sync

logger = logging.getLogger("xietong.org.sync")


class NotReady(Exception):
    """The scheduled sync is configured wrongly (no actor, no sheet): recorded as the run's error."""


def sync_time() -> dt.time:
    hours, _sep, minutes = settings.XIETONG_ORG_SYNC_TIME.partition(":")
    return dt.time(int(hours), int(minutes or 0))


def _actor() -> Person:
    username = settings.XIETONG_ORG_SYNC_ACTOR
    if username:
        actor = Person.objects.filter(username=username, is_active=True).first()
        if actor is None or not (actor.is_staff or actor.is_superuser):
            raise NotReady(_("XIETONG_ORG_SYNC_ACTOR（%(name)s）不是在职的系统管理员") % {"name": username})
        return actor
    admins = list(Person.objects.filter(is_superuser=True, is_active=True)[:2])
    if len(admins) != 1:
        raise NotReady(_("请设置 XIETONG_ORG_SYNC_ACTOR：以哪位系统管理员的名义同步"))
    return admins[0]


def _sheet(source: str) -> bytes | None:
    if source != excel_directory.SOURCE:
        return None
    path = excel_directory.configured_file()
    if path is None:
        raise NotReady(_("请设置 XIETONG_ORG_SYNC_EXCEL_FILE：定时同步读取的 Excel 通讯录"))
    try:
        return path.read_bytes()
    except OSError as error:
        raise NotReady(_("无法读取 %(path)s：%(error)s") % {"path": path, "error": error}) from error


def org_sync_due(batch_size: int = 0) -> int:
    """The worker's sweep: 1 when it ran today's sync (done or failed, recorded), else 0."""
    source = settings.XIETONG_ORG_SYNC_SOURCE
    if not source:
        return 0
    now = clock.local()
    if now.time() < sync_time():
        return 0
    if OrgSyncRun.objects.filter(source=source, run_date=now.date()).exists():
        return 0
    try:
        with transaction.atomic():
            run = OrgSyncRun.objects.create(source=source, run_date=now.date(), started_at=clock.now())
    except IntegrityError:
        return 0  # another worker took today's run
    try:
        actor = _actor()
        plan = plan_sync(source, sheet=_sheet(source))
        run.changes = plan.lines()
        run.counts = apply_plan(plan, actor=actor) if not plan.empty else plan.counts()
        run.status = OrgSyncRun.Status.DONE
    except (NotReady, PlatformError, ApplicationError, excel_directory.SheetError) as error:
        logger.warning("scheduled org sync from %s failed: %s", source, error)
        run.status = OrgSyncRun.Status.FAILED
        message = getattr(error, "message", None) if isinstance(error, ApplicationError) else None
        run.error = str(message or error)
    run.finished_at = clock.now()
    run.save()
    return 1
