"""Ready definitions shipped with Xietong (library/*.json): 费用报销, 采购申请, 用印申请, 合同审批, 请假/外出."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FOLDER = Path(__file__).with_name("library")


def library_documents() -> dict[str, dict[str, Any]]:
    """key → document, for every file of the library."""
    documents = {}
    for path in sorted(FOLDER.glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        documents[document["key"]] = document
    return documents
