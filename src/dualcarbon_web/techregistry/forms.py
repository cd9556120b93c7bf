"""Forms of the technology registry pages; the services validate again (and name the field)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dualcarbon_web.techregistry.choices import TRL_CHOICES, AchievementStatusChoices, DomainChoices

_BLANK = [("", "—")]


class AchievementFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100)
    domain = forms.ChoiceField(required=False, choices=[("", _("全部领域")), *DomainChoices.choices])
    trl_min = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, choices=[("", _("任意就绪水平")), *TRL_CHOICES]
    )
    industry = forms.CharField(required=False, max_length=5)
    status = forms.ChoiceField(
        required=False, choices=[("", _("全部状态")), *AchievementStatusChoices.choices]
    )


class AchievementForm(forms.Form):
    title = forms.CharField(label=_("技术名称"), max_length=200)
    domain = forms.ChoiceField(label=_("技术领域"), choices=DomainChoices.choices)
    trl = forms.TypedChoiceField(label=_("技术就绪水平"), coerce=int, choices=TRL_CHOICES)
    industry_codes = forms.CharField(
        label=_("适用行业"), required=False, help_text=_("GB/T 4754-2017 行业代码，用逗号分隔，如 3110, 3011")
    )
    cpc_codes = forms.CharField(
        label=_("CPC 分类号"), required=False, help_text=_("Y02/Y04S 分类号，用逗号分隔，如 Y02P, Y02E 10/50")
    )
    summary = forms.CharField(label=_("技术简介"), widget=forms.Textarea(attrs={"rows": 6}))
    indicators = forms.CharField(
        label=_("主要技术指标"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    reduction_tco2e_per_year = forms.DecimalField(label=_("减排量 tCO2e/a"), required=False, min_value=0)
    energy_saving_tce_per_year = forms.DecimalField(label=_("节能量 tce/a"), required=False, min_value=0)

    def service_data(self) -> dict:
        d = dict(self.cleaned_data)
        d["industry_codes"] = [
            c.strip() for c in d["industry_codes"].replace("，", ",").split(",") if c.strip()
        ]
        return d


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("publish", _("发布")), ("return", _("退回"))])
    comment = forms.CharField(label=_("审核意见"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class NeedForm(forms.Form):
    title = forms.CharField(label=_("需求名称"), max_length=200)
    description = forms.CharField(label=_("需求描述"), widget=forms.Textarea(attrs={"rows": 6}))
    industry_code = forms.CharField(
        label=_("所属行业"), required=False, max_length=5, help_text=_("GB/T 4754-2017 行业代码")
    )
    domain = forms.ChoiceField(label=_("技术领域"), required=False, choices=[*_BLANK, *DomainChoices.choices])
    min_trl = forms.TypedChoiceField(
        label=_("最低技术就绪水平"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[*_BLANK, *TRL_CHOICES],
    )
    cpc_codes = forms.CharField(label=_("CPC 分类号"), required=False)
    expected_reduction_tco2e_per_year = forms.DecimalField(
        label=_("期望减排量 tCO2e/a"), required=False, min_value=0
    )


def add_service_errors(form: forms.Form, exc) -> None:
    """Put a service's ``ValidationFailed`` field errors on the form (unknown fields: non-field)."""
    for field, messages in (exc.extra.get("fields") or {"__all__": [exc.message]}).items():
        for m in messages:
            form.add_error(field if field in form.fields else None, m)
