from dualcarbon_web.organizations.models.organizations import Facility, Organization, Park
from dualcarbon_web.organizations.models.reference import Industry, Region

__all__ = ("Facility", "Industry", "Organization", "Park", "Region")
