"""Settings: an embedded default that needs no environment, overridden by environment variables.

Embedded: SQLite (WAL, IMMEDIATE transactions) and the in-memory channel layer.
Full deployment: DATABASE_URL (Postgres via psycopg 3), REDIS_URL (channel layer and Celery broker),
KAFKA_BOOTSTRAP_SERVERS.
"""

import os
from pathlib import Path
from urllib.parse import urlparse

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("KALSHI_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return default if value in (None, "") else int(value)


# A random throwaway key for the embedded default; deployments set SECRET_KEY.
SECRET_KEY = os.environ.get("SECRET_KEY", "embedded-default-not-secret-" + str(BASE_DIR))
# Off unless asked for: Django's debug pages show the settings and the URL map to anyone who can reach
# the port. DEBUG=1 turns them on for development.
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver").split(",") if h]

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "exchange",
    "marketmaker",
    "marketdata",
    "orderbook",
]

# Django's own middleware in exchange.api.middleware's arrangement: hooks that do no I/O run in the event
# loop rather than a thread hop each, and the browser-session ones step aside for signed or cookieless
# API requests.
MIDDLEWARE = [
    # First: API requests no view should see are answered in the API's shape before anything else runs.
    "exchange.api.guard.ApiRequestGuard",
    "exchange.api.middleware.SecurityMiddleware",
    "exchange.api.middleware.SessionMiddleware",
    "exchange.api.middleware.CommonMiddleware",
    "exchange.api.middleware.CsrfViewMiddleware",
    "exchange.api.middleware.AuthenticationMiddleware",
    "exchange.api.middleware.MessageMiddleware",
    "exchange.api.middleware.XFrameOptionsMiddleware",
    "exchange.api.errors.ApiErrorMiddleware",
]

ROOT_URLCONF = "kalshi_site.urls"
CSRF_FAILURE_VIEW = "exchange.api.errors.csrf_failure"

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
            ],
        },
    },
]

WSGI_APPLICATION = "kalshi_site.wsgi.application"
ASGI_APPLICATION = "kalshi_site.asgi.application"

# --- Database -------------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    _db = dj_database_url.parse(DATABASE_URL)
    if _db["ENGINE"] == "django.db.backends.postgresql":
        # A pool: Django's per-request connection setup otherwise dominates the order path.
        _db.setdefault("OPTIONS", {})["pool"] = {
            "min_size": env_int("DB_POOL_MIN", 2),
            "max_size": env_int("DB_POOL_MAX", 20),
            # How long a request waits for a connection, e.g. while the database restarts, before 503.
            "timeout": env_int("DB_POOL_TIMEOUT", 30),
        }
        _db["CONN_MAX_AGE"] = 0
    DATABASES = {"default": _db}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "exchange.sqlite3",
            "OPTIONS": {
                # IMMEDIATE takes the write lock at BEGIN, which serializes order transactions the way
                # SELECT ... FOR UPDATE on the market row does on Postgres.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- The engine (exchange/sequencer) --------------------------------------------------------------
# Unset: the sequencer runs inside each process (the embedded default). Set (tcp://engine:7070): commands
# go to `manage.py runengine` there, which listens on ENGINE_URL's port.
ENGINE_URL = os.environ.get("ENGINE_URL", "")
_engine = urlparse(ENGINE_URL)
if ENGINE_URL and (_engine.scheme != "tcp" or not _engine.hostname or not _engine.port):
    raise ImproperlyConfigured(f"ENGINE_URL must look like tcp://host:port, not {ENGINE_URL!r}")
# How long a caller waits for the engine's reply before answering 503; above DB_POOL_TIMEOUT, so a
# database outage in the engine is reported as one.
ENGINE_TIMEOUT_S = env_int("ENGINE_TIMEOUT_S", 60)

# --- Channels, Celery, Kafka ----------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # redis-py 8 reads with a 5 s socket timeout by default, the same as channels_redis's blocking
            # receive (BZPOPMIN 5 s): an idle consumer then dies with TimeoutError. Read longer than that.
            "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": 30}], "capacity": 5000, "expiry": 30},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer", "CONFIG": {"capacity": 5000}}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TIMEZONE = "UTC"
