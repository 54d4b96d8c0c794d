
from django.db import migrations, models

# the counter columns of a day row when this migration was written
COUNTERS = (
    "valid", "assigned", "replied", "replied_in_sla", "completed", "rated", "attitude_sum",
    "speed_sum", "satisfaction_sum", "frt_seconds", *(f"frt_b{i}" for i in range(11)),
)


def backfill(apps, schema_editor):
    """Existing counters: every folded complaint was submitted once; its province from the
    complaint; day rows for keys that had none (all counters zero), then the submissions per
    province and problem type (what ``tousu metrics-rebuild`` would write)."""
    conn = schema_editor.connection
    with conn.cursor() as c:
        c.execute("SELECT 1 FROM metrics_complaintmetric LIMIT 1")
        if c.fetchone() is None:
            return
        c.execute(
            "UPDATE metrics_complaintmetric SET submitted = 1, region = COALESCE(("
            " SELECT substr(x.consumer_region_id, 1, 2) || '0000' FROM complaints_complaint x"
            " WHERE x.id = metrics_complaintmetric.complaint_id"
            " AND x.consumer_region_id IS NOT NULL AND x.consumer_region_id <> ''), '')"
        )
        c.execute(
            "INSERT INTO metrics_companyday (company_id, brand_key, day, submitted, "
            + ", ".join(COUNTERS)
            + ") SELECT m.company_id, m.brand_key, m.day, 0, "
            + ", ".join("0" for _ in COUNTERS)
            + " FROM metrics_complaintmetric m WHERE NOT EXISTS (SELECT 1 FROM"
            " metrics_companyday d WHERE d.company_id = m.company_id"
            " AND d.brand_key = m.brand_key AND d.day = m.day)"
            " GROUP BY m.company_id, m.brand_key, m.day"
        )
        c.execute(
            "UPDATE metrics_companyday SET submitted = s.n FROM (SELECT company_id, brand_key,"
            " day, COUNT(*) AS n FROM metrics_complaintmetric GROUP BY company_id, brand_key,"
            " day) s WHERE metrics_companyday.company_id = s.company_id"
            " AND metrics_companyday.brand_key = s.brand_key AND metrics_companyday.day = s.day"
        )
        into = "INSERT INTO metrics_submissionday (kind, \"key\", day, submitted)"
        c.execute(
            f"{into} SELECT 'region', region, day, COUNT(*) FROM metrics_complaintmetric"
            " WHERE region <> '' GROUP BY region, day"
        )
        if conn.vendor == "postgresql":
            types = "CROSS JOIN LATERAL jsonb_array_elements_text(m.problem_types) AS pt(value)"
        else:
            types = "CROSS JOIN json_each(m.problem_types) AS pt"
        c.execute(
            f"{into} SELECT 'problem', pt.value, m.day, COUNT(*)"
            f" FROM metrics_complaintmetric m {types} GROUP BY pt.value, m.day"
        )


class Migration(migrations.Migration):

    dependencies = [
        ('metrics', '0004_ranking_positions'),
    ]

    operations = [
        migrations.AddField(
            model_name='companyday',
            name='submitted',
            field=models.IntegerField(default=0),
        ),
        migrations.AddField(
            model_name='complaintmetric',
            name='region',
            field=models.CharField(blank=True, default='', max_length=6),
        ),
        migrations.AddField(
            model_name='complaintmetric',
            name='submitted',
            field=models.IntegerField(default=0),
        ),
        migrations.CreateModel(
            name='SubmissionDay',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('region', '地区'), ('problem', '问题类型')], max_length=10)),
                ('key', models.CharField(max_length=30)),
                ('day', models.DateField()),
                ('submitted', models.IntegerField(default=0)),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('kind', 'day', 'key'), name='metrics_submissionday_key')],
            },
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
