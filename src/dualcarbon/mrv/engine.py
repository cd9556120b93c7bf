"""A small engine for executable verification rules ("smart contracts" of research/mrv.md §8, item 3:
"deterministic, versioned Python rule functions. Each function's source hash is logged and its
result appended as an event").

* :class:`Rule`: an id, a version, a title in Chinese and English, the document and section it
  implements, parameters with defaults, the severity of a failure, and a deterministic function
  ``check(context, params) -> Outcome``.
* :class:`RuleSet`: rules ordered by id; :attr:`RuleSet.digest` is SHA-256 over each rule's id,
  version, function source (``inspect.getsource``) and parameters, so a change of code or of a
  threshold changes the digest.
* :func:`evaluate` runs every rule on a :class:`RuleContext` and returns a :class:`RuleReport`: one
  :class:`Finding` per rule, in rule-id order, whatever order the rules or the context's lists came in.
  :meth:`RuleReport.canonical_json` and :attr:`RuleReport.sha256` are what the platform stores and logs.

Statuses: ``pass``, ``fail``, ``not_applicable`` (the rule's inputs are absent). Severities:

* ``info``: nothing to act on (every pass and not-applicable finding; a pass may carry a note);
* ``warning``: the verifier must look at it (document review), but it is not by itself a
  non-conformity;
* ``nonconformity``: 不符合项 (核查指南 2021, terms and §4.1.5): the report is wrong as it stands and
  the unit must correct it.

A failing finding takes its rule's severity unless the rule says otherwise.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import math
import textwrap
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dualcarbon.ledger import canonical_json

__all__ = [
    "REPORT_FORMAT",
    "SEVERITIES",
    "STATUSES",
    "Finding",
    "Outcome",
    "Rule",
    "RuleContext",
    "RuleReport",
    "RuleSet",
    "evaluate",
    "record_sha256",
]

#: Format of the serialised report.
REPORT_FORMAT = "dualcarbon.mrv.rule-report/1"
STATUSES = ("pass", "fail", "not_applicable")
SEVERITIES = ("info", "warning", "nonconformity")


@dataclass(frozen=True)
class Outcome:
    """What a rule function returns. ``severity`` overrides the rule's failure severity when set."""

    status: str
    message: str
    details: Mapping[str, Any] = field(default_factory=dict)
    severity: str | None = None


@dataclass(frozen=True)
class RuleContext:
    """Everything rules may look at, as plain data (no database objects).

    ``record``: the calculation record as a dict (docs/accounting.md, "Calculation records");
    ``year``: the reporting year (taken from the record's input periods when ``None``);
    ``unit``: the unit's USCC; ``facility``: the facility code of a facility report, else ``None``;
    ``previous``: the unit's previous-year current submission ``{"year", "total_tco2e",
    "submission", "leaf_index"}`` or ``None``; ``submitter`` and ``evaluator``: ``{"id",
    "organization_id", "role"}`` or ``None``; ``inversion``: facility estimates of finished
    inversion runs for this unit and year, each ``{"run", "facility", "z", "flagged", "threshold"}``
    (``None``: not gathered).
    """

    record: Mapping[str, Any]
    year: int | None = None
    unit: str = ""
    facility: str | None = None
    previous: Mapping[str, Any] | None = None
    submitter: Mapping[str, Any] | None = None
    evaluator: Mapping[str, Any] | None = None
    inversion: Sequence[Mapping[str, Any]] | None = None

    def reporting_year(self) -> int | None:
        if self.year is not None:
            return int(self.year)
        years = sorted(
            {int(str(line.get("period"))[:4]) for line in self.record.get("inputs") or [] if _is_year(line)}
        )
        return years[-1] if years else None


def _is_year(line: Mapping[str, Any]) -> bool:
    p = str(line.get("period") or "")
    return len(p) >= 4 and p[:4].isdigit()


@dataclass(frozen=True)
class Rule:
    """One executable rule. ``check(context, params)`` must be deterministic: same input, same outcome."""

    id: str
    version: int
    title_zh: str
    title_en: str
    source: str
    severity: str
    check: Callable[[RuleContext, Mapping[str, Any]], Outcome]
    parameters: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.severity not in ("warning", "nonconformity"):
            raise ValueError(
                f"rule {self.id}: severity must be 'warning' or 'nonconformity', not {self.severity!r}"
            )

    def source_code(self) -> str:
        """The function's source text (dedented), the part of the digest that changes with the code."""
        return textwrap.dedent(inspect.getsource(self.check))

    def fingerprint(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "version": self.version,
            "source_sha256": hashlib.sha256(self.source_code().encode("utf-8")).hexdigest(),
            "parameters": dict(self.parameters),
        }

    def describe(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "version": self.version,
            "title_zh": self.title_zh,
            "title_en": self.title_en,
            "source": self.source,
            "severity": self.severity,
            "parameters": dict(self.parameters),
            "source_sha256": self.fingerprint()["source_sha256"],
        }


