from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("timekeeping", "0010_suggestion_dismissals")]

    operations = [
        migrations.AddIndex(
            model_name="timeentry",
            index=models.Index(
                condition=models.Q(("phase__isnull", False)),
                fields=["phase", "start"],
                include=("end", "member", "work_type", "billable", "bill_rate", "cost_rate"),
                name="entry_phase_start_covering",
            ),
        ),
    ]
