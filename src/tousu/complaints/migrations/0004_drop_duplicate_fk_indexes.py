"""Drop two single-column foreign-key indexes that composite indexes already cover:
``(consumer_id)`` beside ``complaint_consumer_id (consumer_id, id)`` and ``(complaint_id)`` on
events beside ``event_complaint_id (complaint_id, id)``. At 30M complaints the second alone took
minutes to build and about 1.5 GB. ``AlterField`` would rebuild both tables on SQLite (a copy of
every row); a plain ``DROP INDEX`` is instant on both databases, so the state changes and the
database operation are given separately."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

INDEXES = (
    ("complaints_complaint_consumer_id_35a38d87", "complaints_complaint", "consumer_id"),
    (
        "complaints_complaintevent_complaint_id_a1a34219",
        "complaints_complaintevent",
        "complaint_id",
    ),
)


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0003_public_copy"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="complaint",
                    name="consumer",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="complaints",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="complaintevent",
                    name="complaint",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="events",
                        to="complaints.complaint",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{name}"',
                    reverse_sql=f'CREATE INDEX "{name}" ON "{table}" ("{column}")',
                )
                for name, table, column in INDEXES
            ],
        ),
    ]
