"""Choices of the technology registry; domains and TRL come from the core."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AchievementStatusChoices(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待审核")
    PUBLISHED = "published", _("已发布")
    RETURNED = "returned", _("已退回")


class NeedStatusChoices(models.TextChoices):
    OPEN = "open", _("征集中")
    CLOSED = "closed", _("已关闭")


class DomainChoices(models.TextChoices):
    # the eight categories of the fifth low-carbon technology catalogue batch (dualcarbon.techregistry.DOMAINS)
    ENERGY = "energy", _("能源绿色低碳转型")
    INDUSTRY = "industry", _("工业")
    BUILDING = "building", _("建筑")
    TRANSPORT = "transport", _("交通")
    AGRICULTURE = "agriculture", _("农业")
    CARBON_SINK = "carbon_sink", _("储碳固碳")
    DIGITAL = "digital", _("数智赋能")
    NON_CO2 = "non_co2", _("非二氧化碳减排")


TRL_CHOICES = [(i, str(i)) for i in range(1, 10)]