class RuleSet:
    """Rules, ordered by id (ids unique). ``digest`` commits to each rule's code and parameters."""

    def __init__(self, id: str, rules: Iterable[Rule]) -> None:
        self.id = id
        rules = sorted(rules, key=lambda r: r.id)
        ids = [r.id for r in rules]
        if len(set(ids)) != len(ids):
            raise ValueError(f"rule ids must be unique: {ids}")
        self.rules: tuple[Rule, ...] = tuple(rules)

    def __iter__(self):
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    def with_parameters(self, rule_id: str, **params: Any) -> RuleSet:
        """A copy in which rule ``rule_id`` has ``params`` replacing its defaults."""
        if rule_id not in {r.id for r in self.rules}:
            raise KeyError(rule_id)
        out = []
        for r in self.rules:
            if r.id == rule_id:
                unknown = set(params) - set(r.parameters)
                if unknown:
                    raise KeyError(f"rule {rule_id} has no parameter {sorted(unknown)}")
                r = Rule(**{**r.__dict__, "parameters": {**r.parameters, **params}})
            out.append(r)
        return RuleSet(self.id, out)

    @property
    def digest(self) -> str:
        """SHA-256 (hex) of the canonical JSON of ``[{id, version, source_sha256, parameters}]``."""
        return hashlib.sha256(canonical_json([r.fingerprint() for r in self.rules])).hexdigest()

    def describe(self) -> dict[str, Any]:
        return {"id": self.id, "digest": self.digest, "rules": [r.describe() for r in self.rules]}


@dataclass(frozen=True)
class Finding:
    rule: str
    version: int
    title_zh: str
    title_en: str
    status: str
    severity: str
    message: str
    details: Mapping[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "version": self.version,
            "title_zh": self.title_zh,
            "title_en": self.title_en,
            "status": self.status,
            "severity": self.severity,
            "message": self.message,
            "details": _plain(self.details),
        }


@dataclass(frozen=True)
class RuleReport:
    ruleset_id: str
    ruleset_digest: str
    record_sha256: str
    findings: tuple[Finding, ...]

    @property
    def counts(self) -> dict[str, int]:
        """Findings per status and per severity (every key present, zero included)."""
        out = dict.fromkeys((*STATUSES, *SEVERITIES), 0)
        for f in self.findings:
            out[f.status] += 1
            out[f.severity] += 1
        return out

    @property
    def has_nonconformity(self) -> bool:
        return any(f.severity == "nonconformity" for f in self.findings)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": REPORT_FORMAT,
            "ruleset": {"id": self.ruleset_id, "digest": self.ruleset_digest},
            "record_sha256": self.record_sha256,
            "counts": self.counts,
            "findings": [f.to_dict() for f in self.findings],
        }

    def canonical_json(self) -> bytes:
        """The bytes the report is hashed as (keys sorted, no whitespace, UTF-8)."""
        return canonical_json(self.to_dict())

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.canonical_json()).hexdigest()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RuleReport:
        if data.get("format") != REPORT_FORMAT:
            raise ValueError(f"not a rule report of format {REPORT_FORMAT}: {data.get('format')!r}")
        findings = tuple(
            Finding(
                rule=f["rule"],
                version=f["version"],
                title_zh=f["title_zh"],
                title_en=f["title_en"],
                status=f["status"],
                severity=f["severity"],
                message=f["message"],
                details=f["details"],
            )
            for f in data["findings"]
        )
        return cls(
            ruleset_id=data["ruleset"]["id"],
            ruleset_digest=data["ruleset"]["digest"],
            record_sha256=data["record_sha256"],
            findings=findings,
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> RuleReport:
        return cls.from_dict(json.loads(text))


def _plain(value: Any) -> Any:
    """JSON-ready copy: tuples to lists, non-finite floats to strings (canonical JSON refuses NaN)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    return value


def record_sha256(record: Mapping[str, Any]) -> str:
    """SHA-256 of the record as canonical JSON (the digest the submission's log entry carries)."""
    return hashlib.sha256(canonical_json(_plain(record))).hexdigest()


def evaluate(ruleset: RuleSet, context: RuleContext) -> RuleReport:
    """Run every rule of ``ruleset`` on ``context``: one finding per rule, in rule-id order.

    A rule that raises is a bug in the rule, not a finding: the exception propagates.
    """
    findings = []
    for rule in ruleset:
        out = rule.check(context, dict(rule.parameters))
        if out.status not in STATUSES:
            raise ValueError(f"rule {rule.id} returned status {out.status!r}")
        severity = out.severity or (rule.severity if out.status == "fail" else "info")
        if severity not in SEVERITIES:
            raise ValueError(f"rule {rule.id} returned severity {severity!r}")
        findings.append(
            Finding(
                rule=rule.id,
                version=rule.version,
                title_zh=rule.title_zh,
                title_en=rule.title_en,
                status=out.status,
                severity=severity,
                message=out.message,
                details=_plain(out.details),
            )
        )
    return RuleReport(
        ruleset_id=ruleset.id,
        ruleset_digest=ruleset.digest,
        record_sha256=record_sha256(context.record),
        findings=tuple(findings),
    )
