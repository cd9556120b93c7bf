"""Benchmark of dualcarbon.inversion against a straightforward numpy implementation of the IMI equations.

Problems are deterministic and need no files: ``K`` has uniform [0, 1) entries drawn block by
block from ``numpy.random.default_rng([seed, first_row])`` (positive, footprint-like),
``x_a = 1``, ``S_a = 0.5^2 I``, ``R = 15^2 I`` and ``y = K x_true + N(0, 15^2)`` with
``x_true = 1 + 0.5 N(0, 1)`` (the sizes and error settings of IMI, see docs/inversion.md).

Cases (n state elements, m observations)::

    small    (2,000; 100,000)        K generated into memory (1.6 GB), then streamed in row blocks
    medium   (20,000; 100,000)       K generated block by block during the solve (16 GB never held)
    large    (20,000; 1,000,000)     K generated block by block during the solve (160 GB never held)
    sweep    (2,000; 100,000)        45 hyperparameter members (5 gamma x 3 obs x 3 prior scales)

``--m`` and ``--n`` replace a case's sizes (a reduced run; the output says REDUCED). Every (case, method) runs in its
own subprocess so that peak memory (``ru_maxrss``) belongs to that method alone.

Timed: posterior mean, full posterior covariance (``--covariance``), DOFS, J_A, and the averaging
kernel for the small case. Not timed: building ``K`` when it is held in memory, and the pass that
makes ``y``. For streamed cases ``K`` is generated inside the timed solve; the time of a
generation-only pass is reported beside it.

The reference is IMI's ``do_inversion`` (``src/inversion_scripts/invert.py``): the same row blocks
("one file per block"), ``K^T S_o^-1`` by a Python loop over observations, ``K^T S_o^-1 K`` by a
general matrix product, and two ``np.linalg.inv`` of ``gamma K^T S_o^-1 K + S_a^-1``.
Flops executed: reference ``2 m n^2 + 6 n^3``; dualcarbon ``m n^2 + n^3`` (plus O(mn)).

Usage::

    python benchmarks/bench_inversion.py                         # small, dualcarbon + reference
    python benchmarks/bench_inversion.py --quick --case small sweep large   # seconds: n=500, m=10,000
    python benchmarks/bench_inversion.py --case small sweep --json out.json
    python benchmarks/bench_inversion.py --case large --m 20000 --no-reference   # reduced, labelled
    python benchmarks/bench_inversion.py --case large --backend torch            # one H100 GPU
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

CASES = {
    "small": {"n": 2_000, "m": 100_000, "stream": False},
    "medium": {"n": 20_000, "m": 100_000, "stream": True},
    "large": {"n": 20_000, "m": 1_000_000, "stream": True},
    "sweep": {"n": 2_000, "m": 100_000, "stream": False},
}
SEED = 20260401
SIGMA_A, SIGMA_O, GAMMA = 0.5, 15.0, 1.0


# ------------------------------------------------------------------------------------------------
# deterministic problem
# ------------------------------------------------------------------------------------------------
def block_rows(n: int) -> int:
    """Rows per generated block: about 128 MiB of float64 (the solver's default block size)."""
    from dualcarbon.inversion.jacobian import default_chunk_rows

    return default_chunk_rows(n)


def numpy_rows(n: int, seed: int = SEED):
    def rows(start: int, stop: int) -> np.ndarray:
        return np.random.default_rng([seed, start]).random((stop - start, n))

    return rows


def device_rows(backend: str, n: int, seed: int = SEED):
    """K generated on the GPU (no host-to-device transfer); same distribution, different numbers."""
    if backend == "torch":
        import torch

        dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")

        def rows(start: int, stop: int):
            g = torch.Generator(device=dev).manual_seed(seed * 1_000_003 + start)
            return torch.rand((stop - start, n), generator=g, dtype=torch.float64, device=dev)

        return rows
    if backend == "cupy":
        import cupy

        def rows(start: int, stop: int):
            return cupy.random.RandomState(seed + start).random_sample((stop - start, n), dtype=cupy.float64)

        return rows
    if backend == "jax":
        import jax

        jax.config.update("jax_enable_x64", True)

        def rows(start: int, stop: int):
            return jax.random.uniform(jax.random.PRNGKey(seed + start), (stop - start, n), dtype="float64")

        return rows
    return numpy_rows(n, seed)


def make_problem(n: int, m: int, rows, be_name: str = "numpy") -> dict[str, Any]:
    """y from a generation pass over K (not timed); returns y, x_a, S_a, R and the pass's time."""
    rng = np.random.default_rng(SEED)
    x_true = 1.0 + SIGMA_A * rng.standard_normal(n)
    y = np.empty(m)
    step = block_rows(n)
    t0 = time.perf_counter()
    if be_name == "numpy":
        for a in range(0, m, step):
            b = min(a + step, m)
            y[a:b] = rows(a, b) @ x_true
    else:
        from dualcarbon.inversion.backend import get_backend

        be = get_backend(be_name)
        xt = be.asarray(x_true)
        for a in range(0, m, step):
            b = min(a + step, m)
            y[a:b] = be.to_numpy(rows(a, b) @ xt)
        be.synchronize()
    gen_s = time.perf_counter() - t0
    y += SIGMA_O * rng.standard_normal(m)
    return {
        "y": y,
        "xa": np.ones(n),
        "sa": np.full(n, SIGMA_A**2),
        "r": np.full(m, SIGMA_O**2),
        "generation_s": gen_s,
        "x_true": x_true,
    }


# ------------------------------------------------------------------------------------------------
# the reference: IMI's do_inversion, as practitioners run it
# ------------------------------------------------------------------------------------------------
def reference_imi(blocks, y, xa, sa, r, gamma: float) -> dict[str, Any]:
    """IMI ``do_inversion`` (invert.py l.436-515), one row block per 'Jacobian file'."""
    n = xa.shape[0]
    KTinvSoK = np.zeros([n, n], dtype=float)
    KTinvSoyKxA = np.zeros([n], dtype=float)
    for start, K in blocks:
        stop = start + K.shape[0]
        obs_error = r[start:stop]
        delta_y = y[start:stop] - K @ xa
        KT = K.transpose()
        KTinvSo = np.zeros(KT.shape, dtype=float)
        for k in range(KT.shape[1]):
            KTinvSo[:, k] = KT[:, k] / obs_error[k]
        KTinvSoK += KTinvSo @ K
        KTinvSoyKxA += KTinvSo @ delta_y
    inv_Sa = np.diag(1 / sa)
    delta_optimized = np.linalg.inv(gamma * KTinvSoK + inv_Sa) @ (gamma * KTinvSoyKxA)
    xhat = xa + delta_optimized
    S_post = np.linalg.inv(gamma * KTinvSoK + inv_Sa)
    A = np.identity(n) - S_post @ inv_Sa
    J_A = delta_optimized.T @ inv_Sa @ delta_optimized
    return {"xhat": xhat, "S_post": S_post, "A": A, "dofs": float(np.trace(A)), "J_A": float(J_A)}


# ------------------------------------------------------------------------------------------------
# one measurement (in a subprocess)
# ------------------------------------------------------------------------------------------------
def _rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2  # Linux: KiB


def _current_rss_gb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1024**3


def worker(args: argparse.Namespace) -> dict[str, Any]:
    from dualcarbon.inversion import ChunkedJacobian, gram_matrix, hyperparameter_sweep, invert
    from dualcarbon.inversion.backend import get_backend

    case = CASES[args.case]
    n, m = args.n or case["n"], args.m or case["m"]
    be_name = args.backend
    step = block_rows(n)
    rows = numpy_rows(n) if be_name == "numpy" else device_rows(be_name, n)
    prob = make_problem(n, m, rows, be_name)
    in_memory = not case["stream"] and be_name == "numpy"
    if in_memory:
        K = np.empty((m, n))
        for a in range(0, m, step):
            K[a : min(a + step, m)] = rows(a, min(a + step, m))
        jac: Any = ChunkedJacobian((m, n), lambda a, b: K[a:b], chunk_rows=step)
    else:
        jac = ChunkedJacobian((m, n), rows, chunk_rows=step)
    be = get_backend(be_name)
    gpu_peak = None
    if be_name == "torch" and be.device.type == "cuda":
        import torch

        torch.cuda.reset_peak_memory_stats()
    rss_before = _current_rss_gb()
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    out: dict[str, Any] = {
        "case": args.case,
        "method": args.method,
        "backend": be_name,
        "n": n,
        "m": m,
        "reduced": bool((args.m and args.m != case["m"]) or (args.n and args.n != case["n"])),
        "k_in_memory": in_memory,
        "generation_pass_s": prob["generation_s"],
        "covariance": args.covariance,
    }
    t0 = time.perf_counter()
    if args.method == "reference":
        res = reference_imi(jac.row_blocks(step), prob["y"], prob["xa"], prob["sa"], prob["r"], GAMMA)
        elapsed = time.perf_counter() - t0
        xhat, dofs = res["xhat"], res["dofs"]
        flops = 2 * m * n * n + 6 * n**3
    elif args.case == "sweep":
        gram = gram_matrix(jac, prob["y"], prob["xa"], prob["r"], backend=be, chunk_rows=step)
        t_gram = time.perf_counter() - t0
        members = hyperparameter_sweep(
            gram,
            prob["sa"],
            gammas=[0.1, 0.25, 0.5, 1.0, 2.0],
            obs_scales=[0.5, 1.0, 2.0],
            prior_scales=[0.5, 1.0, 2.0],
        )
        be.synchronize()
        elapsed = time.perf_counter() - t0
        ref = next(mb for mb in members if mb.gamma == 1.0 and mb.obs_scale == 1.0 and mb.prior_scale == 1.0)
        xhat, dofs = ref.posterior_mean, ref.dofs
        out.update(members=len(members), gram_s=t_gram)
        flops = m * n * n + len(members) * (2 * n**3 / 3)
    else:
        res = invert(
            jac,
            prob["y"],
            prob["xa"],
            prob["sa"],
            prob["r"],
            gamma=GAMMA,
            backend=be,
            covariance=args.covariance,
            chunk_rows=step,
        )
        if args.case == "small":
            _ = res.averaging_kernel
        be.synchronize()
        elapsed = time.perf_counter() - t0
        xhat, dofs = res.posterior_mean, res.dofs
        flops = m * n * n + (n**3 if args.covariance == "full" else 2 * n**3 / 3)
    if be_name == "torch" and be.device.type == "cuda":
        import torch

        gpu_peak = torch.cuda.max_memory_allocated() / 1024**3
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    out.update(
        seconds=elapsed,
        cpu_seconds=(cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime),
        load_average_1=round(os.getloadavg()[0], 2),
        gflops=flops / elapsed / 1e9,
        flops=float(flops),
        peak_rss_gb=_rss_gb(),
        rss_before_solve_gb=rss_before,
        gpu_peak_gb=gpu_peak,
        dofs=dofs,
        rmse_vs_truth=float(np.sqrt(np.mean((xhat - prob["x_true"]) ** 2))),
    )
    if args.save:
        np.save(args.save, xhat)
    return out


# ------------------------------------------------------------------------------------------------
# driver
# ------------------------------------------------------------------------------------------------
def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    import scipy

    return {
        "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()],
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(mem, 1),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "date_utc": datetime.now(UTC).strftime("%Y-%m-%d %H:%M"),
    }


def run_one(case: str, method: str, ns: argparse.Namespace, save: str | None) -> dict[str, Any]:
    cmd = [
        sys.executable,
        __file__,
        "--worker",
        "--case",
        case,
        "--method",
        method,
        "--backend",
        ns.backend,
        "--covariance",
        ns.covariance,
    ]
    if ns.m:
        cmd += ["--m", str(ns.m)]
    if ns.n:
        cmd += ["--n", str(ns.n)]
    if save:
        cmd += ["--save", save]
    env = dict(os.environ)
    if ns.threads:
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = str(ns.threads)
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        return {"case": case, "method": method, "error": proc.stderr.strip().splitlines()[-1:]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--case", nargs="+", default=["small"], choices=list(CASES))
    ap.add_argument(
        "--m", type=int, default=0, help="replace the case's number of observations (reduced run)"
    )
    ap.add_argument("--backend", default="numpy", choices=["numpy", "cupy", "torch", "jax"])
    ap.add_argument("--covariance", default="full", choices=["full", "diagonal"])
    ap.add_argument("--no-reference", action="store_true", help="skip the IMI-style reference")
    ap.add_argument("--json", type=Path, help="also write the results as JSON")
    ap.add_argument(
        "--repeat", type=int, default=1, help="runs per method, alternating methods; medians reported"
    )
    ap.add_argument("--n", type=int, default=0, help="replace the case's state size (reduced run)")
    ap.add_argument("--quick", action="store_true", help="small sizes (n=500, m=10,000) to check the script")
    ap.add_argument("--threads", type=int, default=0, help="BLAS threads in the workers (default: all cores)")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--method", default="dualcarbon", help=argparse.SUPPRESS)
    ap.add_argument("--save", help=argparse.SUPPRESS)
    ns = ap.parse_args(argv)
    if ns.quick:
        ns.n, ns.m = ns.n or 500, ns.m or 10_000
    if ns.worker:
        ns.case = ns.case[0]
        out = worker(ns)
        out["blas_threads"] = os.environ.get("OPENBLAS_NUM_THREADS", "all")
        print(json.dumps(out))
        return 0

    info = machine()
    print(
        f"# {info['cpu']}, {info['cores']} cores, {info['memory_gb']} GB; numpy {info['numpy']}, "
        f"scipy {info['scipy']}; {info['date_utc']} UTC; load average {info['load_average_1_5_15']}"
    )
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for case in ns.case:
            methods = ["dualcarbon"]
            if not ns.no_reference and ns.backend == "numpy" and case in ("small", "sweep"):
                methods.append("reference")
            if case == "sweep" and "reference" in methods:
                methods.remove("reference")  # one reference solve is measured in the small case
            saved = {}
            runs: dict[str, list[dict[str, Any]]] = {method: [] for method in methods}
            for rep in range(ns.repeat):
                for method in methods if rep % 2 == 0 else methods[::-1]:
                    saved[method] = os.path.join(tmp, f"{case}-{method}.npy")
                    r = run_one(case, method, ns, saved[method])
                    if "error" in r:
                        print(f"{case:7s} {method:11s} FAILED: {r['error']}")
                        continue
                    runs[method].append(r)
                    label = f"({r['n']:,}; {r['m']:,}{' streamed' if not r['k_in_memory'] else ''})"
                    if r["reduced"]:
                        label += " REDUCED"
                    print(
                        f"{case:7s} {method:11s} {label:34s} {r['seconds']:9.2f} s (cpu {r['cpu_seconds']:7.1f} s)"
                        f"  peak RSS {r['peak_rss_gb']:6.2f} GB  {r['gflops']:7.1f} GFLOP/s  DOFS {r['dofs']:9.2f}"
                        f"  load {r['load_average_1']}"
                    )
            for rs in runs.values():
                if rs:
                    best = dict(rs[int(np.argsort([x["seconds"] for x in rs])[len(rs) // 2])])  # median run
                    best["runs_seconds"] = [x["seconds"] for x in rs]
                    results.append(best)
            if len(saved) == 2 and all(os.path.exists(p) for p in saved.values()):
                a, b = np.load(saved["dualcarbon"]), np.load(saved["reference"])
                ours = next(x for x in results if x.get("case") == case and x.get("method") == "dualcarbon")
                ref = next(x for x in results if x.get("case") == case and x.get("method") == "reference")
                rel = float(np.linalg.norm(a - b) / np.linalg.norm(b))
                speed = ref["seconds"] / ours["seconds"]
                if ns.repeat > 1:
                    print(
                        f"{case:7s} medians: dualcarbon {ours['seconds']:.2f} s, reference {ref['seconds']:.2f} s"
                    )
                ours.update(speedup_vs_reference=speed, rel_diff_vs_reference=rel)
                print(
                    f"{case:7s} speed-up {speed:.2f}x; |x_hat - x_ref| / |x_ref| = {rel:.1e}; "
                    f"|DOFS diff| = {abs(ours['dofs'] - ref['dofs']):.1e}"
                )
    if ns.json:
        ns.json.write_text(json.dumps({"machine": info, "results": results}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
