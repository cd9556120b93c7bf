"""The one place where the array library of an inversion is chosen: numpy/scipy, CuPy, PyTorch or JAX.

The solvers in :mod:`dualcarbon.inversion.posterior` never import an array library themselves.
They ask a :class:`Backend` for the handful of dense operations they need (a rank-k update of a
Gram matrix, a Cholesky factorisation, triangular solves, the inverse from a Cholesky factor) and
otherwise use only operators every library shares (``@``, ``*``, ``+``, ``[:, None]``). The same
code therefore runs on the CPU or on a GPU, chosen by ``backend=``.

========  =========================================  ===========================================
name      library                                    install
========  =========================================  ===========================================
numpy     numpy + scipy BLAS/LAPACK (default, CPU)   always present
cupy      CuPy on a CUDA GPU                         ``pip install 'dualcarbon[gpu]'``
torch     PyTorch, on CUDA when present, else CPU    ``pip install 'dualcarbon[torch]'``
jax       JAX (float64 is switched on when loaded)   ``pip install jax`` (``jax[cuda12]`` for GPUs)
========  =========================================  ===========================================

GPU libraries are imported lazily, only when their backend is requested; a missing one raises
:class:`~dualcarbon.inversion.errors.BackendUnavailable`, whose message names what to install.
Everything is computed in float64, so results agree with the numpy backend to about 1e-8 relative.

The numpy backend uses BLAS ``dsyrk`` to accumulate ``K^T K`` in place into the lower triangle
(``m n^2`` flops, half of a general matrix product) and LAPACK ``dpotrf``/``dpotri``/``dtrtri`` in
place, so an ``n x n`` problem holds one ``n x n`` buffer through the whole solve. The GPU backends
use a general matrix product (``2 m n^2`` flops) because it is what their libraries expose
uniformly; on a GPU it is compute-bound and fast.
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from typing import Any

import numpy as np

from dualcarbon.errors import InputError
from dualcarbon.inversion.errors import BackendUnavailable, NotPositiveDefinite

__all__ = ["BACKENDS", "Backend", "get_backend"]

Array = Any

#: Backend names accepted by ``backend=``, and how to install each.
BACKENDS: dict[str, str] = {
    "numpy": "numpy and scipy (always installed)",
    "cupy": "pip install 'dualcarbon[gpu]'",
    "torch": "pip install 'dualcarbon[torch]'",
    "jax": "pip install jax (jax[cuda12] for NVIDIA GPUs)",
}


class Backend(ABC):
    """Dense float64 linear algebra on one array library.

    Methods that take ``overwrite=True`` may reuse their input's memory (the numpy and, where
    possible, the CuPy/PyTorch backends do); callers must always use the returned array, because
    JAX arrays are immutable and the result is then a new array.

    Attributes
    ----------
    name : str
        One of :data:`BACKENDS`.
    lower_only : bool
        True when :meth:`gram_update` and :meth:`outer_gram` fill only the lower triangle.
    """

    name = "abstract"
    lower_only = False

    # --- conversion -------------------------------------------------------------------------
    @abstractmethod
    def asarray(self, a: Any) -> Array:
        """See the class docstring; every backend implements it."""

    @abstractmethod
    def to_numpy(self, a: Array) -> np.ndarray:
        """See the class docstring; every backend implements it."""

    @abstractmethod
    def zeros(self, shape: tuple[int, ...]) -> Array:
        """See the class docstring; every backend implements it."""

    @abstractmethod
    def eye(self, n: int) -> Array:
        """See the class docstring; every backend implements it."""

    @abstractmethod
    def copy(self, a: Array) -> Array:
        """See the class docstring; every backend implements it."""

    def synchronize(self) -> None:  # noqa: B027 - a no-op on the CPU, overridden by the GPU backends
        """Wait for queued device work (a no-op on the CPU); used by timings."""

    # --- reductions and elementwise ---------------------------------------------------------
    @abstractmethod
    def sum(self, a: Array, axis: int | None = None) -> Array:
        """See the class docstring; every backend implements it."""

    def sqrt(self, a: Array) -> Array:
        return a**0.5

    @abstractmethod
    def diagonal(self, a: Array) -> Array:
        """See the class docstring; every backend implements it."""

    def scalar(self, a: Array) -> float:
        return float(a)

    def column_sumsq(self, a: Array) -> Array:
        """``sum(a**2, axis=0)``."""
        return self.sum(a * a, axis=0)

    def row_sumsq(self, a: Array) -> Array:
        """``sum(a**2, axis=1)``."""
        return self.sum(a * a, axis=1)

    # --- in-place-where-possible matrix updates ---------------------------------------------
    @abstractmethod
    def gram_update(self, gram: Array, w: Array) -> Array:
        """Return ``gram + w^T w`` (``w`` is ``rows x n``), reusing ``gram``'s memory where possible."""

    @abstractmethod
    def outer_gram(self, w: Array) -> Array:
        """Return ``w w^T`` for ``w`` of shape ``m x n`` (lower triangle at least)."""

    def symmetrize(self, a: Array) -> Array:
        """Copy the lower triangle onto the upper one (no-op where both are already filled)."""
        return a

    @abstractmethod
    def scale_symmetric(self, a: Array, s: Array) -> Array:
        """Return ``diag(s) a diag(s)``."""

    @abstractmethod
    def scale(self, a: Array, factor: float) -> Array:
        """See the class docstring; every backend implements it."""

    @abstractmethod
    def add_diagonal(self, a: Array, v: Array | float) -> Array:
        """See the class docstring; every backend implements it."""

    # --- factorisations and solves ----------------------------------------------------------
    @abstractmethod
    def cholesky(self, a: Array, *, overwrite: bool = False, what: str = "matrix") -> Array:
        """Lower Cholesky factor of the symmetric positive definite ``a`` (lower triangle read)."""

    @abstractmethod
    def cho_solve(self, factor: Array, b: Array) -> Array:
        """Solve ``(L L^T) x = b`` given the lower factor ``L``."""

    @abstractmethod
    def solve_triangular(
        self, factor: Array, b: Array, *, trans: bool = False, overwrite: bool = False
    ) -> Array:
        """Solve ``L x = b`` (or ``L^T x = b`` with ``trans``) for lower-triangular ``L``."""

    @abstractmethod
    def cho_inverse(self, factor: Array, *, overwrite: bool = False) -> Array:
        """The full symmetric ``(L L^T)^-1`` from its lower Cholesky factor (LAPACK ``potri``)."""

    @abstractmethod
    def tri_inverse(self, factor: Array, *, overwrite: bool = False) -> Array:
        """``L^-1`` for lower-triangular ``L`` (LAPACK ``trtri``)."""

    def __repr__(self) -> str:
        return f"<Backend {self.name}>"


