"""Decision support on the platform (决策支持): target tracking, LMDI decomposition, abatement cost curves.

Read-only: the pages and the API compute from the shipped reference tables (or the measures a user
pastes) with :mod:`dualcarbon.planning`; nothing is stored, so there are no models and no audit."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlanningConfig(AppConfig):
    name = "dualcarbon_web.planning"
    label = "planning"
    verbose_name = _("决策支持")
