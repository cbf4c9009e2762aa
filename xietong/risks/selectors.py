"""Reads of exceptions, delays and disputes."""

from __future__ import annotations

from typing import Any

from xietong.risks.models import DelayRequest, Dispute, ExceptionReport


def open_risks_for_project(project) -> list[dict[str, Any]]:
    """Open exceptions, pending delays and disputes, for the weekly summary."""
    risks: list[dict[str, Any]] = []
    for r in ExceptionReport.objects.filter(project=project, state=ExceptionReport.State.OPEN):
        risks.append({"kind": "exception", "title": r.title, "text": r.get_severity_display(), "who": ""})
    for d in DelayRequest.objects.filter(project=project, state=DelayRequest.State.PENDING):
        risks.append({"kind": "delay", "title": d.title, "text": d.reason[:120], "who": ""})
    for dispute in Dispute.objects.filter(project=project, state=Dispute.State.OPEN):
        risks.append({"kind": "dispute", "title": dispute.title, "text": "", "who": ""})
    return risks
