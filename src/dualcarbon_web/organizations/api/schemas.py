"""Input and output shapes of the registry API."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from ninja import Schema

__all__ = (
    "FacilityIn",
    "FacilityOut",
    "FacilityPatch",
    "ImportOut",
    "IndustryOut",
    "OrganizationIn",
    "OrganizationOut",
    "OrganizationPatch",
    "ParkIn",
    "ParkOut",
    "ParkPatch",
    "RegionOut",
)


class RegionOut(Schema):
    code: str
    name: str
    name_en: str
    level: str
    parent_code: str | None

    @staticmethod
    def resolve_parent_code(obj) -> str | None:
        return obj.parent.code if obj.parent_id else None


class IndustryOut(RegionOut):
    pass


class OrganizationOut(Schema):
    id: int
    kind: str
    name: str
    name_en: str
    uscc: str
    region_code: str
    region_name: str
    industry_code: str | None
    industry_name: str | None
    park_id: int | None
    park_name: str | None
    jurisdiction_code: str | None
    address: str
    contact_email: str
    created: datetime
    updated: datetime

    @staticmethod
    def resolve_region_code(obj) -> str:
        return obj.region.code

    @staticmethod
    def resolve_region_name(obj) -> str:
        return obj.region.name

    @staticmethod
    def resolve_industry_code(obj) -> str | None:
        return obj.industry.code if obj.industry_id else None

    @staticmethod
    def resolve_industry_name(obj) -> str | None:
        return obj.industry.name if obj.industry_id else None

    @staticmethod
    def resolve_park_name(obj) -> str | None:
        return obj.park.name if obj.park_id else None

    @staticmethod
    def resolve_jurisdiction_code(obj) -> str | None:
        return obj.jurisdiction.code if obj.jurisdiction_id else None


class OrganizationIn(Schema):
    kind: str
    name: str
    uscc: str
    region: str
    name_en: str = ""
    industry: str | None = None
    park: int | str | None = None
    jurisdiction: str | None = None
    address: str = ""
    contact_email: str = ""


class OrganizationPatch(Schema):
    kind: str | None = None
    name: str | None = None
    uscc: str | None = None
    region: str | None = None
    name_en: str | None = None
    industry: str | None = None
    park: int | str | None = None
    jurisdiction: str | None = None
    address: str | None = None
    contact_email: str | None = None


class FacilityOut(Schema):
    id: int
    organization_id: int
    organization_name: str
    name: str
    code: str
    industry_code: str
    region_code: str
    park_id: int | None
    latitude: Decimal | None
    longitude: Decimal | None
    capacity: str
    status: str

    @staticmethod
    def resolve_organization_name(obj) -> str:
        return obj.organization.name

    @staticmethod
    def resolve_industry_code(obj) -> str:
        return obj.industry.code

    @staticmethod
    def resolve_region_code(obj) -> str:
        return obj.region.code


class FacilityIn(Schema):
    organization_id: int
    name: str
    industry: str
    region: str
    code: str = ""
    park: int | str | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    capacity: str = ""
    status: str = "operating"


class FacilityPatch(Schema):
    name: str | None = None
    industry: str | None = None
    region: str | None = None
    code: str | None = None
    park: int | str | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    capacity: str | None = None
    status: str | None = None


class ParkOut(Schema):
    id: int
    name: str
    name_en: str
    level: str
    region_code: str
    description: str

    @staticmethod
    def resolve_region_code(obj) -> str:
        return obj.region.code


class ParkIn(Schema):
    name: str
    region: str
    level: str = "other"
    name_en: str = ""
    description: str = ""


class ParkPatch(Schema):
    name: str | None = None
    region: str | None = None
    level: str | None = None
    name_en: str | None = None
    description: str | None = None


class ImportOut(Schema):
    created: int
    updated: int
    unchanged: int
    rows: list[dict]
