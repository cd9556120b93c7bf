"""Benchmark of the MRV log (dualcarbon.ledger) beside pymerkle 7 (SqliteTree), same entries, same run.

Measures, for each size N:

* durable appends per second: batches of ``--batch`` entries, one committed transaction each
  (dualcarbon: WAL + synchronous=FULL, and a signed checkpoint per batch; pymerkle: its default
  rollback journal with synchronous=FULL, ``append_entries`` per batch);
* inclusion-proof latency: ``Log.inclusion_proof(i)`` against the latest signed checkpoint vs
  ``SqliteTree.prove_inclusion(i + 1)``, for ``--proofs`` random indices (fixed seed);
* consistency-proof latency: from random earlier checkpoint sizes to N, vs ``prove_consistency``;
* the offline verifiers' latency (dualcarbon only) and a cross-check that both trees have the same
  root and that pymerkle's audit paths equal dualcarbon's.

Usage::

    python benchmarks/bench_ledger.py --quick            # 10,000 entries, a smoke run
    python benchmarks/bench_ledger.py                    # 100,000 and 10,000,000 entries
    python benchmarks/bench_ledger.py --sizes 100000     # one size

Databases are written under ``benchmarks/_data/`` (ignored by git) and removed afterwards unless
``--keep`` is given.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from dualcarbon.ledger import (
    Log,
    SqliteLogStore,
    generate_signer,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)

DATA = Path(__file__).parent / "_data"
SEED = 20251125


def events(start: int, end: int) -> list[dict[str, object]]:
    """Deterministic MRV-like events: what the workflow appends (both trees get the same ones)."""
    out = []
    for i in range(start, end):
        out.append(
            {
                "kind": "evidence",
                "period": f"2025-{i % 12 + 1:02d}",
                "seq": i,
                "sha256": hashlib.sha256(i.to_bytes(8, "big")).hexdigest(),
                "unit": f"91110000{i % 100000:05d}X",
            }
        )
    return out


def canonical(event: dict[str, object]) -> bytes:
    """The same canonical JSON dualcarbon stores: sorted keys, no spaces, UTF-8."""
    return json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def latencies(fn: Callable[[int], object], args: list[int]) -> dict[str, float]:
    """Wall-clock latency of each call (median, p95, mean, max) and CPU time per call."""
    times = []
    cpu0 = time.process_time()
    for a in args:
        t0 = time.perf_counter_ns()
        fn(a)
        times.append((time.perf_counter_ns() - t0) / 1e3)
    cpu_us = (time.process_time() - cpu0) / len(args) * 1e6
    times.sort()
    return {
        "median_us": statistics.median(times),
        "p95_us": times[int(0.95 * (len(times) - 1))],
        "mean_us": statistics.fmean(times),
        "max_us": times[-1],
        "cpu_us": cpu_us,
        "n": len(times),
    }


def build(ours_path: Path, theirs_path: Path | None, n: int, batch: int):
    """Append the same ``n`` events to both logs, batch by batch, alternating which goes first.

    Interleaving puts both implementations under the same machine load (a shared 2-core machine).
    Only the append calls are timed: ``Log.append(events)`` for dualcarbon (canonical JSON, hashing,
    one transaction with a signed checkpoint) and, for pymerkle, the same canonical JSON
    serialisation plus ``SqliteTree.append_entries`` (one transaction).
    """
    signer = generate_signer("bench.dualcarbon.example/log")
    log = Log.create(SqliteLogStore(ours_path), origin="bench.dualcarbon.example/log", signer=signer)
    tree = None
    if theirs_path is not None:
        from pymerkle import SqliteTree

        tree = SqliteTree(str(theirs_path))

    def ours(batch_events: list[dict[str, object]]) -> float:
        t0 = time.perf_counter()
        log.append(batch_events, checkpoint=True)
        return time.perf_counter() - t0

    def theirs(batch_events: list[dict[str, object]]) -> float:
        t0 = time.perf_counter()
        tree.append_entries([canonical(e) for e in batch_events])
        return time.perf_counter() - t0

    spent = {"dualcarbon": 0.0, "pymerkle": 0.0}
    runs = [("dualcarbon", ours), ("pymerkle", theirs)] if tree is not None else [("dualcarbon", ours)]
    for b, lo in enumerate(range(0, n, batch)):
        batch_events = events(lo, min(n, lo + batch))
        for name, fn in runs if b % 2 == 0 else runs[::-1]:
            spent[name] += fn(batch_events)
        if lo and lo % (batch * 500) == 0:
            rates = ", ".join(f"{k} {lo / v:,.0f}/s" for k, v in spent.items() if v)
            print(f"    {lo:>11,} appended ({rates})", file=sys.stderr, flush=True)
    return log, tree, spent


def bench_size(n: int, args: argparse.Namespace) -> dict[str, object]:
    DATA.mkdir(parents=True, exist_ok=True)
    ours_path, theirs_path = DATA / f"dualcarbon-{n}.db", DATA / f"pymerkle-{n}.db"
    for p in [*DATA.glob(f"dualcarbon-{n}.db*"), *DATA.glob(f"pymerkle-{n}.db*")]:
        p.unlink()
    rng = random.Random(SEED + n)
    result: dict[str, object] = {"n": n, "batch": args.batch, "load_before": os.getloadavg()}

    with_pymerkle = n <= args.pymerkle_max
    print(f"[{n:,}] appending to both logs, interleaved, batches of {args.batch:,}", file=sys.stderr)
    log, tree, spent = build(ours_path, theirs_path if with_pymerkle else None, n, args.batch)
    result["dualcarbon_append_per_s"] = n / spent["dualcarbon"]
    result["dualcarbon_append_s"] = spent["dualcarbon"]
    if tree is not None:
        result["pymerkle_append_per_s"] = n / spent["pymerkle"]
        result["pymerkle_append_s"] = spent["pymerkle"]

    checkpoint_sizes = log.store.checkpoint_sizes()
    cold = [rng.randrange(n) for _ in range(args.proofs)]
    warm = [rng.randrange(n) for _ in range(args.proofs)]
    olds = (
        [rng.choice(checkpoint_sizes[:-1]) for _ in range(args.proofs)] if len(checkpoint_sizes) > 1 else []
    )
    gc.collect()

    # dualcarbon: a fresh handle (empty caches). As the API serves proofs, the client holds the
    # latest checkpoint and asks against its size.
    log.store.close()
    store = SqliteLogStore(ours_path)
    log = Log.open(store)
    size = log.checkpoint_size()
    print(f"[{n:,}] dualcarbon proofs", file=sys.stderr)
    result["dualcarbon_inclusion_cold"] = latencies(lambda i: log.inclusion_proof(i, size), cold)
    t_warm, cached = timed(log.warm_cache)
    result["dualcarbon_warm_cache"] = {"seconds": t_warm, "hashes": cached}
    result["dualcarbon_inclusion"] = latencies(lambda i: log.inclusion_proof(i, size), warm)
    if olds:
        result["dualcarbon_consistency"] = latencies(lambda m: log.consistency_proof(m, size), olds)
    root = log.root_at(size)

    # The verifiers, offline (no database): what an auditor's machine does.
    sample = warm[: min(200, len(warm))]
    proofs = {i: log.inclusion_proof(i, size) for i in sample}
    leaves = {i: leaf_hash(canonical(events(i, i + 1)[0])) for i in sample}
    result["verify_inclusion"] = latencies(
        lambda i: verify_inclusion(leaves[i], i, n, proofs[i], root), sample
    )
    if olds:
        cons = {m: (log.root_at(m), log.consistency_proof(m, size)) for m in olds[:200]}
        result["verify_consistency"] = latencies(
            lambda m: verify_consistency(m, n, cons[m][0], root, cons[m][1]), list(cons)
        )

    if tree is not None:
        print(f"[{n:,}] pymerkle root and proofs", file=sys.stderr)
        t_root, their_root = timed(tree.get_root)  # also fills pymerkle's subroot cache
        result["pymerkle_first_root_s"] = t_root
        result["roots_equal"] = their_root == root
        k = min(args.proofs, args.pymerkle_proofs)
        result["pymerkle_inclusion_cold"] = latencies(lambda i: tree.prove_inclusion(i + 1, n), cold[:k])
        result["pymerkle_inclusion"] = latencies(lambda i: tree.prove_inclusion(i + 1, n), warm[:k])
        if olds:
            result["pymerkle_consistency"] = latencies(lambda m: tree.prove_consistency(m, n), olds[:k])
        result["inclusion_paths_equal"] = all(
            list(tree.prove_inclusion(i + 1, n).path[1:]) == log.inclusion_proof(i, size) for i in warm[:50]
        )
        result["inclusion_speedup_median"] = (
            result["pymerkle_inclusion"]["median_us"] / result["dualcarbon_inclusion"]["median_us"]
        )
        tree.close()

    result["dualcarbon_db_bytes"] = sum(p.stat().st_size for p in DATA.glob(f"dualcarbon-{n}.db*"))
    if tree is not None:
        result["pymerkle_db_bytes"] = sum(p.stat().st_size for p in DATA.glob(f"pymerkle-{n}.db*"))
    result["load_after"] = os.getloadavg()
    store.close()
    if not args.keep:
        for p in [*DATA.glob(f"dualcarbon-{n}.db*"), *DATA.glob(f"pymerkle-{n}.db*")]:
            p.unlink()
    return result


def machine() -> dict[str, object]:
    info: dict[str, object] = {"python": platform.python_version(), "platform": platform.platform()}
    try:
        cpu = [ln for ln in Path("/proc/cpuinfo").read_text().splitlines() if ln.startswith("model name")]
        info["cpu"] = cpu[0].split(":", 1)[1].strip() if cpu else platform.processor()
        info["cores"] = os.cpu_count()
        mem = [ln for ln in Path("/proc/meminfo").read_text().splitlines() if ln.startswith("MemTotal")]
        info["memory_gib"] = round(int(mem[0].split()[1]) / 1024**2, 1)
        info["load_1_5_15"] = os.getloadavg()
    except OSError:
        pass
    import sqlite3

    info["sqlite"] = sqlite3.sqlite_version
    return info


def _us(r: dict[str, object], key: str) -> str:
    v = r.get(key)
    if not isinstance(v, dict):
        return "–"
    return f"{v['median_us']:,.1f} µs (p95 {v['p95_us']:,.1f}; CPU {v['cpu_us']:,.1f})"


def report(results: list[dict[str, object]]) -> None:
    print(
        "\n| N | appends/s dualcarbon | appends/s pymerkle | inclusion dualcarbon | inclusion pymerkle "
        "| speed-up (median) | consistency dualcarbon | consistency pymerkle |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        pm = r.get("pymerkle_append_per_s")
        sp = r.get("inclusion_speedup_median")
        print(
            f"| {r['n']:,} | {r['dualcarbon_append_per_s']:,.0f} | {f'{pm:,.0f}' if pm else '–'} | "
            f"{_us(r, 'dualcarbon_inclusion')} | {_us(r, 'pymerkle_inclusion')} | {f'{sp:,.1f}×' if sp else '–'} | "
            f"{_us(r, 'dualcarbon_consistency')} | {_us(r, 'pymerkle_consistency')} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 10_000_000])
    parser.add_argument("--quick", action="store_true", help="10,000 entries only")
    parser.add_argument("--batch", type=int, default=1_000, help="entries per durable transaction")
    parser.add_argument("--proofs", type=int, default=1_000, help="random proofs timed per size")
    parser.add_argument(
        "--pymerkle-proofs", type=int, default=1_000, help="at most this many pymerkle proofs"
    )
    parser.add_argument("--pymerkle-max", type=int, default=10_000_000, help="skip pymerkle above this size")
    parser.add_argument("--keep", action="store_true", help="keep the databases in benchmarks/_data")
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    args = parser.parse_args()
    sizes = [10_000] if args.quick else args.sizes
    info = machine()
    print(json.dumps(info), file=sys.stderr)
    results = []
    for n in sizes:
        r = bench_size(n, args)
        print(json.dumps(r, default=str), file=sys.stderr, flush=True)
        results.append(r)
    report(results)
    if args.json:
        args.json.write_text(json.dumps({"machine": info, "results": results}, indent=2, default=str))


if __name__ == "__main__":
    main()
