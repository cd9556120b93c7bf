from django.urls import path

from dualcarbon_web.mrv import views

app_name = "mrv"

urlpatterns = [
    path("", views.submission_list_view, name="submission_list"),
    path("submissions/<int:pk>/", views.submission_detail_view, name="submission_detail"),
    path("submissions/<int:pk>/record.json", views.submission_record_view, name="submission_record"),
    path("runs/<int:run_id>/submit/", views.run_submit_view, name="run_submit"),
]
