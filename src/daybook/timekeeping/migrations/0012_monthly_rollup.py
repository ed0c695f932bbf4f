import django.db.models.deletion
from django.db import migrations, models

from daybook.timekeeping.totals import totals_fill


class Migration(migrations.Migration):

    dependencies = [
        ('catalogue', '0002_dated_work_role_rates'),
        ('clients', '0003_history_reason_as_text'),
        ('people', '0003_dated_member_cost_rates'),
        ('timekeeping', '0011_phase_entry_index'),
    ]

    operations = [
        migrations.CreateModel(
            name='MonthlyRollup',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('month', models.DateField(help_text="The first day of the members' local month.")),
                ('billable', models.CharField(choices=[('billable', 'Billable'), ('do_not_bill', 'Do Not Bill'), ('no_charge', 'No Charge')], max_length=12)),
                ('entries', models.PositiveIntegerField()),
                ('seconds', models.FloatField()),
                ('bill_amount', models.FloatField(help_text='Seconds x bill rate; divide by 3,600 for money.')),
                ('cost_amount', models.FloatField(help_text='Seconds x cost rate; divide by 3,600 for money.')),
            ],
        ),
        migrations.RemoveIndex(
            model_name='monthlytotal',
            name='monthly_total_month_covering',
        ),
        migrations.RemoveIndex(
            model_name='monthlytotal',
            name='monthly_total_last_end',
        ),
        migrations.RemoveField(
            model_name='monthlytotal',
            name='last_end',
        ),
        migrations.AddIndex(
            model_name='monthlytotal',
            index=models.Index(fields=['month'], include=('agreement', 'work_type', 'billable', 'seconds', 'bill_amount', 'cost_amount'), name='monthly_total_month_covering'),
        ),
        migrations.AddIndex(
            model_name='monthlytotal',
            index=models.Index(fields=['agreement', 'month', 'work_type'], name='monthly_total_agreement_month'),
        ),
        migrations.AddField(
            model_name='monthlyrollup',
            name='agreement',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='clients.agreement'),
        ),
        migrations.AddField(
            model_name='monthlyrollup',
            name='work_type',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='catalogue.worktype'),
        ),
        migrations.AddIndex(
            model_name='monthlyrollup',
            index=models.Index(fields=['month'], include=('agreement', 'work_type', 'billable', 'seconds', 'bill_amount', 'cost_amount'), name='monthly_rollup_month_covering'),
        ),
        migrations.AddConstraint(
            model_name='monthlyrollup',
            constraint=models.UniqueConstraint(condition=models.Q(('agreement__isnull', False)), fields=('month', 'agreement', 'work_type', 'billable'), name='monthly_rollup_once_per_agreement'),
        ),
        migrations.AddConstraint(
            model_name='monthlyrollup',
            constraint=models.UniqueConstraint(condition=models.Q(('agreement__isnull', True)), fields=('month', 'work_type', 'billable'), name='monthly_rollup_once_without_agreement'),
        ),
        migrations.RunPython(totals_fill, migrations.RunPython.noop),
    ]
