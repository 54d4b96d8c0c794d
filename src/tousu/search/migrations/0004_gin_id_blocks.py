"""PostgreSQL: the GIN index of the words also holds each document's id block and sector (ADR
0030), so a search reads the rows of the newest matches only. Replaces ``search_doc_tsv``.
Built ``CONCURRENTLY`` (outside a transaction): searches and new complaints go on while it is
built (≈35–50 s per million documents on the 2-core machine). SQLite: nothing."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

OLD = (
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS search_doc_tsv ON search_searchdocument USING gin (tsv)"
)


def _run(schema_editor: BaseDatabaseSchemaEditor, statements: list[str]) -> None:
    with schema_editor.connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def forwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    from tousu.search.backends import DOC_TABLE, TSV_SLICED, backend_for

    conn = schema_editor.connection
    backend_for(conn).install(conn, index=False)  # type: ignore[call-arg]  # the column
    _run(
        schema_editor,
        [
            # an invalid index left by an interrupted concurrent build is dropped first
            "DROP INDEX CONCURRENTLY IF EXISTS search_doc_tsvb",
            f"CREATE INDEX CONCURRENTLY search_doc_tsvb ON {DOC_TABLE} USING gin ({TSV_SLICED})",
            "DROP INDEX CONCURRENTLY IF EXISTS search_doc_tsv",
        ],
    )


def backwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    _run(schema_editor, [OLD, "DROP INDEX CONCURRENTLY IF EXISTS search_doc_tsvb"])


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [("search", "0003_covering_index")]

    operations = [migrations.RunPython(forwards, backwards)]
