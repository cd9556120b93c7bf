from dualcarbon_web.mrv.models.evaluations import RuleEvaluation
from dualcarbon_web.mrv.models.submissions import ReportSubmission

__all__ = ("ReportSubmission", "RuleEvaluation")
