from dualcarbon_web.ledger.models.entries import LedgerCheckpoint, LedgerCosignature, LedgerEntry, LedgerMeta

__all__ = ("LedgerCheckpoint", "LedgerCosignature", "LedgerEntry", "LedgerMeta")
