from django.urls import path

from dualcarbon_web.ledger import views

app_name = "ledger"

urlpatterns = [
    path("", views.ledger_home_view, name="home"),
    path("verify/", views.ledger_verify_view, name="verify"),
    path("entries/<int:index>/", views.entry_detail_view, name="entry_detail"),
    path("entries/<int:index>/bundle.json", views.entry_bundle_view, name="entry_bundle"),
]
