"""Django settings. Every value comes from the environment with a safe default."""

import datetime as dt
import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from coso.core import secret_key


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, str(default)))


BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("COSO_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = os.environ.get("COSO_DEBUG", "0") == "1"
# COSO_HTTPS=1 (or its older name COSO_PRODUCTION=1) when served over HTTPS, through a reverse
# proxy that sets X-Forwarded-Proto (COSO_PROXY_SSL_HEADER names another): secure cookies, HSTS,
# HTTPS redirect. Naming a proxy header alone means the same.
PRODUCTION = os.environ.get("COSO_PRODUCTION", "0") == "1"
_PROXY_SSL_HEADER = os.environ.get("COSO_PROXY_SSL_HEADER", "").strip()
HTTPS = (
    PRODUCTION
    or os.environ.get("COSO_HTTPS", "0") == "1"
    or _PROXY_SSL_HEADER.lower() not in ("", "none")
)
# The key: COSO_SECRET_KEY, else the one `coso serve` made on first start under VAR_DIR (owner
# only); over HTTPS one is made now if there is none. The public development key is left only
# for commands on a developer's checkout, and `coso serve` refuses it.
SECRET_KEY_FILE = VAR_DIR / secret_key.FILE_NAME
SECRET_KEY = os.environ.get("COSO_SECRET_KEY") or secret_key.read_secret_key(SECRET_KEY_FILE) or ""
if not SECRET_KEY and HTTPS:
    SECRET_KEY = secret_key.create_secret_key(SECRET_KEY_FILE)
SECRET_KEY = SECRET_KEY or secret_key.DEV_SECRET_KEY
if HTTPS and SECRET_KEY == secret_key.DEV_SECRET_KEY:
    raise ImproperlyConfigured("COSO_SECRET_KEY là khóa công khai của bản phát triển (public key).")
ALLOWED_HOSTS = os.environ.get("COSO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
CSRF_TRUSTED_ORIGINS = [
    o for o in os.environ.get("COSO_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "coso.core",
    "coso.units",
    "coso.members",
    "coso.stats",
    "coso.authority",
    "coso.meetings",
    "coso.followup",
    "coso.oversight",
    "coso.quality",
    "coso.outreach",
    "coso.demo",
    "coso.accounts",
    "coso.audit",
    "coso.web",
    "coso.api",
    "django_htmx",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything reads the database (the session): it decides replica or primary.
    "coso.core.replicas.ReplicaRoutingMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "coso.web.middleware.VietnameseFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "coso.authority.middleware.TotpRequiredMiddleware",
    "coso.accounts.middleware.PasswordChangeRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "coso.api.middleware.ApiMethodNotAllowedMiddleware",
    # Last, as django-axes asks: it turns lockouts raised during login into responses.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "coso.urls"

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
                "coso.web.context.navigation",
            ],
        },
    },
]

WSGI_APPLICATION = "coso.wsgi.application"

# models.W040: SQLite has no INCLUDE columns and builds the index without them. The member index
# by home includes PostgreSQL's display keys (coso.members.models.Member.Meta.indexes); on
# SQLite the entries hold the rowid, which is what the search reads there.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'coso.sqlite3'}"),
        conn_health_checks=True,
    )
}
# PostgreSQL: each process keeps its connection for a minute, checked before a request reuses
# it. A new connection costs its SCRAM login (about 7 ms of CPU on the client and as much on the
# server, PgBouncer's included): on two CPUs, with 100 users, 10 of 66 pages fewer were over
# 300 ms at p95 (docs/PERFORMANCE.md, tenth session). SQLite opens a file: nothing to keep.
_POSTGRESQL = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
DATABASES["default"]["CONN_MAX_AGE"] = _env_int("COSO_DB_CONN_MAX_AGE", 60 if _POSTGRESQL else 0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work during long imports; the larger cache matters for national-size data.
    # One writer at a time: a write transaction takes the lock when it begins (IMMEDIATE), so it
    # never fails half-way upgrading a read lock, and a writer that finds the lock taken waits up
    # to the busy timeout (seconds) rather than failing. Imports hold the lock only for their
    # inserts (about 20 s for 250,000 members on a loaded 2-core machine: docs/PERFORMANCE.md).
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            "PRAGMA cache_size=-262144; PRAGMA temp_store=MEMORY; PRAGMA mmap_size=2147483648;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": _env_int("COSO_DB_BUSY_TIMEOUT", 30),
    }

