from dualcarbon_web.techregistry.models.records import TechnologyAchievement, TechnologyNeed

__all__ = ("TechnologyAchievement", "TechnologyNeed")
