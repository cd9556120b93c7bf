from django.urls import path

from dualcarbon_web.techregistry import views

app_name = "techregistry"

urlpatterns = [
    path("", views.achievement_list_view, name="achievement_list"),
    path("achievements/new/", views.achievement_create_view, name="achievement_create"),
    path("achievements/<int:pk>/", views.achievement_detail_view, name="achievement_detail"),
    path("achievements/<int:pk>/edit/", views.achievement_edit_view, name="achievement_edit"),
    path("achievements/<int:pk>/submit/", views.achievement_submit_view, name="achievement_submit"),
    path("achievements/<int:pk>/review/", views.achievement_review_view, name="achievement_review"),
    path("needs/", views.need_list_view, name="need_list"),
    path("needs/new/", views.need_create_view, name="need_create"),
    path("needs/<int:pk>/", views.need_detail_view, name="need_detail"),
    path("needs/<int:pk>/close/", views.need_close_view, name="need_close"),
]
