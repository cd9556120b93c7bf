from django.urls import path

from dualcarbon_web.factors import views

app_name = "factors"

urlpatterns = [
    path("", views.factor_list_view, name="factor_list"),
    path("tables/", views.table_list_view, name="table_list"),
    path("new/", views.factor_create_view, name="factor_create"),
    path("<str:factor_id>/correct/", views.factor_correct_view, name="factor_correct"),
    path("<str:ref>/", views.factor_detail_view, name="factor_detail"),
]
