"""Names that exist in Chinese and English (regions, industries, organisations, parks): the one for
the active language.

Reference classifications carry both names (GB/T 2260 ``name``/``name_en``, GB/T 4754-2017
``name``/``name_en``), and so do registered organisations and industrial parks (``display_name``). Pages, charts and exports show the English name when the user chose English
and fall back to the Chinese name where no English one is recorded. The choice reads Django's
active language, which :class:`~dualcarbon_web.platform.middleware.LanguageMiddleware` sets per
request (简体中文 unless the user switched).
"""

from __future__ import annotations

from django.utils import translation

__all__ = ("chinese_active", "localized_name")


def chinese_active() -> bool:
    """Whether the active language is Chinese (the default when none is active)."""
    return (translation.get_language() or "zh-hans").lower().startswith("zh")


def localized_name(name: str | None, name_en: str | None) -> str:
    """``name_en`` when a non-Chinese language is active and it is not blank, else ``name``."""
    if name_en and not chinese_active():
        return name_en
    return name or ""
