"""URL map: the platform at ``/``, each app under ``/<app>/``, the REST API under ``/api/v1/``."""

from __future__ import annotations

import importlib.util

from django.urls import include, path

from dualcarbon_web.config.api import api

APP_PREFIXES = {
    "organizations": "registry/",
    "factors": "factors/",
    "inventories": "accounting/",
    "ledger": "ledger/",
    "mrv": "mrv/",
    "inversion": "inversion/",
    "planning": "planning/",
    "techregistry": "techregistry/",
}

urlpatterns = [
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("dualcarbon_web.platform.urls")),
]

for _app, _prefix in APP_PREFIXES.items():
    if importlib.util.find_spec(f"dualcarbon_web.{_app}.urls") is not None:
        urlpatterns.append(path(_prefix, include(f"dualcarbon_web.{_app}.urls")))
