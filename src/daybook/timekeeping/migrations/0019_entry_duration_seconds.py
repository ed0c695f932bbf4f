# Each entry keeps its length in seconds, worked out by the database, and the period
# reports' covering index holds it: their sums read it instead of working it out from two
# datetimes. Adding a stored column rewrites the entries table; SQLite copies it into a new
# table and loses its statistics, so the planner is given them again (ANALYZE, on both).

import daybook.core.expressions
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('timekeeping', '0018_monthly_total_covering_keys'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='timeentry',
            name='entry_start_covering',
        ),
        migrations.AddField(
            model_name='timeentry',
            name='duration_seconds',
            field=models.GeneratedField(db_persist=True, expression=daybook.core.expressions.Seconds('start', 'end'), output_field=models.FloatField()),
        ),
        migrations.AddIndex(
            model_name='timeentry',
            index=models.Index(fields=['start'], include=('end', 'duration_seconds', 'member', 'agreement', 'work_type', 'billable', 'bill_rate', 'cost_rate'), name='entry_start_covering'),
        ),
        migrations.RunSQL("ANALYZE timekeeping_timeentry", migrations.RunSQL.noop),
    ]
