from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("timekeeping", "0008_day_summaries")]

    operations = []
