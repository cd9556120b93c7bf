from django.urls import path

from dualcarbon_web.inventories import views

app_name = "inventories"

urlpatterns = [
    path("", views.inventory_list_view, name="inventory_list"),
    path("new/", views.inventory_create_view, name="inventory_create"),
    path("rollup/", views.rollup_view, name="rollup"),
    path("template.csv", views.line_template_view, name="line_template"),
    path("<int:pk>/", views.inventory_detail_view, name="inventory_detail"),
    path("<int:pk>/options/", views.inventory_options_view, name="inventory_options"),
    path("<int:pk>/calculate/", views.inventory_calculate_view, name="inventory_calculate"),
    path("<int:pk>/lines/new/", views.line_create_view, name="line_create"),
    path("<int:pk>/lines/upload/", views.line_upload_view, name="line_upload"),
    path("<int:pk>/lines/<int:line_id>/edit/", views.line_update_view, name="line_update"),
    path("<int:pk>/lines/<int:line_id>/delete/", views.line_delete_view, name="line_delete"),
    path("runs/<int:run_id>/", views.run_detail_view, name="run_detail"),
    path("runs/<int:run_id>/print/", views.run_print_view, name="run_print"),
    path("runs/<int:run_id>/report.xlsx", views.run_report_view, name="run_report"),
    path("runs/<int:run_id>/rerun/", views.run_rerun_view, name="run_rerun"),
    path("runs/<int:run_id>/monte-carlo/", views.run_monte_carlo_view, name="run_monte_carlo"),
]
