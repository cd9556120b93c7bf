"""Reference data and the demo province load idempotently and validly."""

from __future__ import annotations

from dualcarbon.registry.uscc import uscc_is_valid
from dualcarbon_web.organizations.demo import demo_province_load
from dualcarbon_web.organizations.models import Facility, Industry, Organization, Park, Region
from dualcarbon_web.organizations.services import reference_data_load


def test_reference_data_is_idempotent(db) -> None:
    first = reference_data_load()
    assert first == {"regions": 367, "industries": Industry.objects.count()}
    assert Region.objects.get(code="440800").parent.code == "440000"
    assert Industry.objects.get(code="4411").parent.code == "441"
    assert Industry.objects.get(code="44").parent.code == "D"
    Region.objects.filter(code="440800").update(name="wrong")
    assert reference_data_load() == first
    assert Region.objects.get(code="440800").name == "湛江市"


def test_demo_province_shape(demo) -> None:
    orgs = demo.orgs
    assert orgs["regulator_province"].jurisdiction.code == "440000"
    assert orgs["regulator_city"].jurisdiction.code == "440100"
    enterprises = orgs["enterprises"]
    assert len(enterprises) >= 7
    assert all(e.region.code.startswith("44") for e in enterprises[:-1])
    assert enterprises[-1].region.code.startswith("43")
    assert {e.industry.code for e in enterprises} >= {"4411", "3011", "3120", "3216", "2614", "2221"}
    assert any(e.region.code == "440100" for e in enterprises)
    park_members = Organization.objects.filter(park=orgs["parks"][0]).count()
    assert park_members >= 2
    for org in Organization.objects.all():
        assert uscc_is_valid(org.uscc), org.uscc
        assert "示例" in org.name
    for e in enterprises:
        n = Facility.objects.filter(organization=e).count()
        assert 1 <= n <= 3
        assert not Facility.objects.filter(organization=e, latitude__isnull=True).exists()


def test_demo_province_is_idempotent(demo) -> None:
    counts = (Organization.objects.count(), Facility.objects.count(), Park.objects.count())
    again = demo_province_load()
    assert (Organization.objects.count(), Facility.objects.count(), Park.objects.count()) == counts
    assert [o.pk for o in again["enterprises"]] == [o.pk for o in demo.orgs["enterprises"]]
