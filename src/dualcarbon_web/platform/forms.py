"""Forms of the platform app."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

__all__ = ("LoginForm", "PasswordChangeForm", "TokenCreateForm")


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
