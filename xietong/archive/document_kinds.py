"""The kinds of document the archive files besides the items themselves (archive.documents files them): each
one's subject type, the item type whose pk its subject_id is (who sees one sees the other) and its name. A leaf:
the archive's models read it to decide who sees a filed document, without importing what files one."""

SUMMARY = "feedback.summary"
# A filed document's subject type → the item type whose pk its subject_id is (who sees one sees the other).
DOCUMENT_OF = {SUMMARY: "requests.request"}
DOCUMENT_LABELS = {SUMMARY: "协作总结报告"}
