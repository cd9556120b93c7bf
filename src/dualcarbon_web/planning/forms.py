"""Forms of the planning pages: the LMDI period/region and the MACC measures."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dualcarbon_web.planning.selectors import lmdi_regions

__all__ = ("LmdiForm", "MaccForm")

YEARS = [(y, str(y)) for y in range(2000, 2023)]  # OWID extract: Maddison GDP ends in 2022


class LmdiForm(forms.Form):
    region = forms.ChoiceField(label=_("地区"), choices=lmdi_regions)
    year_from = forms.TypedChoiceField(label=_("起始年"), choices=YEARS, coerce=int, initial=2015)
    year_to = forms.TypedChoiceField(label=_("终止年"), choices=YEARS, coerce=int, initial=2020)

    def clean(self):
        data = super().clean()
        if data.get("year_from") is not None and data.get("year_from") == data.get("year_to"):
            self.add_error("year_to", _("终止年须不同于起始年。"))
        return data


class MaccForm(forms.Form):
    file = forms.FileField(label=_("措施文件（CSV）"), required=False)
    text = forms.CharField(
        label=_("或粘贴 CSV"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
        help_text=_(
            "表头 name,cost_per_t,potential_t：措施名称、单位减排成本（元/吨CO2，可为负）、年减排潜力（吨CO2/年）。"
        ),
    )
    target = forms.FloatField(label=_("减排目标（吨CO2/年）"), min_value=0)
    method = forms.ChoiceField(
        label=_("求解方法"),
        choices=[("greedy", _("按成本排序（精确）")), ("lp", _("线性规划（HiGHS）"))],
        initial="greedy",
    )

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        if upload:
            if upload.size > 1_000_000:
                self.add_error("file", _("文件过大（上限 1 MB）。"))
                return data
            try:
                data["csv_text"] = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                self.add_error("file", _("文件须为 UTF-8 编码的 CSV。"))
                return data
            data["csv_source"] = upload.name
        elif (data.get("text") or "").strip():
            data["csv_text"] = data["text"]
            data["csv_source"] = "CSV"
        else:
            self.add_error("text", _("请上传文件或粘贴 CSV。"))
        return data