def _not_pd(what: str) -> NotPositiveDefinite:
    return NotPositiveDefinite(
        f"the {what} is not positive definite in float64; check that the covariances are positive "
        "definite and of sensible magnitude (e.g. variances, not standard deviations, and no zero "
        "variances), or rescale the state and observations"
    )


# ------------------------------------------------------------------------------------------------
# numpy / scipy
# ------------------------------------------------------------------------------------------------
class NumpyBackend(Backend):
    """numpy arrays with scipy's BLAS/LAPACK wrappers; square matrices are kept in Fortran order."""

    name = "numpy"
    lower_only = True

    def __init__(self) -> None:
        from scipy.linalg import blas, lapack

        self._blas = blas
        self._lapack = lapack

    def asarray(self, a: Any) -> np.ndarray:
        return np.asarray(a, dtype=np.float64)

    def to_numpy(self, a: np.ndarray) -> np.ndarray:
        return np.asarray(a)

    def zeros(self, shape: tuple[int, ...]) -> np.ndarray:
        return np.zeros(shape, dtype=np.float64, order="F")

    def eye(self, n: int) -> np.ndarray:
        return np.asfortranarray(np.eye(n))

    def copy(self, a: np.ndarray) -> np.ndarray:
        return a.copy(order="A")

    def sum(self, a: np.ndarray, axis: int | None = None) -> np.ndarray:
        return np.sum(a, axis=axis)

    def sqrt(self, a: np.ndarray) -> np.ndarray:
        return np.sqrt(a)

    def diagonal(self, a: np.ndarray) -> np.ndarray:
        return np.diagonal(a).copy()

    def column_sumsq(self, a: np.ndarray) -> np.ndarray:
        return np.einsum("ij,ij->j", a, a)  # no n x n temporary

    def row_sumsq(self, a: np.ndarray) -> np.ndarray:
        return np.einsum("ij,ij->i", a, a)

    def gram_update(self, gram: np.ndarray, w: np.ndarray) -> np.ndarray:
        w = np.ascontiguousarray(w)  # w.T is then Fortran-ordered: BLAS reads it without a copy
        if not gram.flags.f_contiguous:
            gram = np.asfortranarray(gram)
        out = self._blas.dsyrk(1.0, w.T, beta=1.0, c=gram, trans=0, lower=1, overwrite_c=1)
        return out

    def outer_gram(self, w: np.ndarray) -> np.ndarray:
        w = np.ascontiguousarray(w)
        # w.T is Fortran-ordered (n x m); trans=1 computes (w.T)^T (w.T) = w w^T.
        return self._blas.dsyrk(1.0, w.T, trans=1, lower=1)

    def symmetrize(self, a: np.ndarray, block: int = 512) -> np.ndarray:
        n = a.shape[0]
        for j0 in range(0, n, block):
            j1 = min(j0 + block, n)
            diag = a[j0:j1, j0:j1]
            iu = np.triu_indices(j1 - j0, 1)
            diag[iu] = diag.T[iu]
            if j1 < n:
                a[j0:j1, j1:] = a[j1:, j0:j1].T
        return a

    def scale_symmetric(self, a: np.ndarray, s: np.ndarray) -> np.ndarray:
        a *= s[:, None]
        a *= s[None, :]
        return a

    def scale(self, a: np.ndarray, factor: float) -> np.ndarray:
        a *= factor
        return a

    def add_diagonal(self, a: np.ndarray, v: np.ndarray | float) -> np.ndarray:
        idx = np.arange(a.shape[0])
        a[idx, idx] += v
        return a

    def cholesky(self, a: np.ndarray, *, overwrite: bool = False, what: str = "matrix") -> np.ndarray:
        if not a.flags.f_contiguous:
            a, overwrite = np.asfortranarray(a), True
        c, info = self._lapack.dpotrf(a, lower=1, clean=1, overwrite_a=int(overwrite))
        if info != 0:
            raise _not_pd(what)
        return c

    def cho_solve(self, factor: np.ndarray, b: np.ndarray) -> np.ndarray:
        from scipy.linalg import cho_solve

        return cho_solve((factor, True), b, check_finite=False)

    def solve_triangular(
        self, factor: np.ndarray, b: np.ndarray, *, trans: bool = False, overwrite: bool = False
    ) -> np.ndarray:
        from scipy.linalg import solve_triangular

        return solve_triangular(
            factor, b, lower=True, trans="T" if trans else "N", overwrite_b=overwrite, check_finite=False
        )

    def cho_inverse(self, factor: np.ndarray, *, overwrite: bool = False) -> np.ndarray:
        inv, info = self._lapack.dpotri(factor, lower=1, overwrite_c=int(overwrite))
        if info != 0:
            raise _not_pd("Cholesky factor")
        return self.symmetrize(inv)

    def tri_inverse(self, factor: np.ndarray, *, overwrite: bool = False) -> np.ndarray:
        inv, info = self._lapack.dtrtri(factor, lower=1, overwrite_c=int(overwrite))
        if info != 0:
            raise _not_pd("Cholesky factor")
        return inv


