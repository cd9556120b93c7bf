"""Forms of the MRV pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

__all__ = ("SubmissionFilterForm",)


class SubmissionFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=200)
    year = forms.IntegerField(required=False, min_value=1990, max_value=2100)
    state = forms.ChoiceField(
        required=False,
        choices=[("", _("全部报送")), ("current", _("现行")), ("superseded", _("已被取代"))],
    )
