"""Web platform throughput and latency: the dashboard and one API list with 10,000 enterprises.

For each system of record (the embedded SQLite default and PostgreSQL) this script

1. makes a fresh data home (and, for PostgreSQL, a fresh database ``dualcarbon_bench``), runs the
   platform's own setup with the demo province (migrations, reference data, demo users), then adds
   ``--enterprises`` enterprises (default 10,000; fixed seed), each with one facility, 80 % of them in
   广东省 prefectures and the rest elsewhere, with valid GB 32100 USCCs;
2. starts ``dualcarbon serve`` (waitress, 8 request threads, the embedded job worker switched off so
   only requests use the CPU) on a free loopback port;
3. signs the province regulator in through the login form (a session cookie for the dashboard) and
   creates a bearer token for the API;
4. loads four targets on loopback with ``wrk`` (Debian package; ``--loadgen python`` or a missing wrk
   falls back to :mod:`benchmarks._loadgen`), ``--connections`` keep-alive connections for
   ``--duration`` seconds after a warm-up, and reports requests/s and p50/p99 latency:

   * floor: a static file (``/static/dualcarbon/app.css`` via WhiteNoise): waitress + WSGI + middleware;
   * peer: ``GET /api/v1/platform/me`` with the token: authentication and one small query;
   * the home dashboard of the province regulator (about 8,000 visible enterprises);
   * ``GET /api/v1/organizations/?page=N`` with the token, N rotating over the first 100 pages of 50.

Every target is fetched once before loading and must answer 200 with the expected content; any
non-2xx answer during a load is counted and printed.

Usage::

    .venv/bin/python benchmarks/bench_web.py            # 10,000 enterprises, 10 s per target
    .venv/bin/python benchmarks/bench_web.py --quick    # 1,000 enterprises, 3 s per target
    .venv/bin/python benchmarks/bench_web.py --backends sqlite --loadgen python
"""

from __future__ import annotations

import argparse
import contextlib
import http.cookiejar
import json
import os
import platform
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

__all__ = ("main",)

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/dualcarbon_bench"
SEED = 20260301
API_LIST = "/api/v1/organizations/"
API_PAGES = 100
GUANGDONG_SHARE = 0.8


