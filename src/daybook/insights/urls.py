from django.urls import path

from . import views

app_name = "insights"
urlpatterns = [
    path("", views.index, name="index"),
    path("profitability/", views.profitability, name="profitability"),
    path("profitability.csv", views.profitability_csv, name="profitability_csv"),
    path(
        "profitability/agreements/<int:pk>/",
        views.profitability_agreement,
        name="profitability_agreement",
    ),
    path("statements/", views.statement, name="statement"),
    path("statements/draft.csv", views.statement_csv, name="statement_csv"),
    path("statements/draft.pdf", views.statement_pdf_view, name="statement_pdf"),
    path("statements/issue/", views.statement_issue_view, name="statement_issue"),
    path("statements/verify/", views.statement_verify, name="statement_verify"),
    path("statements/<int:pk>/", views.issued_statement, name="issued_statement"),
    path("statements/<int:pk>.csv", views.issued_statement_csv, name="issued_statement_csv"),
    path("statements/<int:pk>.pdf", views.issued_statement_pdf, name="issued_statement_pdf"),
    path("sla/", views.sla, name="sla"),
    path("sla.csv", views.sla_csv, name="sla_csv"),
    path("projects/", views.projects, name="projects"),
    path("projects.csv", views.projects_csv, name="projects_csv"),
    path("capacity/", views.capacity, name="capacity"),
    path("capacity.csv", views.capacity_csv, name="capacity_csv"),
    path("workload/", views.workload, name="workload"),
    path("workload.csv", views.workload_csv, name="workload_csv"),
    path("forecast/", views.forecast, name="forecast"),
    path("forecast.csv", views.forecast_csv, name="forecast_csv"),
    path("runs/<int:pk>/", views.report_run, name="report_run"),
]
