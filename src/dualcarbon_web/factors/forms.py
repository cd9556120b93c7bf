"""Forms of the factor database (administrators)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dualcarbon.accounting.factors import STATUSES, UNCERTAINTY_DISTRIBUTIONS

__all__ = ("FactorCorrectForm", "FactorCreateForm")

_DIST = [("", "—"), *[(d, d) for d in UNCERTAINTY_DISTRIBUTIONS]]


class FactorCreateForm(forms.Form):
    id = forms.CharField(
        label=_("因子编号"), max_length=200, help_text=_("小写字母、数字及 . _ : -，例如 user.2025.steam.co2")
    )
    family = forms.CharField(label=_("类别"), max_length=64)
    item = forms.CharField(label=pgettext_lazy("factor item", "对象"), max_length=100, required=False)
    gas = forms.CharField(label=_("气体"), max_length=32)
    value = forms.CharField(label=_("数值"), max_length=40, help_text=_("按原文小数书写，不作舍入"))
    unit = forms.CharField(label=_("单位"), max_length=40)
    basis = forms.CharField(label=_("基准"), max_length=40, required=False)
    region = forms.CharField(label=_("地区"), max_length=40, required=False)
    data_year = forms.IntegerField(label=_("数据年份"), required=False)
    valid_from = forms.IntegerField(label=_("适用起始年"), required=False)
    valid_to = forms.IntegerField(label=_("适用截止年"), required=False)
    status = forms.ChoiceField(label=_("状态"), choices=[(s, s) for s in STATUSES], initial="user")
    uncertainty_distribution = forms.ChoiceField(label=_("不确定性分布"), choices=_DIST, required=False)
    uncertainty_low_pct = forms.FloatField(label=_("不确定性下限 %"), required=False)
    uncertainty_high_pct = forms.FloatField(label=_("不确定性上限 %"), required=False)
    source = forms.CharField(label=_("来源文件"), max_length=300, required=False)
    document_no = forms.CharField(label=_("文号"), max_length=200, required=False)
    publisher = forms.CharField(label=_("发布机构"), max_length=200, required=False)
    published_on = forms.CharField(label=_("发布日期"), max_length=20, required=False)
    source_url = forms.URLField(label=_("来源网址"), required=False, assume_scheme="https")
    locator = forms.CharField(label=_("表/式/页"), max_length=200, required=False)
    note = forms.CharField(label=_("备注"), max_length=500, required=False)


class FactorCorrectForm(forms.Form):
    value = forms.CharField(label=_("新数值"), max_length=40, required=False)
    unit = forms.CharField(label=_("单位"), max_length=40, required=False)
    status = forms.ChoiceField(
        label=_("状态"), choices=[("", "—"), *[(s, s) for s in STATUSES]], required=False
    )
    note = forms.CharField(label=_("备注"), max_length=500, required=False)
    reason = forms.CharField(label=_("更正理由"), max_length=300)
