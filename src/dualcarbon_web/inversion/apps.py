"""Top-down monitoring on the platform: observation sets, inversion runs, prior versus posterior."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InversionConfig(AppConfig):
    name = "dualcarbon_web.inversion"
    label = "inversion"
    verbose_name = _("反演监测")

    def ready(self) -> None:
        # registers the background job kind of an inversion run
        from dualcarbon_web.inversion import jobs  # noqa: F401
