"""Where the platform keeps its data and secrets, read once from the environment.

* ``DUALCARBON_HOME`` — the data directory (default: the per-user data directory, e.g.
  ``~/.local/share/dualcarbon`` on Linux). The embedded SQLite database, the generated secret key
  and uploaded files live here.
* ``DATABASE_URL`` — switches the system of record to PostgreSQL (``postgres://...``); default is
  ``sqlite:///$DUALCARBON_HOME/dualcarbon.sqlite3``.
* ``DUALCARBON_SECRET_KEY`` — Django's secret key; when unset, one is generated on first run and
  kept in ``$DUALCARBON_HOME/secret_key`` (mode 0600).
* ``DUALCARBON_DEBUG`` — ``1`` for development error pages.
* ``DUALCARBON_ALLOWED_HOSTS`` — comma-separated host names (default ``localhost,127.0.0.1,[::1]``).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from platformdirs import user_data_dir

__all__ = ["data_home", "env_bool", "env_list", "secret_key"]


def data_home() -> Path:
    home = Path(os.environ.get("DUALCARBON_HOME") or user_data_dir("dualcarbon", appauthor=False))
    home.mkdir(parents=True, exist_ok=True)
    return home


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def secret_key(home: Path) -> str:
    key = os.environ.get("DUALCARBON_SECRET_KEY")
    if key:
        return key
    path = home / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_urlsafe(50)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key
