"""Forms of the registry pages. They shape input; the services validate it and their field errors
are attached back to these fields (:func:`dualcarbon_web.platform.forms.apply_application_error`)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dualcarbon_web.organizations.choices import (
    FacilityStatusChoices,
    OrganizationKindChoices,
    ParkLevelChoices,
)
from dualcarbon_web.organizations.models import Industry, Park, Region
from dualcarbon_web.platform.i18n import localized_name

__all__ = (
    "FacilityFilterForm",
    "FacilityForm",
    "FacilityImportForm",
    "OrganizationFilterForm",
    "OrganizationForm",
    "OrganizationImportForm",
    "ParkForm",
)


def _region_choices(blank: str = "—") -> list[tuple[str, str]]:
    out = [("", blank)]
    for code, name, name_en, level in Region.objects.order_by("code").values_list(
        "code", "name", "name_en", "level"
    ):
        label = localized_name(name, name_en)
        out.append((code, f"{code} {label}" if level == "province" else f"{code} · {label}"))
    return out


def _industry_choices(blank: str = "—", levels: tuple[str, ...] | None = None) -> list[tuple[str, str]]:
    rows = Industry.objects.order_by("code")
    if levels is not None:
        rows = rows.filter(level__in=levels)
    return [("", blank)] + [
        (code, f"{code} {localized_name(name, name_en)}")
        for code, name, name_en in rows.values_list("code", "name", "name_en")
    ]


def _park_choices(blank: str = "—") -> list[tuple[str, str]]:
    return [("", blank)] + [
        (str(pk), localized_name(name, name_en))
        for pk, name, name_en in Park.objects.order_by("name").values_list("pk", "name", "name_en")
    ]


class OrganizationForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=OrganizationKindChoices.choices)
    name = forms.CharField(label=_("名称"), max_length=200)
    name_en = forms.CharField(label=_("英文名称"), max_length=200, required=False)
    uscc = forms.CharField(
        label=_("统一社会信用代码"), max_length=18, min_length=18, help_text=_("18 位，按 GB 32100-2015 校验")
    )
    region = forms.ChoiceField(label=_("所在地"), choices=())
    industry = forms.ChoiceField(label=_("行业"), choices=(), required=False)
    park = forms.ChoiceField(label=_("所在园区"), choices=(), required=False)
    jurisdiction = forms.ChoiceField(
        label=_("管辖区域"), choices=(), required=False, help_text=_("仅主管部门填写：省或地级市")
    )
    address = forms.CharField(label=_("地址"), max_length=300, required=False)
    contact_email = forms.EmailField(label=_("联系邮箱"), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = _region_choices()
        self.fields["jurisdiction"].choices = _region_choices()
        self.fields["industry"].choices = _industry_choices()
        self.fields["park"].choices = _park_choices()

    @staticmethod
    def initial_from(org) -> dict:
        return {
            "kind": org.kind,
            "name": org.name,
            "name_en": org.name_en,
            "uscc": org.uscc,
            "region": org.region.code,
            "industry": org.industry.code if org.industry else "",
            "park": str(org.park_id or ""),
            "jurisdiction": org.jurisdiction.code if org.jurisdiction else "",
            "address": org.address,
            "contact_email": org.contact_email,
        }


class OrganizationFilterForm(forms.Form):
    q = forms.CharField(label=_("搜索"), required=False)
    kind = forms.ChoiceField(
        label=_("类型"), required=False, choices=[("", _("全部类型")), *OrganizationKindChoices.choices]
    )
    region = forms.ChoiceField(label=_("地区"), required=False, choices=())
    industry = forms.ChoiceField(label=_("行业"), required=False, choices=())
    park = forms.ChoiceField(label=_("园区"), required=False, choices=())

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = _region_choices(str(_("全部地区")))
        self.fields["industry"].choices = _industry_choices(
            str(_("全部行业")), levels=("section", "division", "class")
        )
        self.fields["park"].choices = _park_choices(str(_("全部园区")))

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        out = {k: data.get(k) or "" for k in ("q", "kind", "region", "industry")}
        out["park"] = int(data["park"]) if data.get("park") else None
        return out


class FacilityFilterForm(forms.Form):
    q = forms.CharField(label=_("搜索"), required=False)
    region = forms.ChoiceField(label=_("地区"), required=False, choices=())
    industry = forms.ChoiceField(label=_("行业"), required=False, choices=())
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部状态")), *FacilityStatusChoices.choices]
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = _region_choices(str(_("全部地区")))
        self.fields["industry"].choices = _industry_choices(str(_("全部行业")))

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {k: data.get(k) or "" for k in ("q", "region", "industry", "status")}


class FacilityForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=200)
    code = forms.CharField(label=_("设施编号"), max_length=64, required=False)
    industry = forms.ChoiceField(label=_("行业"), choices=())
    region = forms.ChoiceField(label=_("所在地"), choices=())
    park = forms.ChoiceField(label=_("所在园区"), choices=(), required=False)
    latitude = forms.DecimalField(
        label=_("纬度"), max_digits=9, decimal_places=6, required=False, min_value=-90, max_value=90
    )
    longitude = forms.DecimalField(
        label=_("经度"), max_digits=9, decimal_places=6, required=False, min_value=-180, max_value=180
    )
    capacity = forms.CharField(label=_("规模/产能"), max_length=100, required=False)
    status = forms.ChoiceField(label=_("状态"), choices=FacilityStatusChoices.choices)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = _region_choices()
        self.fields["industry"].choices = _industry_choices()
        self.fields["park"].choices = _park_choices()

    @staticmethod
    def initial_from(f) -> dict:
        return {
            "name": f.name,
            "code": f.code,
            "industry": f.industry.code,
            "region": f.region.code,
            "park": str(f.park_id or ""),
            "latitude": f.latitude,
            "longitude": f.longitude,
            "capacity": f.capacity,
            "status": f.status,
        }


class ParkForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=200)
    name_en = forms.CharField(label=_("英文名称"), max_length=200, required=False)
    level = forms.ChoiceField(label=_("级别"), choices=ParkLevelChoices.choices)
    region = forms.ChoiceField(label=_("行政区划"), choices=())
    description = forms.CharField(label=_("简介"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = _region_choices()

    @staticmethod
    def initial_from(p) -> dict:
        return {
            "name": p.name,
            "name_en": p.name_en,
            "level": p.level,
            "region": p.region.code,
            "description": p.description,
        }


class OrganizationImportForm(forms.Form):
    file = forms.FileField(label=_("文件（CSV 或 XLSX）"))
    kind = forms.ChoiceField(
        label=_("默认类型"),
        required=False,
        choices=[("", _("按文件中的 kind 列")), *OrganizationKindChoices.choices],
        help_text=_("文件没有 kind 列或该列为空时使用"),
    )


class FacilityImportForm(forms.Form):
    file = forms.FileField(label=_("文件（CSV 或 XLSX）"))
