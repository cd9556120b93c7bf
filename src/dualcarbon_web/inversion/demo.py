"""Demo inversion: one finished synthetic-OSSE run for the demo province's regulator.

The observations are SIMULATED (an identical-twin observing-system simulation experiment, see
:func:`dualcarbon_web.inversion.services.observation_set_generate_osse`): the cement kiln NH-K1 of
佛山南海水泥 is given a true emission of 3x what its 2023 inventory reports, every other facility
emits what it reported, and stations stand 2 km around every facility for 24 hours of turning wind.
The run flags the kiln and moves its posterior to the truth, which is what the demo shows.

Needs the demo province, its users and the demo inventories
(:func:`dualcarbon_web.inventories.demo.demo_inventories_load`). Idempotent: a second call finds
the demo set and run by name and adds nothing.
"""

from __future__ import annotations

from dualcarbon_web.inversion.models import InversionRun, ObservationSet
from dualcarbon_web.inversion.services import inversion_run_create, observation_set_generate_osse
from dualcarbon_web.organizations.choices import RegionLevelChoices
from dualcarbon_web.organizations.models import Facility
from dualcarbon_web.platform.choices import RoleChoices
from dualcarbon_web.platform.models import User

__all__ = ("DEMO_OSSE_NAME", "DEMO_RUN_NAME", "demo_inversions_load")

DEMO_OSSE_NAME = "模拟观测（OSSE，示例）：南海水泥熟料线真值为报告值 3 倍"
DEMO_RUN_NAME = "2023 年度全省排放反演（模拟观测示例）"
DEMO_YEAR = 2023
DEMO_FACILITY_CODE = "NH-K1"
DEMO_FACTOR = 3.0


def _province_regulator() -> User | None:
    user = User.objects.filter(username="regulator", role=RoleChoices.REGULATOR).first()
    if user is not None and user.jurisdiction is not None:
        return user
    for user in User.objects.filter(role=RoleChoices.REGULATOR, is_active=True).order_by("pk"):
        if user.jurisdiction is not None and user.jurisdiction.level == RegionLevelChoices.PROVINCE:
            return user
    return None


def demo_inversions_load() -> dict:
    """Create (once) the demo OSSE observation set and a finished inversion run; return a summary.

    Returns ``{"created": bool, "run_id", "observation_set_id", "n_flagged", "dofs"}``, or
    ``{"created": False, "reason": ...}`` when the demo province or its inventories are missing.
    """
    user = _province_regulator()
    if user is None:
        return {"created": False, "reason": "no province regulator (load the demo province first)"}
    region = user.jurisdiction
    existing = InversionRun.objects.filter(name=DEMO_RUN_NAME, region=region, finished__isnull=False).first()
    if existing is not None:
        return {
            "created": False,
            "run_id": existing.pk,
            "observation_set_id": existing.observation_set_id,
            "n_flagged": existing.n_flagged,
            "dofs": existing.dofs,
        }
    kiln = Facility.objects.filter(code=DEMO_FACILITY_CODE).first()
    obs_set = ObservationSet.objects.filter(name=DEMO_OSSE_NAME, region=region).first()
    if obs_set is None:
        obs_set = observation_set_generate_osse(
            user=user,
            name=DEMO_OSSE_NAME,
            year=DEMO_YEAR,
            seed=2023,
            factors={kiln.pk: DEMO_FACTOR} if kiln is not None else {},
            hours=24,
        )
    run = inversion_run_create(
        user=user, name=DEMO_RUN_NAME, observation_set=obs_set, year=DEMO_YEAR, run_now=True
    )
    return {
        "created": True,
        "run_id": run.pk,
        "observation_set_id": obs_set.pk,
        "n_flagged": run.n_flagged,
        "dofs": run.dofs,
    }
