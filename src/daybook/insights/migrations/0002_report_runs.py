# Reports over long ranges are computed by the worker; a run keeps the result a short while.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('insights', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ReportRun',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('report', models.CharField(max_length=30)),
                ('key', models.CharField(help_text='Report, filters and viewer, hashed.', max_length=64)),
                ('query', models.TextField(blank=True, help_text="The page's query string, for the worker.")),
                ('state', models.CharField(choices=[('pending', 'Preparing'), ('ready', 'Ready'), ('failed', 'Failed')], default='pending', max_length=10)),
                ('result', models.BinaryField(blank=True, null=True)),
                ('error', models.TextField(blank=True)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('finished_at', models.DateTimeField(blank=True, null=True)),
                ('viewer', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'indexes': [models.Index(fields=['key', 'created_at'], name='insights_re_key_a29497_idx'), models.Index(fields=['created_at'], name='insights_re_created_ad7bc8_idx')],
            },
        ),
    ]
