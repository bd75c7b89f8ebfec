"""GIN index over record metadata for terms filters (containment), PostgreSQL only."""

from django.db import migrations

INDEX = "record_metadata_gin"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON feedback_record USING gin (metadata jsonb_path_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("feedback", "0005_response_context")]
    operations = [migrations.RunPython(create, drop)]
