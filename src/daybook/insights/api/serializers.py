"""The shape of each report over the API: one serializer per frozen dataclass a selector
returns, every field typed, so the OpenAPI schema describes every number.

Money, hours, minutes and percentages come back as strings rounded to two places (the
selectors keep them unrounded; they are rounded once, here, as on the page). Dates and times
are ISO 8601. A value that cannot be worked out (a percentage of nothing) is null.
"""

from dataclasses import dataclass

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from daybook.clients.choices import AgreementType

from ..models import IssuedStatement
from ..selectors import StatementCheck


class Figure(serializers.DecimalField):
    """Money, hours, minutes or a percentage: a string rounded once to two places."""

    def __init__(self, **kwargs):
        super().__init__(max_digits=None, decimal_places=2, **kwargs)


def maybe_figure(help_text: str = "") -> Figure:
    """A figure that is null when it cannot be worked out (nothing to divide by)."""
    return Figure(allow_null=True, help_text=help_text)


def texts(help_text: str = "") -> serializers.ListField:
    return serializers.ListField(child=serializers.CharField(), help_text=help_text)


class ReportPeriodSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField(help_text="Included.")


class NamedObjectSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField(source="__str__")


class WorkTypeHoursSerializer(serializers.Serializer):
    work_type = serializers.CharField()
    hours = Figure()


# --- Agreement profitability ---------------------------------------------------------------


class AgreementProfitSerializer(serializers.Serializer):
    agreement_id = serializers.IntegerField()
    agreement = serializers.CharField()
    company_id = serializers.IntegerField()
    company = serializers.CharField()
    type = serializers.CharField(help_text=f"One of: {', '.join(AgreementType.values)}.")
    type_label = serializers.CharField()
    hours = Figure()
    billable_hours = Figure()
    fee_revenue = Figure(help_text="Monthly fees prorated by day over the period.")
    work_revenue = Figure(help_text="Revenue from the work itself, by agreement type.")
    revenue = Figure()
    labour_cost = Figure()
    margin = Figure()
    margin_pct = maybe_figure("Margin as a percentage of revenue.")
    effective_rate = maybe_figure("Revenue per hour worked.")
    under_target = serializers.BooleanField()
    negative_margin = serializers.BooleanField()
    block_hours = maybe_figure("Prepaid hours of a block-hours agreement.")
    block_drawn = maybe_figure()
    block_remaining = maybe_figure()
    hours_by_work_type = WorkTypeHoursSerializer(many=True)
    flags = texts("'negative margin', 'under target rate'.")


@extend_schema_serializer(many=False)
class ProfitabilityReportSerializer(serializers.Serializer):
    period = ReportPeriodSerializer()
    target_rate = Figure(help_text="An agreement earning less per hour is flagged.")
    rows = AgreementProfitSerializer(many=True)
    hours = Figure()
    revenue = Figure()
    labour_cost = Figure()
    margin = Figure()
    margin_pct = maybe_figure()
    effective_rate = maybe_figure()
    work_types = texts("Names of the work types logged in the period.")


class WorkLineSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="ticket or phase.")
    object_id = serializers.IntegerField()
    label = serializers.CharField()
    hours = Figure()
    billable_hours = Figure()
    billable_amount = Figure()
    labour_cost = Figure()


class EntryLineSerializer(serializers.Serializer):
    entry_id = serializers.IntegerField()
    start = serializers.DateTimeField()
    member = serializers.CharField()
    time_zone = serializers.CharField(help_text="The member's zone, whose day the entry is on.")
    target = serializers.CharField()
    work_type = serializers.CharField()
    billable = serializers.CharField()
    hours = Figure()
    bill_rate = Figure()
    cost_rate = Figure()


class BurnPointSerializer(serializers.Serializer):
    month = serializers.DateField()
    drawn = Figure()
    remaining = Figure()


class AgreementDetailSerializer(serializers.Serializer):
    agreement = NamedObjectSerializer()
    period = ReportPeriodSerializer()
    lines = WorkLineSerializer(many=True)
    entries = EntryLineSerializer(many=True)
    entries_shown = serializers.IntegerField()
    entries_total = serializers.IntegerField()
    burn_down = BurnPointSerializer(many=True, help_text="Block hours only; empty otherwise.")


# --- Client statements ---------------------------------------------------------------------


class StatementRowSerializer(serializers.Serializer):
    entry_id = serializers.IntegerField()
    day = serializers.DateField(help_text="On the company's calendar.")
    member = serializers.CharField()
    hours = Figure()
    work_type = serializers.CharField()
    reference = serializers.CharField()
    agreement_id = serializers.IntegerField(allow_null=True)
    agreement = serializers.CharField()
    charge = serializers.CharField()
    rate = Figure()
    amount = Figure()
    notes = serializers.CharField()
    updated_at = serializers.DateTimeField()


