"""Django settings for the dualcarbon platform.

Everything that differs between a laptop and a province-scale deployment comes from the
environment (see :mod:`dualcarbon_web.config.env`). The embedded default is SQLite in WAL mode in
``$DUALCARBON_HOME``; ``DATABASE_URL`` switches to PostgreSQL with the same migrations.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from dualcarbon_web.config.env import data_home, env_bool, env_list, secret_key

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_HOME = data_home()

SECRET_KEY = secret_key(DATA_HOME)
DEBUG = env_bool("DUALCARBON_DEBUG", False)
ALLOWED_HOSTS = env_list("DUALCARBON_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("DUALCARBON_CSRF_TRUSTED_ORIGINS", "http://localhost,http://127.0.0.1")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "dualcarbon_web.platform",
    "dualcarbon_web.organizations",
    "dualcarbon_web.factors",
    "dualcarbon_web.inventories",
    "dualcarbon_web.ledger",
    "dualcarbon_web.mrv",
    "dualcarbon_web.inversion",
    "dualcarbon_web.planning",
    "dualcarbon_web.techregistry",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "dualcarbon_web.platform.middleware.LanguageMiddleware",
    "dualcarbon_web.platform.middleware.RefuseNulMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "dualcarbon_web.platform.middleware.AuditContextMiddleware",
]

ROOT_URLCONF = "dualcarbon_web.config.urls"
WSGI_APPLICATION = "dualcarbon_web.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "dualcarbon_web.platform.context_processors.navigation",
            ],
        },
    }
]

_default_db = f"sqlite:///{DATA_HOME / 'dualcarbon.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL") or _default_db, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "platform.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "platform:login"
LOGIN_REDIRECT_URL = "platform:home"
LOGOUT_REDIRECT_URL = "platform:login"
# Login throttling: failures per (username, client address) within the window lock further tries.
LOGIN_THROTTLE_MAX_FAILURES = 5
LOGIN_THROTTLE_WINDOW_S = 15 * 60

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("DUALCARBON_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_HOME / "static"
import plotly as _plotly  # noqa: E402  (its JS bundle ships in the package: no CDN)

STATICFILES_DIRS = [BASE_DIR / "static", ("plotly", Path(_plotly.__file__).parent / "package_data")]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = DATA_HOME / "media"
FILE_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10000

# Jobs: the database backend of django-tasks. `dualcarbon serve` runs an embedded worker thread
# (no extra server); `dualcarbon worker` runs the same worker on as many machines as needed.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_PER_PAGE_SIZE = 500

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"dualcarbon_web": {"level": "INFO"}},
}

PLATFORM_NAME = _("双碳平台 dualcarbon")
