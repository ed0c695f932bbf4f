from django.db import migrations

DEFAULT_TEMPLATES = [
    {
        "name": "Help placing a gap",
        "is_default": True,
        "subject": "A quick question about {date}",
        "body": (
            "Hi {first_name},\n\n"
            "Could you help me place the time on {date} between {gap_start} and {gap_end} "
            "({minutes} minutes)? I'm sure you were busy with something real. Which ticket or "
            "project did it belong to? Logging it there means the right client and agreement "
            "get the credit, and your day adds up.\n\n"
            "If it was internal time, a payroll wrap entry covers it. You can log it straight "
            "from your Requests page.\n\n"
            "Thanks,\n{reviewer}"
        ),
    },
    {
        "name": "A detail missing on an entry",
        "is_default": False,
        "subject": "One small detail for {date}",
        "body": (
            "Hi {first_name},\n\n"
            "When you have a minute, could you look at this on {date}: {finding}\n\n"
            "It keeps the client's statement and the agreement figures right. Thanks for "
            "helping with it.\n\n{reviewer}"
        ),
    },
    {
        "name": "General question about a day",
        "is_default": False,
        "subject": "About your day on {date}",
        "body": (
            "Hi {first_name},\n\n"
            "I was going through {date} and wanted to check something with you rather than "
            "guess. Could you tell me a little more about how the day went, so the time lands "
            "on the right tickets?\n\n"
            "Thanks,\n{reviewer}"
        ),
    },
]


def add_templates(apps, schema_editor):
    MessageTemplate = apps.get_model("review", "MessageTemplate")
    for fields in DEFAULT_TEMPLATES:
        MessageTemplate.objects.get_or_create(name=fields["name"], defaults=fields)


class Migration(migrations.Migration):
    dependencies = [("review", "0001_initial")]

    operations = [migrations.RunPython(add_templates, migrations.RunPython.noop)]
