"""A regulator's inversion of the demo province from a synthetic OSSE in which one facility (the
cement kiln NH-K1) emits 3x its reported value: the kiln is flagged, its posterior moves to the
truth, the others stay where they were reported; the job reports progress; every write is audited."""

from __future__ import annotations

import numpy as np
import pytest

from dualcarbon.inversion import inventory_check, invert
from dualcarbon_web.inversion import selectors, services
from dualcarbon_web.inversion.models import FacilityEstimate, InversionRun, ObservationSet
from dualcarbon_web.platform.choices import JobStatusChoices
from dualcarbon_web.platform.models import AuditEntry

from .conftest import OSSE_HOURS, TRUTH_FACTOR


def test_prior_comes_from_the_visible_inventories(province, kiln):
    prior = selectors.inversion_prior(
        user=province.regulator, region=province.regulator.jurisdiction, year=2023
    )
    codes = {p.code: p for p in prior.facilities}
    # every Guangdong demo facility (13), never the Hunan one
    assert len(prior) == 13
    assert "XT-EAF" not in codes
    # the cement inventory books the kiln's fuel and process lines to NH-K1; the mill has only electricity
    assert codes["NH-K1"].attribution == "lines"
    assert codes["NH-K1"].emission_t > 1.0e6
    assert codes["NH-M1"].emission_t == 0.0
    # only direct CO2 counts: the sum of the kiln's combustion/process lines in the latest run
    from dualcarbon_web.inventories.models import CalculationLine, Inventory

    inv = Inventory.objects.get(pk=codes["NH-K1"].inventory_id)
    lines = CalculationLine.objects.filter(
        run_id=inv.latest_run_id, facility=kiln, category__in=selectors.DIRECT_CO2_CATEGORIES
    )
    assert codes["NH-K1"].emission_t == pytest.approx(sum(line.tco2e for line in lines))
    # a city regulator's prior covers its city only (广州: the paper mill's two facilities)
    city = selectors.inversion_prior(
        user=province.city_regulator, region=province.city_regulator.jurisdiction, year=2023
    )
    assert sorted(p.code for p in city.facilities) == ["ZJ-PM1", "ZJ-RB"]


def test_synthetic_osse_is_labelled_and_reproducible(province, osse, kiln):
    assert osse.kind == "synthetic"
    assert osse.n_obs == 13 * 4 * OSSE_HOURS
    assert osse.synthetic["seed"] == 7
    assert osse.synthetic["truth_t"][str(kiln.pk)] == pytest.approx(
        TRUTH_FACTOR
        * selectors.inversion_prior(user=province.regulator, region=osse.region, year=2023)
        .facilities[
            [
                p.facility_id
                for p in selectors.inversion_prior(
                    user=province.regulator, region=osse.region, year=2023
                ).facilities
            ].index(kiln.pk)
        ]
        .emission_t
    )
    again = services.observation_set_generate_osse(
        user=province.regulator,
        name="again",
        year=2023,
        seed=7,
        factors={kiln.pk: TRUTH_FACTOR},
        hours=OSSE_HOURS,
    )
    assert again.data["value"] == osse.data["value"]  # same seed, same observations


