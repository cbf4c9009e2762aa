"""The parsed definition an item runs on, by version (a version never changes once published: parsed once
per process)."""

from __future__ import annotations

from typing import Any

from xietong.designer.schema import Definition, parse

_definitions: dict[int, Definition] = {}


def remember(version_id: int, definition: Definition) -> None:
    _definitions[version_id] = definition


def definition_of(item: Any) -> Definition:
    """`item`: a DesignedItem (not imported: the model reads its definition through this module)."""
    version_id = item.definition_version_id
    if version_id not in _definitions:
        _definitions[version_id] = parse(item.definition_version.document)
    return _definitions[version_id]
