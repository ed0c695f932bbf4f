from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

# PostgreSQL only: a trigram index on the ticket summary as the searches compare it (Django's
# icontains is UPPER(column) LIKE UPPER(pattern)), so a search for words inside a summary reads
# the index instead of every ticket. SQLite has no such index; there both operations do nothing.
# pg_trgm is a trusted extension: the database's owner may create it (or a superuser ahead).

INDEX = "service_ticket_summary_trgm"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{INDEX}" ON "service_ticket" '
            'USING gin (UPPER("summary") gin_trgm_ops)'
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'DROP INDEX IF EXISTS "{INDEX}"')


class Migration(migrations.Migration):
    dependencies = [
        ("service", "0009_history_indexed_by_record"),
    ]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create_index, drop_index),
    ]
