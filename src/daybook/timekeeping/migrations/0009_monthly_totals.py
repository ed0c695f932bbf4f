import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0002_dated_work_role_rates"),
        ("clients", "0003_history_reason_as_text"),
        ("people", "0003_dated_member_cost_rates"),
        ("timekeeping", "0008_day_summaries"),
    ]

    operations = [
        migrations.CreateModel(
            name="MonthlyTotal",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "month",
                    models.DateField(help_text="The first day of the member's local month."),
                ),
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
                ("last_end", models.DateTimeField()),
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
                    "member",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="people.member",
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
                            "last_end",
                        ),
                        name="monthly_total_month_covering",
                    ),
                    models.Index(fields=["last_end"], name="monthly_total_last_end"),
                ],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("agreement__isnull", False)),
                        fields=("member", "month", "agreement", "work_type", "billable"),
                        name="monthly_total_once_per_agreement",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("agreement__isnull", True)),
                        fields=("member", "month", "work_type", "billable"),
                        name="monthly_total_once_without_agreement",
                    ),
                ],
            },
        ),
        # The entries already logged get their totals now, or reports would miss them.
        # The totals are summed from the entries in 0012: the code that sums them writes the
        # columns of the latest schema, not of this one.
    ]
