"""The search's substring index: pg_trgm's GIN index on ``Person.search`` on PostgreSQL, so a
``LIKE '%term%'`` is an index scan whatever the size of the directory. SQLite (``make run``)
keeps the plain table: its directories are small."""

from django.db import migrations


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS person_search_trgm ON customers_person "
        "USING gin (search gin_trgm_ops)"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS person_search_trgm")


class Migration(migrations.Migration):
    dependencies = [("customers", "0001_directory")]

    operations = [migrations.RunPython(create_index, drop_index)]