# --------------------------------------------------------------------------------------------
# 1. populate (runs in a child process with the backend's environment)
# --------------------------------------------------------------------------------------------
def populate(n: int, seed: int, out: Path) -> None:
    """Demo province + ``n`` enterprises with one facility each; writes the regulator's token to ``out``."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dualcarbon_web.config.settings")
    import django

    django.setup()
    from django.db import transaction

    from dualcarbon.registry.uscc import organization_code_check_character, uscc_check_character
    from dualcarbon_web.organizations.choices import OrganizationKindChoices, RegionLevelChoices
    from dualcarbon_web.organizations.models import Facility, Industry, Organization, Region
    from dualcarbon_web.platform.models import User
    from dualcarbon_web.platform.services import token_create
    from dualcarbon_web.platform.setup import DEMO_PASSWORD, platform_setup

    t0 = time.perf_counter()
    platform_setup(demo=True, echo=lambda s: print("  " + s, flush=True))
    rng = random.Random(seed)
    prefectures = list(Region.objects.filter(level=RegionLevelChoices.PREFECTURE).order_by("code"))
    guangdong = [r for r in prefectures if r.code.startswith("44")]
    elsewhere = [r for r in prefectures if not r.code.startswith("44")]
    if not guangdong or not elsewhere:
        raise SystemExit("reference data has no prefecture-level regions in and outside 广东省")
    industries = list(Industry.objects.filter(code__regex=r"^(25|26|30|31|32|44)").order_by("code"))
    industries = [i for i in industries if len(i.code) == 4] or list(Industry.objects.order_by("code"))
    orgs = []
    for i in range(n):
        region = rng.choice(guangdong if rng.random() < GUANGDONG_SHARE else elsewhere)
        org8 = f"B{i:07d}"
        first17 = "91" + region.code + org8 + organization_code_check_character(org8)
        orgs.append(
            Organization(
                kind=OrganizationKindChoices.ENTERPRISE,
                name=f"基准测试企业{i:05d}有限公司",
                name_en=f"Benchmark Enterprise {i:05d} Co., Ltd.",
                uscc=first17 + uscc_check_character(first17),
                region=region,
                industry=rng.choice(industries),
            )
        )
    with transaction.atomic():
        Organization.objects.bulk_create(orgs, batch_size=1000)
        created = Organization.objects.filter(name__startswith="基准测试企业").order_by("id")
        Facility.objects.bulk_create(
            [
                Facility(
                    organization=o,
                    name="1号生产线",
                    code=f"F{o.pk}",
                    industry_id=o.industry_id,
                    region_id=o.region_id,
                )
                for o in created.only("id", "industry_id", "region_id")
            ],
            batch_size=1000,
        )
    regulator = User.objects.get(username="regulator")
    _token, secret = token_create(user=regulator, name="bench_web")
    out.write_text(
        json.dumps(
            {
                "token": secret,
                "password": DEMO_PASSWORD,
                "enterprises": Organization.objects.filter(kind=OrganizationKindChoices.ENTERPRISE).count(),
                "facilities": Facility.objects.count(),
                "seconds": time.perf_counter() - t0,
            }
        )
    )


# --------------------------------------------------------------------------------------------
# 2. the server
# --------------------------------------------------------------------------------------------
def _free_port() -> int:
    with contextlib.closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_recreate(url: str) -> None:
    import psycopg

    parts = urllib.parse.urlsplit(url)
    dbname = parts.path.lstrip("/")
    admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as con:
        con.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        con.execute(f'CREATE DATABASE "{dbname}"')


def _pg_drop(url: str) -> None:
    import psycopg

    parts = urllib.parse.urlsplit(url)
    admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as con:
        con.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}" WITH (FORCE)')


@dataclass
class Server:
    backend: str
    port: int
    home: Path
    token: str
    populated: dict
    proc: subprocess.Popen

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextlib.contextmanager
def running_platform(backend: str, n: int, seed: int, pg_url: str, keep: bool):
    home = Path(tempfile.mkdtemp(prefix=f"dualcarbon-bench-{backend}-"))
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    env.update(DUALCARBON_HOME=str(home), DJANGO_SETTINGS_MODULE="dualcarbon_web.config.settings")
    if backend == "postgresql":
        _pg_recreate(pg_url)
        env["DATABASE_URL"] = pg_url
    out = home / "bench.json"
    print(f"[{backend}] populating {n} enterprises in {home} ...", flush=True)
    subprocess.run(
        [sys.executable, __file__, "--_populate", str(out), "--enterprises", str(n), "--seed", str(seed)],
        env=env,
        check=True,
    )
    populated = json.loads(out.read_text())
    print(
        f"[{backend}] {populated['enterprises']} enterprises, {populated['facilities']} facilities "
        f"in {populated['seconds']:.1f} s",
        flush=True,
    )
    port = _free_port()
    script = Path(sys.executable).with_name("dualcarbon")
    cmd = (
        [str(script)]
        if script.exists()
        else [sys.executable, "-c", "from dualcarbon.cli import main; main()"]
    )
    cmd += ["serve", "--host", "127.0.0.1", "--port", str(port), "--no-embedded-worker"]
    log = (home / "serve.log").open("wb")
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    server = Server(backend, port, home, populated["token"], populated, proc)
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"dualcarbon serve exited: {(home / 'serve.log').read_text()[-3000:]}")
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(server.base + "/login/", timeout=5) as r,
            ):
                if r.status == 200:
                    break
            if time.monotonic() > deadline:
                raise SystemExit("dualcarbon serve did not answer within 120 s")
            time.sleep(0.3)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        if not keep:
            shutil.rmtree(home, ignore_errors=True)
            if backend == "postgresql":
                with contextlib.suppress(Exception):
                    _pg_drop(pg_url)


def session_cookie(base: str, username: str, password: str) -> str:
    """Sign in through the login form; returns the ``Cookie`` header of the session."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(base + "/login/") as r:
        html = r.read().decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    data = urllib.parse.urlencode({"csrfmiddlewaretoken": csrf, "username": username, "password": password})
    req = urllib.request.Request(base + "/login/", data=data.encode(), headers={"Referer": base + "/login/"})
    with opener.open(req) as r:
        r.read()
    cookies = {c.name: c.value for c in jar}
    if "sessionid" not in cookies:
        raise SystemExit(f"could not sign {username} in for the benchmark")
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


