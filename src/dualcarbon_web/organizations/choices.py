"""Choices of the organisations registry."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionLevelChoices(models.TextChoices):
    PROVINCE = "province", _("省级")
    PREFECTURE = "prefecture", _("地级")
    COUNTY = "county", _("县级")


class IndustryLevelChoices(models.TextChoices):
    SECTION = "section", _("门类")
    DIVISION = "division", _("大类")
    GROUP = "group", _("中类")
    CLASS = "class", _("小类")


class OrganizationKindChoices(models.TextChoices):
    ENTERPRISE = "enterprise", _("企业")
    VERIFICATION_BODY = "verification_body", _("核查机构")
    REGULATOR = "regulator", _("主管部门")
    TECHNOLOGY_OWNER = "technology_owner", _("技术持有方")
    RESEARCH = "research", _("研究机构")


class ParkLevelChoices(models.TextChoices):
    NATIONAL = "national", _("国家级")
    PROVINCIAL = "provincial", _("省级")
    OTHER = "other", _("其他")


class FacilityStatusChoices(models.TextChoices):
    OPERATING = "operating", _("运行")
    SUSPENDED = "suspended", _("停产")
    CLOSED = "closed", _("关停")
