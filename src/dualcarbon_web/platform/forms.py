"""Forms of the platform app."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

__all__ = ("LoginForm", "PasswordChangeForm", "TokenCreateForm", "UserForm", "apply_application_error")


class LoginForm(forms.Form):
    username = forms.CharField(label=_("用户名"), max_length=150)
    password = forms.CharField(label=_("密码"), widget=forms.PasswordInput)


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label=_("当前密码"), widget=forms.PasswordInput)
    new_password = forms.CharField(label=_("新密码"), widget=forms.PasswordInput, min_length=10)
    new_password_again = forms.CharField(label=_("再次输入新密码"), widget=forms.PasswordInput)

    def clean(self):
        data = super().clean()
        if data.get("new_password") and data.get("new_password") != data.get("new_password_again"):
            self.add_error("new_password_again", _("两次输入的新密码不一致。"))
        return data


class TokenCreateForm(forms.Form):
    name = forms.CharField(label=_("令牌名称"), max_length=100)


class UserForm(forms.Form):
    """Create or edit a user (administrators). ``password`` only when creating."""

    username = forms.CharField(label=_("用户名"), max_length=150)
    display_name = forms.CharField(label=_("姓名"), max_length=100, required=False)
    email = forms.EmailField(label=_("邮箱"), required=False)
    role = forms.ChoiceField(label=_("角色"))
    organization = forms.ModelChoiceField(label=_("所属组织"), queryset=None, required=False)
    password = forms.CharField(label=_("初始密码"), widget=forms.PasswordInput, required=False, min_length=10)
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(self, *args, creating: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        from dualcarbon_web.organizations.models import Organization
        from dualcarbon_web.platform.choices import RoleChoices

        self.fields["role"].choices = RoleChoices.choices
        self.fields["organization"].queryset = Organization.objects.order_by("name")
        self.fields["organization"].label_from_instance = lambda org: org.display_name
        if creating:
            self.fields["password"].required = True
            del self.fields["is_active"]
        else:
            del self.fields["password"]
            self.fields["username"].disabled = True


def apply_application_error(form: forms.Form, exc) -> None:
    """Show a service's ``ApplicationError`` on ``form``: each ``extra['fields']`` entry on its field
    (or, for a field the form does not have, as a form error naming it); otherwise the message."""
    fields = (getattr(exc, "extra", None) or {}).get("fields", {})
    if not fields:
        form.add_error(None, getattr(exc, "message", str(exc)))
    for field, errs in fields.items():
        for err in errs:
            if field in form.fields:
                form.add_error(field, err)
            else:
                form.add_error(None, f"{field}: {err}")
