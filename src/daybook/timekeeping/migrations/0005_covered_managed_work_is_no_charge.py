"""Work a managed agreement covers earns nothing beyond the fee: entries stored as Billable on
covered work become No Charge (rate 0), each with a history record saying why. Safe to run
twice: the second run finds nothing to change."""

from zoneinfo import ZoneInfo

from django.db import migrations
from django.utils import timezone

REASON = "Covered by a managed agreement's fee: No Charge"


def covered_billable_to_no_charge(apps, schema_editor):
    Agreement = apps.get_model("clients", "Agreement")
    TimeEntry = apps.get_model("timekeeping", "TimeEntry")
    History = apps.get_model("timekeeping", "HistoricalTimeEntry")
    # The entry's columns that its history keeps (not those the database works out).
    kept = {f.attname for f in History._meta.concrete_fields}
    fields = [f.attname for f in TimeEntry._meta.concrete_fields if f.attname in kept]
    now = timezone.now()
    for agreement in Agreement.objects.filter(type="managed").iterator():
        covered = set(agreement.covered_work_types.values_list("pk", flat=True))
        entries = TimeEntry.objects.filter(
            agreement=agreement, billable="billable", work_type__is_payroll_wrap=False
        ).select_related("member")
        if covered:
            entries = entries.filter(work_type__in=covered)
        for entry in entries.iterator():
            day = timezone.localtime(entry.start, ZoneInfo(entry.member.time_zone)).date()
            if day < agreement.start_date or (agreement.end_date and day > agreement.end_date):
                continue  # outside the agreement's dates: not covered, billed as before
            entry.billable = "no_charge"
            entry.bill_rate = 0
            entry.updated_at = now
            entry.save(update_fields=["billable", "bill_rate", "updated_at"])
            History.objects.create(
                **{name: getattr(entry, name) for name in fields},
                history_date=now,
                history_type="~",
                history_change_reason=REASON,
                history_user=None,
            )


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0002_dated_agreement_rates_and_fixed_fee_estimate"),
        ("timekeeping", "0004_entry_import_key"),
    ]

    operations = [
        migrations.RunPython(covered_billable_to_no_charge, migrations.RunPython.noop),
    ]
