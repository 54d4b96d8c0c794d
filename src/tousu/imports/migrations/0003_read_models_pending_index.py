# A partial index: only the marked rows (few, and none once the catch-up has run), in its own
# migration as every new index on a big table.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("imports", "0002_read_models_outbox"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="importedrecord",
            index=models.Index(
                condition=models.Q(("read_models_pending", True)),
                fields=["complaint"],
                name="imported_record_pending",
            ),
        ),
    ]
