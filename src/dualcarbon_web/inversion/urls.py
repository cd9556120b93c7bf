from django.urls import path

from dualcarbon_web.inversion import views

app_name = "inversion"

urlpatterns = [
    path("", views.run_list_view, name="run_list"),
    path("new/", views.run_create_view, name="run_create"),
    path("<int:pk>/", views.run_detail_view, name="run_detail"),
    path("<int:pk>/progress/", views.run_progress_view, name="run_progress"),
    path("observations/", views.observation_list_view, name="observation_list"),
    path("observations/upload/", views.observation_upload_view, name="observation_upload"),
    path("observations/synthetic/", views.osse_create_view, name="osse_create"),
]