CELERY_TASK_IGNORE_RESULT = True
# Every beat entry is a plain interval, so nothing needs persisting between beat restarts.
CELERY_BEAT_SCHEDULER = "celery.beat:Scheduler"
# Without KAFKA_BOOTSTRAP_SERVERS, runsim starts librdkafka's mock cluster in-process (marketdata.embedded).
KAFKA_BOOTSTRAP_SERVERS = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "")
MARKETDATA = {
    # Seconds between the relay's full-book snapshots of every open market (0: none).
    "SNAPSHOT_INTERVAL_S": env_int("MARKETDATA_SNAPSHOT_INTERVAL_S", 30),
    "RELAY_BATCH": env_int("MARKETDATA_RELAY_BATCH", 2000),
    # The relay reads the outbox when a commit wakes it (NOTIFY on PostgreSQL), else this often.
    "POLL_MS": env_int("MARKETDATA_POLL_MS", 200),
    # How long Kafka may take to acknowledge a message before the relay backs off and re-sends it.
    "DELIVERY_TIMEOUT_MS": env_int("MARKETDATA_DELIVERY_TIMEOUT_MS", 30_000),
    # The longest pause between attempts while Kafka or the database is down (the pause doubles up to it).
    "BACKOFF_MAX_MS": env_int("MARKETDATA_BACKOFF_MAX_MS", 10_000),
    # /marketdata/health answers 503 when the oldest unrelayed event is older than this.
    "MAX_LAG_MS": env_int("MARKETDATA_MAX_LAG_MS", 5_000),
}
ORDERBOOK = {
    # Each rebuilder process serving clients needs every market: give each its own group.
    "GROUP_ID": os.environ.get("ORDERBOOK_GROUP_ID", "kalshi-orderbook"),
    "COMMIT_INTERVAL_MS": env_int("ORDERBOOK_COMMIT_INTERVAL_MS", 1000),
    # How soon the group notices a rebuilder that died without leaving (its successor waits that long).
    "SESSION_TIMEOUT_MS": env_int("ORDERBOOK_SESSION_TIMEOUT_MS", 10_000),
    # Where pages and check_orderbooks read rebuilt books when this process runs no rebuilder.
    "REBUILDER_URL": os.environ.get("ORDERBOOK_REBUILDER_URL", ""),
}

# --- Auth, i18n, static ---------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = []
LOGIN_URL = "pages:login"
LOGIN_REDIRECT_URL = "pages:markets"
LOGOUT_REDIRECT_URL = "pages:markets"
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "exchange.api.errors.handle_exception",
    "DEFAULT_PARSER_CLASSES": ["exchange.api.parsers.StrictJSONParser"],
    # Kalshi request signing first (its 401 challenge), then the browser session. Public views need
    # no credentials; a valid signature on them is accepted too.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "exchange.api.auth.KalshiSignatureAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Kalshi-compatible exchange simulator",
    "VERSION": "2.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "DESCRIPTION": "Kalshi trade-api v2 served by the simulator: public market data and authenticated trading.",
    # Swagger UI's assets come from drf-spectacular-sidecar's static files, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {"YesNoEnum": ["yes", "no"]},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Exchange behaviour ---------------------------------------------------------------------------
EXCHANGE = {
    # Where the two SDK generations disagree on an enum, "finalized" (newer) or "settled" (older).
    "MARKET_STATUS_STYLE": os.environ.get("MARKET_STATUS_STYLE", "finalized"),
    # Clock skew a signed request may have, as on production (±10 s accepted, 60 s refused).
    "SIGNATURE_WINDOW_S": env_int("SIGNATURE_WINDOW_S", 10),
    # How long a server process trusts an API key it read (exchange.api.key_cache): a key revoked in
    # another process is refused here within this many seconds (in the revoking process at once).
    "API_KEY_CACHE_S": env_int("API_KEY_CACHE_S", 5),
    "RATE_LIMITS_ENABLED": env_bool("RATE_LIMITS_ENABLED", True),
    # Kalshi API usage tier for the per-user token buckets: basic, advanced, premier or prime.
    "RATE_LIMIT_TIER": os.environ.get("RATE_LIMIT_TIER", "basic"),
    "WS_REQUIRE_AUTH": env_bool("WS_REQUIRE_AUTH", False),
    "WS_PERIODIC_SNAPSHOT_EVERY": env_int("WS_PERIODIC_SNAPSHOT_EVERY", 0),
    "WS_SKIP_SEQ_MARKET": os.environ.get("WS_SKIP_SEQ_MARKET", ""),
    # Per-connection feed limits (exchange.ws.limits): subscriptions held, markets named by one
    # subscription, and a token bucket of commands.
    "WS_MAX_SUBSCRIPTIONS": env_int("WS_MAX_SUBSCRIPTIONS", 256),
    "WS_MAX_MARKETS": env_int("WS_MAX_MARKETS", 5000),
    "WS_COMMANDS_PER_SECOND": env_int("WS_COMMANDS_PER_SECOND", 20),
    "WS_COMMAND_BURST": env_int("WS_COMMAND_BURST", 100),
}

