"""Settings for every environment, read from the environment.

With nothing set, the product runs on a SQLite file with Celery tasks executed eagerly (the embedded
default). ``DATABASE_URL`` switches to PostgreSQL; ``REDIS_URL`` switches to Redis as broker and cache,
with real Celery workers and beat. ``config.production`` hardens these for a deployment.
"""

from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_csp, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

# A fixed key is only acceptable for the embedded default; config.production refuses to start without one.
SECRET_KEY = env_str("SECRET_KEY", "insecure-embedded-default-key-do-not-use-in-production")
DEBUG = env_bool("DEBUG", default=False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # The Django admin, asking for the second factor like every staff page (partners/admin_site.py).
    "partners.admin_apps.SecondFactorAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_htmx",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "hubs",
    "partners",
    "volunteers",
    "requests.apps.RequestsConfig",
]

MIDDLEWARE = [
    "config.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "partners.middleware.IdleTimeoutMiddleware",
    # After authentication (no-store depends on who is signed in), after WhiteNoise (static files keep
    # their long cache and pass through nothing below it).
    "config.middleware.SecurityHeadersMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "config.context_processors.layout",
            ],
            "libraries": {"govuk": "config.templatetags.govuk"},
        },
    },
]

# Database: PostgreSQL when DATABASE_URL is set, otherwise the embedded SQLite file.
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
            conn_health_checks=True,
        )
    }
    # Short transactional queries: JIT compilation (hundreds of ms) and parallel workers (10-20 ms to start)
    # cost the matcher's queries more than they save. DATABASE_PARALLEL_WORKERS raises the latter.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        f"-c jit=off -c max_parallel_workers_per_gather={env_int('DATABASE_PARALLEL_WORKERS', 0)}"
    )
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            "OPTIONS": {"timeout": 20},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
LANGUAGES = [("en-gb", _("English")), ("cy", _("Welsh"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
if DEBUG:
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}

LOGIN_URL = "signin"
LOGIN_REDIRECT_URL = "home"

# Staff and volunteers are signed out after 30 minutes without doing anything (partners.middleware): each
# request they make renews the session; a page's background refresh does not.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_SECONDS", 30 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Sign-in safety (partners.signin): failed sign-ins within the window, per username and per client address,
# after which further attempts wait. The per-address limit is higher so that one office behind one NAT
# address is not locked out by a single colleague.
SIGNIN_LOCKOUT_WINDOW_SECONDS = env_int("SIGNIN_LOCKOUT_WINDOW_SECONDS", 5 * 60)
SIGNIN_LOCKOUT_USERNAME_FAILURES = env_int("SIGNIN_LOCKOUT_USERNAME_FAILURES", 10)
SIGNIN_LOCKOUT_IP_FAILURES = env_int("SIGNIN_LOCKOUT_IP_FAILURES", 50)
# How many reverse proxies in front of the web process append to X-Forwarded-For; 0 trusts only REMOTE_ADDR.
SIGNIN_TRUSTED_PROXIES = env_int("SIGNIN_TRUSTED_PROXIES", 0)
# The name authenticator apps show next to the code.
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Crisis Response Hub")

# Forms render GOV.UK Design System markup through the project's form templates (templates/django/forms).
FORM_RENDERER = "config.forms.GovukFormRenderer"
CSRF_FAILURE_VIEW = "config.views.csrf_failure"

# Content Security Policy of every response (config.middleware.SecurityHeadersMiddleware), in the shape of
# Django 6's SECURE_CSP. No inline script or style anywhere: JavaScript lives in static/js/*.js, styles in
# static/src/. A deployment adds sources with SECURE_CSP_EXTRA, e.g. "img-src https://tiles.example.org".
SECURE_CSP = env_csp(
    "SECURE_CSP_EXTRA",
    {
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
)

# Redis: broker and cache when REDIS_URL is set; otherwise tasks run eagerly in the web process.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_timeout": 2, "socket_connect_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 120
CELERY_TASK_SOFT_TIME_LIMIT = 90
# A stalled or absent broker must never block a save: fail fast, the database sweeper catches up.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_timeout": 2,
    "socket_connect_timeout": 2,
    "max_retries": 1,
    # kombu sleeps this long (default 2 s) before its one retry of a refused connection: a save would
    # wait 2 s for nothing while Redis is down.
    "interval_start": 0,
    "visibility_timeout": 600,
}
CELERY_TASK_PUBLISH_RETRY = False
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Timers live in the database; beat only drives the sweeper that reads them (DESIGN.md section 6).
CELERY_BEAT_SCHEDULE = {
    "sweep": {"task": "requests.sweep", "schedule": env_int("SWEEP_INTERVAL_SECONDS", 15)},
    # Personal data of residents whose requests closed longer ago than their cell's retention period.
    "anonymise-residents": {
        "task": "requests.anonymise_due",
        "schedule": crontab(hour=env_int("ANONYMISE_HOUR", 2), minute=15),
    },
    # Keeps each neighbourhood's volunteers together on disk for the matcher; locks the table for seconds.
    "cluster-volunteers": {
        "task": "volunteers.cluster",
        "schedule": crontab(hour=env_int("CLUSTER_VOLUNTEERS_HOUR", 3), minute=30),
    },
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        # A staff session counts only once its second factor is verified (partners/api_authentication.py).
        "partners.api_authentication.SecondFactorSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "config.api.CursorPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "config.api.exception_handler",
    "DEFAULT_THROTTLE_RATES": {},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Crisis Response Hub API",
    "DESCRIPTION": "The public contract of a response cell's workbench: set-up, residents, requests, matching, "
    "offers and statistics.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and its docs describe the contract, never data: anyone may read them, signed in or not.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # Without deep links: with them, each operation's path is a link inside the button that opens it,
    # a control inside a control that keyboards and screen readers cannot use well (axe: serious).
    "SWAGGER_UI_SETTINGS": {"deepLinking": False},
    "REDOC_DIST": "SIDECAR",
    # Operations are tagged by resource ("areas", "volunteers"), not by the version prefix.
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    # Request bodies without the read-only fields, responses without the write-only ones.
    "COMPONENT_SPLIT_REQUEST": True,
    # One name per choice set that several models share or that two models name alike.
    "ENUM_NAME_OVERRIDES": {
        "AreaKindEnum": "hubs.models.Area.Kind",
        "HubKindEnum": "hubs.models.Hub.Kind",
        "LevelOfNeedEnum": "hubs.models.LevelOfNeed",
        "DbsLevelEnum": "hubs.models.DbsLevel",
        "CoordinationModelEnum": "hubs.models.CoordinationModel",
        "OrganisationKindEnum": "partners.models.Organisation.Kind",
        "CellPartnerRoleEnum": "partners.models.CellPartner.Role",
        "CellPartnerRelationshipEnum": "partners.models.CellPartner.Relationship",
        "MembershipRoleEnum": "partners.models.Membership.Role",
        "VolunteerStatusEnum": "volunteers.models.Volunteer.Status",
        "TransportEnum": "volunteers.models.Transport",
        "RequestStatusEnum": "requests.models.Status",
        "HelperKindEnum": "requests.serializers.HELPER_KINDS",
    },
}

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Crisis Response Hub <noreply@localhost>")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Notifications (requests.notifications): links in messages, the SMS backend and GOV.UK Notify.
SITE_URL = env_str("SITE_URL", "http://localhost:8000")
SMS_BACKEND = env_str("SMS_BACKEND", "requests.notifications.backends.LogSmsBackend")
GOVUK_NOTIFY_API_KEY = env_str("GOVUK_NOTIFY_API_KEY")
GOVUK_NOTIFY_SMS_TEMPLATE_ID = env_str("GOVUK_NOTIFY_SMS_TEMPLATE_ID")
GOVUK_NOTIFY_BASE_URL = env_str("GOVUK_NOTIFY_BASE_URL", "https://api.notifications.service.gov.uk")
NOTIFICATION_MAX_ATTEMPTS = env_int("NOTIFICATION_MAX_ATTEMPTS", 6)
# A send holds its notification's row lock: an SMTP server that stalls must not hold it for ever.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
