"""Emission accounting on the platform: inventories, activity lines, calculation runs, roll-ups."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InventoriesConfig(AppConfig):
    name = "dualcarbon_web.inventories"
    label = "inventories"
    verbose_name = _("排放核算")

    def ready(self) -> None:
        # registers the background job kind of a large calculation
        from dualcarbon_web.inventories import jobs  # noqa: F401
