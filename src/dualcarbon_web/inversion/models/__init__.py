"""Models of the inversion app."""

from dualcarbon_web.inversion.models.observations import ObservationSet
from dualcarbon_web.inversion.models.runs import FacilityEstimate, InversionRun

__all__ = ("FacilityEstimate", "InversionRun", "ObservationSet")
