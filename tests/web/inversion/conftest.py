"""Fixtures of the inversion tests: the demo province with its calculated 2023 inventories, and a
small synthetic OSSE in which the cement kiln NH-K1 emits 3x what it reported."""

from __future__ import annotations

import pytest

#: Hours of the OSSE: 13 facilities x 4 stations x 8 hours = 416 observations (fast).
OSSE_HOURS = 8
TRUTH_FACTOR = 3.0


@pytest.fixture
def province(demo):
    from dualcarbon_web.inventories.demo import demo_inventories_load

    demo_inventories_load(demo.orgs)
    return demo


@pytest.fixture
def kiln(province):
    from dualcarbon_web.organizations.models import Facility

    return Facility.objects.get(code="NH-K1")


@pytest.fixture
def osse(province, kiln):
    from dualcarbon_web.inversion.services import observation_set_generate_osse

    return observation_set_generate_osse(
        user=province.regulator,
        name="OSSE NH-K1 x3",
        year=2023,
        seed=7,
        factors={kiln.pk: TRUTH_FACTOR},
        hours=OSSE_HOURS,
    )


@pytest.fixture
def osse_run(province, osse):
    from dualcarbon_web.inversion.services import inversion_run_create

    run = inversion_run_create(
        user=province.regulator, name="广东省 2023 OSSE", observation_set=osse, year=2023
    )
    run.refresh_from_db()
    return run
