import django.db.models.deletion
from django.db import migrations, models

from daybook.timekeeping.totals import rollup_fill


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0002_dated_work_role_rates"),
        ("clients", "0003_history_reason_as_text"),
        ("timekeeping", "0012_monthly_totals_without_last_end"),
    ]

    operations = [
        migrations.CreateModel(
            name="RolledUpMonth",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("month", models.DateField(unique=True)),
            ],
        ),
        migrations.CreateModel(
            name="MonthlyRollup",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("month", models.DateField(help_text="The first day of the members' local month.")),
                (
                    "billable",
                    models.CharField(
                        choices=[
                            ("billable", "Billable"),
                            ("do_not_bill", "Do Not Bill"),
                            ("no_charge", "No Charge"),
                        ],
                        max_length=12,
                    ),
                ),
                ("entries", models.PositiveIntegerField()),
                ("seconds", models.FloatField()),
                (
                    "bill_amount",
                    models.FloatField(help_text="Seconds x bill rate; divide by 3,600 for money."),
                ),
                (
                    "cost_amount",
                    models.FloatField(help_text="Seconds x cost rate; divide by 3,600 for money."),
                ),
                (
                    "agreement",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="clients.agreement",
                    ),
                ),
                (
                    "work_type",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="catalogue.worktype",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["month"],
                        include=(
                            "agreement",
                            "work_type",
                            "billable",
                            "seconds",
                            "bill_amount",
                            "cost_amount",
                        ),
                        name="monthly_rollup_month_covering",
                    )
                ],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("agreement__isnull", False)),
                        fields=("month", "agreement", "work_type", "billable"),
                        name="monthly_rollup_once_per_agreement",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("agreement__isnull", True)),
                        fields=("month", "work_type", "billable"),
                        name="monthly_rollup_once_without_agreement",
                    ),
                ],
            },
        ),
        migrations.RunPython(rollup_fill, migrations.RunPython.noop),
    ]
