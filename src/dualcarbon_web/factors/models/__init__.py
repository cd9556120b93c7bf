from dualcarbon_web.factors.models.factors import FactorVersion

__all__ = ("FactorVersion",)
