"""Optimistic locking: a write names the version it was based on, or it is refused as a conflict."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from xietong.core import clock
from xietong.core.errors import Conflict
from xietong.core.models import VersionedModel


def save_versioned(obj: VersionedModel | Any, *, expected_version: int, fields: Iterable[str]) -> None:
    """Write `fields` of `obj` only if its stored version is still `expected_version`, then bump it.

    A compare-and-set in one UPDATE, so two people saving at once cannot both win.
    """
    model = type(obj)
    values = {}
    for name in fields:
        field = model._meta.get_field(name)
        values[field.attname] = getattr(obj, field.attname)  # type: ignore[union-attr]
    stamp = clock.now()
    updated = model._base_manager.filter(pk=obj.pk, version=expected_version).update(
        **values, version=expected_version + 1, updated_at=stamp
    )
    if updated != 1:
        raise Conflict()
    obj.version = expected_version + 1
    obj.updated_at = stamp