# --------------------------------------------------------------------------------------------
# 3. load
# --------------------------------------------------------------------------------------------
@dataclass
class Row:
    backend: str
    target: str
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def _wrk_ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    return float(m.group(1)) * _UNITS[m.group(2)]


def load_wrk(
    base: str,
    path: str,
    headers: dict[str, str],
    rotate_pages: int,
    conns: int,
    duration: float,
    warmup: float,
    tmp: Path,
):
    args = ["wrk", "-t1", f"-c{conns}", "--latency", "--timeout", "30s"]
    for k, v in headers.items():
        args += ["-H", f"{k}: {v}"]
    if rotate_pages:
        lua = tmp / "pages.lua"
        lua.write_text(
            "local i = 0\n"
            "request = function()\n"
            f"  i = (i % {rotate_pages}) + 1\n"
            f'  return wrk.format("GET", "{path}?page=" .. i)\n'
            "end\n"
        )
        args += ["-s", str(lua)]
    if warmup > 0:
        subprocess.run(
            [*args[:3], f"-d{max(1, round(warmup))}s", *args[3:], base + path],
            capture_output=True,
            check=True,
        )
    res = subprocess.run(
        [*args[:3], f"-d{max(1, round(duration))}s", *args[3:], base + path],
        capture_output=True,
        text=True,
        check=True,
    )
    out = res.stdout
    if "99%" not in out or "Requests/sec" not in out:
        raise SystemExit(f"could not read wrk's report:\n{out}\n{res.stderr}")
    dist = dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", out, flags=re.M))
    if set(dist) != {"50", "99"}:
        raise SystemExit(f"could not read the latency percentiles from wrk's report:\n{out}\n{res.stderr}")
    total = int(re.search(r"(\d+) requests in", out).group(1))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = (int(bad.group(1)) if bad else 0) + (sum(int(x) for x in sock.groups()) if sock else 0)
    return rps, _wrk_ms(dist["50"]), _wrk_ms(dist["99"]), total, errors


def load_python(
    base: str,
    path: str,
    headers: dict[str, str],
    rotate_pages: int,
    conns: int,
    duration: float,
    warmup: float,
    tmp: Path,
):
    from _loadgen import run_load

    port = int(urllib.parse.urlsplit(base).port)

    def path_for(i: int) -> str:
        return f"{path}?page={(i % rotate_pages) + 1}" if rotate_pages else path

    r = run_load(
        "127.0.0.1", port, path_for, headers=headers, connections=conns, duration=duration, warmup=warmup
    )
    return r.rps, r.p50_ms, r.p99_ms, r.requests, r.errors


def check_once(base: str, path: str, headers: dict[str, str], must_contain: str) -> str:
    req = urllib.request.Request(base + path, headers=headers)
    with urllib.request.urlopen(req, timeout=60) as r:
        body = r.read().decode("utf-8", "replace")
        if r.status != 200 or must_contain not in body:
            raise SystemExit(f"{path} answered {r.status} without {must_contain!r}: {body[:300]}")
        return body


