from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("timekeeping", "0009_monthly_totals")]

    operations = []
