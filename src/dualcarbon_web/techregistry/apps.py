"""The technology achievement registry on the platform."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TechregistryConfig(AppConfig):
    name = "dualcarbon_web.techregistry"
    label = "techregistry"
    verbose_name = _("科技成果转化")