def machine() -> dict[str, str]:
    info = {"python": platform.python_version(), "cpus": str(os.cpu_count())}
    with contextlib.suppress(Exception):
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        m = re.search(r"Model name:\s+(.+)", lscpu)
        info["cpu"] = m.group(1).strip() if m else platform.processor()
    with contextlib.suppress(Exception):
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        info["ram"] = f"{kb / 1024 / 1024:.1f} GiB"
    info["load"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return info


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="1,000 enterprises, 3 s per target")
    p.add_argument("--enterprises", type=int, default=None, help="enterprises to create (default 10,000)")
    p.add_argument("--duration", type=float, default=None, help="seconds of load per target (default 10)")
    p.add_argument("--warmup", type=float, default=2.0, help="seconds of unmeasured load first")
    p.add_argument("--connections", type=int, default=8, help="keep-alive connections (default 8)")
    p.add_argument("--backends", default="sqlite,postgresql", help="comma list: sqlite, postgresql")
    p.add_argument("--pg-url", default=os.environ.get("DUALCARBON_BENCH_PG_URL", DEFAULT_PG_URL))
    p.add_argument("--loadgen", choices=("auto", "wrk", "python"), default="auto")
    p.add_argument("--seed", type=int, default=SEED)
    p.add_argument("--keep", action="store_true", help="keep the data homes and the PostgreSQL database")
    p.add_argument("--_populate", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    n = args.enterprises or (1000 if args.quick else 10_000)
    if args._populate:
        populate(n, args.seed, Path(args._populate))
        return 0
    duration = args.duration or (3.0 if args.quick else 10.0)
    loadgen = args.loadgen
    if loadgen == "auto":
        loadgen = "wrk" if shutil.which("wrk") else "python"
    load = load_wrk if loadgen == "wrk" else load_python

    info = machine()
    print(f"machine: {info}  loadgen: {loadgen}  connections: {args.connections}  duration: {duration} s")
    rows: list[Row] = []
    for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
        backend = {"pg": "postgresql", "postgres": "postgresql"}.get(backend, backend)
        with running_platform(backend, n, args.seed, args.pg_url, args.keep) as srv:
            cookie = {"Cookie": session_cookie(srv.base, "regulator", srv.populated["password"])}
            bearer = {"Authorization": f"Bearer {srv.token}"}
            targets = [
                ("floor: static app.css", "/static/dualcarbon/app.css", {}, 0, ":root"),
                ("peer: API /platform/me", "/api/v1/platform/me", bearer, 0, '"regulator"'),
                ("dashboard (province regulator)", "/", cookie, 0, 'data-testid="enterprise-count"'),
                (f"API list {API_LIST}?page=N", API_LIST, bearer, API_PAGES, '"count"'),
            ]
            with tempfile.TemporaryDirectory() as tmp:
                for name, path, headers, pages, marker in targets:
                    first = check_once(srv.base, path + ("?page=1" if pages else ""), headers, marker)
                    if pages:  # rotate over the pages that exist (50 a page), at most API_PAGES
                        pages = max(1, min(pages, -(-json.loads(first)["count"] // 50)))
                    rps, p50, p99, total, errors = load(
                        srv.base, path, headers, pages, args.connections, duration, args.warmup, Path(tmp)
                    )
                    rows.append(Row(backend, name, rps, p50, p99, total, errors))
                    print(
                        f"[{backend}] {name:<38} {rps:8.1f} req/s  p50 {p50:8.2f} ms  p99 {p99:8.2f} ms"
                        f"  ({total} requests, {errors} errors)",
                        flush=True,
                    )
    info["load_after"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print()
    print(f"enterprises: {n}  loadgen: {loadgen}  connections: {args.connections}  duration: {duration} s")
    print(f"machine: {info}")
    print("| backend | target | req/s | p50 ms | p99 ms | requests | errors |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r.backend} | {r.target} | {r.rps:.1f} | {r.p50_ms:.2f} | {r.p99_ms:.2f} | {r.requests} | {r.errors} |"
        )
    return 1 if any(r.errors for r in rows) else 0


if __name__ == "__main__":
    raise SystemExit(main())