# Which of production Kalshi's dated API changes are in force (exchange/api_changes.py): an ISO date
# serves the API as it was that day; unset serves it as production does today (every change applied).
KALSHI_API_DATE = os.environ.get("KALSHI_API_DATE", "")
# "thread": commands queue to this process's sequencer thread, which commits them in batches;
# "inline": each runs in its caller's thread (one command per commit), as the test suite runs them.
ENGINE_MODE = os.environ.get("ENGINE_MODE", "thread")

# --- Market maker and the market clock -----------------------------------------------------------
# The environment seeds the default market's MarketMakerConfig (created on the first tick); after
# that an admin edits it, and can add configs for more markets, in Django admin.
MARKET_MAKER = {
    "TICKER": os.environ.get("MARKET_MAKER_TICKER", "MARKET_MAKER"),
    "USER": os.environ.get("MARKET_MAKER_USER", "marketmaker"),
    "INTERVAL_MS": env_int("MARKET_MAKER_INTERVAL_MS", 3000),
    "PRICE_MIN_CENTS": env_int("MARKET_MAKER_PRICE_MIN", 33),
    "PRICE_MAX_CENTS": env_int("MARKET_MAKER_PRICE_MAX", 67),
    "SPREAD_CENTS": env_int("MARKET_MAKER_SPREAD", 10),
    "QUANTITY": env_int("MARKET_MAKER_QUANTITY", 100),
}
# How often the scheduler looks for markets due a tick; each market then ticks at its own interval.
MARKET_MAKER_POLL_MS = env_int("MARKET_MAKER_POLL_MS", min(500, MARKET_MAKER["INTERVAL_MS"]))
LIFECYCLE_INTERVAL_MS = env_int("LIFECYCLE_INTERVAL_MS", 1000)


def _every(ms: int, task: str) -> dict:
    # A run that could not start within its period is dropped: the next one does the same work.
    return {"task": task, "schedule": ms / 1000, "options": {"expires": max(ms / 1000, 1.0)}}


# Celery beat in full deployment; `marketmaker.embedded.run` runs the same entries in-process.
CELERY_BEAT_SCHEDULE = {
    "market-maker": _every(MARKET_MAKER_POLL_MS, "marketmaker.tasks.quote_markets"),
    "markets-open": _every(LIFECYCLE_INTERVAL_MS, "exchange.tasks.markets_open"),
    "markets-close": _every(LIFECYCLE_INTERVAL_MS, "exchange.tasks.markets_close"),
    "orders-expire": _every(LIFECYCLE_INTERVAL_MS, "exchange.tasks.orders_expire"),
    "markets-settle": _every(LIFECYCLE_INTERVAL_MS, "exchange.tasks.markets_settle"),
}

# FIX acceptor (exchange/fix): one port per Kalshi session type. MAINTENANCE is Kalshi's daily window
# (02:00-02:10 America/New_York) when FIX_MAINTENANCE=1; off by default in the embedded setup.
FIX = {
    "ENABLED": env_bool("FIX_ENABLED", True),
    "HOST": os.environ.get("FIX_HOST", "127.0.0.1"),
    "PORTS": {
        "KalshiNR": env_int("FIX_NR_PORT", 8228),
        "KalshiDC": env_int("FIX_DC_PORT", 8229),
        "KalshiRT": env_int("FIX_RT_PORT", 8230),
        "KalshiPT": env_int("FIX_PT_PORT", 8231),
    },
    "LOGON_WINDOW_S": env_int("FIX_LOGON_WINDOW_S", 120),
    "MIN_HEARTBEAT_S": env_int("FIX_MIN_HEARTBEAT_S", 3),
    # Outbox polling: fast while busy, backing off to IDLE_POLL_S when quiet (commits wake it at once).
    "POLL_INTERVAL_S": float(os.environ.get("FIX_POLL_INTERVAL_S", "0.025")),
    "IDLE_POLL_S": float(os.environ.get("FIX_IDLE_POLL_S", "5")),
    # Order commands a session may have in flight; past this the acceptor stops reading it (backpressure).
    "MAX_IN_FLIGHT": env_int("FIX_MAX_IN_FLIGHT", 64),
    "MAINTENANCE": ({"WINDOW": (os.environ.get("FIX_MAINTENANCE_START", "02:00"),
                                os.environ.get("FIX_MAINTENANCE_END", "02:10")),
                     "TZ": "America/New_York"} if env_bool("FIX_MAINTENANCE", False) else None),
}

# Background services that `manage.py runsim` runs inside the one embedded process, each a dotted path
# to a callable taking a `threading.Event` that is set at shutdown. In full deployment they run as
# their own processes instead (runfix, celery worker + beat, run_relay, rebuild_orderbooks).
EMBEDDED_SERVICES: list[str] = [
    "exchange.fix.embedded.run",
    "marketmaker.embedded.run",
    "marketdata.embedded.run",
]
