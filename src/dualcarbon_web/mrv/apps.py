"""MRV on the platform: annual report submissions anchored in the transparency log."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MrvConfig(AppConfig):
    name = "dualcarbon_web.mrv"
    label = "mrv"
    verbose_name = _("报告报送")
