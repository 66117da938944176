"""Clipcart settings: everything that differs between machines comes from the environment.

The embedded default (no variables set) runs on SQLite under var/, local-memory cache and a
filesystem Celery broker. Setting DATABASE_URL / REDIS_URL switches to the distributed mode of
DESIGN.md. A malformed value stops start-up with a clear message instead of running half-configured.
"""

import secrets
from decimal import Decimal, InvalidOperation
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def env_bool(name: str, *, default: bool) -> bool:
    """A yes/no variable. Anything but a clear yes or no stops start-up, so a typo such as
    DEBUG=ture can never silently mean "off" (or worse, "on")."""
    raw = env.str(name, default="").strip().lower()
    if raw == "":
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, got {raw!r}.")


VAR_DIR = Path(env.str("CLIPCART_VAR_DIR", default=str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", default=False)
TESTING = env_bool("CLIPCART_TESTING", default=False)


def secret_key() -> str:
    """SECRET_KEY from the environment, or, on one machine, a random key made at first start and
    kept in var/ (so sessions survive restarts and no two installs share a key).

    Several machines must share one key, so distributed mode (PostgreSQL) insists on the variable.
    """
    key = env.str("SECRET_KEY", default="")
    if not key:
        if env.str("DATABASE_URL", default="").startswith("postgres") and not TESTING:
            raise ImproperlyConfigured(
                "SECRET_KEY must be set when DATABASE_URL points at PostgreSQL: every web "
                "worker has to sign sessions with the same key."
            )
        key_file = VAR_DIR / "secret_key"
        if not key_file.exists():
            VAR_DIR.mkdir(parents=True, exist_ok=True)
            key_file.write_text(secrets.token_urlsafe(50))
            key_file.chmod(0o600)
        key = key_file.read_text().strip()
    if len(key) < 32:
        raise ImproperlyConfigured("SECRET_KEY must be at least 32 characters long.")
    return key


SECRET_KEY = secret_key()

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Behind HTTPS (a load balancer terminating TLS), cookies must never travel in clear text.
HTTPS = env_bool("HTTPS", default=False)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 30 if HTTPS else 0
SESSION_COOKIE_SAMESITE = "Lax"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",  # serves the API docs' Swagger UI from its bundled files, not a CDN
    "clipcart.core",
    "clipcart.accounts",
    "clipcart.catalog",
    "clipcart.inventory",
    "clipcart.payments",
    "clipcart.orders",
    "clipcart.checkout",
    "clipcart.fulfillment",
    "clipcart.returns",
    "clipcart.ledger",
    "clipcart.media",
    "clipcart.feed",
    "clipcart.affiliate",
    "clipcart.demo",
    "clipcart.web",
    "clipcart.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "clipcart.urls"
ASGI_APPLICATION = "clipcart.asgi.application"
WSGI_APPLICATION = "clipcart.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "clipcart.web.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'clipcart.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL lets the web server and the worker read while one writes; IMMEDIATE transactions take
    # the write lock up front so two writers queue instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A connection pool per process (Django's psycopg pool), not persistent connections: under
    # ASGI every request runs in a fresh thread, so a kept connection is never reused and a
    # busy server runs out of PostgreSQL connections (measured: "too many clients").
    _pool_size = env.int("DATABASE_POOL_MAX_SIZE", default=8)
    if _pool_size > 0:
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        DATABASES["default"]["OPTIONS"] = {
            "pool": {"min_size": 1, "max_size": _pool_size, "timeout": 10}
        }
    else:
        DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    raise ImproperlyConfigured(
        f"DATABASE_URL must point at PostgreSQL or SQLite, got {DATABASES['default']['ENGINE']}."
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
IS_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"

# --- Cache, Celery --------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured("REDIS_URL must start with redis://, rediss:// or unix://.")

if REDIS_URL:
    CACHES = {"default": {"BACKEND": "clipcart.core.cache.SharedRedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        # The embedded broker: messages are files in var/, shared by the web and worker processes.
        "data_folder_in": str(VAR_DIR / "celery" / "queue"),
        "data_folder_out": str(VAR_DIR / "celery" / "queue"),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
    if CELERY_BROKER_URL == "filesystem://"
    else {}
)
# Every process may publish (a page schedules a thumbnail), so the folders must exist before
# the first worker ever starts.
for _folder in CELERY_BROKER_TRANSPORT_OPTIONS.values():
    if isinstance(_folder, str):
        Path(_folder).mkdir(parents=True, exist_ok=True)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=TESTING)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BEAT_SCHEDULE = {
    "release-expired-reservations": {
        "task": "inventory.release_expired_reservations",
        "schedule": 60.0,
    },
    "process-pending-refunds": {
        "task": "payments.process_pending_refunds",
        "schedule": 120.0,
    },
    "make-missing-thumbnails": {
        "task": "catalog.make_missing_thumbnails",
        "schedule": 300.0,
    },
    "retry-stuck-posts": {
        "task": "media.retry_stuck_posts",
        "schedule": 600.0,
    },
    "release-payable-commissions": {
        "task": "affiliate.release_payable",
        "schedule": 3600.0,
    },
    # Samples: overdue videos, deliveries nobody confirmed, reminders before the due date.
    "sweep-samples": {
        "task": "affiliate.sweep_samples",
        "schedule": 3600.0,
    },
    "send-rate-cut-notices": {
        "task": "affiliate.send_due_notices",
        "schedule": 900.0,
    },
    # Fulfillment: late dispatch marking and the 7-business-day auto-cancel.
    "sweep-dispatch-deadlines": {
        "task": "fulfillment.sweep_dispatch_deadlines",
        "schedule": 900.0,
    },
    "notify-waitlists": {
        "task": "fulfillment.notify_waitlists",
        "schedule": 300.0,
    },
    # Shipments nobody confirmed are delivered a set number of days after their delivers-by.
    "auto-confirm-deliveries": {
        "task": "orders.auto_confirm_deliveries",
        "schedule": 3600.0,
    },
    # Returns the seller did not answer in time are approved.
    "auto-approve-returns": {
        "task": "returns.auto_approve_overdue",
        "schedule": 900.0,
    },
    # Ledger: settle seller money that became available, post anything a crash left unposted,
    # release reserves, and pay out available balances.
    "settle-ledger": {
        "task": "ledger.settle",
        "schedule": 900.0,
    },
    "run-payouts": {
        "task": "ledger.run_payouts",
        "schedule": 86400.0,
    },
    # View counters are exact as of the last roll-up; a minute is fresh enough for a feed.
    "roll-up-events": {
        "task": "feed.roll_up_events",
        "schedule": 60.0,
    },
    # New videos in exploration are promoted to larger audiences (or leave it) as their
    # observed rates come in.
    "promote-explored-videos": {
        "task": "feed.promote_explored_videos",
        "schedule": 300.0,
    },
}

SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# --- Auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    # Hashing cost is a security property of production, not something tests need to pay for.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LOGIN_RATE_LIMIT = env.str("LOGIN_RATE_LIMIT", default="10/5m")
RATELIMIT_USE_CACHE = "default"
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"]

# --- I18n, static, media --------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))


def s3_media_storage(bucket: str) -> dict:
    """Uploaded media in an S3-compatible bucket. Unset options are left out, so boto3 finds
    credentials and region its own way (an instance role, ~/.aws)."""
    options = {
        "bucket_name": bucket,
        "endpoint_url": env.str("MEDIA_S3_ENDPOINT_URL", default=""),
        "region_name": env.str("MEDIA_S3_REGION", default=""),
        "access_key": env.str("MEDIA_S3_ACCESS_KEY_ID", default=""),
        "secret_key": env.str("MEDIA_S3_SECRET_ACCESS_KEY", default=""),
        "custom_domain": env.str("MEDIA_S3_CUSTOM_DOMAIN", default=""),
    }
    options = {name: value for name, value in options.items() if value}
    # Posts are public: plain URLs that a CDN can cache, and a second upload of "clip.mp4" never
    # replaces the first.
    options.update(file_overwrite=False, querystring_auth=False)
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}


MEDIA_S3_BUCKET = env.str("MEDIA_S3_BUCKET", default="")
# The embedded mode serves uploaded media itself (with byte ranges, for video seeking); from a
# bucket or a CDN this is switched off.
SERVE_MEDIA = env_bool("SERVE_MEDIA", default=not MEDIA_S3_BUCKET)
STORAGES = {
    "default": (
        s3_media_storage(MEDIA_S3_BUCKET)
        if MEDIA_S3_BUCKET
        else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    ),
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

DATA_UPLOAD_MAX_MEMORY_SIZE = 1 * 1024 * 1024  # JSON bodies larger than 1 MiB are refused (413)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# The size guard runs first, so a body over the limit is cut off before the others store it.
FILE_UPLOAD_HANDLERS = [
    "clipcart.media.uploads.SizeLimitUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]


def env_positive_int(name: str, *, default: int) -> int:
    try:
        value = env.int(name, default=default)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number.") from None
    if value <= 0:
        raise ImproperlyConfigured(f"{name} must be more than 0, got {value}.")
    return value


def env_amount(name: str, *, default: str) -> Decimal:
    """A non-negative decimal (a percent or an amount of money) from the environment."""
    try:
        value = Decimal(env.str(name, default=default))
    except InvalidOperation:
        raise ImproperlyConfigured(f"{name} must be a decimal number.") from None
    if not value.is_finite() or value < 0:
        raise ImproperlyConfigured(f"{name} must be 0 or more, got {value}.")
    return value


CLIPCART_MAX_UPLOAD_BYTES = env_positive_int("CLIPCART_MAX_UPLOAD_BYTES", default=512 * 1024**2)
CLIPCART_MAX_VIDEO_SECONDS = env_positive_int("CLIPCART_MAX_VIDEO_SECONDS", default=180)
CLIPCART_MAX_PHOTOS = env_positive_int("CLIPCART_MAX_PHOTOS", default=10)

# --- Commerce ---------------------------------------------------------------------------------
CLIPCART_CURRENCY = env.str("CLIPCART_CURRENCY", default="USD")
# The region whose popular videos a viewer without one of their own sees (ISO 3166 alpha-2).
CLIPCART_REGION = env.str("CLIPCART_REGION", default="US")
if not (len(CLIPCART_REGION) == 2 and CLIPCART_REGION.isalpha() and CLIPCART_REGION.isupper()):
    raise ImproperlyConfigured("CLIPCART_REGION is a two-letter country code such as US.")
# How often beat retrains the For You ranker from the event log.
CLIPCART_RETRAIN_SECONDS = env_positive_int("CLIPCART_RETRAIN_SECONDS", default=6 * 3600)
CELERY_BEAT_SCHEDULE["retrain-recommender"] = {
    "task": "feed.retrain_recommender",
    "schedule": float(CLIPCART_RETRAIN_SECONDS),
}
CLIPCART_RESERVATION_MINUTES = env.int("CLIPCART_RESERVATION_MINUTES", default=15)
CLIPCART_IDEMPOTENCY_WAIT_SECONDS = env.float("CLIPCART_IDEMPOTENCY_WAIT_SECONDS", default=15.0)
CLIPCART_MAX_LINE_QUANTITY = 99
# Days after delivery a buyer may return an item; commission stays pending until it closes.
CLIPCART_RETURN_WINDOW_DAYS = env_positive_int("CLIPCART_RETURN_WINDOW_DAYS", default=30)

# --- Affiliate ----------------------------------------------------------------------------------
# Attribution windows: last touch wins within N days of a click, M days of a completed view.
CLIPCART_AFFILIATE_CLICK_WINDOW_DAYS = env_positive_int(
    "CLIPCART_AFFILIATE_CLICK_WINDOW_DAYS", default=7
)
CLIPCART_AFFILIATE_VIEW_WINDOW_DAYS = env_positive_int(
    "CLIPCART_AFFILIATE_VIEW_WINDOW_DAYS", default=1
)
# Followers a creator needs to join open plans (anyone can be invited to a targeted plan).
CLIPCART_AFFILIATE_MIN_FOLLOWERS = env.int("CLIPCART_AFFILIATE_MIN_FOLLOWERS", default=1000)
if CLIPCART_AFFILIATE_MIN_FOLLOWERS < 0:
    raise ImproperlyConfigured("CLIPCART_AFFILIATE_MIN_FOLLOWERS cannot be negative.")
# Creators already promoting keep a cut rate this long, and are told this long before.
CLIPCART_AFFILIATE_CUT_GRACE_DAYS = 30
CLIPCART_AFFILIATE_CUT_NOTICE_DAYS = 2
# Repeated clicks from one client count once per window; past the budget they are refused.
CLIPCART_AFFILIATE_CLICK_DEDUPE_MINUTES = 30
CLIPCART_AFFILIATE_TOUCHES_PER_MINUTE = 60
# Samples: a video is due this many days after delivery, once extendable.
CLIPCART_SAMPLE_POST_DAYS = 14
CLIPCART_SAMPLE_EXTENSION_DAYS = 7

# --- Fulfillment ---------------------------------------------------------------------------------
# A paid order with no tracking this many business days after purchase is cancelled and refunded.
CLIPCART_AUTO_CANCEL_BUSINESS_DAYS = env_positive_int(
    "CLIPCART_AUTO_CANCEL_BUSINESS_DAYS", default=7
)
# Delivers-by is ships-by plus this many of the shop's business days in transit.
CLIPCART_TRANSIT_BUSINESS_DAYS = env_positive_int("CLIPCART_TRANSIT_BUSINESS_DAYS", default=5)
# A shipment nobody confirmed counts as delivered this many days after its delivers-by date.
CLIPCART_AUTO_DELIVER_AFTER_DAYS = env_positive_int("CLIPCART_AUTO_DELIVER_AFTER_DAYS", default=7)
# Pre-orders may promise a date at most this many days out.
CLIPCART_PREORDER_MAX_DAYS = 60
# A surge alert fires when the last hour's orders reach this multiple of the shop's usual hour
# (and at least the minimum, so a shop's second order ever is not "viral").
CLIPCART_SURGE_FACTOR = 5
CLIPCART_SURGE_MIN_ORDERS = 10
# Carriers sign their delivery webhooks with this secret (HMAC-SHA256, 5-minute tolerance).
CLIPCART_CARRIER_WEBHOOK_SECRET = env.str(
    "CLIPCART_CARRIER_WEBHOOK_SECRET", default="dev-carrier-secret" if DEBUG or TESTING else ""
)

# --- Returns ------------------------------------------------------------------------------------
# Damaged or defective items may be returned for longer than the usual window.
CLIPCART_DAMAGED_RETURN_WINDOW_DAYS = env_positive_int(
    "CLIPCART_DAMAGED_RETURN_WINDOW_DAYS", default=90
)
# A return the seller has not answered within this many business days is approved.
CLIPCART_RETURN_ANSWER_BUSINESS_DAYS = 2
CLIPCART_RETURN_MAX_PHOTOS = 6

# --- Money --------------------------------------------------------------------------------------
# Platform fee when no category rule applies (percent of what the buyer paid for the items).
CLIPCART_DEFAULT_FEE_PERCENT = env_amount("CLIPCART_DEFAULT_FEE_PERCENT", default="6")
# A seller's money for an order becomes available this many days after delivery.
CLIPCART_SETTLEMENT_DAYS = env_positive_int("CLIPCART_SETTLEMENT_DAYS", default=7)
# Shops on probation have this percent of each order held for this many days.
CLIPCART_PROBATION_RESERVE_PERCENT = env_amount("CLIPCART_PROBATION_RESERVE_PERCENT", default="10")
CLIPCART_PROBATION_RESERVE_DAYS = env_positive_int("CLIPCART_PROBATION_RESERVE_DAYS", default=30)
# Payouts: only balances at or above the minimum are paid out, through this provider.
CLIPCART_PAYOUT_MINIMUM = env_amount("CLIPCART_PAYOUT_MINIMUM", default="10.00")
CLIPCART_PAYOUT_PROVIDER = env.str("CLIPCART_PAYOUT_PROVIDER", default="test")
# Stripe (payments and Connect payouts); empty keys keep Stripe off.
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_WEBHOOK_TOLERANCE_SECONDS = 300

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
