"""Settings for the test suite: a throw-away data home, jobs run inline, a cheap Argon2 cost."""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("DUALCARBON_HOME", tempfile.mkdtemp(prefix="dualcarbon-test-"))

from dualcarbon_web.config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["dualcarbon_web.platform.hashers.FastArgon2PasswordHasher"]
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
WHITENOISE_AUTOREFRESH = True
