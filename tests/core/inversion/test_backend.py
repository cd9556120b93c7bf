"""The backend seam: names, missing libraries, and the same answers on torch (CPU) and GPUs."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from dualcarbon.errors import InputError
from dualcarbon.inversion import BackendUnavailable, get_backend, gram_matrix, hyperparameter_sweep, invert

from .inversion_problems import random_problem


def test_numpy_is_the_default() -> None:
    assert get_backend().name == "numpy"
    be = get_backend("numpy")
    assert get_backend(be) is be


def test_unknown_backend_lists_the_choices() -> None:
    with pytest.raises(InputError, match="choose one of cupy, jax, numpy, torch"):
        get_backend("tensorflow")


@pytest.mark.parametrize(
    ("name", "module", "extra"),
    [
        ("cupy", "cupy", "dualcarbon[gpu]"),
        ("torch", "torch", "dualcarbon[torch]"),
        ("jax", "jax", "pip install jax"),
    ],
)
def test_missing_backend_names_what_to_install(monkeypatch, name, module, extra) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # makes "import <module>" fail
    with pytest.raises(BackendUnavailable, match=extra.replace("[", r"\[").replace("]", r"\]")):
        get_backend(name)
    with pytest.raises(ImportError):  # BackendUnavailable is also an ImportError
        invert(np.eye(2), [1.0, 1.0], [0.0, 0.0], [1.0, 1.0], [1.0, 1.0], backend=name)


def test_gpu_libraries_are_not_imported_by_the_package() -> None:
    import subprocess

    code = (
        "import sys, dualcarbon.inversion, dualcarbon.inversion.workflow; "
        "print(any(m in sys.modules for m in ('cupy', 'torch', 'jax')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def _compare(a, b, rtol: float = 1e-8) -> None:
    np.testing.assert_allclose(
        b.posterior_mean, a.posterior_mean, rtol=rtol, atol=rtol * np.abs(a.posterior_mean).max()
    )
    np.testing.assert_allclose(
        b.posterior_cov, a.posterior_cov, rtol=rtol, atol=rtol * np.abs(a.posterior_cov).max()
    )
    np.testing.assert_allclose(b.averaging_kernel, a.averaging_kernel, atol=rtol)
    for attr in ("dofs", "cost_prior", "cost_obs"):
        assert getattr(b, attr) == pytest.approx(getattr(a, attr), rel=rtol)


CASES = [
    ("state", False, "full"),
    ("state", True, "full"),
    ("state", False, "diagonal"),
    ("state", True, "diagonal"),
    ("observation", False, "full"),
    ("observation", True, "diagonal"),
]


@pytest.mark.parametrize("library", ["torch", "jax"])
@pytest.mark.parametrize(("form", "full_prior", "covariance"), CASES)
def test_cpu_backend_agrees_with_numpy(rng, library, form, full_prior, covariance) -> None:
    """The GPU backends' code, run on the CPU (torch, and JAX where it is installed)."""
    pytest.importorskip(library)
    n, m = (20, 60) if form == "state" else (60, 20)
    p = random_problem(rng, n, m, full_prior=full_prior)
    a = invert(p.K, p.y, p.xa, p.Sa, p.R, form=form, covariance=covariance)
    b = invert(
        p.K,
        p.y,
        p.xa,
        p.Sa,
        p.R,
        form=form,
        covariance=covariance,
        backend=get_backend(library, device="cpu"),
    )
    assert b.backend == library
    _compare(a, b, rtol=1e-10)
    W = rng.standard_normal((3, n))
    np.testing.assert_allclose(b.aggregate(W)[1], a.aggregate(W)[1], rtol=1e-10)


def test_torch_cpu_sweep_agrees_with_numpy(rng) -> None:
    pytest.importorskip("torch")
    p = random_problem(rng, 10, 40)
    torch_be = get_backend("torch", device="cpu")
    a = hyperparameter_sweep(gram_matrix(p.K, p.y, p.xa, p.R), p.Sa, gammas=[0.5, 2.0])
    b = hyperparameter_sweep(gram_matrix(p.K, p.y, p.xa, p.R, backend=torch_be), p.Sa, gammas=[0.5, 2.0])
    for x, y in zip(a, b, strict=True):
        np.testing.assert_allclose(y.posterior_mean, x.posterior_mean, rtol=1e-10)
        np.testing.assert_allclose(y.posterior_sd, x.posterior_sd, rtol=1e-10)


@pytest.mark.gpu
@pytest.mark.parametrize("backend", ["cupy", "torch", "jax"])
@pytest.mark.parametrize(("form", "full_prior", "covariance"), CASES)
def test_gpu_float64_agrees_with_cpu_to_1e8(rng, backend, form, full_prior, covariance) -> None:
    try:
        be = get_backend(backend, device="cuda:0" if backend != "jax" else "gpu")
    except (BackendUnavailable, RuntimeError) as exc:
        pytest.skip(f"{backend}: {exc}")
    n, m = (300, 3000) if form == "state" else (3000, 300)
    p = random_problem(rng, n, m, full_prior=full_prior)
    a = invert(p.K, p.y, p.xa, p.Sa, p.R, form=form, covariance=covariance)
    b = invert(p.K, p.y, p.xa, p.Sa, p.R, form=form, covariance=covariance, backend=be, chunk_rows=512)
    _compare(a, b, rtol=1e-8)


@pytest.mark.parametrize("form", ["state", "observation"])
def test_torch_cpu_streamed_jacobian_of_device_blocks_agrees_with_numpy(rng, form) -> None:
    """The GPU benchmark's path: K streamed in row blocks that are already backend tensors.

    The blocks are produced as torch tensors (as ``benchmarks/bench_inversion.py`` makes them on
    the GPU) in uneven chunks; the solve must equal the numpy solve on the whole ``K``.
    """
    torch = pytest.importorskip("torch")
    from dualcarbon.inversion import ChunkedJacobian

    n, m = (25, 130) if form == "state" else (130, 25)
    p = random_problem(rng, n, m, full_prior=False)
    K_t = torch.as_tensor(p.K)
    jac = ChunkedJacobian((m, n), lambda a, b: K_t[a:b].clone(), chunk_rows=7)
    be = get_backend("torch", device="cpu")
    a = invert(p.K, p.y, p.xa, p.Sa, p.R, form=form)
    b = invert(jac, p.y, p.xa, p.Sa, p.R, form=form, backend=be)
    _compare(a, b, rtol=1e-10)
    gram_a = gram_matrix(p.K, p.y, p.xa, p.R)
    gram_b = gram_matrix(jac, p.y, p.xa, p.R, backend=be)
    # the numpy backend fills only the lower triangle (dsyrk); compare that
    np.testing.assert_allclose(np.tril(be.to_numpy(gram_b.matrix)), np.tril(gram_a.matrix), rtol=1e-12)
    np.testing.assert_allclose(be.to_numpy(gram_b.rhs), gram_a.rhs, rtol=1e-12)
    assert gram_b.misfit == pytest.approx(gram_a.misfit, rel=1e-12)
