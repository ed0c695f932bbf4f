# The monthly totals' month index holds its columns as keys, so it covers on SQLite too (it
# ignores INCLUDE): a month not yet settled is read from it.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('catalogue', '0003_no_repeated_indexes'),
        ('clients', '0005_history_indexed_by_record'),
        ('people', '0004_no_repeated_indexes'),
        ('timekeeping', '0017_history_indexed_by_record'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='monthlytotal',
            name='monthly_total_month_covering',
        ),
        migrations.AddIndex(
            model_name='monthlytotal',
            index=models.Index(fields=['month', 'agreement', 'work_type', 'billable', 'seconds', 'bill_amount', 'cost_amount'], name='monthly_total_month_covering'),
        ),
    ]
