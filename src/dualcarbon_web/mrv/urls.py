from django.urls import path

from dualcarbon_web.mrv import views

app_name = "mrv"

urlpatterns = [
    path("", views.submission_list_view, name="submission_list"),
    path("submissions/<int:pk>/", views.submission_detail_view, name="submission_detail"),
    path("submissions/<int:pk>/record.json", views.submission_record_view, name="submission_record"),
    path("runs/<int:run_id>/submit/", views.run_submit_view, name="run_submit"),
    path(
        "submissions/<int:pk>/rules/evaluate/",
        views.submission_rules_evaluate_view,
        name="submission_rules_evaluate",
    ),
    path("evaluations/<int:pk>/", views.evaluation_detail_view, name="evaluation_detail"),
    path("evaluations/<int:pk>/report.json", views.evaluation_report_view, name="evaluation_report"),
    path("rules/", views.ruleset_view, name="ruleset"),
]