# ------------------------------------------------------------------------------------------------
# PyTorch
# ------------------------------------------------------------------------------------------------
class TorchBackend(Backend):
    """PyTorch tensors in float64, on ``device`` (CUDA when available, else the CPU)."""

    name = "torch"

    def __init__(self, device: str | None = None) -> None:
        self.torch = _import("torch", "torch")
        if device is None:
            device = "cuda" if self.torch.cuda.is_available() else "cpu"
        self.device = self.torch.device(device)

    def asarray(self, a: Any) -> Any:
        t = self.torch
        if isinstance(a, t.Tensor):
            return a.to(dtype=t.float64, device=self.device)
        return t.as_tensor(np.asarray(a, dtype=np.float64), device=self.device)

    def to_numpy(self, a: Any) -> np.ndarray:
        return a.detach().cpu().numpy()

    def zeros(self, shape: tuple[int, ...]) -> Any:
        return self.torch.zeros(shape, dtype=self.torch.float64, device=self.device)

    def eye(self, n: int) -> Any:
        return self.torch.eye(n, dtype=self.torch.float64, device=self.device)

    def copy(self, a: Any) -> Any:
        return a.clone()

    def synchronize(self) -> None:
        if self.device.type == "cuda":
            self.torch.cuda.synchronize(self.device)

    def sum(self, a: Any, axis: int | None = None) -> Any:
        return self.torch.sum(a) if axis is None else self.torch.sum(a, dim=axis)

    def sqrt(self, a: Any) -> Any:
        return self.torch.sqrt(a)

    def diagonal(self, a: Any) -> Any:
        return self.torch.diagonal(a).clone()

    def gram_update(self, gram: Any, w: Any) -> Any:
        return gram.addmm_(w.T, w)

    def outer_gram(self, w: Any) -> Any:
        return w @ w.T

    def scale_symmetric(self, a: Any, s: Any) -> Any:
        return a.mul_(s[:, None]).mul_(s[None, :])

    def scale(self, a: Any, factor: float) -> Any:
        return a.mul_(factor)

    def add_diagonal(self, a: Any, v: Any) -> Any:
        self.torch.diagonal(a).add_(v)
        return a

    def cholesky(self, a: Any, *, overwrite: bool = False, what: str = "matrix") -> Any:
        factor, info = self.torch.linalg.cholesky_ex(a)
        if int(info) != 0:
            raise _not_pd(what)
        return factor

    def cho_solve(self, factor: Any, b: Any) -> Any:
        vec = b.ndim == 1
        x = self.torch.cholesky_solve(b[:, None] if vec else b, factor, upper=False)
        return x[:, 0] if vec else x

    def solve_triangular(self, factor: Any, b: Any, *, trans: bool = False, overwrite: bool = False) -> Any:
        vec = b.ndim == 1
        rhs = b[:, None] if vec else b
        if trans:
            x = self.torch.linalg.solve_triangular(factor.mT, rhs, upper=True)
        else:
            x = self.torch.linalg.solve_triangular(factor, rhs, upper=False)
        return x[:, 0] if vec else x

    def cho_inverse(self, factor: Any, *, overwrite: bool = False) -> Any:
        return self.torch.cholesky_inverse(factor, upper=False)

    def tri_inverse(self, factor: Any, *, overwrite: bool = False) -> Any:
        return self.torch.linalg.solve_triangular(factor, self.eye(factor.shape[0]), upper=False)


