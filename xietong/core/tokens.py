"""Personal API tokens: created and revoked by their owner, stored only as a SHA-256 digest."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.utils.translation import gettext as _

from xietong.core import clock
from xietong.core.audit import audit_record
from xietong.core.errors import ApplicationError, NotFound
from xietong.core.models import ApiToken

TOKEN_PREFIX = "xt_"
MAX_ACTIVE_TOKENS = 20


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, person, name: str) -> tuple[ApiToken, str]:
    """Create a token; returns it with the secret, which is shown to the person once and never again."""
    name = (name or "").strip()
    if not name:
        raise ApplicationError(fields={"name": _("请填写令牌名称，例如“报表脚本”")})
    if len(name) > 80:
        raise ApplicationError(fields={"name": _("名称不能超过 80 个字符")})
    if ApiToken.objects.filter(person=person, revoked_at__isnull=True).count() >= MAX_ACTIVE_TOKENS:
        raise ApplicationError(_("有效令牌已达上限（%(n)d 个），请先吊销不用的令牌") % {"n": MAX_ACTIVE_TOKENS})
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(person=person, name=name, prefix=secret[:10], digest=_digest(secret))
    audit_record(actor=person, action="core.apitoken.create", obj=token, after={"name": name, "prefix": token.prefix})
    return token, secret


@transaction.atomic
def api_token_revoke(*, person, token_id: int) -> ApiToken:
    try:
        token = ApiToken.objects.select_for_update().get(pk=token_id, person=person)
    except (ApiToken.DoesNotExist, ValueError) as exc:
        raise NotFound() from exc
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        token.save(update_fields=["revoked_at"])
        audit_record(
            actor=person,
            action="core.apitoken.revoke",
            obj=token,
            before={"revoked_at": None},
            after={"revoked_at": token.revoked_at},
        )
    return token


def api_token_authenticate(secret: str):
    """The active person owning `secret`, or None. Records when the token was last used."""
    if not secret or not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = (
        ApiToken.objects.select_related("person__department")
        .filter(digest=_digest(secret), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.person.is_active:
        return None
    now = clock.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.person
