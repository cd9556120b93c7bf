"""The emission-factor reference database: versioned, append-only records with provenance.

Every number the accounting engine multiplies by (net calorific values, carbon contents, oxidation
rates, emission factors, grid factors, GWPs, densities, the size of a tonne of standard coal) is a
:class:`FactorRecord`. Records are shipped as CSV tables under ``dualcarbon/data/factors/``, one table
per source document and vintage (never merged), each with a ``<table>.provenance.json`` sidecar that
names the publisher, document number, publication date, URL, licence and retrieval note.

A record is identified by ``id`` and ``version``; ``ref`` is ``"id@version"``. The database is
append-only: :meth:`FactorDatabase.add` accepts a new id at version 1, or the next version of an
existing id with ``supersedes`` pointing at the version it corrects. Nothing is ever changed or
deleted, so a calculation that pinned ``id@version`` re-runs to the same numbers after corrections
are added. User additions persist through a :class:`FactorStore` (a JSON-lines file by default; the
web platform implements the same protocol on its database).
"""

from __future__ import annotations

import csv
import dataclasses
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path
from typing import Protocol, runtime_checkable

from dualcarbon.data import path as data_path
from dualcarbon.errors import DataNotFound, InputError

__all__ = [
    "STATUSES",
    "UNCERTAINTY_DISTRIBUTIONS",
    "FactorDatabase",
    "FactorRecord",
    "FactorStore",
    "JsonLinesFactorStore",
    "MemoryFactorStore",
    "Provenance",
    "Uncertainty",
    "default_database",
]

