"""Organisations registry: regions (GB/T 2260), industries (GB/T 4754), organisations, parks, facilities."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganizationsConfig(AppConfig):
    name = "dualcarbon_web.organizations"
    label = "organizations"
    verbose_name = _("组织机构")

    def ready(self) -> None:
        # registers the background job kinds of the registry (bulk import)
        from dualcarbon_web.organizations import jobs  # noqa: F401
