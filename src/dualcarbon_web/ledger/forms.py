"""The form of the log's page: paste a record or a proof bundle."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

__all__ = ("LedgerCheckForm",)


class LedgerCheckForm(forms.Form):
    text = forms.CharField(
        label=_("记录或证明包 (JSON)"),
        max_length=2_000_000,
        widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "false", "class": "mono"}),
        help_text=_("粘贴一条日志记录（JSON），或由“下载证明包”得到的证明包。"),
    )