STATUSES = ("official", "transcribed-unverified", "user")
UNCERTAINTY_DISTRIBUTIONS = ("normal", "lognormal", "triangular", "uniform")
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_.:\-]*$")


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a table of factors comes from (one per shipped table or user submission)."""

    table: str
    title: str = ""
    source: str = ""
    locator: str = ""  # table, equation or page in the source
    edition: str = ""
    publisher: str = ""
    document_no: str = ""
    published_on: str = ""
    source_url: str = ""
    licence: str = ""
    retrieval_note: str = ""
    status: str = "transcribed-unverified"
    source_sha256: str = ""

    @classmethod
    def from_mapping(cls, data: dict[str, object]) -> Provenance:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: str(v) for k, v in data.items() if k in names and v is not None})


@dataclass(frozen=True, slots=True)
class Uncertainty:
    """Uncertainty of a factor as a probability distribution, in percent of the value.

    ``normal`` and ``lognormal``: ``low_pct``/``high_pct`` bound the 95 % confidence interval
    (``-5, 5`` means value x (1 ± 5 %)). ``triangular`` and ``uniform``: they bound the support
    (the mode of the triangle is the value). This follows IPCC 2006 Vol.1 Ch.3, which states
    uncertainty as the 95 % interval around the mean.
    """

    distribution: str
    low_pct: float
    high_pct: float

    def __post_init__(self) -> None:
        if self.distribution not in UNCERTAINTY_DISTRIBUTIONS:
            raise InputError(
                f"uncertainty distribution {self.distribution!r} is not one of {', '.join(UNCERTAINTY_DISTRIBUTIONS)}"
            )
        if not (self.low_pct <= 0 <= self.high_pct) or self.low_pct <= -100:
            raise InputError(
                f"uncertainty bounds ({self.low_pct}, {self.high_pct}) % must satisfy -100 < low <= 0 <= high"
            )

    @property
    def half_width_pct(self) -> float:
        """Half-width of the 95 % interval in percent (IPCC's U), used by Approach 1."""
        from dualcarbon.accounting.uncertainty import half_width_pct

        return half_width_pct(self)


@dataclass(frozen=True, slots=True)
class FactorRecord:
    """One immutable version of one factor.

    ``value`` keeps the decimal text as published (``"0.5703"``), so arithmetic can be exact
    (:attr:`exact`) and nothing is rounded by a float round-trip. ``valid_from``/``valid_to`` are the
    data years (accounting periods) the factor applies to, inclusive; empty means open.
    """

    id: str
    version: int
    family: str
    item: str
    gas: str
    value: str
    unit: str
    status: str
    provenance: Provenance
    basis: str = ""
    region: str = ""
    level: str = ""
    data_year: int | None = None
    valid_from: int | None = None
    valid_to: int | None = None
    uncertainty: Uncertainty | None = None
    supersedes: str = ""
    note: str = ""
    exact: Fraction = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not _ID_RE.match(self.id):
            raise InputError(
                f"factor id {self.id!r} must be lower-case letters, digits and . _ : -", column="id"
            )
        if self.version < 1:
            raise InputError(f"factor {self.id}: version must be >= 1", column="version")
        if self.status not in STATUSES:
            raise InputError(
                f"factor {self.id}: status {self.status!r} is not one of {', '.join(STATUSES)}",
                column="status",
            )
        try:
            exact = Fraction(Decimal(str(self.value).strip()))
        except (InvalidOperation, ValueError):
            raise InputError(
                f"factor {self.id}: value {self.value!r} is not a decimal number", column="value"
            ) from None
        object.__setattr__(self, "exact", exact)

    @property
    def ref(self) -> str:
        """``"id@version"``: what calculation records pin."""
        return f"{self.id}@{self.version}"

    @property
    def float_value(self) -> float:
        return float(self.exact)

    def applies_to(self, year: int | None) -> bool:
        """Whether the factor's validity period covers data year ``year``."""
        if year is None:
            return True
        if self.valid_from is not None and year < self.valid_from:
            return False
        return not (self.valid_to is not None and year > self.valid_to)

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict with the provenance flattened in (what the API and CLI show)."""
        out: dict[str, object] = {
            "id": self.id,
            "version": self.version,
            "ref": self.ref,
            "family": self.family,
            "item": self.item,
            "gas": self.gas,
            "value": self.value,
            "unit": self.unit,
            "basis": self.basis,
            "region": self.region,
            "level": self.level,
            "data_year": self.data_year,
            "valid_from": self.valid_from,
            "valid_to": self.valid_to,
            "status": self.status,
            "uncertainty": dataclasses.asdict(self.uncertainty) if self.uncertainty else None,
            "supersedes": self.supersedes,
            "note": self.note,
        }
        prov = dataclasses.asdict(self.provenance)
        out.update({"table": prov.pop("table"), **{k: v for k, v in prov.items() if k != "status"}})
        return out

    @classmethod
    def from_dict(cls, data: dict[str, object], provenance: Provenance | None = None) -> FactorRecord:
        """Build a record from a CSV row or JSON object (strings allowed for every field)."""

        def text(key: str) -> str:
            v = data.get(key)
            return "" if v is None else str(v).strip()

        def year(key: str) -> int | None:
            v = text(key)
            if not v:
                return None
            try:
                return int(v)
            except ValueError:
                raise InputError(f"{key} {v!r} is not a year", column=key) from None

        if provenance is None:
            prov_data = data.get("provenance")
            if isinstance(prov_data, dict):
                provenance = Provenance.from_mapping(prov_data)
            else:
                provenance = Provenance(
                    table=text("table") or "user",
                    **{
                        k: text(k)
                        for k in (
                            "source",
                            "locator",
                            "publisher",
                            "document_no",
                            "published_on",
                            "source_url",
                            "licence",
                            "retrieval_note",
                        )
                    },
                )
        unc = data.get("uncertainty")
        uncertainty: Uncertainty | None
        if isinstance(unc, dict):
            uncertainty = Uncertainty(str(unc["distribution"]), float(unc["low_pct"]), float(unc["high_pct"]))
        elif text("uncertainty_distribution"):
            try:
                uncertainty = Uncertainty(
                    text("uncertainty_distribution"),
                    float(text("uncertainty_low_pct")),
                    float(text("uncertainty_high_pct")),
                )
            except ValueError:
                raise InputError(
                    f"factor {text('id')}: uncertainty bounds must be numbers", column="uncertainty_low_pct"
                ) from None
        else:
            uncertainty = None
        try:
            version = int(text("version") or "1")
        except ValueError:
            raise InputError(
                f"factor {text('id')}: version {text('version')!r} is not an integer", column="version"
            ) from None
        return cls(
            id=text("id"),
            version=version,
            family=text("family"),
            item=text("item"),
            gas=text("gas"),
            value=text("value"),
            unit=text("unit"),
            status=text("status") or provenance.status,
            provenance=provenance,
            basis=text("basis"),
            region=text("region"),
            level=text("level"),
            data_year=year("data_year"),
            valid_from=year("valid_from"),
            valid_to=year("valid_to"),
            uncertainty=uncertainty,
            supersedes=text("supersedes"),
            note=text("note"),
        )


@runtime_checkable
class FactorStore(Protocol):
    """Where user-added factor versions live. Append-only: there is no update and no delete."""

    def records(self) -> Iterable[FactorRecord]: ...

    def append(self, record: FactorRecord) -> None: ...


class MemoryFactorStore:
    """A :class:`FactorStore` held in a list (tests, notebooks)."""

    def __init__(self) -> None:
        self._records: list[FactorRecord] = []

    def records(self) -> Iterable[FactorRecord]:
        return tuple(self._records)

    def append(self, record: FactorRecord) -> None:
        self._records.append(record)


class JsonLinesFactorStore:
    """A :class:`FactorStore` in a JSON-lines file; each added version is one appended line."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def records(self) -> Iterable[FactorRecord]:
        if not self.path.exists():
            return ()
        out = []
        with self.path.open(encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, start=1):
                if line.strip():
                    try:
                        out.append(FactorRecord.from_dict(json.loads(line)))
                    except (json.JSONDecodeError, InputError) as exc:
                        raise InputError(
                            f"bad factor record: {exc}", source=str(self.path), row=lineno
                        ) from None
        return out

    def append(self, record: FactorRecord) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = record.to_dict()
        data["provenance"] = dataclasses.asdict(record.provenance)
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(data, ensure_ascii=False, sort_keys=True) + "\n")


