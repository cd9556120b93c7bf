"""Forms of the inversion pages: shapes of input only; the services validate and decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dualcarbon_web.inversion.choices import ObservationUnitChoices, StabilityChoices, TerrainChoices
from dualcarbon_web.platform.i18n import localized_name

__all__ = ("ObservationUploadForm", "OsseForm", "RunForm")


class RunForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=200)
    observation_set = forms.TypedChoiceField(label=_("观测数据集"), coerce=int, choices=())
    year = forms.IntegerField(label=_("清单年度"), min_value=1990, max_value=2100, initial=2023)
    prior_relative_sd = forms.FloatField(
        label=_("先验相对不确定度"), initial=0.5, help_text=_("1σ，占报告排放量的比例")
    )
    prior_sd_floor_t = forms.FloatField(label=_("先验不确定度下限 t/yr"), initial=1000.0)
    obs_error_scale = forms.FloatField(label=_("观测误差放大系数"), initial=1.0)
    model_error = forms.FloatField(label=_("模式误差（观测单位，1σ）"), initial=0.0)
    gamma = forms.FloatField(label="γ", initial=1.0, help_text=_("观测项的正则化系数（IMI）"))
    z_threshold = forms.FloatField(label=_("标记阈值 |z|"), initial=3.0)
    stack_height_m = forms.FloatField(label=_("有效排放高度 m"), initial=100.0)
    receptor_height_m = forms.FloatField(label=_("观测高度 m（文件未给出时）"), initial=10.0)
    terrain = forms.ChoiceField(label=_("地形"), choices=TerrainChoices.choices, initial=TerrainChoices.RURAL)
    background = forms.FloatField(label=_("背景浓度（文件未给出时）"), initial=0.0)
    region = forms.CharField(
        label=_("区域代码"), required=False, max_length=6, help_text=_("主管部门留空即本辖区")
    )

    def __init__(self, *args, observation_sets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["observation_set"].choices = [
            (s.pk, f"{s.name} · {s.region.display_name} · {s.n_obs} · {s.get_kind_display()}")
            for s in observation_sets
        ]


class ObservationUploadForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=200)
    file = forms.FileField(
        label=_("观测文件（CSV 或 NetCDF）"), help_text="time, lon, lat, value, uncertainty, id"
    )
    met_file = forms.FileField(
        label=_("气象文件（CSV 或 NetCDF）"), help_text="time, wind_speed_m_s, wind_from_deg, stability"
    )
    unit = forms.ChoiceField(label=_("单位"), choices=ObservationUnitChoices.choices, initial="ppm")
    gas = forms.ChoiceField(
        label=_("气体"), choices=[(g, g) for g in ("CO2", "CH4", "N2O", "CO")], initial="CO2"
    )
    region = forms.CharField(
        label=_("区域代码"), required=False, max_length=6, help_text=_("主管部门留空即本辖区")
    )


class OsseForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=200, initial=_("模拟观测（OSSE）"))
    year = forms.IntegerField(label=_("清单年度"), min_value=1990, max_value=2100, initial=2023)
    seed = forms.IntegerField(label=_("随机种子"), initial=0, min_value=0)
    facility = forms.TypedChoiceField(
        label=_("设定真值偏离的设施"), coerce=int, required=False, empty_value=None
    )
    factor = forms.FloatField(label=_("真值 / 报告值"), initial=3.0, min_value=0.0)
    hours = forms.IntegerField(label=_("小时数"), initial=24, min_value=1, max_value=8784)
    noise_sd = forms.FloatField(label=_("观测噪声 ppm（1σ）"), initial=0.5)
    station_distance_m = forms.FloatField(label=_("站点距设施 m"), initial=2000.0)
    wind_speed_m_s = forms.FloatField(label=_("风速 m/s"), initial=4.0)
    stability = forms.ChoiceField(label=_("大气稳定度"), choices=StabilityChoices.choices, initial="D")
    region = forms.CharField(
        label=_("区域代码"), required=False, max_length=6, help_text=_("主管部门留空即本辖区")
    )

    def __init__(self, *args, facilities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["facility"].choices = [("", "—")] + [
            (
                p.facility_id,
                f"{localized_name(p.organization_name, p.organization_name_en)} · {p.name} ({p.emission_t:,.0f} t/yr)",
            )
            for p in facilities
        ]
