import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("timekeeping", "0007_suggestions_and_offline_keys")]

    operations = [
        migrations.CreateModel(
            name="DaySummary",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("date", models.DateField()),
                ("version", models.UUIDField()),
                ("computed_at", models.DateTimeField()),
                ("stale", models.BooleanField(default=False)),
                ("inputs", models.CharField(blank=True, max_length=64)),
                ("timer_started_at", models.DateTimeField(blank=True, null=True)),
                ("time_zone", models.CharField(blank=True, max_length=64)),
                ("expected_minutes", models.PositiveIntegerField(default=0)),
                ("client_minutes", models.PositiveIntegerField(default=0)),
                ("wrap_minutes", models.PositiveIntegerField(default=0)),
                ("gap_minutes", models.PositiveIntegerField(default=0)),
                ("gap_count", models.PositiveIntegerField(default=0)),
                ("small_gap_minutes", models.PositiveIntegerField(default=0)),
                ("finding_count", models.PositiveIntegerField(default=0)),
                ("member_finding_count", models.PositiveIntegerField(default=0)),
                ("needs_attention", models.BooleanField(default=False)),
                ("off", models.CharField(blank=True, max_length=20)),
                ("working_day_end", models.DateTimeField(blank=True, null=True)),
                ("review_opens_at", models.DateTimeField(blank=True, null=True)),
                ("detail", models.JSONField(blank=True, default=dict)),
                (
                    "member",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="day_summaries",
                        to="people.member",
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["date", "member"], name="day_summary_date")],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("member", "date"), name="one_summary_a_member_day"
                    )
                ],
            },
        ),
    ]
