"""ISO 14067:2018 product carbon footprint: allocating a process's emissions among co-products.

ISO 14067 §6.4.6 (following ISO 14044 §4.3.4) prefers avoiding allocation; where it cannot be
avoided, inputs and outputs are partitioned by a physical relationship (here: mass) or, failing
that, by another relationship such as economic value. The footprint per unit of each product is its
allocated share divided by its output.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from dualcarbon.errors import InputError

__all__ = ["ALLOCATION_METHODS", "CoProduct", "ProductFootprint", "product_footprints"]

ALLOCATION_METHODS = ("mass", "economic")


@dataclass(frozen=True, slots=True)
class CoProduct:
    """A co-product: its output ``quantity`` (in ``unit``), mass in tonnes, and unit price."""

    name: str
    quantity: float | str
    unit: str = "t"
    mass_t: float | str | None = None
    price: float | str | None = None  # currency per unit of quantity


@dataclass(frozen=True, slots=True)
class ProductFootprint:
    name: str
    share: Fraction
    allocated_tco2e: float
    tco2e_per_unit: float
    unit: str


def _x(v: object, what: str) -> Fraction:
    try:
        return Fraction(Decimal(str(v)))
    except Exception:
        raise InputError(f"{what} {v!r} is not a number") from None


def product_footprints(
    total_tco2e: float | str, products: Sequence[CoProduct], *, method: str = "mass"
) -> list[ProductFootprint]:
    """Allocate ``total_tco2e`` of a multi-output process to its co-products.

    ``mass``: shares proportional to ``mass_t`` (or ``quantity`` when the unit is t).
    ``economic``: shares proportional to ``quantity x price``.
    """
    if method not in ALLOCATION_METHODS:
        raise InputError(f"allocation method must be one of {', '.join(ALLOCATION_METHODS)}, not {method!r}")
    if not products:
        raise InputError("at least one product is needed")
    total = _x(total_tco2e, "total_tco2e")
    basis = []
    for p in products:
        q = _x(p.quantity, f"{p.name}: quantity")
        if q <= 0:
            raise InputError(f"{p.name}: quantity must be positive")
        if method == "mass":
            m = p.mass_t if p.mass_t is not None else (p.quantity if p.unit == "t" else None)
            if m is None:
                raise InputError(f"{p.name}: mass allocation needs mass_t (quantity is in {p.unit})")
            b = _x(m, f"{p.name}: mass_t")
        else:
            if p.price is None:
                raise InputError(f"{p.name}: economic allocation needs a price")
            b = q * _x(p.price, f"{p.name}: price")
        if b < 0:
            raise InputError(f"{p.name}: allocation basis must not be negative")
        basis.append((p, q, b))
    denom = sum(b for _, _, b in basis)
    if denom == 0:
        raise InputError("the allocation basis sums to zero")
    out = []
    for p, q, b in basis:
        share = b / denom
        alloc = total * share
        out.append(ProductFootprint(p.name, share, float(alloc), float(alloc / q), p.unit))
    return out
