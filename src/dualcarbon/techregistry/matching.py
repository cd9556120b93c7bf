"""Deterministic matching score between a technology need and a technology achievement.

The score is the weighted mean of the criteria the need states (a criterion the need leaves blank
does not count, in the numerator or the denominator)::

    score = Σ_{c ∈ C(need)} w_c · s_c  /  Σ_{c ∈ C(need)} w_c        (0 ≤ score ≤ 1)

with the criteria and weights

=========  ======  ==========================================================================
criterion  weight  part s_c (each in [0, 1])
=========  ======  ==========================================================================
domain     0.25    1 if the achievement's domain equals the need's, else 0
industry   0.25    1 if any achievement industry code and the need's GB/T 4754 code are on one
                   branch of the classification (one is a prefix of the other), else 0
trl        0.15    1 if achievement TRL ≥ the need's minimum TRL, else 0
cpc        0.10    Jaccard index |A ∩ B| / |A ∪ B| of the CPC subclasses (Y02E, ...)
text       0.25    cosine similarity of TF-IDF vectors of character bigrams (always counted)
=========  ======  ==========================================================================

Sources: the criteria follow the research note ``registry.md`` §11.2 (a need's sector, taxonomy
nodes and ``min_trl`` "used to filter matches") and §1.2 (WIPO GREEN's search with a long need
description as the query). The weights are dualcarbon's choice, not taken from a source. Text
similarity: character n-grams need no word segmentation for Chinese (note §6: bigrams match the
two-character words 储能, 光伏, 氢能 that trigram indexes miss); TF-IDF with smoothed IDF
``idf(t) = ln((1 + N) / (1 + df(t))) + 1`` (as scikit-learn's ``TfidfVectorizer(smooth_idf=True)``)
over the documents passed as ``corpus``, and cosine similarity (Salton & Buckley 1988,
"Term-weighting approaches in automatic text retrieval"). Without a corpus every IDF is 1.

Properties (tests/core/techregistry): the domain, industry, CPC and text parts are symmetric in
their two arguments; the score is in [0, 1]; adding a criterion the achievement meets (part 1)
never lowers the score, since (S + w) / (W + w) ≥ S / W whenever S ≤ W.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

__all__ = (
    "WEIGHTS",
    "AchievementProfile",
    "MatchScore",
    "NeedProfile",
    "cpc_part",
    "idf_table",
    "industry_part",
    "match_score",
    "text_cosine",
    "text_terms",
)

WEIGHTS: dict[str, float] = {"domain": 0.25, "industry": 0.25, "trl": 0.15, "cpc": 0.10, "text": 0.25}


@dataclass(frozen=True)
class NeedProfile:
    text: str
    domain: str | None = None
    industry_code: str | None = None
    min_trl: int | None = None
    cpc_codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class AchievementProfile:
    text: str
    domain: str | None = None
    industry_codes: tuple[str, ...] = ()
    trl: int | None = None
    cpc_codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class MatchScore:
    score: float
    parts: dict[str, float] = field(default_factory=dict)  # criterion → part value in [0, 1]

    def weighted(self) -> list[tuple[str, float, float]]:
        """(criterion, part, weight) in the order of :data:`WEIGHTS`."""
        return [(c, self.parts[c], WEIGHTS[c]) for c in WEIGHTS if c in self.parts]


_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[a-z0-9]+(?:[.\-][a-z0-9]+)*")


def text_terms(text: str) -> Counter[str]:
    """Terms of ``text``: the character bigrams of each run of CJK characters (a one-character
    run gives itself), and lower-cased Latin/digit words, after NFKC (full-width → half-width)."""
    norm = unicodedata.normalize("NFKC", text or "").lower()
    terms: Counter[str] = Counter()
    for run in _CJK.findall(norm):
        if len(run) == 1:
            terms[run] += 1
        else:
            terms.update(run[i : i + 2] for i in range(len(run) - 1))
    terms.update(_WORD.findall(_CJK.sub(" ", norm)))
    return terms


def idf_table(corpus: Iterable[str]) -> tuple[dict[str, float], int]:
    """Document frequencies → smoothed IDF per term, and N (module docstring)."""
    docs = [set(text_terms(t)) for t in corpus]
    df: Counter[str] = Counter()
    for d in docs:
        df.update(d)
    n = len(docs)
    return {t: math.log((1 + n) / (1 + c)) + 1.0 for t, c in df.items()}, n


def text_cosine(a: str, b: str, idf: tuple[dict[str, float], int] | None = None) -> float:
    """Cosine of the TF-IDF bigram vectors of ``a`` and ``b`` (0 when either has no terms)."""
    ta, tb = text_terms(a), text_terms(b)
    if not ta or not tb:
        return 0.0
    table, n = idf or ({}, 0)
    default = math.log(1 + n) + 1.0 if idf else 1.0  # a term in no corpus document: df = 0

    def weight(term: str, tf: int) -> float:
        return tf * table.get(term, default)

    va = {t: weight(t, c) for t, c in ta.items()}
    vb = {t: weight(t, c) for t, c in tb.items()}
    dot = math.fsum(va[t] * vb[t] for t in va.keys() & vb.keys())
    na = math.sqrt(math.fsum(v * v for v in va.values()))
    nb = math.sqrt(math.fsum(v * v for v in vb.values()))
    return min(1.0, max(0.0, dot / (na * nb)))


def industry_part(a: Sequence[str], b: Sequence[str]) -> float:
    """1 when some code of ``a`` and some code of ``b`` lie on one GB/T 4754 branch."""
    return 1.0 if any(x.startswith(y) or y.startswith(x) for x in a for y in b if x and y) else 0.0


def cpc_part(a: Sequence[str], b: Sequence[str]) -> float:
    """Jaccard index of the CPC subclasses (first four characters) of ``a`` and ``b``."""
    sa, sb = {c[:4].upper() for c in a if c}, {c[:4].upper() for c in b if c}
    union = sa | sb
    return len(sa & sb) / len(union) if union else 0.0


def match_score(
    need: NeedProfile, achievement: AchievementProfile, idf: tuple[dict[str, float], int] | None = None
) -> MatchScore:
    """The score of ``achievement`` for ``need`` with its parts (module docstring)."""
    parts: dict[str, float] = {}
    if need.domain:
        parts["domain"] = 1.0 if achievement.domain == need.domain else 0.0
    if need.industry_code:
        parts["industry"] = industry_part([need.industry_code], achievement.industry_codes)
    if need.min_trl is not None:
        parts["trl"] = 1.0 if achievement.trl is not None and achievement.trl >= need.min_trl else 0.0
    if need.cpc_codes:
        parts["cpc"] = cpc_part(need.cpc_codes, achievement.cpc_codes)
    parts["text"] = text_cosine(need.text, achievement.text, idf)
    total_w = math.fsum(WEIGHTS[c] for c in parts)
    score = math.fsum(WEIGHTS[c] * v for c, v in parts.items()) / total_w
    return MatchScore(score=min(1.0, max(0.0, score)), parts=parts)
