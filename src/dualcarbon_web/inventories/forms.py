"""Forms of the inventories app: the shape of the page input; the services decide what is valid."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dualcarbon.accounting.methodologies import DEFAULT_METHODOLOGY
from dualcarbon_web.inventories.choices import (
    FACTOR_SET_CHOICES,
    GWP_CHOICES,
    LINE_CATEGORY_CHOICES,
    METHODOLOGY_CHOICES,
    InventoryStatusChoices,
    VintageChoices,
)
from dualcarbon_web.organizations.choices import OrganizationKindChoices
from dualcarbon_web.organizations.models import Facility, Organization

__all__ = (
    "ActivityLineForm",
    "InventoryFilterForm",
    "InventoryForm",
    "InventoryOptionsForm",
    "LinesUploadForm",
    "MonteCarloForm",
)


class InventoryOptionsForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=200, required=False)
    methodology = forms.ChoiceField(
        label=_("核算方法学"), choices=METHODOLOGY_CHOICES, initial=DEFAULT_METHODOLOGY
    )
    gwp = forms.ChoiceField(label=_("GWP 取值"), choices=GWP_CHOICES, initial="AR5")
    factor_set = forms.ChoiceField(label=_("电力排放因子"), choices=FACTOR_SET_CHOICES, required=False)
    vintage = forms.ChoiceField(label=_("因子年份规则"), choices=VintageChoices.choices, initial="exact")


class InventoryForm(InventoryOptionsForm):
    """A new inventory: a facility of the user's enterprise (or the whole enterprise) and a year."""

    organization = forms.ChoiceField(label=_("企业"), choices=(), required=False)
    facility = forms.ChoiceField(label=pgettext_lazy("field", "设施"), choices=(), required=False)
    year = forms.IntegerField(label=_("核算年度"), min_value=1990, max_value=2100)

    field_order = ("organization", "facility", "year", "name", "methodology", "gwp", "factor_set", "vintage")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if user.is_platform_admin:
            orgs = Organization.objects.filter(kind=OrganizationKindChoices.ENTERPRISE).order_by("name")
            facilities = Facility.objects.select_related("organization").order_by(
                "organization__name", "name"
            )
            self.fields["organization"].choices = [("", "—"), *[(o.pk, o.display_name) for o in orgs]]
            self.fields["organization"].help_text = _("企业级报告选择企业；设施报告选择设施即可")
        else:
            del self.fields["organization"]
            facilities = Facility.objects.filter(organization_id=user.organization_id).order_by("name")
        self.fields["facility"].choices = [
            ("", _("全企业（不分设施）")),
            *[
                (f.pk, f"{f.organization.display_name} · {f.name}" if user.is_platform_admin else f.name)
                for f in facilities
            ],
        ]


class InventoryFilterForm(forms.Form):
    q = forms.CharField(required=False)
    year = forms.IntegerField(required=False, min_value=1990, max_value=2100)
    status = forms.ChoiceField(required=False, choices=[("", _("全部状态")), *InventoryStatusChoices.choices])
    region = forms.CharField(required=False, max_length=6)
    industry = forms.CharField(required=False, max_length=5)

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        d = self.cleaned_data
        return {
            "q": d.get("q") or "",
            "year": d.get("year"),
            "status": d.get("status") or "",
            "region": (d.get("region") or "").strip(),
            "industry": (d.get("industry") or "").strip(),
        }


class ActivityLineForm(forms.Form):
    """One line in the interchange format; empty entity/period/methodology take the inventory's."""

    category = forms.ChoiceField(label=_("类别 category"), choices=LINE_CATEGORY_CHOICES)
    item = forms.CharField(
        label=_("品种/项目 item"),
        max_length=100,
        help_text=_("如 natural_gas、bituminous_coal、electricity、clinker"),
    )
    quantity = forms.FloatField(label=_("数量 quantity"))
    unit = forms.CharField(label=_("单位 unit"), max_length=32, help_text=_("如 t、10^4 Nm3、MWh、GJ"))
    entity = forms.CharField(
        label=_("排放单元 entity"), max_length=64, required=False, help_text=_("留空为本报告的设施/企业")
    )
    period = forms.CharField(
        label=_("期间 period"),
        max_length=16,
        required=False,
        help_text=_("留空为核算年度；可写 2023-05、2023Q2"),
    )
    ncv = forms.FloatField(label=_("低位发热量 ncv"), required=False)
    ncv_unit = forms.CharField(label=_("ncv_unit"), max_length=32, required=False, help_text=_("如 GJ/t"))
    carbon_content = forms.FloatField(label=_("含碳量 carbon_content"), required=False)
    carbon_content_unit = forms.CharField(
        label=_("carbon_content_unit"), max_length=32, required=False, help_text=_("如 tC/TJ、tC/t、%")
    )
    oxidation_rate = forms.FloatField(
        label=_("碳氧化率 oxidation_rate"), required=False, help_text=_("0–1，如 0.98")
    )
    factor = forms.FloatField(label=_("排放因子 factor"), required=False)
    factor_unit = forms.CharField(
        label=_("factor_unit"), max_length=32, required=False, help_text=_("如 tCO2/t、kgCO2/kWh")
    )
    region = forms.CharField(
        label=_("电网区域 region"),
        max_length=32,
        required=False,
        help_text=_("省份名称或 GB/T 2260 代码；留空为全国"),
    )
    methodology = forms.ChoiceField(
        label=_("方法学 methodology"), choices=[("", _("同报告")), *METHODOLOGY_CHOICES], required=False
    )
    uncertainty_pct = forms.FloatField(label=_("活动数据不确定性 %"), required=False)
    purity = forms.FloatField(label=_("纯度 purity"), required=False)
    counterparty = forms.CharField(
        label=_("交易对方 counterparty"),
        max_length=64,
        required=False,
        help_text=_("购售电/热的对方设施编号，用于园区内部抵扣"),
    )


class LinesUploadForm(forms.Form):
    file = forms.FileField(label=_("文件（CSV、XLSX 或 JSON）"))
    replace = forms.BooleanField(label=_("替换现有活动数据"), required=False)


class MonteCarloForm(forms.Form):
    """A Monte Carlo (Approach 2) analysis of a run: iterations and an optional seed."""

    iterations = forms.IntegerField(
        label=_("迭代次数"),
        min_value=1_000,
        max_value=200_000,
        initial=10_000,
        help_text=_("1,000 至 200,000"),
    )
    seed = forms.IntegerField(
        label=_("随机种子"),
        required=False,
        min_value=0,
        max_value=2**63 - 1,
        help_text=_("留空则随机选取并记录；同一种子得到完全相同的结果"),
    )
