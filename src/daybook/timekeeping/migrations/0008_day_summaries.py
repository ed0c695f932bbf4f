from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("timekeeping", "0007_suggestions_and_offline_keys")]

    operations = []
