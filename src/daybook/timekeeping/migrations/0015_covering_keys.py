# The covering indexes' columns as keys, so they cover on SQLite too (it ignores INCLUDE).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('catalogue', '0002_dated_work_role_rates'),
        ('clients', '0003_history_reason_as_text'),
        ('people', '0003_dated_member_cost_rates'),
        ('service', '0007_covering_keys'),
        ('timekeeping', '0014_entry_phase_without_plain_index'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='monthlyrollup',
            name='monthly_rollup_month_covering',
        ),
        migrations.RemoveIndex(
            model_name='timeentry',
            name='entry_phase_start_covering',
        ),
        migrations.AddIndex(
            model_name='monthlyrollup',
            index=models.Index(fields=['month', 'agreement', 'work_type', 'billable', 'seconds', 'bill_amount', 'cost_amount'], name='monthly_rollup_month_covering'),
        ),
        migrations.AddIndex(
            model_name='timeentry',
            index=models.Index(condition=models.Q(('phase__isnull', False)), fields=['phase', 'start', 'end', 'member', 'work_type', 'billable', 'bill_rate', 'cost_rate'], name='entry_phase_start_covering'),
        ),
    ]
