from django.urls import path

from dualcarbon_web.planning import views

app_name = "planning"

urlpatterns = [
    path("", views.tracking_view, name="tracking"),
    path("lmdi/", views.lmdi_view, name="lmdi"),
    path("macc/", views.macc_view, name="macc"),
    path("report/", views.report_view, name="report"),
]
