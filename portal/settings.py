"""Settings for the portal, read from the environment only.

With nothing set, the portal runs on the embedded default: SQLite, Celery in eager mode,
e-mail printed to the console, DEBUG on. Production sets DEBUG=false and the variables
documented in README.md; bad values fail loudly at start-up. Any variable may also be given
as NAME_FILE (a path whose content is the value), for Docker secrets.
"""

from __future__ import annotations

import re
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.FileAwareEnv()

DEBUG = env.bool("DEBUG", default=True)

# The fallback key exists only so the embedded default starts with nothing set; production
# (DEBUG=false) must provide its own.
_DEV_SECRET_KEY = "insecure-embedded-default-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is false.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "accounts.apps.PortalAdminConfig",  # django.contrib.admin behind our sign-in and 2FA
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Full-text and trigram lookups of the search (practices/discovery/search.py).
    "django.contrib.postgres",
    "django_countries",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "csp",
    "portal.apps.PortalConfig",
    "accounts",
    "practices",
    "outbox",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # A database outage in a view answers 503 + Retry-After, not 500 (handler500 does the same
    # for one raised in middleware).
    "portal.unavailable.DatabaseUnavailableMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language: the language cookie (the switcher), else Accept-Language, else en-gb; adds
    # Vary: Accept-Language. URLs carry no language prefix (README, "Languages").
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # ETag on every response and 304 for a matching If-None-Match (API lists and details).
    "django.middleware.http.ConditionalGetMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A signed-in person's own language preference wins over cookie and browser.
    "portal.middleware.PersonLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "practices.audit.records.AuditContextMiddleware",
    # NUL in a path or query parameter: 404/400 here, before any view sends it to the database;
    # last, so the answer is a normal page (user, messages, CSP) or problem document.
    "portal.middleware.RejectNulMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "portal" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.portal",
            ],
        },
    },
]

# --- Database ----------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
# The portal's queries are short and indexed; PostgreSQL's JIT compiler spent 10–20 ms compiling
# plans for some of them at 100 000 cases (bench/), more than they run.
_JIT_OFF = not env.bool("POSTGRES_JIT", default=False)
# Parallel workers per query: none by default. Each costs a process start and a merge; on the
# bench's 2 cores they made the portal's 10-80 ms searches 1.3-3x slower, not faster (bench/
# README.md, eighth session), and under concurrent requests the cores they would use are busy
# serving other readers. A database host with idle cores and long reports may raise it; empty
# leaves it to the server (a pooler such as PgBouncer refuses connection options).
_PARALLEL_WORKERS = env.str("POSTGRES_PARALLEL_WORKERS", default="0").strip()
if _PARALLEL_WORKERS and not (_PARALLEL_WORKERS.isascii() and _PARALLEL_WORKERS.isdigit()):
    raise ImproperlyConfigured(
        "POSTGRES_PARALLEL_WORKERS must be a whole number of workers (0 for none), or empty."
    )
