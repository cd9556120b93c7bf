"""Values of the technology registry core: TRL scale, vocabularies, and the matching score."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dualcarbon.errors import InputError
from dualcarbon.techregistry import (
    DOMAINS,
    TRL_LEVELS,
    WEIGHTS,
    AchievementProfile,
    NeedProfile,
    cpc_codes,
    cpc_normalize,
    domain_check,
    idf_table,
    match_score,
    text_cosine,
    text_terms,
    trl_check,
)
from dualcarbon.techregistry.matching import cpc_part, industry_part


def test_trl_scale_is_annex_g_1_to_9():
    assert sorted(TRL_LEVELS) == list(range(1, 10))
    assert TRL_LEVELS[4].name_en == "Technology validated in lab"
    assert TRL_LEVELS[9].name_en == "Actual system proven in operational environment"
    assert trl_check("7") == 7


@pytest.mark.parametrize("bad", [0, 10, "x", None, 6.5, True])
def test_trl_check_refuses_and_names_the_field(bad):
    with pytest.raises(InputError) as exc:
        trl_check(bad, field="min_trl")
    assert exc.value.column == "min_trl"


def test_domains_are_the_fifth_batch_categories_summing_to_103():
    assert len(DOMAINS) == 8
    assert sum(d.batch5_items for d in DOMAINS.values()) == 103
    assert DOMAINS["carbon_sink"].name_zh == "储碳固碳"
    with pytest.raises(InputError):
        domain_check("space")


def test_cpc_table_and_normalisation():
    table = cpc_codes()
    assert {c for c, v in table.items() if v.level == "subclass"} == {
        "Y02A", "Y02B", "Y02C", "Y02D", "Y02E", "Y02P", "Y02T", "Y02W", "Y04S",
    }  # fmt: skip
    assert all(v.certainty == "verified" for v in table.values() if v.level == "subclass")
    assert all(v.certainty == "unverified" for v in table.values() if v.level == "main_group")
    assert cpc_normalize(" y02e  10/50 ") == "Y02E 10/50"
    assert cpc_normalize("Y02P 10/") == "Y02P 10/"
    assert cpc_normalize("y04s") == "Y04S"
    for bad in ("Y02X", "H01M", "Y02E10/5", "", "Y03A", "Y02E/50"):
        with pytest.raises(InputError):
            cpc_normalize(bad)


def test_text_terms_bigrams_and_words():
    assert text_terms("储能") == {"储能": 1}
    assert text_terms("ＣＣＵＳ 氢") == {"ccus": 1, "氢": 1}  # full-width folded by NFKC
    assert set(text_terms("氢冶金")) == {"氢冶", "冶金"}


def test_text_cosine_hand_computed():
    # 钢铁 氢冶金 → {钢铁, 氢冶, 冶金}; 氢冶金技术 → {氢冶, 冶金, 金技, 技术}: 2 / (√3 · 2)
    assert text_cosine("钢铁 氢冶金", "氢冶金技术") == pytest.approx(2 / (math.sqrt(3) * 2))
    assert text_cosine("储能", "光伏") == 0.0
    assert text_cosine("", "光伏") == 0.0
    # with IDF over a corpus: N=2; 冶金 in both (idf = ln(3/3)+1 = 1), 钢铁 in one (ln(3/2)+1)
    idf = idf_table(["钢铁冶金", "有色冶金"])
    w = math.log(3 / 2) + 1
    assert idf[0]["冶金"] == pytest.approx(1.0)
    assert idf[0]["钢铁"] == pytest.approx(w)
    # 钢铁冶金 → {钢铁: w, 铁冶: w, 冶金: 1}; 冶金 → {冶金: 1}
    assert text_cosine("钢铁冶金", "冶金", idf) == pytest.approx(1 / math.sqrt(2 * w * w + 1))


def test_match_score_hand_built():
    need = NeedProfile("钢铁 氢冶金", domain="industry", industry_code="3110", min_trl=6)
    ach = AchievementProfile("氢冶金技术", "industry", ("31",), 7, ("Y02P",))
    m = match_score(need, ach)
    text = 1 / math.sqrt(3)
    assert m.parts == {"domain": 1.0, "industry": 1.0, "trl": 1.0, "text": pytest.approx(text)}
    assert m.score == pytest.approx((0.25 + 0.25 + 0.15 + 0.25 * text) / 0.9)
    # below the minimum TRL, other domain, other industry branch
    low = match_score(need, AchievementProfile("氢冶金技术", "energy", ("44",), 5))
    assert low.parts["trl"] == low.parts["domain"] == low.parts["industry"] == 0.0
    assert low.score == pytest.approx(0.25 * text / 0.9)
    # CPC: Jaccard of subclasses {Y02P} vs {Y02P, Y02E} = 1/2
    m2 = match_score(
        NeedProfile("x", cpc_codes=("Y02P 10/",)), AchievementProfile("y", cpc_codes=("Y02P", "Y02E"))
    )
    assert m2.parts == {"cpc": 0.5, "text": 0.0}
    assert m2.score == pytest.approx(0.10 * 0.5 / 0.35)
    assert [c for c, _p, _w in m.weighted()] == ["domain", "industry", "trl", "text"]


def test_industry_part_branches():
    assert industry_part(["3110"], ["31"]) == 1.0
    assert industry_part(["31"], ["3110"]) == 1.0
    assert industry_part(["3011"], ["31"]) == 0.0
    assert industry_part(["3011"], []) == 0.0


texts = st.text(alphabet="储能光伏风电氢冶金钢铁水泥碳捕集利用封存abcCCUS 0123", max_size=30)
codes = st.lists(st.sampled_from(["Y02E", "Y02P", "Y02C", "Y04S", "Y02T"]), max_size=3)
inds = st.lists(st.sampled_from(["31", "3110", "3011", "44", "4411", "26"]), max_size=3)


@given(texts, texts, codes, codes, inds, inds)
def test_symmetric_parts_are_symmetric(a, b, ca, cb, ia, ib):
    assert text_cosine(a, b) == pytest.approx(text_cosine(b, a))
    assert cpc_part(ca, cb) == cpc_part(cb, ca)
    assert industry_part(ia, ib) == industry_part(ib, ia)


needs = st.builds(
    NeedProfile,
    text=texts,
    domain=st.none() | st.sampled_from(sorted(DOMAINS)),
    industry_code=st.none() | st.sampled_from(["31", "3110", "44"]),
    min_trl=st.none() | st.integers(1, 9),
    cpc_codes=codes.map(tuple),
)
achievements = st.builds(
    AchievementProfile,
    text=texts,
    domain=st.none() | st.sampled_from(sorted(DOMAINS)),
    industry_codes=inds.map(tuple),
    trl=st.none() | st.integers(1, 9),
    cpc_codes=codes.map(tuple),
)


@given(needs, achievements)
def test_score_in_unit_interval_and_parts_weighted(need, ach):
    m = match_score(need, ach)
    assert 0.0 <= m.score <= 1.0
    assert all(0.0 <= v <= 1.0 for v in m.parts.values())
    assert set(m.parts) <= set(WEIGHTS)


@given(needs, achievements)
def test_adding_a_met_criterion_never_lowers_the_score(need, ach):
    base = match_score(need, ach).score
    if need.domain is None and ach.domain is not None:
        more = NeedProfile(need.text, ach.domain, need.industry_code, need.min_trl, need.cpc_codes)
        assert match_score(more, ach).score >= base - 1e-12
    if need.min_trl is None and ach.trl is not None:
        more = NeedProfile(need.text, need.domain, need.industry_code, ach.trl, need.cpc_codes)
        assert match_score(more, ach).score >= base - 1e-12
    if need.industry_code is None and ach.industry_codes:
        more = NeedProfile(need.text, need.domain, ach.industry_codes[0], need.min_trl, need.cpc_codes)
        assert match_score(more, ach).score >= base - 1e-12
