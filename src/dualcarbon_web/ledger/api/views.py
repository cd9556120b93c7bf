"""MRV log API: public reads, no sign-in needed (anyone may audit the log).

* ``GET /checkpoint``: the latest signed checkpoint, the log's key and the witnesses on it;
* ``GET /entries/{index}?size=``: the entry with its inclusion proof against a signed checkpoint,
  as a proof bundle for ``dualcarbon ledger verify``;
* ``GET /consistency?old_size=&new_size=``: the RFC 9162 consistency proof between two checkpoints;
* ``POST /check``: check a pasted record or bundle with the platform's keys.

Sizes are those of signed checkpoints only; any other size answers 422.
"""

from __future__ import annotations

from ninja import Router

from dualcarbon_web.ledger import selectors
from dualcarbon_web.ledger.api.schemas import BundleOut, CheckIn, CheckOut, CheckpointOut, ConsistencyOut
from dualcarbon_web.platform.errors import NotFound

__all__ = ("router",)

router = Router(tags=["ledger"], auth=None)


@router.get("/checkpoint", response=CheckpointOut, summary="The latest signed checkpoint of the MRV log")
def checkpoint_latest(request):
    data = selectors.ledger_checkpoint_latest()
    if data is None:
        raise NotFound("The MRV log has no signed checkpoint yet.")
    return data


@router.get(
    "/entries/{index}", response=BundleOut, summary="An entry with its inclusion proof (a proof bundle)"
)
def entry_bundle(request, index: int, size: int | None = None):
    return selectors.ledger_entry_bundle(index=index, size=size)


@router.get(
    "/consistency", response=ConsistencyOut, summary="Consistency proof between two signed checkpoints"
)
def consistency(request, old_size: int, new_size: int | None = None):
    return selectors.ledger_consistency(old_size=old_size, new_size=new_size)


@router.post("/check", response=CheckOut, summary="Check a record or a proof bundle against the log")
def check(request, payload: CheckIn):
    return selectors.ledger_check(text=payload.text)
