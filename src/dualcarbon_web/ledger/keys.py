"""The platform log's name and keys, from the environment or the data directory.

* ``DUALCARBON_LEDGER_ORIGIN``: the log's origin line (default ``dualcarbon.local/mrv``).
* ``DUALCARBON_LEDGER_KEY``: the log's signer key (``PRIVATE+KEY+...``); when unset, one is generated
  on first use into ``$DUALCARBON_HOME/ledger.key`` (mode 0600). Its verifier key is shown on the
  log's page and at ``/api/v1/ledger/checkpoint``; publish it where users can check it.
* ``DUALCARBON_LEDGER_WITNESS_KEYS``: comma-separated verifier keys of the witnesses (type 0x04)
  whose cosignatures the platform accepts and shows.
"""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

from dualcarbon.ledger import LedgerError, Signer, Verifier, generate_signer, parse_signer, parse_verifier
from dualcarbon_web.config.env import data_home

__all__ = ("log_origin", "log_signer", "witness_keys")


def log_origin() -> str:
    return os.environ.get("DUALCARBON_LEDGER_ORIGIN", "dualcarbon.local/mrv")


def log_signer() -> Signer:
    """The log's signing key: ``DUALCARBON_LEDGER_KEY``, else the key file (created on first use)."""
    text = os.environ.get("DUALCARBON_LEDGER_KEY")
    path = data_home() / "ledger.key"
    if not text and path.exists():
        text = path.read_text(encoding="utf-8").strip()
    if text:
        try:
            return parse_signer(text)
        except LedgerError as exc:
            raise ImproperlyConfigured(f"the MRV log key is not a signer key: {exc}") from exc
    signer = generate_signer(log_origin())
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first
        return log_signer()
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(signer.skey + "\n")
    return signer


def witness_keys() -> list[Verifier]:
    """The witnesses' verifier keys configured for this platform."""
    keys = []
    for text in os.environ.get("DUALCARBON_LEDGER_WITNESS_KEYS", "").split(","):
        if text.strip():
            try:
                keys.append(parse_verifier(text.strip()))
            except LedgerError as exc:
                raise ImproperlyConfigured(f"DUALCARBON_LEDGER_WITNESS_KEYS: {exc}") from exc
    return keys
