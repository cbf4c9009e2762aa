"""The parsed definition an item runs on, by version (a version never changes once published: parsed once
per process)."""

from __future__ import annotations

from typing import Any

from xietong.designer.schema import Definition, parse

_definitions: dict[int, Definition] = {}
_policy_processes: dict[int, str] = {}  # version pk → its clock policies' process ("expense@2")


def remember(version_id: int, definition: Definition, policy_process: str) -> None:
    _definitions[version_id] = definition
    _policy_processes[version_id] = policy_process


def definition_of(item: Any) -> Definition:
    """`item`: a DesignedItem (not imported: the model reads its definition through this module)."""
    version_id = item.definition_version_id
    if version_id not in _definitions:
        _definitions[version_id] = parse(item.definition_version.document)
    return _definitions[version_id]


def policy_process_of(item: Any) -> str:
    """The process of the clock policies `item`'s steps are timed by: its version's (no query once known)."""
    version_id = item.definition_version_id
    if version_id not in _policy_processes:
        _policy_processes[version_id] = item.definition_version.policy_process
    return _policy_processes[version_id]