def _read_table(csv_text: str, provenance: Provenance) -> list[FactorRecord]:
    reader = csv.DictReader(csv_text.splitlines())
    out = []
    for rowno, row in enumerate(reader, start=2):
        try:
            out.append(FactorRecord.from_dict(row, provenance))
        except InputError as exc:
            raise InputError(
                exc.reason, source=f"{provenance.table}.csv", row=rowno, column=exc.column
            ) from None
    return out


def load_shipped_tables() -> tuple[dict[str, Provenance], list[FactorRecord]]:
    """Read every shipped factor table and its provenance sidecar."""
    folder = data_path("factors")
    tables: dict[str, Provenance] = {}
    records: list[FactorRecord] = []
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if not entry.name.endswith(".csv"):
            continue
        name = entry.name[:-4]
        sidecar = folder / f"{name}.provenance.json"
        if not sidecar.is_file():
            raise DataNotFound(f"factor table {entry.name} has no provenance sidecar {name}.provenance.json")
        prov = Provenance.from_mapping(json.loads(sidecar.read_text(encoding="utf-8")))
        tables[name] = prov
        records.extend(_read_table(entry.read_text(encoding="utf-8"), prov))
    return tables, records


class FactorDatabase:
    """All factor versions: the shipped tables plus user additions, append-only.

    Parameters
    ----------
    store : FactorStore, optional
        Where user-added versions are read from and appended to. Defaults to memory.
    include_shipped : bool
        Load the shipped tables (default). Tests may start empty.
    """

    def __init__(self, store: FactorStore | None = None, *, include_shipped: bool = True) -> None:
        self.store: FactorStore = store if store is not None else MemoryFactorStore()
        self.tables: dict[str, Provenance] = {}
        self._versions: dict[str, list[FactorRecord]] = {}
        if include_shipped:
            self.tables, shipped = load_shipped_tables()
            for rec in shipped:
                self._insert(rec, check_supersedes=False)
        for rec in self.store.records():
            self._insert(rec, check_supersedes=True)

    # -- writing ---------------------------------------------------------------------------------
    def _insert(self, record: FactorRecord, *, check_supersedes: bool) -> None:
        versions = self._versions.setdefault(record.id, [])
        expected = len(versions) + 1
        if record.version != expected:
            raise InputError(
                f"factor {record.id}: version {record.version} cannot be added; the next version is {expected} "
                "(factors are append-only: a correction is a new version)",
                column="version",
            )
        if check_supersedes and versions and record.supersedes != versions[-1].ref:
            raise InputError(
                f"factor {record.ref} must declare supersedes={versions[-1].ref!r}", column="supersedes"
            )
        versions.append(record)

    def add(self, record: FactorRecord) -> FactorRecord:
        """Append a new factor version (administrators only, in the platform).

        A new id starts at version 1; a correction of ``id`` must be version ``n + 1`` with
        ``supersedes="id@n"``. Existing versions are never changed.
        """
        if not record.provenance.source and record.status != "user":
            raise InputError(
                f"factor {record.ref}: a non-user factor needs a provenance source", column="source"
            )
        self._insert(record, check_supersedes=True)
        try:
            self.store.append(record)
        except Exception:
            self._versions[record.id].pop()
            raise
        return record

    def correct(self, ref_or_id: str, **changes: object) -> FactorRecord:
        """Add the next version of a factor with ``changes`` applied (value, status, note, ...)."""
        latest = self.get(ref_or_id.split("@")[0])
        data = latest.to_dict()
        data.update({k: v for k, v in changes.items() if k != "provenance"})
        data["version"] = latest.version + 1
        data["supersedes"] = latest.ref
        prov = changes.get("provenance", latest.provenance)
        assert isinstance(prov, Provenance)
        return self.add(FactorRecord.from_dict(data, prov))

    # -- reading ---------------------------------------------------------------------------------
    def __len__(self) -> int:
        return sum(len(v) for v in self._versions.values())

    def __iter__(self) -> Iterator[FactorRecord]:
        for versions in self._versions.values():
            yield from versions

    def latest(self) -> Iterator[FactorRecord]:
        """The newest version of every id."""
        for versions in self._versions.values():
            yield versions[-1]

    def get(self, ref: str) -> FactorRecord:
        """Look a factor up by ``"id@version"`` (that version) or ``"id"`` (its newest version)."""
        fid, _, ver = ref.partition("@")
        versions = self._versions.get(fid)
        if not versions:
            raise DataNotFound(f"no factor with id {fid!r}")
        if not ver:
            return versions[-1]
        try:
            n = int(ver)
        except ValueError:
            raise DataNotFound(f"factor reference {ref!r}: version must be an integer") from None
        if not 1 <= n <= len(versions):
            raise DataNotFound(f"factor {fid!r} has no version {n} (latest is {len(versions)})")
        return versions[n - 1]

    def versions(self, factor_id: str) -> tuple[FactorRecord, ...]:
        return tuple(self._versions.get(factor_id, ()))

    def find(
        self,
        *,
        family: str | None = None,
        item: str | None = None,
        gas: str | None = None,
        region: str | None = None,
        level: str | None = None,
        year: int | None = None,
        table: str | None = None,
        status: str | None = None,
    ) -> list[FactorRecord]:
        """Newest versions matching every given field; ``year`` keeps factors valid for that data year."""
        out = []
        for rec in self.latest():
            if family is not None and rec.family != family:
                continue
            if item is not None and rec.item != item:
                continue
            if gas is not None and rec.gas != gas:
                continue
            if region is not None and rec.region != region:
                continue
            if level is not None and rec.level != level:
                continue
            if table is not None and rec.provenance.table != table:
                continue
            if status is not None and rec.status != status:
                continue
            if year is not None and not rec.applies_to(year):
                continue
            out.append(rec)
        return out

    def search(self, text: str, *, limit: int = 50) -> list[FactorRecord]:
        """Newest versions whose id, item, gas, table, document number, title or note contain every
        whitespace-separated term of ``text`` (case-insensitive)."""
        terms = [t.casefold() for t in text.split() if t]
        out = []
        for rec in self.latest():
            hay = " ".join(
                (
                    rec.id,
                    rec.value,
                    rec.item,
                    rec.gas,
                    rec.family,
                    rec.region,
                    rec.provenance.table,
                    rec.provenance.document_no,
                    rec.provenance.title,
                    rec.provenance.publisher,
                    rec.note,
                    str(rec.data_year or ""),
                )
            ).casefold()
            if all(t in hay for t in terms):
                out.append(rec)
                if len(out) >= limit:
                    break
        return out


_DEFAULT: FactorDatabase | None = None


def default_database() -> FactorDatabase:
    """The shipped tables only, loaded once per process (read-only use)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = FactorDatabase()
    return _DEFAULT