# The longest one statement may run (PostgreSQL's units: 30s, 500ms, 2min), or empty for no
# bound. The web server sets it as long as gunicorn lets a request live (GUNICORN_TIMEOUT), so
# that no statement outlives the worker replaced over it (a killed client's query otherwise
# runs on). Migrations and index rebuilds take longer: run them with it empty (compose's web
# command does so for its migrations; README, "Configuration").
_STATEMENT_TIMEOUT = env.str("POSTGRES_STATEMENT_TIMEOUT", default="").strip()
if _STATEMENT_TIMEOUT and not re.fullmatch(r"[0-9]+(ms|s|min)?", _STATEMENT_TIMEOUT):
    raise ImproperlyConfigured(
        "POSTGRES_STATEMENT_TIMEOUT must be a duration such as 30s, 500ms or 2min, or empty."
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    _flags = []
    if _STATEMENT_TIMEOUT:
        _flags.append(f"-c statement_timeout={_STATEMENT_TIMEOUT}")
    if _PARALLEL_WORKERS:
        _flags.append(f"-c max_parallel_workers_per_gather={_PARALLEL_WORKERS}")
    if _JIT_OFF:
        _flags.append("-c jit=off")
    if _flags:
        _options = DATABASES["default"].setdefault("OPTIONS", {})
        _options["options"] = " ".join([_options.get("options", ""), *_flags]).strip()
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite connections are cheap; keeping them open only holds file locks.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, Celery -----------------------------------------------------------------------
# The server alone: the broker takes its database 0 and the cache its database 1, so a database
# number given here is dropped (appended to, "redis://host:6379/2" would read as database 21).
REDIS_URL = re.sub(r"/\d*$", "", env.str("REDIS_URL", default=""))
CACHES = {
    "default": env.cache(
        "CACHE_URL", default=f"{REDIS_URL}/1" if REDIS_URL else "locmemcache://portal"
    ),
}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # Same, but keeps answering from local memory while Redis is down (see portal/cache.py).
    CACHES["default"]["BACKEND"] = "portal.cache.FallbackRedisCache"

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=f"{REDIS_URL}/0" if REDIS_URL else "")
# Without a broker the tasks run inline, so the embedded default needs no worker.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = True
# Rebuild the shared counts of the unfiltered pages in a worker after each change, so that no
# reader waits for them (practices/insights/warming.py). Pointless without a worker: tasks then
# run inline, inside the writer's request.
AGGREGATES_WARM = env.bool("AGGREGATES_WARM", default=not CELERY_TASK_ALWAYS_EAGER)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=60)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=120)
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    "moderators-digest": {
        "task": "practices.tasks.moderators_digest",
        "schedule": crontab(hour=env.int("DIGEST_HOUR_UTC", default=6), minute=0),
    },
    # Picks up webhook events whose enqueue was lost (broker outage) or whose retry is due.
    "webhooks-sweep": {
        "task": "practices.tasks.webhooks_sweep",
        "schedule": 60.0,
    },
    # The same for e-mail in the outbox.
    "emails-sweep": {
        "task": "outbox.tasks.emails_sweep",
        "schedule": 60.0,
    },
    # The shared aggregates of the browse and insights pages, rebuilt before they expire
    # (practices/insights/warming.py, REFRESH_SECONDS).
    "aggregates-refresh": {
        "task": "practices.tasks.aggregates_refresh",
        "schedule": 240.0,
        # A run still queued when the next is due is dropped: after a worker outage, one run
        # rebuilds them, not one per missed period.
        "options": {"expires": 240.0},
    },
    # Saved-search alerts, one entry per frequency (practices/discovery/alerts.py).
    "saved-search-alerts-immediate": {
        "task": "practices.tasks.saved_search_alerts",
        "schedule": 300.0,
        "args": ["immediate"],
    },
    "saved-search-alerts-daily": {
        "task": "practices.tasks.saved_search_alerts",
        "schedule": crontab(hour=env.int("DIGEST_HOUR_UTC", default=6), minute=15),
        "args": ["daily"],
    },
    "saved-search-alerts-weekly": {
        "task": "practices.tasks.saved_search_alerts",
        "schedule": crontab(hour=env.int("DIGEST_HOUR_UTC", default=6), minute=30, day_of_week=1),
        "args": ["weekly"],
    },
}

# --- Auth and accounts -------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "accounts.backends.PortalModelBackend",
    "accounts.backends.PortalAuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_UNIQUE_EMAIL = True
