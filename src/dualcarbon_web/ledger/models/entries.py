"""The rows of the platform's MRV log: the same four tables as the core's SQL stores.

Every table is append-only in the database (see migration 0002): UPDATE and DELETE are refused by
triggers, and an entry can only be inserted at the next index. The rows are written only by
:class:`dualcarbon_web.ledger.store.OrmLogStore`, through :mod:`dualcarbon_web.ledger.services`.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ("LedgerCheckpoint", "LedgerCosignature", "LedgerEntry", "LedgerMeta")


class LedgerMeta(models.Model):
    """The log's origin and public key, written once."""

    key = models.CharField(max_length=50, primary_key=True)
    value = models.TextField()

    class Meta:
        verbose_name = _("日志元数据")
        verbose_name_plural = _("日志元数据")

    def __str__(self) -> str:
        return self.key


class LedgerEntry(models.Model):
    """One entry: its 0-based index, canonical JSON, and hash chain (leaf hash, then every subtree
    hash the entry completes; see :func:`dualcarbon.ledger.store.node_location`)."""

    idx = models.BigIntegerField(_("序号"), primary_key=True)
    chain = models.BinaryField()
    leaf_hash = models.BinaryField(max_length=32, db_index=True)
    entry = models.TextField(_("记录"))
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("idx",)
        verbose_name = _("日志记录")
        verbose_name_plural = _("日志记录")

    def __str__(self) -> str:
        return f"#{self.idx}"


class LedgerCheckpoint(models.Model):
    """A checkpoint signed by the log key: size, root hash and the signed note."""

    size = models.BigIntegerField(_("树大小"), primary_key=True)
    root = models.BinaryField(max_length=32)
    note = models.TextField()
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("size",)
        verbose_name = _("检查点")
        verbose_name_plural = _("检查点")

    def __str__(self) -> str:
        return f"checkpoint {self.size}"


class LedgerCosignature(models.Model):
    """A witness's cosignature line on a checkpoint."""

    checkpoint = models.ForeignKey(LedgerCheckpoint, on_delete=models.PROTECT, related_name="cosignatures")
    line = models.TextField()
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("id",)
        verbose_name = _("见证联署")
        verbose_name_plural = _("见证联署")
        constraints = [
            models.UniqueConstraint(fields=["checkpoint", "line"], name="ledger_cosignature_unique")
        ]

    def __str__(self) -> str:
        return self.line[:40]
