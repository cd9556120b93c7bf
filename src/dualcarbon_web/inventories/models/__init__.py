from dualcarbon_web.inventories.models.inventories import LINE_COLUMNS, ActivityLine, Inventory
from dualcarbon_web.inventories.models.montecarlo import MonteCarloAnalysis
from dualcarbon_web.inventories.models.runs import CalculationCheck, CalculationLine, CalculationRun

__all__ = (
    "LINE_COLUMNS",
    "ActivityLine",
    "CalculationCheck",
    "CalculationLine",
    "CalculationRun",
    "Inventory",
    "MonteCarloAnalysis",
)