# Streaming replicas for reads (docs/DEPLOY.md): DATABASE_REPLICA_URLS, comma-separated, adds the
# aliases replica1, replica2, ... and coso.core.replicas routes the web requests' reads to them,
# writes and the reads that follow a write to the primary. With none, nothing changes.
COSO_READ_REPLICAS: list[str] = []
for _number, _url in enumerate(
    (u.strip() for u in os.environ.get("DATABASE_REPLICA_URLS", "").split(",") if u.strip()), 1
):
    _alias = f"replica{_number}"
    DATABASES[_alias] = dj_database_url.parse(
        _url, conn_max_age=DATABASES["default"]["CONN_MAX_AGE"], conn_health_checks=True
    )
    if DATABASES[_alias]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_REPLICA_URLS: chỉ PostgreSQL có bản sao (replica).")
    # A replica that does not answer must not hold the request long: its reads go to the primary.
    # Neither a new connection (connect_timeout) nor a kept one, whose health check would
    # otherwise wait on a vanished host for as long as the kernel retransmits (tcp_user_timeout).
    _timeout = _env_int("COSO_REPLICA_CONNECT_TIMEOUT", 2)
    DATABASES[_alias]["OPTIONS"] = {
        "connect_timeout": _timeout,
        "tcp_user_timeout": _timeout * 1000,
    }
    # Tests read the replica's copy of the test database, which the stream fills.
    DATABASES[_alias]["TEST"] = {"MIRROR": "default"}
    COSO_READ_REPLICAS.append(_alias)
