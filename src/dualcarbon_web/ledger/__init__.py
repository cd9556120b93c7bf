"""dualcarbon_web.ledger: the platform's MRV transparency log.

The log itself is the core's :class:`dualcarbon.ledger.Log`; this app keeps its rows in the platform
database (:class:`~dualcarbon_web.ledger.store.OrmLogStore`), signs its checkpoints with the
platform's log key, and serves the public endpoints and the page where anyone checks a record or a
proof bundle. See ``docs/ledger.md``.
"""
