from django.urls import path

from dualcarbon_web.platform import views

app_name = "platform"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("account/password/", views.password_change_view, name="password_change"),
    path("account/tokens/", views.token_list_view, name="token_list"),
    path("account/tokens/<int:token_id>/revoke/", views.token_revoke_view, name="token_revoke"),
    path("jobs/", views.job_list_view, name="job_list"),
    path("jobs/<uuid:job_id>/", views.job_detail_view, name="job_detail"),
    path("audit/", views.audit_list_view, name="audit_list"),
    path("users/", views.user_list_view, name="user_list"),
    path("users/new/", views.user_create_view, name="user_create"),
    path("users/<int:user_id>/", views.user_edit_view, name="user_edit"),
]