DATABASE_ROUTERS = ["coso.core.replicas.ReplicaRouter"]
# How long the pages after a write keep reading the primary: longer than the replica's usual lag.
COSO_REPLICA_STICKY_SECONDS = _env_int("COSO_REPLICA_STICKY_SECONDS", 15)
# A replica that failed to answer is left aside this long before it is tried again.
COSO_REPLICA_RETRY_SECONDS = _env_int("COSO_REPLICA_RETRY_SECONDS", 30)
# Leave a replica aside while it lags more than this (0: not measured), measured this often.
COSO_REPLICA_MAX_LAG_SECONDS = _env_int("COSO_REPLICA_MAX_LAG_SECONDS", 0)
COSO_REPLICA_LAG_CHECK_SECONDS = _env_int("COSO_REPLICA_LAG_CHECK_SECONDS", 5)
# Behind PgBouncer in transaction pooling (docs/DEPLOY.md) a server-side cursor cannot outlive
# its transaction's server connection: COSO_DB_TRANSACTION_POOLING=1 turns them off.
if os.environ.get("COSO_DB_TRANSACTION_POOLING", "0") == "1":
    for _database in DATABASES.values():
        _database["DISABLE_SERVER_SIDE_CURSORS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Imports started from the browser run in the background: `coso serve` starts `db_worker`.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- Bounded input (every uploaded or imported table; see coso/core/tabular.py) -------------
# Checked while reading, before any work: the file's size, then for xlsx the zip's directory
# (declared unpacked size, members, compression ratio) before openpyxl parses anything, then
# rows and cells per row while streaming. Defaults leave room for a 250,000-row import.
# Rendered PDFs kept per process, keyed on their HTML and stylesheet (coso/core/printing.py):
# the same document asked again is not laid out again. 0 turns it off.
COSO_PDF_CACHE_BYTES = _env_int("COSO_PDF_CACHE_BYTES", 8 * 1024 * 1024)
COSO_MAX_UPLOAD_BYTES = _env_int("COSO_MAX_UPLOAD_BYTES", 50 * 1024 * 1024)
COSO_MAX_UNPACKED_BYTES = _env_int("COSO_MAX_UNPACKED_BYTES", 512 * 1024 * 1024)
COSO_MAX_ROWS = _env_int("COSO_MAX_ROWS", 500_000)
COSO_MAX_CELLS_PER_ROW = _env_int("COSO_MAX_CELLS_PER_ROW", 100)
# A spreadsheet's parts compress 5-20 times; a zip bomb hundreds of times.
COSO_MAX_COMPRESSION_RATIO = _env_int("COSO_MAX_COMPRESSION_RATIO", 100)
COSO_MAX_ZIP_MEMBERS = _env_int("COSO_MAX_ZIP_MEMBERS", 1000)
# An import job keeps its first N errors and the count; `coso prune-imports` removes old jobs.
COSO_MAX_ERRORS_KEPT = _env_int("COSO_MAX_ERRORS_KEPT", 1000)
COSO_IMPORT_JOBS_KEEP_DAYS = _env_int("COSO_IMPORT_JOBS_KEEP_DAYS", 30)
# A member's calendar address stops working once unused for COSO_CALENDAR_TOKEN_IDLE_DAYS (0:
# never); revoked addresses are deleted COSO_CALENDAR_TOKENS_KEEP_DAYS after their revocation
# (coso.meetings.operations.prune_calendar_tokens, daily).
COSO_CALENDAR_TOKEN_IDLE_DAYS = _env_int("COSO_CALENDAR_TOKEN_IDLE_DAYS", 180)
COSO_CALENDAR_TOKENS_KEEP_DAYS = _env_int("COSO_CALENDAR_TOKENS_KEEP_DAYS", 30)

# Notices (coso.accounts.notices) are read in the application: Coso runs on isolated networks.
# An email copy goes only with COSO_NOTICE_EMAIL=1, through the server named below; links in it
# start with COSO_SITE_URL (e.g. https://coso.example.vn).
COSO_NOTICE_EMAIL = os.environ.get("COSO_NOTICE_EMAIL", "0") == "1"
COSO_SITE_URL = os.environ.get("COSO_SITE_URL", "").rstrip("/")
EMAIL_HOST = os.environ.get("COSO_EMAIL_HOST", "localhost")
EMAIL_PORT = _env_int("COSO_EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("COSO_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("COSO_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("COSO_EMAIL_TLS", "0") == "1"
EMAIL_TIMEOUT = _env_int("COSO_EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = os.environ.get("COSO_EMAIL_FROM", "coso@localhost")

# --- Scheduled work (coso/core/schedule.py; Coso's jobs in coso/web/jobs.py) -----------------
# Every `coso serve` runs a scheduler; the database claim makes each slot run once in all.
# A job's time: COSO_JOB_<NAME>=HH:MM (daily, local time), "every N" (minutes) or "off";
# e.g. COSO_JOB_BACKUP=03:30. Defaults are in coso/web/jobs.py.
COSO_JOB_TIMES = {
    key.removeprefix("COSO_JOB_").lower(): value
    for key, value in os.environ.items()
    if key.startswith("COSO_JOB_")
}
COSO_SCHEDULE_TICK_SECONDS = _env_int("COSO_SCHEDULE_TICK_SECONDS", 30)
# A failed run is tried again after a pause, up to this many attempts for one slot.
COSO_SCHEDULE_ATTEMPTS = _env_int("COSO_SCHEDULE_ATTEMPTS", 3)
COSO_SCHEDULE_RETRY_MINUTES = _env_int("COSO_SCHEDULE_RETRY_MINUTES", 15)
# A running job renews its lease; one not renewed for this long is taken over (its process died).
COSO_SCHEDULE_LEASE_MINUTES = _env_int("COSO_SCHEDULE_LEASE_MINUTES", 10)
# A slot with no successful run this long after it shows as missed on the administrator's home.
COSO_SCHEDULE_GRACE_MINUTES = _env_int("COSO_SCHEDULE_GRACE_MINUTES", 60)
COSO_SCHEDULE_HISTORY_DAYS = _env_int("COSO_SCHEDULE_HISTORY_DAYS", 90)
# The daily backup: where (default VAR_DIR/backups) and how many to keep.
COSO_BACKUP_DIR = os.environ.get("COSO_BACKUP_DIR", "")
COSO_BACKUP_KEEP = _env_int("COSO_BACKUP_KEEP", 14)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": _env_int("COSO_PASSWORD_MIN_LENGTH", 10)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Login, sessions, throttling, second factor -------------------------------------------------
AUTHENTICATION_BACKENDS = [
    # First, so that a locked-out username+address is refused before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

SESSION_COOKIE_AGE = _env_int("COSO_SESSION_SECONDS", 8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

AXES_ENABLED = os.environ.get("COSO_AXES_ENABLED", "1") == "1"
AXES_FAILURE_LIMIT = _env_int("COSO_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=_env_int("COSO_LOGIN_COOLOFF_MINUTES", 15))
# Username and address together: one attacker cannot lock a user out from everywhere. The
# address alone too, at a higher limit: one address cannot try a few passwords on every account.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
COSO_LOGIN_ADDRESS_FAILURE_LIMIT = _env_int("COSO_LOGIN_ADDRESS_FAILURE_LIMIT", 20)
AXES_HANDLER = "coso.accounts.lockout.AccountAndAddressHandler"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked.html"
AXES_CLIENT_IP_CALLABLE = "coso.audit.log.client_ip"
AXES_VERBOSE = False
# Login history (successes in AccessLog, failures in AccessFailureLog), readable in the admin.
AXES_ENABLE_ACCESS_FAILURE_LOG = True
# Number of reverse proxies in front of the app whose X-Forwarded-For can be believed.
COSO_TRUSTED_PROXIES = _env_int("COSO_TRUSTED_PROXIES", 0)

OTP_TOTP_ISSUER = "Coso"

# --- Headers ----------------------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Every asset is served from the app itself: no inline script, nothing from elsewhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
if HTTPS:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = os.environ.get("COSO_SSL_REDIRECT", "1") == "1"
    SECURE_HSTS_SECONDS = _env_int("COSO_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = os.environ.get("COSO_HSTS_SUBDOMAINS", "1") == "1"
    # Django sends HSTS and redirects only on requests it knows came over HTTPS: behind the
    # proxy, that is the header the proxy sets (the app listens on the loopback, unreachable
    # but through it). COSO_PROXY_SSL_HEADER=none when TLS reaches the app itself.
    if _PROXY_SSL_HEADER.lower() != "none" and (
        _PROXY_SSL_HEADER or COSO_TRUSTED_PROXIES or not PRODUCTION
    ):
        _header = (_PROXY_SSL_HEADER or "X-Forwarded-Proto").upper().replace("-", "_")
        SECURE_PROXY_SSL_HEADER = (f"HTTP_{_header}", "https")

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
TIME_ZONE = os.environ.get("COSO_TIME_ZONE", "Asia/Ho_Chi_Minh")
USE_I18N = True
USE_TZ = True

LOCALE_PATHS = [BASE_DIR / "coso" / "locale"]

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# WhiteNoise warns on every request while the folder is missing (tests never run collectstatic).
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Served by WhiteNoise from STATIC_ROOT (`coso serve` runs collectstatic first), compressed.
# No manifest: pages render in tests and development without a collectstatic step.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("COSO_LOG_LEVEL", "WARNING")},
}
