"""The navigation menu: each entry names the roles that may use it. Entries whose URL does not
exist (an app not installed) are left out, so the menu never shows a dead link."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dualcarbon_web.platform.choices import RoleChoices as R

__all__ = ("NAV", "NavItem", "menu_for")

ALL = tuple(R.values)


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: tuple[str, ...]
    group: str


NAV: tuple[NavItem, ...] = (
    NavItem(_("工作台"), "platform:home", ALL, "platform"),
    NavItem(_("组织机构"), "organizations:organization_list", ALL, "registry"),
    NavItem(
        pgettext_lazy("list heading", "设施"),
        "organizations:facility_list",
        (R.ENTERPRISE, R.REGULATOR, R.ADMIN),
        "registry",
    ),
    NavItem(_("产业园区"), "organizations:park_list", ALL, "registry"),
    NavItem(_("排放因子库"), "factors:factor_list", ALL, "accounting"),
    NavItem(
        _("排放核算"),
        "inventories:inventory_list",
        (R.ENTERPRISE, R.REGULATOR, R.VERIFIER, R.ADMIN),
        "accounting",
    ),
    NavItem(_("报告报送"), "mrv:submission_list", (R.ENTERPRISE, R.REGULATOR, R.VERIFIER, R.ADMIN), "mrv"),
    NavItem(_("透明日志"), "ledger:home", ALL, "mrv"),
    NavItem(_("反演监测"), "inversion:run_list", (R.REGULATOR, R.ANALYST, R.ADMIN), "monitoring"),
    NavItem(_("决策支持"), "planning:tracking", (R.ANALYST, R.REGULATOR, R.ADMIN), "planning"),
    NavItem(_("科技成果"), "techregistry:achievement_list", ALL, "techregistry"),
    NavItem(
        _("技术需求"),
        "techregistry:need_list",
        (R.ENTERPRISE, R.TECHNOLOGY_OWNER, R.REGULATOR, R.ADMIN),
        "techregistry",
    ),
    NavItem(_("后台任务"), "platform:job_list", ALL, "platform"),
    NavItem(_("用户管理"), "platform:user_list", (R.ADMIN,), "platform"),
    NavItem(_("审计日志"), "platform:audit_list", (R.ADMIN,), "platform"),
)


def menu_for(user) -> list[dict[str, str]]:
    if not user.is_authenticated:
        return []
    role = R.ADMIN if user.is_platform_admin else user.role
    items = []
    for item in NAV:
        if role not in item.roles:
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        items.append({"label": str(item.label), "url": url, "name": item.url_name, "group": item.group})
    return items
