# Large uploads are checked and imported by the worker; the upload keeps its state and outcome.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('interchange', '0002_import_links_and_uploads'),
    ]

    operations = [
        migrations.AddField(
            model_name='importupload',
            name='error',
            field=models.TextField(blank=True, help_text='Why the worker stopped, when it did.'),
        ),
        migrations.AddField(
            model_name='importupload',
            name='outcome',
            field=models.JSONField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='importupload',
            name='state',
            field=models.CharField(choices=[('checking', 'Checking'), ('ready', 'Ready to import'), ('refused', 'Has problems'), ('importing', 'Importing'), ('imported', 'Imported'), ('failed', 'Stopped by an error')], default='ready', max_length=10),
        ),
        migrations.AddField(
            model_name='importupload',
            name='updated_at',
            field=models.DateTimeField(auto_now=True),
        ),
    ]
