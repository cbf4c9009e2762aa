"""The full-text index over SearchDocument.tokens, in each database's own way.

SQLite: an FTS5 table with external content (the tokens live once, in archive_searchdocument),
kept in step by triggers. PostgreSQL: a stored generated column tsv = to_tsvector('simple', tokens) with a
GIN index on it; stored rather than an expression index because ranking (ts_rank) reads the vector of
every match, and re-parsing the tokens for each one was 10x slower (bench/search_bench.py).
Both read the same space-separated jieba words, so both find the same documents.
"""

from django.db import migrations

SQLITE_CREATE = [
    "CREATE VIRTUAL TABLE archive_search_fts USING fts5(tokens, content='archive_searchdocument', content_rowid='id')",
    """CREATE TRIGGER archive_search_ai AFTER INSERT ON archive_searchdocument BEGIN
         INSERT INTO archive_search_fts(rowid, tokens) VALUES (new.id, new.tokens);
       END""",
    """CREATE TRIGGER archive_search_ad AFTER DELETE ON archive_searchdocument BEGIN
         INSERT INTO archive_search_fts(archive_search_fts, rowid, tokens) VALUES ('delete', old.id, old.tokens);
       END""",
    """CREATE TRIGGER archive_search_au AFTER UPDATE OF tokens ON archive_searchdocument BEGIN
         INSERT INTO archive_search_fts(archive_search_fts, rowid, tokens) VALUES ('delete', old.id, old.tokens);
         INSERT INTO archive_search_fts(rowid, tokens) VALUES (new.id, new.tokens);
       END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS archive_search_au",
    "DROP TRIGGER IF EXISTS archive_search_ad",
    "DROP TRIGGER IF EXISTS archive_search_ai",
    "DROP TABLE IF EXISTS archive_search_fts",
]
POSTGRES_CREATE = [
    "ALTER TABLE archive_searchdocument ADD COLUMN tsv tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple', tokens)) STORED",
    "CREATE INDEX archive_search_tsv_gin ON archive_searchdocument USING gin (tsv)",
]
POSTGRES_DROP = [
    "DROP INDEX IF EXISTS archive_search_tsv_gin",
    "ALTER TABLE archive_searchdocument DROP COLUMN IF EXISTS tsv",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("archive", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_CREATE, "postgresql": POSTGRES_CREATE}),
            _run({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}),
        )
    ]
