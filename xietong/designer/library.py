"""Ready definitions shipped with Xietong, in two groups a company starts from and adapts in the designer:
制度模板 — the company documents' own forms (library/documents/*.json: 《问题提报表》《延期申请》《会议申请表》
《异常问题反馈表》《协作反馈表》, each step's limit citing its clause as the built-in policies do), and
常用审批 — the usual approvals (library/*.json: 费用报销, 采购申请, 用印申请, 合同审批, 请假/外出)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FOLDER = Path(__file__).with_name("library")
DOCUMENTS = FOLDER / "documents"
GROUPS = (("制度模板", DOCUMENTS), ("常用审批", FOLDER))  # data labels, shown as written (not translated)


def _read(folder: Path) -> dict[str, dict[str, Any]]:
    documents = {}
    for path in sorted(folder.glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        documents[document["key"]] = document
    return documents


def library_groups() -> dict[str, dict[str, dict[str, Any]]]:
    """制度模板 / 常用审批 → key → document."""
    return {label: _read(folder) for label, folder in GROUPS}


def library_documents() -> dict[str, dict[str, Any]]:
    """key → document, for every file of the library (both groups)."""
    documents: dict[str, dict[str, Any]] = {}
    for group in library_groups().values():
        documents.update(group)
    return documents


def library_text(key: str) -> str | None:
    """The file of the library entry `key` as it ships (the designer's import reads it as any uploaded file),
    or None when no entry has that key."""
    for _label, folder in GROUPS:
        for path in sorted(folder.glob("*.json")):
            text = path.read_text(encoding="utf-8")
            if json.loads(text).get("key") == key:
                return text
    return None