# ------------------------------------------------------------------------------------------------
# CuPy
# ------------------------------------------------------------------------------------------------
class CupyBackend(Backend):
    """CuPy arrays in float64 on the current CUDA device."""

    name = "cupy"

    def __init__(self, device: str | None = None) -> None:
        self.cp = _import("cupy", "cupy")
        self._linalg = _import("cupyx.scipy.linalg", "cupy")
        self._cupyx = _import("cupyx", "cupy")
        if device is not None:
            self.cp.cuda.Device(int(str(device).rsplit(":", 1)[-1])).use()

    def asarray(self, a: Any) -> Any:
        return self.cp.asarray(a, dtype=self.cp.float64)

    def to_numpy(self, a: Any) -> np.ndarray:
        return self.cp.asnumpy(a)

    def zeros(self, shape: tuple[int, ...]) -> Any:
        return self.cp.zeros(shape, dtype=self.cp.float64)

    def eye(self, n: int) -> Any:
        return self.cp.eye(n, dtype=self.cp.float64)

    def copy(self, a: Any) -> Any:
        return a.copy()

    def synchronize(self) -> None:
        self.cp.cuda.Stream.null.synchronize()

    def sum(self, a: Any, axis: int | None = None) -> Any:
        return self.cp.sum(a, axis=axis)

    def sqrt(self, a: Any) -> Any:
        return self.cp.sqrt(a)

    def diagonal(self, a: Any) -> Any:
        return self.cp.diagonal(a).copy()

    def gram_update(self, gram: Any, w: Any) -> Any:
        gram += w.T @ w
        return gram

    def outer_gram(self, w: Any) -> Any:
        return w @ w.T

    def scale_symmetric(self, a: Any, s: Any) -> Any:
        a *= s[:, None]
        a *= s[None, :]
        return a

    def scale(self, a: Any, factor: float) -> Any:
        a *= factor
        return a

    def add_diagonal(self, a: Any, v: Any) -> Any:
        idx = self.cp.arange(a.shape[0])
        a[idx, idx] += v
        return a

    def cholesky(self, a: Any, *, overwrite: bool = False, what: str = "matrix") -> Any:
        try:
            with self._cupyx.errstate(linalg="raise"):
                factor = self.cp.linalg.cholesky(a)
        except self.cp.linalg.LinAlgError as exc:
            raise _not_pd(what) from exc
        if bool(self.cp.isnan(self.cp.diagonal(factor)).any()):
            raise _not_pd(what)
        return factor

    def cho_solve(self, factor: Any, b: Any) -> Any:
        y = self._linalg.solve_triangular(factor, b, lower=True)
        return self._linalg.solve_triangular(factor, y, lower=True, trans="T")

    def solve_triangular(self, factor: Any, b: Any, *, trans: bool = False, overwrite: bool = False) -> Any:
        return self._linalg.solve_triangular(
            factor, b, lower=True, trans="T" if trans else "N", overwrite_b=overwrite
        )

    def cho_inverse(self, factor: Any, *, overwrite: bool = False) -> Any:
        inv_l = self.tri_inverse(factor)
        return inv_l.T @ inv_l

    def tri_inverse(self, factor: Any, *, overwrite: bool = False) -> Any:
        return self._linalg.solve_triangular(factor, self.eye(factor.shape[0]), lower=True)


