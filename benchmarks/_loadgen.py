"""A small closed-loop HTTP load generator for loopback benchmarks (used when ``wrk`` is missing).

``connections`` threads each hold one keep-alive HTTP/1.1 connection and send the next request as
soon as the previous answer has been read in full, for ``duration`` seconds (after ``warmup``
seconds that are not counted). Latency is measured per request with ``time.perf_counter``;
percentiles use the nearest-rank definition. Being Python, it competes with the server for the GIL
of its own process only, but for the CPU cores with everything else on the machine: prefer ``wrk``.
"""

from __future__ import annotations

import http.client
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ("LoadResult", "percentile", "run_load")


@dataclass(frozen=True)
class LoadResult:
    requests: int
    errors: int  # responses other than 2xx/3xx, and failed connections
    seconds: float
    p50_ms: float
    p99_ms: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else 0.0


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile ``q`` (0 < q <= 100) of already sorted values."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(q / 100.0 * len(sorted_values)))
    return sorted_values[rank - 1]


def run_load(
    host: str,
    port: int,
    path_for: Callable[[int], str],
    *,
    headers: dict[str, str] | None = None,
    connections: int = 8,
    duration: float = 10.0,
    warmup: float = 2.0,
) -> LoadResult:
    """Load ``http://host:port`` with ``connections`` keep-alive clients; ``path_for(i)`` gives the
    path of the ``i``-th request of a client (rotate pages with it)."""
    hdrs = {"Connection": "keep-alive", **(headers or {})}
    start = time.perf_counter()
    measure_from = start + warmup
    stop_at = measure_from + duration
    lock = threading.Lock()
    latencies: list[float] = []
    errors = [0]

    def client() -> None:
        conn = http.client.HTTPConnection(host, port, timeout=30)
        mine: list[float] = []
        bad = 0
        i = 0
        while True:
            t0 = time.perf_counter()
            if t0 >= stop_at:
                break
            try:
                conn.request("GET", path_for(i), headers=hdrs)
                resp = conn.getresponse()
                resp.read()
                ok = resp.status < 400
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=30)
                ok = False
            t1 = time.perf_counter()
            i += 1
            if t0 >= measure_from:
                mine.append(t1 - t0)
                bad += 0 if ok else 1
        conn.close()
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    threads = [threading.Thread(target=client, daemon=True) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    latencies.sort()
    return LoadResult(
        requests=len(latencies),
        errors=errors[0],
        seconds=duration,
        p50_ms=percentile(latencies, 50) * 1e3,
        p99_ms=percentile(latencies, 99) * 1e3,
    )
