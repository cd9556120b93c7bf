from dualcarbon_web.mrv.models.submissions import ReportSubmission

__all__ = ("ReportSubmission",)