# ------------------------------------------------------------------------------------------------
# JAX
# ------------------------------------------------------------------------------------------------
class JaxBackend(Backend):
    """JAX arrays in float64 (``jax_enable_x64`` is switched on when this backend is loaded)."""

    name = "jax"

    def __init__(self, device: str | None = None) -> None:
        jax = _import("jax", "jax")
        jax.config.update("jax_enable_x64", True)
        self.jax = jax
        self.jnp = _import("jax.numpy", "jax")
        self._linalg = _import("jax.scipy.linalg", "jax")
        self._device = jax.devices(device)[0] if device else None

    def asarray(self, a: Any) -> Any:
        out = self.jnp.asarray(a, dtype=self.jnp.float64)
        return self.jax.device_put(out, self._device) if self._device is not None else out

    def to_numpy(self, a: Any) -> np.ndarray:
        return np.asarray(a)

    def zeros(self, shape: tuple[int, ...]) -> Any:
        return self.asarray(self.jnp.zeros(shape))

    def eye(self, n: int) -> Any:
        return self.asarray(self.jnp.eye(n))

    def copy(self, a: Any) -> Any:
        return a  # immutable

    def synchronize(self) -> None:
        self.jnp.zeros(()).block_until_ready()

    def sum(self, a: Any, axis: int | None = None) -> Any:
        return self.jnp.sum(a, axis=axis)

    def sqrt(self, a: Any) -> Any:
        return self.jnp.sqrt(a)

    def diagonal(self, a: Any) -> Any:
        return self.jnp.diagonal(a)

    def gram_update(self, gram: Any, w: Any) -> Any:
        return gram + w.T @ w

    def outer_gram(self, w: Any) -> Any:
        return w @ w.T

    def scale_symmetric(self, a: Any, s: Any) -> Any:
        return a * s[:, None] * s[None, :]

    def scale(self, a: Any, factor: float) -> Any:
        return a * factor

    def add_diagonal(self, a: Any, v: Any) -> Any:
        idx = self.jnp.arange(a.shape[0])
        return a.at[idx, idx].add(v)

    def cholesky(self, a: Any, *, overwrite: bool = False, what: str = "matrix") -> Any:
        factor = self.jnp.linalg.cholesky(a)
        if bool(self.jnp.isnan(self.jnp.diagonal(factor)).any()):
            raise _not_pd(what)
        return factor

    def cho_solve(self, factor: Any, b: Any) -> Any:
        return self._linalg.cho_solve((factor, True), b)

    def solve_triangular(self, factor: Any, b: Any, *, trans: bool = False, overwrite: bool = False) -> Any:
        return self._linalg.solve_triangular(factor, b, lower=True, trans=1 if trans else 0)

    def cho_inverse(self, factor: Any, *, overwrite: bool = False) -> Any:
        return self._linalg.cho_solve((factor, True), self.eye(factor.shape[0]))

    def tri_inverse(self, factor: Any, *, overwrite: bool = False) -> Any:
        return self._linalg.solve_triangular(factor, self.eye(factor.shape[0]), lower=True)


