from django.db import migrations


def create_organisation_policy(apps, schema_editor):
    """The organisation row with the default settings, so an admin has something to edit.
    Safe to run twice."""
    ReviewPolicy = apps.get_model("timekeeping", "ReviewPolicy")
    if not ReviewPolicy.objects.filter(team__isnull=True).exists():
        ReviewPolicy.objects.create(team=None)


class Migration(migrations.Migration):
    dependencies = [
        ("timekeeping", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_organisation_policy, migrations.RunPython.noop),
    ]
