"""dualcarbon_web.mrv: monitoring, reporting and verification (监测-报告-核查) on the platform.

The first step of the MRV cycle is here: an enterprise submits its annual emission report (the
latest calculation run of an inventory), the submission is anchored in the platform's transparency
log (:mod:`dualcarbon_web.ledger`) in the same transaction, and regulators and verifiers see it and
check it against the log. See ``docs/mrv.md``.
"""
