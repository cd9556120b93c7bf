from dualcarbon_web.platform.models.audit import AuditEntry
from dualcarbon_web.platform.models.jobs import Job
from dualcarbon_web.platform.models.users import ApiToken, LoginFailure, User

__all__ = ("ApiToken", "AuditEntry", "Job", "LoginFailure", "User")
