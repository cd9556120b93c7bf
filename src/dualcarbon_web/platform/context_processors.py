"""Template context shared by every page: the role's menu and the platform name."""

from __future__ import annotations

from django.conf import settings

from dualcarbon_web.platform.navigation import menu_for


def navigation(request):
    user = getattr(request, "user", None)
    return {
        "nav_items": menu_for(user) if user is not None else [],
        "platform_name": settings.PLATFORM_NAME,
    }
