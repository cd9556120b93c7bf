"""Technology readiness levels (技术就绪水平), the 1-9 scale.

Source: European Commission, Horizon 2020 Work Programme 2014-2015, General Annex G "Technology
readiness levels (TRL)" (Commission Decision C(2014)4995), as quoted in the research note
``registry.md`` section 7 ([V]). The English texts below are Annex G's; the Chinese texts are
dualcarbon's own renderings, not quotations of a Chinese standard (GB/T 22900-2009 Appendix A had
a TRL scale, but its wording was not checked, and whether GB/T 22900-2022 keeps one is unknown).

The IEA's 1-11 scale shares levels 1-8 roughly; EU 9 corresponds to IEA 9-11 (note section 7). Only
the 1-9 scale is stored here.
"""

from __future__ import annotations

from dataclasses import dataclass

from dualcarbon.errors import InputError

__all__ = ("TRL_LEVELS", "TRL_MAX", "TRL_MIN", "TrlLevel", "trl_check")

TRL_MIN = 1
TRL_MAX = 9


@dataclass(frozen=True)
class TrlLevel:
    level: int
    name_en: str
    name_zh: str


TRL_LEVELS: dict[int, TrlLevel] = {
    lv.level: lv
    for lv in (
        TrlLevel(1, "Basic principles observed", "观察到基本原理"),
        TrlLevel(2, "Technology concept formulated", "形成技术概念"),
        TrlLevel(3, "Experimental proof of concept", "概念的实验验证"),
        TrlLevel(4, "Technology validated in lab", "实验室环境验证"),
        TrlLevel(5, "Technology validated in relevant environment", "相关环境验证"),
        TrlLevel(6, "Technology demonstrated in relevant environment", "相关环境示范"),
        TrlLevel(7, "System prototype demonstration in operational environment", "运行环境中的系统原型示范"),
        TrlLevel(8, "System complete and qualified", "系统完成并通过鉴定"),
        TrlLevel(9, "Actual system proven in operational environment", "实际系统在运行环境中得到验证"),
    )
}


def trl_check(value, *, field: str = "trl") -> int:
    """``value`` as a TRL integer 1-9, or :class:`InputError` naming ``field``."""
    if isinstance(value, bool):
        raise InputError(f"{value!r} is not a technology readiness level (1-9)", column=field)
    try:
        level = int(value)
    except (TypeError, ValueError):
        raise InputError(f"{value!r} is not a technology readiness level (1-9)", column=field) from None
    if level != value and not isinstance(value, str):
        raise InputError(f"{value!r} is not a whole number", column=field)
    if not TRL_MIN <= level <= TRL_MAX:
        raise InputError(f"{level} is outside the scale 1-9", column=field)
    return level
