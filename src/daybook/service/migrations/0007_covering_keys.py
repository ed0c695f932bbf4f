# The SLA report's index: every column it reads, as keys (SQLite ignores INCLUDE).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('catalogue', '0002_dated_work_role_rates'),
        ('clients', '0003_history_reason_as_text'),
        ('people', '0003_dated_member_cost_rates'),
        ('service', '0006_traces_by_member'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='ticket',
            name='service_tic_company_dffd43_idx',
        ),
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(fields=['company', 'opened_at', 'agreement', 'priority', 'board', 'assignee', 'respond_due_at', 'first_response_at', 'respond_breached_at', 'respond_elapsed', 'resolve_due_at', 'resolved_at', 'resolve_breached_at', 'resolve_elapsed', 'waiting_since'], name='ticket_company_opened_sla'),
        ),
    ]
