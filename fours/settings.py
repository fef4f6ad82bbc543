"""Fours settings. Everything that differs between machines comes from the environment.

DATABASE_URL    default sqlite:///var/fours.sqlite3 (PostgreSQL: postgres://user:pw@host:5432/db)
SECRET_KEY      required when FOURS_DEBUG is off
FOURS_DEBUG     1 for development and the demo; off in production
ALLOWED_HOSTS   comma separated, default localhost names
FOURS_IDLE_MINUTES  session expiry after inactivity (default 30)
FOURS_HTTPS     1 (default when FOURS_DEBUG is off): secure cookies, HSTS, redirect to https
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value in (None, "") else value.lower() in {"1", "true", "yes", "on"}


DEV_SECRET_KEY = "dev-only-insecure-key-fours-never-use-in-production"
DEBUG = env_bool("FOURS_DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY") or DEV_SECRET_KEY
TESTING = "PYTEST_VERSION" in os.environ or env_bool("FOURS_TESTING", False)
if not DEBUG and SECRET_KEY == DEV_SECRET_KEY and not TESTING:
    raise ImproperlyConfigured(
        "SECRET_KEY must be set in the environment when FOURS_DEBUG is off (production)."
    )

ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",") if h.strip()
]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]
FOURS_TRUST_PROXY = env_bool(
    "FOURS_TRUST_PROXY", False
)  # behind nginx: take the client IP from X-Forwarded-For

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "django_htmx",
    "django_tables2",
    "django_filters",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "fours.core",
    "fours.reports",
    "fours.customers",
    "fours.finance",
    "fours.parts",
    "fours.service",
    "fours.sales",
    "fours.crm",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "fours.core.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "fours.core.middleware.RequestContextMiddleware",
    "fours.core.middleware.LoginRequiredMiddleware",
    "fours.core.idempotency.FormKeyMiddleware",  # last: wraps the view in the key's transaction
]

ROOT_URLCONF = "fours.urls"
WSGI_APPLICATION = "fours.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "fours.core.context_processors.shell",
            ],
            "builtins": ["django.templatetags.i18n", "fours.core.templatetags.fours"],
        },
    }
]

# Connections are per thread: a gthread worker of `./dev serve` keeps one for each of its threads (at most
# workers x threads per server), reused for FOURS_CONN_MAX_AGE seconds instead of a new one per request, and
# checked before a request reuses it (CONN_HEALTH_CHECKS), so a restarted database costs no failed request.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'fours.sqlite3'}",
        conn_max_age=int(os.environ.get("FOURS_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default holds a small store's clerks working at once: WAL lets readers go on
    # beside the one writer; a writer waits up to 20 s for the other (busy timeout); and every
    # transaction takes the write lock at BEGIN (IMMEDIATE), so two transactions never both read
    # and then fail to upgrade to writing, which SQLite answers at once with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
        }
    )
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("FOURS_SQLITE_TEST_NAME") or None}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "fours.core.backends.MembershipBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "fours.core.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling: lock a username+IP after 5 failures for 15 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("FOURS_LOGIN_FAILURES", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# Sessions expire after inactivity: the cookie age is renewed on every request.
SESSION_COOKIE_AGE = int(os.environ.get("FOURS_IDLE_MINUTES", "30")) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "SAMEORIGIN"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
HTTPS = env_bool("FOURS_HTTPS", not DEBUG and not TESTING)
if HTTPS:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("FOURS_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("FOURS_MEDIA_ROOT", BASE_DIR / "var" / "media"))
# Uploads are served by fours.core.uploads after a login and store check; behind nginx set this to
# an `internal` location on MEDIA_ROOT (e.g. /protected-media/) and nginx sends the file.
FOURS_MEDIA_ACCEL_PREFIX = os.environ.get("FOURS_MEDIA_ACCEL_PREFIX", "")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING

# Filter forms: "all" rather than dashes for an empty choice.
FILTERS_EMPTY_CHOICE_LABEL = _("全部")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "fours.core.api.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["fours.core.api.permissions.RolePermissions"],
    "DEFAULT_PAGINATION_CLASS": "fours.core.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "fours.core.api.errors.exception_handler",
    # JSON bodies: one object, bounded depth and size (fours.core.api.parsers)
    "DEFAULT_PARSER_CLASSES": [
        "fours.core.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # anonymous requests (the token endpoint, the schema) per client IP; the token endpoint has its own rate
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.AnonRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"anon": "60/min", "token": os.environ.get("FOURS_API_TOKEN_RATE", "10/min")},
    "NUM_PROXIES": 1 if FOURS_TRUST_PROXY else 0,  # X-Forwarded-For only from our own proxy
    "COERCE_DECIMAL_TO_STRING": True,
}
# API tokens expire after this many days and end when the user's password changes.
FOURS_API_TOKEN_DAYS = int(os.environ.get("FOURS_API_TOKEN_DAYS", "30"))
# Throttle counters live in the cache: per process (LocMem) unless a shared cache is configured.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "fours"}}
SPECTACULAR_SETTINGS = {
    "TITLE": "Fours DMS API",
    "DESCRIPTION": "Open API of Fours, the dealer management system for 4S stores. "
    "All lists are scoped to the stores of the authenticated user. POST requests accept an "
    "`Idempotency-Key` header.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # choice sets that share a field name get names of their own instead of hashed ones
    "ENUM_NAME_OVERRIDES": {
        "RepairOrderStatusEnum": "fours.service.choices.ROStatus",
        "RepairOrderKindEnum": "fours.service.choices.ROKind",
        "AppointmentChannelEnum": "fours.service.choices.ApptChannel",
        "PaymentMethodEnum": "fours.service.choices.PaymentMethod",
        "CustomerKindEnum": "fours.customers.models.CustomerKind",
        "CustomerSourceEnum": "fours.customers.models.Source",
        "InsurerContactKindEnum": "fours.service.choices.ContactKind",
        "LoanDocKindEnum": "fours.sales.choices.LoanDoc",
        "PolicyCoverKindEnum": "fours.sales.choices.CoverKind",
        "LoanStatusEnum": "fours.sales.choices.LoanStatus",
        "PolicyStatusEnum": "fours.sales.choices.PolicyStatus",
        "VisitKindEnum": "fours.sales.choices.VisitKind",
        "LeadSourceEnum": "fours.sales.choices.LeadSource",
        "FollowUpChannelEnum": "fours.sales.choices.FollowUpChannel",
        "LeadGradeEnum": "fours.sales.choices.Grade",
        "LeadStatusEnum": "fours.sales.choices.LeadStatus",
        "DriveStatusEnum": "fours.sales.choices.DriveStatus",
        "DefeatReasonEnum": "fours.sales.choices.DefeatReason",
        "PayPlanEnum": "fours.sales.choices.PayPlan",
        "EquipmentCardKindEnum": "fours.service.choices.CardKind",
        "ToolStatusEnum": "fours.service.choices.ToolStatus",
        "PartShortageStatusEnum": "fours.service.choices.ShortageStatus",
        "CareTaskKindEnum": "fours.customers.models.CareKind",
        "CallResultEnum": "fours.crm.choices.CallResult",
        "ComplaintChannelEnum": "fours.crm.choices.ComplaintChannel",
        "ComplaintConfirmMethodEnum": "fours.crm.choices.ConfirmMethod",
        "SurveySourceEnum": "fours.crm.choices.SurveySource",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "fours.core.api.schema.local_times",
        "fours.core.api.schema.add_error_responses",
    ],
}

DJANGO_TABLES2_TEMPLATE = "django_tables2/bootstrap5-responsive.html"
# every list table: compact, rows highlighted, cells centred vertically, flush in its card
DJANGO_TABLES2_TABLE_ATTRS = {"class": "table table-sm table-hover align-middle mb-0"}

# Background tasks (imports, later customer care's daily jobs) are Django Tasks (the django-tasks
# backport of Django 6.0's django.tasks). The default queue is a table in this database, run by
# `./dev worker` (manage.py db_worker); another backend (RQ, Celery) is a change of TASKS only.
# Tests run every task at once, in the request (ImmediateBackend).
TASKS = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend"
        if TESTING
        else os.environ.get("FOURS_TASKS_BACKEND", "django_tasks_db.DatabaseBackend")
    }
}

# Messages to customers (SMS/WeChat) go through one pluggable sender.
FOURS_MESSAGE_BACKEND = os.environ.get("FOURS_MESSAGE_BACKEND", "fours.core.messaging.LogBackend")
# for fours.core.messaging.HttpSmsBackend: the provider's send URL, API key and registered signature (短信签名)
FOURS_SMS_URL = os.environ.get("FOURS_SMS_URL", "")
FOURS_SMS_KEY = os.environ.get("FOURS_SMS_KEY", "")
FOURS_SMS_SIGN = os.environ.get("FOURS_SMS_SIGN", "")
# the site's public address for links sent to customers (the phone link); empty: the request's own host
FOURS_PUBLIC_URL = os.environ.get("FOURS_PUBLIC_URL", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("FOURS_LOG_LEVEL", "WARNING")},
}
