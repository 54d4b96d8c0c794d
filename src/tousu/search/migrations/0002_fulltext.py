"""The full-text part of the index for the configured database (see tousu.search.backends):
SQLite, an external-content FTS5 table kept by triggers; PostgreSQL, a generated tsvector
column with a GIN index. Nothing here changes Django's model state."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def install(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    from tousu.search.backends import backend_for

    backend_for(schema_editor.connection).install(schema_editor.connection)


def uninstall(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    from tousu.search.backends import backend_for

    backend_for(schema_editor.connection).uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [migrations.RunPython(install, uninstall)]
