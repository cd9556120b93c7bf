"""The low-carbon technology achievement registry's core (成果转化): TRL scale, domain and CPC
vocabularies, and the need ↔ achievement matching score. Pure Python; the web layer stores records."""

from dualcarbon.techregistry.matching import (
    WEIGHTS,
    AchievementProfile,
    MatchScore,
    NeedProfile,
    idf_table,
    match_score,
    text_cosine,
    text_terms,
)
from dualcarbon.techregistry.taxonomy import DOMAINS, Domain, cpc_codes, cpc_normalize, domain_check
from dualcarbon.techregistry.trl import TRL_LEVELS, TRL_MAX, TRL_MIN, trl_check

__all__ = (
    "DOMAINS",
    "TRL_LEVELS",
    "TRL_MAX",
    "TRL_MIN",
    "WEIGHTS",
    "AchievementProfile",
    "Domain",
    "MatchScore",
    "NeedProfile",
    "cpc_codes",
    "cpc_normalize",
    "domain_check",
    "idf_table",
    "match_score",
    "text_cosine",
    "text_terms",
    "trl_check",
)
