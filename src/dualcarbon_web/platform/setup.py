"""Bringing a database up to date: migrations, reference data and (optionally) the demo province.

Idempotent: running it again changes nothing that is already there.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.management import call_command
from django.db import transaction

from dualcarbon_web.platform.choices import RoleChoices
from dualcarbon_web.platform.models import User

__all__ = ("DEMO_PASSWORD", "demo_users_load", "platform_setup", "print_demo_logins")

DEMO_PASSWORD = "dualcarbon-demo-2026"


def platform_setup(*, demo: bool = False, echo: Callable[[str], None] = print) -> list[tuple[str, str, str]]:
    """Migrate, load reference data, and with ``demo`` the demo province. Returns the demo logins."""
    call_command("migrate", interactive=False, verbosity=0)
    from dualcarbon_web.organizations.services import reference_data_load

    counts = reference_data_load()
    echo("reference data: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    if not demo:
        return []
    from dualcarbon_web.organizations.demo import demo_province_load

    orgs = demo_province_load()
    logins = demo_users_load(orgs)
    echo(f"demo province: {len(orgs['enterprises'])} enterprises, {len(logins)} demo users")
    from dualcarbon_web.inventories.demo import demo_inventories_load

    inventories = demo_inventories_load(orgs)
    echo(f"demo inventories: {len(inventories)} calculated")
    from dualcarbon_web.mrv.demo import demo_submissions_load

    submissions = demo_submissions_load(inventories)
    echo(f"demo submissions: {len(submissions)} annual reports anchored in the transparency log")
    from dualcarbon_web.inversion.demo import demo_inversions_load

    inversion = demo_inversions_load()
    if inversion.get("run_id"):
        echo(f"demo inversion: run {inversion['run_id']} (synthetic observations) for the province regulator")
    else:
        echo(f"demo inversion: not created ({inversion.get('reason', 'unknown reason')})")
    from dualcarbon_web.techregistry.demo import demo_techregistry_load

    tech = demo_techregistry_load(orgs)
    echo(f"demo technology registry: {len(tech['achievements'])} example achievements, 1 technology need")
    return logins


def demo_users_load(orgs: dict) -> list[tuple[str, str, str]]:
    """One demo user per role (and one per demo enterprise); returns (username, role, organisation)."""
    wanted: list[tuple[str, str, object, str]] = [
        ("admin", RoleChoices.ADMIN, None, "系统管理员"),
        ("regulator", RoleChoices.REGULATOR, orgs["regulator_province"], "省生态环境厅"),
        ("city_regulator", RoleChoices.REGULATOR, orgs["regulator_city"], "市生态环境局"),
        ("verifier", RoleChoices.VERIFIER, orgs["verifier"], "核查员"),
        ("techowner", RoleChoices.TECHNOLOGY_OWNER, orgs["technology_owner"], "技术经理"),
        ("analyst", RoleChoices.ANALYST, orgs.get("research"), "研究员"),
    ]
    for i, ent in enumerate(orgs["enterprises"], start=1):
        wanted.append((f"enterprise{i}", RoleChoices.ENTERPRISE, ent, "碳排放管理员"))
    out = []
    with transaction.atomic():
        for username, role, org, display in wanted:
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User(username=username, role=role, organization=org, display_name=display)
                user.set_password(DEMO_PASSWORD)
                user.is_staff = role == RoleChoices.ADMIN
                user.is_superuser = role == RoleChoices.ADMIN
                user.save()
            out.append((username, str(RoleChoices(role).label), org.name if org else "—"))
    return out


def print_demo_logins(echo: Callable[[str], None], logins: list[tuple[str, str, str]]) -> None:
    if not logins:
        return
    echo("")
    echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    width = max(len(u) for u, _, _ in logins)
    for username, role, org in logins:
        echo(f"  {username:<{width}}  {role} · {org}")