class StatementTotalSerializer(serializers.Serializer):
    agreement_id = serializers.IntegerField(allow_null=True)
    agreement = serializers.CharField()
    type_label = serializers.CharField()
    hours = Figure()
    amount = Figure()
    block_drawn = maybe_figure()
    block_remaining = maybe_figure()
    fixed_fee = maybe_figure(
        "A fixed-fee project's whole fee (null otherwise); its amount is the part of the fee "
        "this statement charges."
    )


@extend_schema_serializer(many=False)
class StatementSerializer(serializers.Serializer):
    company_id = serializers.IntegerField()
    company = serializers.CharField()
    company_identifier = serializers.CharField()
    period = ReportPeriodSerializer()
    time_zone = serializers.CharField(help_text="The company's zone the days are counted in.")
    rows = StatementRowSerializer(many=True)
    totals = StatementTotalSerializer(many=True)
    hours = Figure()
    amount = Figure()
    fingerprint = serializers.CharField(help_text="SHA-256 of the rows the client sees.")


class HistoryLineSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    by = serializers.CharField()
    action = serializers.CharField(help_text="created, changed or deleted.")
    changes = texts()


class EntryChangeSerializer(serializers.Serializer):
    entry_id = serializers.IntegerField()
    status = serializers.CharField(help_text="changed, removed or added.")
    history = HistoryLineSerializer(many=True)


@dataclass(frozen=True)
class IssuedAnswer:
    """An issued statement, and when asked for, how its entries compare with it now."""

    issued: IssuedStatement
    check: StatementCheck | None = None


class IssuedPeriodSerializer(serializers.Serializer):
    start = serializers.DateField(source="period_start")
    end = serializers.DateField(source="period_end", help_text="Included.")


class IssuedStatementSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="issued.pk")
    company = NamedObjectSerializer(source="issued.company")
    period = IssuedPeriodSerializer(source="issued")
    time_zone = serializers.CharField(source="issued.time_zone")
    fingerprint = serializers.CharField(source="issued.fingerprint")
    issued_at = serializers.DateTimeField(source="issued.issued_at")
    issued_by = serializers.CharField(source="issued.issued_by.name")
    total_hours = Figure(source="issued.total_hours")
    total_amount = Figure(source="issued.total_amount")


class IssuedStatementCheckSerializer(IssuedStatementSerializer):
    matches = serializers.BooleanField(
        source="check.matches", help_text="The entries still give the issued fingerprint."
    )
    current_fingerprint = serializers.CharField(source="check.current.fingerprint")
    changes = EntryChangeSerializer(source="check.changes", many=True)


# --- SLA compliance ------------------------------------------------------------------------


class SlaGroupSerializer(serializers.Serializer):
    key = serializers.CharField()
    tickets = serializers.IntegerField()
    respond_met = serializers.IntegerField()
    respond_breached = serializers.IntegerField()
    respond_pending = serializers.IntegerField()
    resolve_met = serializers.IntegerField()
    resolve_breached = serializers.IntegerField()
    resolve_pending = serializers.IntegerField()
    respond_pct = maybe_figure("Share of decided respond clocks that met their target.")
    resolve_pct = maybe_figure("Share of decided resolve clocks that met their target.")
    avg_respond_minutes = maybe_figure()
    avg_resolve_minutes = maybe_figure()


class SlaBreachSerializer(serializers.Serializer):
    ticket_id = serializers.IntegerField()
    summary = serializers.CharField()
    company = serializers.CharField()
    priority_label = serializers.CharField()
    clock = serializers.CharField(help_text="respond or resolve.")
    target_minutes = serializers.IntegerField(
        allow_null=True, help_text="Null when the target has since been removed."
    )
    minutes = Figure()
    still_open = serializers.BooleanField()
    opened_at = serializers.DateTimeField(allow_null=True)


@extend_schema_serializer(many=False)
class SlaReportSerializer(serializers.Serializer):
    period = ReportPeriodSerializer()
    now = serializers.DateTimeField(help_text="Open clocks are measured up to this moment.")
    overall = SlaGroupSerializer()
    by_priority = SlaGroupSerializer(many=True)
    by_board = SlaGroupSerializer(many=True)
    by_company = SlaGroupSerializer(many=True)
    by_agreement = SlaGroupSerializer(many=True)
    weeks = SlaGroupSerializer(many=True, help_text="Keyed by the Monday of each week.")
    breaches = SlaBreachSerializer(many=True)


# --- Projects ------------------------------------------------------------------------------


