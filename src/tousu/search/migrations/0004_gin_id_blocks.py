"""PostgreSQL: the GIN index of the words also holds each document's id block (ADR 0030), so a
search reads the rows of the newest matches only. Replaces ``search_doc_tsv``; on a large
table this builds a GIN index (≈50 s per million documents on the 2-core machine). SQLite:
nothing."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

OLD = "CREATE INDEX IF NOT EXISTS search_doc_tsv ON search_searchdocument USING gin (tsv)"


def forwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    from tousu.search.backends import backend_for

    backend_for(schema_editor.connection).install(schema_editor.connection)


def backwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("DROP INDEX IF EXISTS search_doc_tsvb")
        cursor.execute(OLD)


class Migration(migrations.Migration):
    dependencies = [("search", "0003_covering_index")]

    operations = [migrations.RunPython(forwards, backwards)]
