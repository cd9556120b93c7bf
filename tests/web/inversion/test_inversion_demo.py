"""The demo inversion: one finished synthetic-OSSE run for the province regulator; loading twice adds nothing."""

from __future__ import annotations

from dualcarbon_web.inversion.demo import DEMO_RUN_NAME, demo_inversions_load
from dualcarbon_web.inversion.models import FacilityEstimate, InversionRun, ObservationSet


def test_demo_run_is_finished_flags_the_kiln_and_is_idempotent(province, login):
    first = demo_inversions_load()
    assert first["created"] and first["n_flagged"] == 1
    run = InversionRun.objects.get(pk=first["run_id"])
    assert run.name == DEMO_RUN_NAME and run.finished is not None and run.created_by == province.regulator
    assert run.observation_set.kind == "synthetic"
    assert list(
        FacilityEstimate.objects.filter(run=run, flagged=True).values_list("facility__code", flat=True)
    ) == ["NH-K1"]
    again = demo_inversions_load()
    assert not again["created"] and again["run_id"] == run.pk
    assert InversionRun.objects.count() == 1 and ObservationSet.objects.count() == 1
    assert login(province.regulator).get(f"/inversion/{run.pk}/").status_code == 200


def test_demo_without_the_province_does_nothing(db):
    assert demo_inversions_load() == {
        "created": False,
        "reason": "no province regulator (load the demo province first)",
    }
