"""Reads of the inventories app, each filtered to what the user may see.

Who sees which inventory (the same rule serves the pages and the API):

* administrators: every inventory;
* an enterprise member: the inventories of its own organisation, never another enterprise's;
* a regulator: inventories of facilities it may see (located in its jurisdiction, see
  :func:`dualcarbon_web.organizations.selectors.facility_q`) and enterprise-wide inventories of
  organisations registered in its jurisdiction;
* a verifier: read-only, the inventories of enterprises registered in the province of its own
  verification body (verifiers are accredited and engaged province by province). This is the rule
  until verification assignments exist (MRV), which will narrow it to assigned enterprises;
* technology owners and analysts: none.

Absent and invisible answer the same :class:`NotFound`, so existence is never revealed.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from dualcarbon_web.inventories.models import (
    ActivityLine,
    CalculationLine,
    CalculationRun,
    Inventory,
    MonteCarloAnalysis,
)
from dualcarbon_web.organizations.choices import OrganizationKindChoices
from dualcarbon_web.organizations.selectors import facility_q, industry_filter_q, region_code_prefix_of
from dualcarbon_web.platform.choices import RoleChoices
from dualcarbon_web.platform.errors import NotFound, ValidationFailed
from dualcarbon_web.platform.visibility import jurisdiction_prefix

__all__ = (
    "INVENTORY_ROLES",
    "activity_line_get",
    "activity_line_list",
    "inventory_get",
    "inventory_list",
    "inventory_q",
    "monte_carlo_get",
    "monte_carlo_jobs",
    "monte_carlo_list",
    "run_get",
    "run_line_list",
    "run_list",
    "user_may_read_inventories",
)

#: Roles that use the accounting pages at all (the others get 403 there).
INVENTORY_ROLES = (RoleChoices.ENTERPRISE, RoleChoices.REGULATOR, RoleChoices.VERIFIER, RoleChoices.ADMIN)


def user_may_read_inventories(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and (
        user.is_platform_admin or user.role in INVENTORY_ROLES
    )


def inventory_q(user) -> Q:
    """A filter on :class:`Inventory` that keeps only what ``user`` may see (module docstring)."""
    nothing = Q(pk__in=[])
    if not getattr(user, "is_authenticated", False):
        return nothing
    if user.is_platform_admin:
        return Q()
    if user.role == RoleChoices.ENTERPRISE:
        return Q(organization_id=user.organization_id) if user.organization_id else nothing
    if user.role == RoleChoices.REGULATOR:
        prefix = jurisdiction_prefix(user)
        if not prefix:
            return nothing
        # joins rather than ``facility IN (every visible facility)``: lists of a few inventories stay
        # cheap however many facilities the jurisdiction holds
        return (Q(facility__isnull=False) & facility_q(user, "facility__")) | Q(
            facility__isnull=True, organization__region__code__startswith=prefix
        )
    if user.role == RoleChoices.VERIFIER:
        org = user.organization
        if org is None or org.kind != OrganizationKindChoices.VERIFICATION_BODY:
            return nothing
        return Q(
            organization__kind=OrganizationKindChoices.ENTERPRISE,
            organization__region__code__startswith=org.region.code[:2],
        )
    return nothing


def inventory_list(
    *,
    user,
    q: str = "",
    year: int | None = None,
    status: str = "",
    organization: int | None = None,
    facility: int | None = None,
    region: str = "",
    industry: str = "",
) -> QuerySet[Inventory]:
    """Inventories ``user`` may see, searched by name/enterprise/facility and filtered.

    Every related row the list pages show is selected up front, so a page of any length runs the
    same number of queries.
    """
    qs = Inventory.objects.filter(inventory_q(user)).select_related(
        "organization",
        "organization__region",
        "facility",
        "facility__region",
        "facility__industry",
        "latest_run",
    )
    if q.strip():
        text = q.strip()
        qs = qs.filter(
            Q(name__icontains=text)
            | Q(organization__name__icontains=text)
            | Q(facility__name__icontains=text)
            | Q(facility__code__icontains=text)
        )
    if year:
        qs = qs.filter(year=year)
    if status:
        qs = qs.filter(status=status)
    if organization:
        qs = qs.filter(organization_id=organization)
    if facility:
        qs = qs.filter(facility_id=facility)
    if region:
        prefix = region_code_prefix_of(region)
        qs = qs.filter(
            Q(facility__region__code__startswith=prefix)
            | Q(facility__isnull=True, organization__region__code__startswith=prefix)
        )
    if industry:
        qs = qs.filter(
            industry_filter_q(industry, path="facility__industry__")
            | (Q(facility__isnull=True) & industry_filter_q(industry, path="organization__industry__"))
        )
    return qs.order_by("-year", "organization__name", "facility__name", "pk")


def inventory_get(*, user, inventory_id) -> Inventory:
    """One inventory ``user`` may see; :class:`NotFound` otherwise (never says whether it exists)."""
    try:
        pk = int(inventory_id)
    except (TypeError, ValueError):
        raise NotFound(f"No inventory {inventory_id!r} that you may see.") from None
    inventory = inventory_list(user=user).filter(pk=pk).first()
    if inventory is None:
        raise NotFound(f"No inventory {inventory_id} that you may see.")
    return inventory


def activity_line_list(*, inventory: Inventory, category: str = "") -> QuerySet[ActivityLine]:
    qs = ActivityLine.objects.filter(inventory=inventory)
    if category:
        qs = qs.filter(category=category)
    return qs.order_by("position")


def activity_line_get(*, inventory: Inventory, line_id) -> ActivityLine:
    line = ActivityLine.objects.filter(inventory=inventory, pk=line_id).first()
    if line is None:
        raise NotFound(f"No line {line_id} in inventory {inventory.pk}.")
    return line


def run_list(*, inventory: Inventory) -> QuerySet[CalculationRun]:
    return (
        CalculationRun.objects.filter(inventory=inventory)
        .select_related("ran_by")
        .defer("record", "keys", "factors")
        .order_by("-number")
    )


def run_get(*, user, run_id, with_record: bool = False) -> CalculationRun:
    """One calculation run of an inventory ``user`` may see."""
    qs = CalculationRun.objects.filter(
        inventory__in=Inventory.objects.filter(inventory_q(user))
    ).select_related(
        "inventory",
        "inventory__organization",
        "inventory__organization__region",
        "inventory__facility",
        "inventory__latest_run",
        "ran_by",
    )
    if not with_record:
        qs = qs.defer("record")
    try:
        run = qs.filter(pk=int(run_id)).first()
    except (TypeError, ValueError):
        run = None
    if run is None:
        raise NotFound(f"No calculation run {run_id} that you may see.")
    return run


def run_line_list(*, run: CalculationRun, category: str = "", scope: str = "") -> QuerySet[CalculationLine]:
    qs = CalculationLine.objects.filter(run=run)
    if category:
        qs = qs.filter(category=category)
    if scope:
        if scope not in ("scope1", "scope2"):
            raise ValidationFailed(
                f"unknown scope {scope!r}", extra={"fields": {"scope": ["one of scope1, scope2"]}}
            )
        qs = qs.filter(scope=scope)
    return qs.order_by("row")


def monte_carlo_list(*, run: CalculationRun) -> QuerySet[MonteCarloAnalysis]:
    """The Monte Carlo analyses of a run the caller may see (fetch ``run`` with :func:`run_get`)."""
    return MonteCarloAnalysis.objects.filter(run=run).select_related("requested_by").order_by("-number")


def monte_carlo_get(*, run: CalculationRun, analysis_id) -> MonteCarloAnalysis:
    try:
        analysis = monte_carlo_list(run=run).filter(pk=int(analysis_id)).first()
    except (TypeError, ValueError):
        analysis = None
    if analysis is None:
        raise NotFound(f"No Monte Carlo analysis {analysis_id} of run {run.pk}.")
    return analysis


def monte_carlo_jobs(*, run: CalculationRun, after=None, limit: int = 5) -> list:
    """Monte Carlo jobs of ``run`` that stored no analysis: queued or running, and those that failed
    after ``after`` (the newest analysis), newest first. The run page shows them, with their
    progress, to whoever may see the run."""
    from dualcarbon_web.inventories.jobs import MONTE_CARLO_JOB_KIND
    from dualcarbon_web.platform.choices import JobStatusChoices
    from dualcarbon_web.platform.models import Job

    pending = Q(status__in=(JobStatusChoices.QUEUED, JobStatusChoices.RUNNING))
    failed = Q(status=JobStatusChoices.FAILED)
    if after is not None:
        failed &= Q(created__gt=after)
    return list(
        Job.objects.filter(Q(kind=MONTE_CARLO_JOB_KIND, params__run_id=run.pk) & (pending | failed)).order_by(
            "-created"
        )[:limit]
    )
