"""On PostgreSQL, every statement inserting outbox rows NOTIFYs `exchange_outbox` at commit."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION exchange_outbox_notify() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('exchange_outbox', '');
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER exchange_marketevent_notify AFTER INSERT ON exchange_marketevent
    FOR EACH STATEMENT EXECUTE FUNCTION exchange_outbox_notify();
"""
DROP = """
DROP TRIGGER IF EXISTS exchange_marketevent_notify ON exchange_marketevent;
DROP FUNCTION IF EXISTS exchange_outbox_notify();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("exchange", "0005_fix_offline_reports_and_outbox_cursors")]
    operations = [migrations.RunPython(create, drop)]