class PhaseLineSerializer(serializers.Serializer):
    phase_id = serializers.IntegerField()
    name = serializers.CharField()
    estimate = Figure()
    actual = Figure()
    remaining = Figure()
    used_pct = maybe_figure()


class ProjectLineSerializer(serializers.Serializer):
    project_id = serializers.IntegerField()
    name = serializers.CharField()
    company = serializers.CharField()
    project_type = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    due_date = serializers.DateField(allow_null=True)
    estimate = Figure()
    actual = Figure()
    remaining = Figure()
    over_estimate = Figure(help_text="Hours worked beyond the estimate; 0 within it.")
    burn_per_week = Figure(help_text="Hours a week over the last four weeks.")
    forecast_finish = serializers.DateField(allow_null=True)
    forecast_at_due = maybe_figure("Hours worked by the due date at the current pace.")
    phases = PhaseLineSerializer(many=True)
    hours_by_work_type = WorkTypeHoursSerializer(many=True)


class ScopingAccuracySerializer(serializers.Serializer):
    project_type = serializers.CharField()
    projects = serializers.IntegerField()
    estimate = Figure()
    actual = Figure()
    multiplier = maybe_figure("Actual hours per estimated hour.")


@extend_schema_serializer(many=False)
class ProjectsReportSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    projects = ProjectLineSerializer(many=True)
    accuracy = ScopingAccuracySerializer(many=True, help_text="Finished projects, by type.")


# --- Capacity ------------------------------------------------------------------------------


class CapacityWeekSerializer(serializers.Serializer):
    team = serializers.CharField()
    week = serializers.DateField(help_text="The Monday, on the members' calendars.")
    scheduled = Figure(help_text="Scheduled hours less time off.")
    time_off = Figure()
    client = Figure()
    internal = Figure()
    utilized = Figure()
    utilization_pct = maybe_figure()
    available = Figure()


class TeamTrendSerializer(serializers.Serializer):
    team = serializers.CharField()
    members = serializers.IntegerField()
    scheduled_per_person = Figure()
    client_per_week = Figure()
    utilization_pct = maybe_figure()
    people_needed = maybe_figure("People the client work needs at the target utilization.")


class CapacityForecastSerializer(serializers.Serializer):
    team = serializers.CharField()
    week = serializers.DateField()
    scheduled = Figure()
    ticket_trend = Figure()
    project_demand = Figure()
    expected_utilization_pct = maybe_figure()
    people_needed = maybe_figure()


@extend_schema_serializer(many=False)
class CapacityReportSerializer(serializers.Serializer):
    weeks = serializers.ListField(child=serializers.DateField(), help_text="Mondays.")
    target_utilization = Figure()
    rows = CapacityWeekSerializer(many=True)
    trends = TeamTrendSerializer(many=True)
    forecast = CapacityForecastSerializer(many=True, help_text="The next four weeks.")


# --- Workload ------------------------------------------------------------------------------


class WorkloadCellSerializer(serializers.Serializer):
    column = serializers.CharField()
    hours = Figure()


class WorkloadMemberSerializer(serializers.Serializer):
    member_id = serializers.IntegerField()
    member = serializers.CharField()
    team = serializers.CharField()
    hours = Figure()
    by_company = WorkloadCellSerializer(many=True)
    by_board = WorkloadCellSerializer(many=True)
    open_tickets = serializers.IntegerField()
    oldest_open = serializers.DateTimeField(allow_null=True)


@extend_schema_serializer(many=False)
class WorkloadReportSerializer(serializers.Serializer):
    period = ReportPeriodSerializer()
    companies = texts("Columns of by_company, in order.")
    boards = texts("Columns of by_board, in order.")
    members = WorkloadMemberSerializer(many=True, help_text="By team and name, never by hours.")
    max_cell = Figure()


# --- Financial forecast --------------------------------------------------------------------


class ForecastMonthSerializer(serializers.Serializer):
    month = serializers.DateField()
    projected = serializers.BooleanField()
    fee_revenue = Figure()
    work_revenue = Figure()
    revenue = Figure()
    labour_cost = Figure()
    margin = Figure()
    margin_pct = maybe_figure()


@extend_schema_serializer(many=False)
class FinancialForecastSerializer(serializers.Serializer):
    months = ForecastMonthSerializer(many=True, help_text="Twelve months of history, then more.")
    raise_pct = Figure()
    new_hires = serializers.IntegerField()
    hire_cost_rate = Figure()
    hire_hours_per_month = Figure()
    trailing_work_revenue = Figure()
    trailing_labour_cost = Figure()
    data_from = serializers.DateField(
        allow_null=True,
        help_text="The first month with time in it when the data starts inside the twelve "
        "months; earlier months are left out of the averages. Null: every month counts.",
    )
    trailing_months = serializers.IntegerField(help_text="How many months the averages cover.")
