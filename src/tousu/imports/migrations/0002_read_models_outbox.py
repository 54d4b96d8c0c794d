# The outbox mark of the bulk load (docs/adr/0025-bulk-import.md).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0003_public_copy"),
        ("imports", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="importedrecord",
            name="read_models_pending",
            field=models.BooleanField(default=False),
        ),
    ]