def test_kiln_is_flagged_and_the_posterior_moves_to_the_truth(province, osse_run, kiln):
    run = osse_run
    assert run.finished is not None and run.status == JobStatusChoices.SUCCEEDED
    assert run.job.status == JobStatusChoices.SUCCEEDED
    assert run.job.progress_done == run.job.progress_total == run.n_obs + 3
    assert run.n_state == 13 and run.n_obs == 13 * 4 * OSSE_HOURS

    est = {e.facility.code: e for e in FacilityEstimate.objects.filter(run=run).select_related("facility")}
    k = est["NH-K1"]
    assert k.flagged
    assert k.truth_t == pytest.approx(TRUTH_FACTOR * k.prior_t)
    # prior mode z = (x_hat - x_a) / sqrt(S_a - S_post): with the kiln fully observed (A_ii ~ 1) this is
    # (3 - 1) x_a / (0.5 x_a) = 4
    assert k.sensitivity == pytest.approx(1.0, abs=1e-3)
    assert k.z == pytest.approx(4.0, abs=0.05)
    # the posterior moves from the report to the truth, within 1 % and 3 posterior sigmas
    assert abs(k.posterior_t - k.truth_t) < 0.01 * k.truth_t
    assert abs(k.posterior_t - k.truth_t) < 3 * k.posterior_sd_t
    assert k.posterior_sd_t < 0.05 * k.prior_sd_t
    # it is the only one flagged; the others stay at their (true) reported values
    assert [c for c, e in est.items() if e.flagged] == ["NH-K1"]
    assert run.n_flagged == 1
    for code, e in est.items():
        assert e.truth_t is not None
        if code != "NH-K1":
            assert e.truth_t == e.prior_t
            assert abs(e.posterior_t - e.truth_t) < 3.5 * e.posterior_sd_t, code
    # region totals: the prior misses 2 x the kiln's report; the posterior recovers it
    truth_total = sum(e.truth_t for e in est.values())
    assert run.prior_total_t == pytest.approx(sum(e.prior_t for e in est.values()))
    assert truth_total - run.prior_total_t == pytest.approx(2 * k.prior_t)
    assert abs(run.posterior_total_t - truth_total) < 3 * run.posterior_total_sd_t
    assert run.posterior_total_sd_t < run.prior_total_sd_t
    # the region's z uses the same statistic on W = (1 ... 1): W(S_a - S_post)W^T = sd_prior^2 - sd_post^2;
    # one facility's 3x is within the region's prior uncertainty (0.5 per facility), so it is not flagged
    expected = (run.posterior_total_t - run.prior_total_t) / np.sqrt(
        run.prior_total_sd_t**2 - run.posterior_total_sd_t**2
    )
    assert run.region_z == pytest.approx(expected, rel=1e-6)
    assert 0 < run.region_z < 3
    assert 0 < run.dofs <= run.n_state


def test_results_agree_with_an_independent_solve(province, osse_run):
    """The stored posterior equals a direct solve of the same problem with the core (dense K)."""
    run = osse_run
    obs_set = ObservationSet.objects.get(pk=run.observation_set_id)
    obs = services.observations_from_json(obs_set.data, obs_set.unit)
    met = services.meteorology_from_json(obs_set.met)
    est = list(FacilityEstimate.objects.filter(run=run).order_by("index"))
    k = services.jacobian_for(
        obs=obs,
        met=met,
        lon=np.array([e.lon for e in est]),
        lat=np.array([e.lat for e in est]),
        stack_height_m=run.stack_height_m,
        receptor_height_m=run.receptor_height_m,
        terrain=run.terrain,
        gas="CO2",
    ).to_array()
    xa = np.array([e.prior_t for e in est])
    sd = np.maximum(run.prior_relative_sd * np.abs(xa), run.prior_sd_floor_t)
    res = invert(k, obs.value - obs.background, xa, sd**2, obs.uncertainty**2, form="observation")
    np.testing.assert_allclose([e.posterior_t for e in est], res.posterior_mean, rtol=1e-6, atol=1e-3)
    np.testing.assert_allclose([e.posterior_sd_t for e in est], res.posterior_sd, rtol=1e-6)
    assert run.dofs == pytest.approx(res.dofs, rel=1e-8)
    check = inventory_check(res, threshold=run.z_threshold)
    np.testing.assert_allclose([e.z for e in est], check.z, rtol=1e-6, atol=1e-9)


def test_every_write_is_audited(province, osse_run):
    run = osse_run
    entries = AuditEntry.objects.filter(user=province.regulator)
    sets = entries.filter(object_type="inversion.observationset", action="create")
    assert sets.count() == 1 and "synthetic" in sets.get().after
    runs = entries.filter(object_type="inversion.inversionrun", object_id=str(run.pk))
    assert sorted(runs.values_list("action", flat=True)) == ["create", "update"]
    assert runs.get(action="update").after["n_flagged"] == 1
    assert entries.filter(action="job", object_id=str(run.job_id)).exists()


def test_run_without_a_prior_is_refused_and_stores_nothing(province, osse):
    from dualcarbon_web.platform.errors import ValidationFailed

    before = (InversionRun.objects.count(), AuditEntry.objects.count())
    with pytest.raises(ValidationFailed) as exc:
        services.inversion_run_create(user=province.regulator, name="2019", observation_set=osse, year=2019)
    assert "year" in exc.value.extra["fields"]
    with pytest.raises(ValidationFailed) as exc:
        services.inversion_run_create(
            user=province.regulator, name="x", observation_set=osse, year=2023, settings={"gamma": -1}
        )
    assert "gamma" in exc.value.extra["fields"]
    assert (InversionRun.objects.count(), AuditEntry.objects.count()) == before
