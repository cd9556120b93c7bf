"""Benchmark: activity lines in a CSV -> totals per entity, scope and gas.

Generates a fixed-seed CSV of N activity lines over E entities (default 10,000,000 lines and 100,000
entities) into ``benchmarks/_data/`` (git-ignored), then measures in separate subprocesses, in one
run:

* the floor: ``polars.read_csv`` of the same file and nothing else;
* the engine: ``dualcarbon.accounting.read_lines`` + ``account(keep_lines=False, categories=False)``,
  i.e. reading, validation, factor resolution, totals per entity, scope and gas, location-based
  scope 2 and Approach 1 uncertainty;
* the same with the per-category breakdown (``categories=True``, the CLI's default).

Both timings start after the imports. Each subprocess reports its wall time and peak RSS (``resource.getrusage(RUSAGE_SELF).ru_maxrss``).

Usage::

    python benchmarks/bench_accounting.py            # 10M lines, 100k entities
    python benchmarks/bench_accounting.py --quick    # 200k lines, 2k entities
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

__all__ = ["generate", "main"]

HERE = Path(__file__).resolve().parent
DATA = HERE / "_data"

# (category, item, unit, quantity scale, region choices) drawn with these weights
_MIX = [
    ("combustion", "natural_gas", "10^4 Nm3", 50.0, None, 0.20),
    ("combustion", "diesel", "t", 20.0, None, 0.10),
    ("combustion", "fuel_oil", "t", 30.0, None, 0.05),
    ("combustion", "lpg", "t", 5.0, None, 0.04),
    ("combustion", "coke", "t", 100.0, None, 0.05),
    ("purchased_electricity", "grid", "MWh", 800.0, "province", 0.25),
    ("purchased_electricity", "grid", "kWh", 90000.0, "grid", 0.10),
    ("exported_electricity", "grid", "MWh", 50.0, "province", 0.02),
    ("purchased_heat", "steam", "GJ", 400.0, None, 0.08),
    ("exported_heat", "steam", "GJ", 40.0, None, 0.02),
    ("process", "limestone", "t", 60.0, None, 0.04),
    ("direct_gas", "CH4", "t", 0.5, None, 0.03),
    ("direct_gas", "SF6", "kg", 2.0, None, 0.02),
]
_PROVINCES = ["北京", "上海", "江苏", "浙江", "广东", "四川", "安徽", "山东", "河北", "云南"]
_GRIDS = ["华北", "东北", "华东", "华中", "西北", "南方", "西南"]


def generate(path: Path, n_lines: int, n_entities: int, seed: int = 20240501) -> Path:
    """Write the benchmark CSV (deterministic for a given seed)."""
    import numpy as np
    import polars as pl

    rng = np.random.default_rng(seed)
    weights = np.array([m[-1] for m in _MIX])
    kind = rng.choice(len(_MIX), size=n_lines, p=weights / weights.sum())
    entity = rng.integers(0, n_entities, size=n_lines)
    month = rng.integers(1, 13, size=n_lines)
    scale = np.array([m[3] for m in _MIX])[kind]
    quantity = np.round(rng.lognormal(0.0, 0.5, size=n_lines) * scale, 3)
    region = np.full(n_lines, "", dtype=object)
    prov = np.array([m[4] == "province" for m in _MIX])[kind]
    grid = np.array([m[4] == "grid" for m in _MIX])[kind]
    region[prov] = np.array(_PROVINCES, dtype=object)[rng.integers(0, len(_PROVINCES), prov.sum())]
    region[grid] = np.array(_GRIDS, dtype=object)[rng.integers(0, len(_GRIDS), grid.sum())]
    df = pl.DataFrame(
        {
            "entity": pl.Series([f"E{i:06d}" for i in range(n_entities)])[entity],
            "period": pl.Series([f"2022-{m:02d}" for m in range(1, 13)])[month - 1],
            "category": pl.Series([m[0] for m in _MIX])[kind],
            "item": pl.Series([m[1] for m in _MIX])[kind],
            "quantity": quantity,
            "unit": pl.Series([m[2] for m in _MIX])[kind],
            "region": pl.Series(region.tolist(), dtype=pl.String),
            "uncertainty_pct": np.round(rng.uniform(1.0, 5.0, size=n_lines), 2),
        }
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    df.write_csv(path)
    return path


_FLOOR = """
import json, resource, sys, time
import polars as pl
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
t0, c0 = time.perf_counter(), cpu()
df = pl.read_csv(sys.argv[1])
dt, dc = time.perf_counter() - t0, cpu() - c0
print(json.dumps({"seconds": dt, "cpu_seconds": dc, "rows": df.height,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

_ENGINE = """
import json, resource, sys, time
from dualcarbon.accounting import account, read_lines
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
t0, c0 = time.perf_counter(), cpu()
frame, _ = read_lines(sys.argv[1])
t_read = time.perf_counter() - t0
res = account(frame, gwp="AR5", source=sys.argv[1], keep_lines=False, categories=sys.argv[2] == "1")
dt, dc = time.perf_counter() - t0, cpu() - c0
print(json.dumps({"seconds": dt, "cpu_seconds": dc, "read_seconds": t_read, "entities": res.entity_frame.height,
                  "total_tco2e": res.total_tco2e, "keys": len(res.keys),
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _run(code: str, path: Path, *extra: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", code, str(path), *extra], capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        raise SystemExit(f"benchmark subprocess failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="200k lines over 2k entities")
    ap.add_argument("--lines", type=int, default=10_000_000)
    ap.add_argument("--entities", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=1, help="runs of each measurement (the best is reported)")
    ap.add_argument("--keep", action="store_true", help="keep the generated CSV")
    args = ap.parse_args(argv)
    n, e = (200_000, 2_000) if args.quick else (args.lines, args.entities)
    path = DATA / f"accounting_{n}_{e}.csv"
    free_gb = shutil.disk_usage(DATA.parent).free / 1e9
    if not path.exists():
        if free_gb < n * 80 / 1e9 + 1:
            raise SystemExit(f"not enough free disk ({free_gb:.1f} GB) for {n:,} lines")
        t0 = time.perf_counter()
        generate(path, n, e)
        print(
            f"generated {path.name}: {path.stat().st_size / 1e6:.0f} MB in {time.perf_counter() - t0:.1f} s"
        )
    floors = [_run(_FLOOR, path) for _ in range(args.repeat)]
    engines = [_run(_ENGINE, path, "0") for _ in range(args.repeat)]
    fulls = [_run(_ENGINE, path, "1") for _ in range(args.repeat)]
    floor = min(floors, key=lambda r: r["seconds"])
    engine = min(engines, key=lambda r: r["seconds"])
    full = min(fulls, key=lambda r: r["seconds"])
    report = {
        "lines": n,
        "entities": e,
        "csv_mb": round(path.stat().st_size / 1e6, 1),
        "floor_polars_read_csv_s": round(floor["seconds"], 2),
        "floor_cpu_s": round(floor["cpu_seconds"], 2),
        "floor_peak_rss_mb": round(floor["peak_rss_mb"]),
        "engine_s": round(engine["seconds"], 2),
        "engine_cpu_s": round(engine["cpu_seconds"], 2),
        "engine_read_s": round(engine["read_seconds"], 2),
        "engine_peak_rss_mb": round(engine["peak_rss_mb"]),
        "ratio_to_floor": round(engine["seconds"] / floor["seconds"], 2),
        "cpu_ratio_to_floor": round(engine["cpu_seconds"] / floor["cpu_seconds"], 2),
        "engine_with_categories_s": round(full["seconds"], 2),
        "engine_with_categories_cpu_s": round(full["cpu_seconds"], 2),
        "engine_with_categories_peak_rss_mb": round(full["peak_rss_mb"]),
        "ratio_with_categories": round(full["seconds"] / floor["seconds"], 2),
        "distinct_keys": engine["keys"],
        "total_tco2e": engine["total_tco2e"],
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
        "load": os.getloadavg(),
    }
    print(json.dumps(report, indent=2, ensure_ascii=False))
    if not args.keep and args.quick:
        path.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
