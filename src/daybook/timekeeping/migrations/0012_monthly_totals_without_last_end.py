from django.db import migrations, models

from daybook.timekeeping.totals import totals_fill


class Migration(migrations.Migration):
    dependencies = [("timekeeping", "0011_phase_entry_index")]

    operations = [
        migrations.RemoveIndex(
            model_name="monthlytotal",
            name="monthly_total_month_covering",
        ),
        migrations.RemoveIndex(
            model_name="monthlytotal",
            name="monthly_total_last_end",
        ),
        migrations.RemoveField(
            model_name="monthlytotal",
            name="last_end",
        ),
        migrations.AddIndex(
            model_name="monthlytotal",
            index=models.Index(
                fields=["month"],
                include=(
                    "agreement",
                    "work_type",
                    "billable",
                    "seconds",
                    "bill_amount",
                    "cost_amount",
                ),
                name="monthly_total_month_covering",
            ),
        ),
        # A database that skipped 0009's summing gets its totals now.
        migrations.RunPython(totals_fill, migrations.RunPython.noop),
    ]
