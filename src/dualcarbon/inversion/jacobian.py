"""Jacobians held in memory or streamed in row chunks.

The Jacobian ``K`` (``m`` observations x ``n`` state elements, ``K[i, j] = d y_i / d x_j``) is
the largest object of an inversion: at ``n = 20,000`` and ``m = 1,000,000`` it is 160 GB in
float64. The state-space solver only ever needs one block of rows at a time (it accumulates
``K^T R^-1 K`` block by block), so ``K`` can be

* a numpy array, including a ``numpy.memmap`` of a file larger than memory;
* a :class:`ChunkedJacobian`, which produces rows ``start:stop`` on demand, from a function
  (e.g. a forward model run per block of observations) or from a list of ``.npy`` files read one
  at a time (the way IMI stores one Jacobian file per day);
* any object with ``shape`` and ``row_blocks(chunk_rows)`` (the :class:`JacobianSource` protocol).

Blocks may be float32 (IMI stores ``K`` in float32); they are promoted to float64 on the device
one block at a time.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from dualcarbon.inversion.errors import ShapeMismatch

__all__ = [
    "ArrayJacobian",
    "ChunkedJacobian",
    "JacobianSource",
    "as_jacobian_source",
    "default_chunk_rows",
]

#: Target size of one streamed block of rows, in bytes (float64): 128 MiB.
CHUNK_BYTES = 128 * 2**20


def default_chunk_rows(n_state: int, chunk_bytes: int = CHUNK_BYTES) -> int:
    """Rows per block so that one float64 block of ``n_state`` columns is about ``chunk_bytes``."""
    return max(1, int(chunk_bytes // (8 * max(n_state, 1))))


@runtime_checkable
class JacobianSource(Protocol):
    """What the solvers need from a Jacobian: its shape and its rows, block by block."""

    @property
    def shape(self) -> tuple[int, int]: ...

    def row_blocks(self, chunk_rows: int) -> Iterator[tuple[int, Any]]:
        """Yield ``(start, block)`` with ``block`` the rows ``start:start + len(block)``, in order."""
        ...


@dataclass(frozen=True)
class ArrayJacobian:
    """A Jacobian held as one array (numpy, a memmap, or a device array of a GPU backend)."""

    array: Any

    @property
    def shape(self) -> tuple[int, int]:
        m, n = self.array.shape
        return int(m), int(n)

    def row_blocks(self, chunk_rows: int) -> Iterator[tuple[int, Any]]:
        m = self.shape[0]
        for start in range(0, m, chunk_rows):
            yield start, self.array[start : min(start + chunk_rows, m)]


class ChunkedJacobian:
    """A Jacobian produced block by block, never held whole.

    Parameters
    ----------
    shape : (int, int)
        ``(n_obs, n_state)``.
    rows : callable
        ``rows(start, stop)`` returns the Jacobian rows ``start:stop`` as an array of shape
        ``(stop - start, n_state)``. It is called with increasing, non-overlapping ranges.
    chunk_rows : int, optional
        Preferred block size; overrides the solver's ``chunk_rows`` (e.g. one file per block).

    Examples
    --------
    >>> import numpy as np
    >>> K = ChunkedJacobian((4, 2), lambda a, b: np.ones((b - a, 2)))
    >>> [(start, block.shape) for start, block in K.row_blocks(3)]
    [(0, (3, 2)), (3, (1, 2))]
    """

    def __init__(
        self,
        shape: tuple[int, int],
        rows: Callable[[int, int], Any],
        *,
        chunk_rows: int | None = None,
        boundaries: Sequence[int] | None = None,
    ) -> None:
        self._shape = (int(shape[0]), int(shape[1]))
        self._rows = rows
        self._chunk_rows = chunk_rows
        self._boundaries = list(boundaries) if boundaries is not None else None

    @property
    def shape(self) -> tuple[int, int]:
        return self._shape

    def row_blocks(self, chunk_rows: int) -> Iterator[tuple[int, Any]]:
        m, n = self._shape
        if self._boundaries is not None:
            edges = self._boundaries
        else:
            step = self._chunk_rows or chunk_rows
            edges = [*range(0, m, step), m]
        for start, stop in itertools.pairwise(edges):
            block = self._rows(start, stop)
            if tuple(block.shape) != (stop - start, n):
                raise ShapeMismatch(
                    f"Jacobian rows {start}:{stop} came back with shape {tuple(block.shape)}; "
                    f"expected {(stop - start, n)}"
                )
            yield start, block

    @classmethod
    def from_files(cls, paths: Sequence[str | Path]) -> ChunkedJacobian:
        """A Jacobian stored as row blocks in ``.npy`` files (one file per block, in row order).

        Each file is memory-mapped and read when its block is needed, so only one block is in
        memory at a time.
        """
        paths = [Path(p) for p in paths]
        if not paths:
            raise ShapeMismatch("no Jacobian files given")
        heads = [np.load(p, mmap_mode="r") for p in paths]
        widths = {h.shape[1] for h in heads}
        if len(widths) != 1:
            raise ShapeMismatch(f"Jacobian files have different numbers of columns: {sorted(widths)}")
        edges = [0, *np.cumsum([h.shape[0] for h in heads]).tolist()]
        n = widths.pop()
        del heads

        def rows(start: int, stop: int) -> np.ndarray:
            i = edges.index(start)
            return np.load(paths[i], mmap_mode="r")

        return cls((edges[-1], n), rows, boundaries=edges)


def as_jacobian_source(jacobian: Any) -> JacobianSource:
    """Wrap ``jacobian`` (an array or a :class:`JacobianSource`) so the solvers can stream it."""
    if isinstance(jacobian, JacobianSource) and not hasattr(jacobian, "__array__"):
        return jacobian
    if hasattr(jacobian, "shape") and len(getattr(jacobian, "shape", ())) == 2:
        return ArrayJacobian(jacobian)
    arr = np.asarray(jacobian, dtype=np.float64)
    if arr.ndim != 2:
        raise ShapeMismatch(f"the Jacobian must be 2-D (observations x state), got shape {arr.shape}")
    return ArrayJacobian(arr)
