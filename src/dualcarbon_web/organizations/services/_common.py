"""Helpers shared by the registry's services: field-error collection, role tests, lookups of
reference rows."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from dualcarbon.registry.errors import InvalidIndustryCode, InvalidRegionCode
from dualcarbon.registry.gb2260 import region_code_check
from dualcarbon.registry.gb4754 import industry_code_check
from dualcarbon_web.organizations.models import Industry, Park, Region
from dualcarbon_web.platform.choices import RoleChoices
from dualcarbon_web.platform.visibility import jurisdiction_prefix

__all__ = ("Errors",)

Errors = dict[str, list[str]]


# --------------------------------------------------------------------------- helpers


def _add(errors: Errors, name: str, message: str) -> None:
    errors.setdefault(name, []).append(message)


def _reject_control_characters(data: dict[str, Any], errors: Errors) -> None:
    """Text with NUL or other control characters (except tab and newlines) is refused field by field."""
    for name, value in data.items():
        if isinstance(value, str) and any(ord(c) < 32 and c not in "\t\r\n" for c in value):
            _add(errors, name, "contains a control character; remove it")


def _is_admin(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_platform_admin)


def _is_regulator(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.role == RoleChoices.REGULATOR)


def _in_jurisdiction(user, region: Region | None) -> bool:
    prefix = jurisdiction_prefix(user)
    return bool(prefix and region is not None and region.code.startswith(prefix))


class _Lookups:
    """Regions, industries and parks by code/id, loaded once for a whole import (a few queries)."""

    def __init__(self) -> None:
        self._regions: dict[str, Region] | None = None
        self._industries: dict[str, Industry] | None = None
        self._parks: dict[str, Park] | None = None

    @property
    def regions(self) -> dict[str, Region]:
        if self._regions is None:
            self._regions = {r.code: r for r in Region.objects.all()}
        return self._regions

    @property
    def industries(self) -> dict[str, Industry]:
        if self._industries is None:
            self._industries = {i.code: i for i in Industry.objects.all()}
        return self._industries

    @property
    def parks(self) -> dict[str, Park]:
        if self._parks is None:
            self._parks = {}
            for p in Park.objects.select_related("region"):
                self._parks[str(p.pk)] = p
                self._parks[p.name] = p
        return self._parks

    def region(self, value: Any, name: str, errors: Errors, *, required: bool) -> Region | None:
        if isinstance(value, Region):
            return value
        text = "" if value is None else str(value).strip()
        if not text:
            if required:
                _add(errors, name, "required: a six-digit GB/T 2260 code, e.g. 440100")
            return None
        try:
            code = region_code_check(text)
        except InvalidRegionCode as exc:
            _add(errors, name, exc.reason)
            return None
        region = self.regions.get(code)
        if region is None:
            _add(errors, name, f"{code} is not a province or prefecture in the GB/T 2260 table")
        return region

    def industry(self, value: Any, name: str, errors: Errors, *, required: bool) -> Industry | None:
        if isinstance(value, Industry):
            return value
        text = "" if value is None else str(value).strip()
        if not text:
            if required:
                _add(errors, name, "required: a GB/T 4754-2017 code, e.g. 4411")
            return None
        try:
            code = industry_code_check(text)
        except InvalidIndustryCode as exc:
            _add(errors, name, exc.reason)
            return None
        industry = self.industries.get(code)
        if industry is None:
            _add(errors, name, f"{code} is not in the GB/T 4754-2017 table shipped with dualcarbon")
        return industry

    def park(self, value: Any, name: str, errors: Errors) -> Park | None:
        if isinstance(value, Park) or value is None:
            return value
        text = str(value).strip()
        if not text:
            return None
        park = self.parks.get(text)
        if park is None:
            _add(errors, name, f"no industrial park {text!r} (give its id or exact name)")
        return park


def _decimal(value: Any, name: str, low: float, high: float, errors: Errors) -> Decimal | None:
    if value is None or str(value).strip() == "":
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        _add(errors, name, f"{value!r} is not a number")
        return None
    if not number.is_finite() or not low <= number <= high:
        _add(errors, name, f"must lie between {low} and {high} degrees")
        return None
    return number.quantize(Decimal("0.000001"))
