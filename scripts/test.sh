#!/usr/bin/env bash
# The whole test suite, from a fresh clone, on a machine with only Python 3.11+:
#   1. a virtual environment with the locked dependencies (.venv, reused when present);
#   2. lint (ruff) and the layering check (the core never imports Django);
#   3. the core tests without Django;
#   4. the web tests on SQLite (the embedded default);
#   5. the web tests again on PostgreSQL (started here if it is installed but not running);
#   6. the browser tests in Debian's headless chromium (installed here when run as root).
# Set DUALCARBON_SKIP_PG=1 or DUALCARBON_SKIP_E2E=1 to leave a stage out on purpose.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PY=${PYTHON:-python3}
export PIP_DISABLE_PIP_VERSION_CHECK=1

stage() { printf '\n\033[1;32m== %s ==\033[0m\n' "$*"; }

stage "install (.venv, requirements.lock)"
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -c requirements.lock -e '.[test]'
# PyTorch's CPU build, only where it installs from local files (seconds): the inversion's torch
# backend is then tested on the CPU against numpy. Elsewhere those tests are skipped, because PyPI's
# default torch is a CUDA build of several GB. DUALCARBON_SKIP_TORCH=1 leaves it out on purpose.
if [ "${DUALCARBON_SKIP_TORCH:-0}" != "1" ] && ! .venv/bin/python -c "import torch" 2>/dev/null; then
  if .venv/bin/python -m pip install -q --no-index --no-deps torch==2.13.0 2>/dev/null; then
    .venv/bin/python -m pip install -q -c requirements.lock torch==2.13.0
  else
    echo "PyTorch (CPU build) is not available offline here: the torch backend's tests will be skipped"
  fi
fi

stage "lint: ruff"
.venv/bin/ruff check src tests benchmarks

stage "layering: the core never imports Django or the web layer"
.venv/bin/lint-imports --config .importlinter --no-cache

stage "core tests (no Django)"
.venv/bin/python -m pytest tests/core -p no:django -p no:cacheprovider -q -n 2 --dist loadfile -W "ignore::pytest.PytestConfigWarning"

stage "web tests on SQLite"
env -u DATABASE_URL .venv/bin/python -m pytest tests/web -p no:cacheprovider -q -n 2 --dist loadfile

if [ "${DUALCARBON_SKIP_PG:-0}" != "1" ]; then
  stage "web tests on PostgreSQL"
  PG_URL=${DUALCARBON_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/dualcarbon}
  if ! .venv/bin/python scripts/pg_ready.py "$PG_URL"; then
    if command -v pg_ctlcluster >/dev/null 2>&1; then
      echo "PostgreSQL is not answering; starting the local cluster"
      pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
    elif [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
      echo "PostgreSQL is not installed; installing Debian's postgresql"
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
      pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
      su postgres -c "psql -c \"ALTER USER postgres PASSWORD 'postgres'\"" >/dev/null
      PG_URL=postgres://postgres:postgres@127.0.0.1:5432/dualcarbon
    fi
    for _ in $(seq 1 30); do .venv/bin/python scripts/pg_ready.py "$PG_URL" && break; sleep 1; done
  fi
  if .venv/bin/python scripts/pg_ready.py "$PG_URL"; then
    DATABASE_URL="$PG_URL" .venv/bin/python -m pytest tests/web -p no:cacheprovider -q -n 2 --dist loadfile
  else
    echo "PostgreSQL could not be reached at $PG_URL: failing (set DUALCARBON_SKIP_PG=1 to skip on purpose)" >&2
    exit 1
  fi
fi

if [ "${DUALCARBON_SKIP_E2E:-0}" != "1" ]; then
  stage "browser tests (headless chromium + Playwright)"
  if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian's chromium for the browser tests"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
  fi
  mkdir -p artifacts/screenshots
  env -u DATABASE_URL .venv/bin/python -m pytest tests/e2e -p no:cacheprovider -q
fi

stage "done"
