"""Designed processes at run time: compiled from their published versions and registered on the spine."""

from __future__ import annotations


def connect() -> None:
    """Called from the app's ready()."""


def install(version_pk: int) -> None:
    """Compile the published version and register it (see compile.py)."""
