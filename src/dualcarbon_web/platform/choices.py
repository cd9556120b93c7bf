"""Choices of the platform app."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class RoleChoices(models.TextChoices):
    ENTERPRISE = "enterprise", _("企业用户")
    VERIFIER = "verifier", _("核查人员")
    REGULATOR = "regulator", _("主管部门")
    TECHNOLOGY_OWNER = "technology_owner", _("技术持有方")
    ANALYST = "analyst", _("分析人员")
    ADMIN = "admin", _("系统管理员")


class AuditActionChoices(models.TextChoices):
    # what was done (English: past tense), not the buttons that do it: own context
    CREATE = "create", pgettext_lazy("audit action", "创建")
    UPDATE = "update", pgettext_lazy("audit action", "修改")
    DELETE = "delete", pgettext_lazy("audit action", "删除")
    IMPORT = "import", pgettext_lazy("audit action", "导入")
    LOGIN = "login", pgettext_lazy("audit action", "登录")
    LOGIN_FAILED = "login_failed", pgettext_lazy("audit action", "登录失败")
    LOGOUT = "logout", pgettext_lazy("audit action", "退出")
    PASSWORD_CHANGE = "password_change", pgettext_lazy("audit action", "修改密码")
    TOKEN_CREATE = "token_create", pgettext_lazy("audit action", "创建令牌")
    TOKEN_REVOKE = "token_revoke", pgettext_lazy("audit action", "撤销令牌")
    JOB = "job", pgettext_lazy("audit action", "后台任务")


class JobStatusChoices(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("运行中")
    SUCCEEDED = "succeeded", _("已完成")
    FAILED = "failed", _("失败")