# Invitations prove the address; there is no sign-up to verify.
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Practice Exchange] "
ACCOUNT_RATE_LIMITS = {
    "login": env.str("LOGIN_RATE_LIMIT", default="30/m/ip"),
    "login_failed": env.str("LOGIN_FAILED_RATE_LIMIT", default="5/5m/ip,5/5m/key"),
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env.str("MFA_TOTP_ISSUER", default="Practice Exchange")
MFA_RECOVERY_CODE_COUNT = 10

INVITATION_MAX_AGE_DAYS = env.int("INVITATION_MAX_AGE_DAYS", default=7)

# --- E-mail ------------------------------------------------------------------------------
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Practice Exchange <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Attempts at sending one message from the outbox before giving up (back-off 1 min … 1 h).
EMAIL_MAX_ATTEMPTS = env.int("EMAIL_MAX_ATTEMPTS", default=8)

# --- Internationalisation ----------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
# The interface languages, each named in itself (the switcher shows them so). Adding one:
# README, "Adding a language".
LANGUAGES = [
    ("en-gb", "English"),
    ("fr", "Français"),
    ("ja", "日本語"),
    ("ko", "한국어"),
]
# Each app keeps its own catalogue (<app>/locale/); `make messages` regenerates them all.
LOCALE_PATHS: list[Path] = []
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and media --------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "portal" / "static"]
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
# Attachments go through Django's storage API: set STORAGE_BACKEND (and install its package)
# for S3-compatible storage, e.g. storages.backends.s3.S3Storage with django-storages.
STORAGES = {
    "default": {
        "BACKEND": env.str(
            "STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage"
        ),
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- REST framework ----------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "portal.api.IsOrganisationMember",
        "portal.api.TokenCanWrite",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "portal.api.CasePagination",
    "DEFAULT_THROTTLE_CLASSES": ["portal.api.ActorRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "token": env.str("API_RATE_TOKEN", default="1200/min"),
        "user": env.str("API_RATE_USER", default="600/min"),
        "anon": env.str("API_RATE_ANON", default="60/min"),
    },
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["portal.api.BoundedJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "portal.api_errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Practice Exchange API",
    "DESCRIPTION": (
        "Case studies of disinformation incidents and responses, shared between partner "
        "organisations. Authenticate with `Authorization: Bearer <token>`; a token sees exactly "
        "what a member of its organisation sees. Errors are RFC 9457 problem documents."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "WritableTlpEnum": "practices.api.serializers.WRITABLE_TLP_CHOICES",
        "LanguageCodeEnum": "practices.api.serializers.LANGUAGE_CODE_CHOICES",
        "CaseLinkKindEnum": "practices.insights.models.CaseLink.Kind",
        "CollectionStatusEnum": "practices.hub.collection_models.Collection.Status",
        "CollectionTlpEnum": "practices.hub.collection_models.Collection.TLP",
        "FeedEntryTypeEnum": "practices.api.serializers.FEED_ENTRY_TYPES",
        # The case's own names, as before collections brought enums of the same field names.
        "StatusEnum": "practices.cases.models.CaseStudy.Status",
        "CaseStudyTlpEnum": "practices.cases.models.CaseStudy.TLP",
        # One name for the effectiveness scale, used by cases and their adoptions alike.
        "EffectivenessEnum": "practices.cases.models.CaseStudy.Effectiveness",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "portal.api_schema.add_problem_responses",
        "portal.api_schema.describe_input_rules",
        "portal.api_schema.add_case_links",
    ],
}

# --- Security ----------------------------------------------------------------------------
# Production defaults follow DEBUG, so a DEBUG=false deployment is secure without extra flags;
# each can still be turned off, e.g. when TLS ends at a proxy that already redirects.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
if env.bool("USE_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 12)
CSRF_COOKIE_HTTPONLY = True
# The switcher's choice for people not signed in (a signed-in person's is saved on them).
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"

# Everything is served from this origin: no CDN, no inline script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# --- Logging -----------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# --- Product switches --------------------------------------------------------------------
# Whether visitors may read published TLP:CLEAR cases without signing in.
PUBLIC_VIEW_ENABLED = env.bool("PUBLIC_VIEW_ENABLED", default=True)
# Moderator approvals needed to publish, per TLP, e.g. "amber=2,amber_strict=2" (default 1).
MODERATION_APPROVALS = {
    tlp: int(count) for tlp, count in env.dict("MODERATION_APPROVALS", default={}).items()
}
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=20 * 1024 * 1024)
# Uploads above this size go to a temporary file instead of memory while they are checked.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Webhooks: plain http and loopback, private or link-local targets are refused unless this is
# set (development and tests only: in production it would let admins probe internal networks).
WEBHOOK_ALLOW_PRIVATE_TARGETS = env.bool("WEBHOOK_ALLOW_PRIVATE_TARGETS", default=False)
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=8)
WEBHOOK_TIMEOUT_SECONDS = env.int("WEBHOOK_TIMEOUT_SECONDS", default=5)
