"""Report numbers. Every page, CSV, PDF and API answer of a report calls one function here.

Totals are computed by the database (grouped sums of seconds and of seconds x rate); Python
only loops over the grouped rows (one per agreement, ticket, month...), never over entries.
Money stays an unrounded Decimal until it is displayed. The methods are written down in
docs/reports.md. One module per report; this package re-exports what the rest of the app uses.
"""

from .capacity import CapacityForecast, CapacityReport, CapacityWeek, TeamTrend, capacity_report
from .common import CENT, WorkTypeHours, prorated_fee
from .forecast import FinancialForecast, ForecastMonth, financial_forecast
from .profitability import (
    AgreementDetail,
    AgreementProfit,
    ProfitabilityReport,
    agreement_detail,
    agreement_profitability,
    block_burn_down,
)
from .projects import PhaseLine, ProjectLine, ProjectsReport, ScopingAccuracy, projects_report
from .sla import SlaBreach, SlaGroup, SlaReport, sla_compliance
from .statements import (
    EntryChange,
    HistoryLine,
    Statement,
    StatementCheck,
    StatementRow,
    StatementTotal,
    client_statement,
    statement_check,
    statement_entries,
)
from .workload import WorkloadCell, WorkloadMember, WorkloadReport, workload_distribution

__all__ = [
    "CENT",
    "AgreementDetail",
    "AgreementProfit",
    "CapacityForecast",
    "CapacityReport",
    "CapacityWeek",
    "EntryChange",
    "FinancialForecast",
    "ForecastMonth",
    "HistoryLine",
    "PhaseLine",
    "ProfitabilityReport",
    "ProjectLine",
    "ProjectsReport",
    "ScopingAccuracy",
    "SlaBreach",
    "SlaGroup",
    "SlaReport",
    "Statement",
    "StatementCheck",
    "StatementRow",
    "StatementTotal",
    "TeamTrend",
    "WorkTypeHours",
    "WorkloadCell",
    "WorkloadMember",
    "WorkloadReport",
    "agreement_detail",
    "agreement_profitability",
    "block_burn_down",
    "capacity_report",
    "client_statement",
    "financial_forecast",
    "projects_report",
    "prorated_fee",
    "sla_compliance",
    "statement_check",
    "statement_entries",
    "workload_distribution",
]
