from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("timekeeping", "0010_suggestion_dismissals")]

    operations = []
