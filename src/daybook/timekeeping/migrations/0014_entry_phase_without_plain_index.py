import django.db.models.deletion
from django.db import migrations, models

# Django's own name for the index of timekeeping_timeentry.phase_id (the same on both
# databases).
INDEX = "timekeeping_timeentry_phase_id_604c00d4"


class Migration(migrations.Migration):
    """The entries' phase loses its plain index: the partial covering index on phase entries
    serves every lookup by phase. Dropped by name, as SQLite would otherwise copy the whole
    entries table to change the field."""

    dependencies = [
        ("service", "0006_traces_by_member"),
        ("timekeeping", "0013_monthly_rollup"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="timeentry",
                    name="phase",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="entries",
                        to="service.phase",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f"DROP INDEX IF EXISTS {INDEX}",
                    f"CREATE INDEX {INDEX} ON timekeeping_timeentry (phase_id)",
                ),
            ],
        ),
    ]
