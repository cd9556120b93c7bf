from django.urls import path

from dualcarbon_web.organizations import views

app_name = "organizations"

urlpatterns = [
    path("organizations/", views.organization_list_view, name="organization_list"),
    path("organizations/new/", views.organization_create_view, name="organization_create"),
    path("organizations/import/", views.organization_import_view, name="organization_import"),
    path("organizations/export/", views.organization_export_view, name="organization_export"),
    path("organizations/<int:pk>/", views.organization_detail_view, name="organization_detail"),
    path("organizations/<int:pk>/edit/", views.organization_update_view, name="organization_update"),
    path(
        "organizations/<int:organization_pk>/facilities/new/",
        views.facility_create_view,
        name="facility_create",
    ),
    path("facilities/", views.facility_list_view, name="facility_list"),
    path("facilities/export/", views.facility_export_view, name="facility_export"),
    path("facilities/import/", views.facility_import_view, name="facility_import"),
    path("facilities/<int:pk>/", views.facility_detail_view, name="facility_detail"),
    path("facilities/<int:pk>/edit/", views.facility_update_view, name="facility_update"),
    path("parks/", views.park_list_view, name="park_list"),
    path("parks/new/", views.park_create_view, name="park_create"),
    path("parks/<int:pk>/", views.park_detail_view, name="park_detail"),
    path("parks/<int:pk>/edit/", views.park_update_view, name="park_update"),
]