def _import(module: str, backend: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise BackendUnavailable(
            f"backend={backend!r} needs {module.split('.')[0]}, which is not installed here; "
            f"install it with: {BACKENDS[backend]} (or use backend='numpy')"
        ) from exc


_CLASSES: dict[str, type[Backend]] = {
    "numpy": NumpyBackend,
    "cupy": CupyBackend,
    "torch": TorchBackend,
    "jax": JaxBackend,
}


def get_backend(backend: str | Backend = "numpy", *, device: str | None = None) -> Backend:
    """Return the :class:`Backend` named ``backend`` (a Backend instance is returned unchanged).

    Parameters
    ----------
    backend : {"numpy", "cupy", "torch", "jax"} or Backend
        The array library to compute with.
    device : str, optional
        Device for the GPU backends (``"cuda:0"``, ``"cpu"`` for torch or jax); the library's
        default device when omitted.

    Raises
    ------
    InputError
        ``backend`` is not one of the names above.
    BackendUnavailable
        The library is not installed; the message names the extra to install.

    Examples
    --------
    >>> get_backend("numpy").name
    'numpy'
    """
    if isinstance(backend, Backend):
        return backend
    key = str(backend).lower()
    if key not in _CLASSES:
        raise InputError(
            f"unknown backend {backend!r}; choose one of {', '.join(sorted(_CLASSES))}",
            column="backend",
            value=backend,
        )
    if key == "numpy":
        return NumpyBackend()
    return _CLASSES[key](device=device)  # type: ignore[call-arg]
