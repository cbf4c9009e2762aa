"""Settings for Xietong, configured by environment variables (see README "配置 / Configuration").

Everything an installation changes comes from the environment; organisation policy (time limits,
calendars, escalation ladders) lives in the database, not here.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("XIETONG_DATA_DIR", BASE_DIR.parent / "var")).resolve()


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _private_data_dir() -> None:
    """The data directory (SQLite database, secret key, uploads, mail) is for this user only: 700."""
    DATA_DIR.mkdir(parents=True, exist_ok=True, mode=0o700)
    if DATA_DIR.stat().st_uid == os.geteuid() and DATA_DIR.stat().st_mode & 0o077:
        DATA_DIR.chmod(0o700)


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once and kept in the data directory."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    _private_data_dir()
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        # Created 600 from the first byte, never readable by others even for a moment.
        descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as out:
            out.write(secrets.token_urlsafe(50))
    return key_file.read_text().strip()


_private_data_dir()  # keys, mail, uploads and the SQLite database live there, whatever the database
SECRET_KEY = _secret_key()
DEBUG = _env_bool("XIETONG_DEBUG", False)
ALLOWED_HOSTS = _env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = _env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",
    "axes",
    "xietong.core",
    "xietong.org",
    "xietong.workcal",
    "xietong.clocks",
    "xietong.notify",
    "xietong.items",
    "xietong.requests",
    "xietong.tasks",
    "xietong.progress",
    "xietong.risks",
    "xietong.acceptance",
    "xietong.feedback",
    "xietong.problems",
    "xietong.incidents",
    "xietong.lighter",
    "xietong.meetings",
    "xietong.notices",
    "xietong.seals",
    "xietong.designer",
    "xietong.archive",
    "xietong.reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every page needs a login unless its view is marked login_not_required.
    "xietong.core.middleware.LoginRequiredMiddleware",
    # An administrator's password must be replaced before anything else; a new account sees the guide once.
    "xietong.org.first_sign_in.FirstSignInMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Before anything reads a body: an upload over the limit is refused from its Content-Length.
    "xietong.core.uploads.UploadSizeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "xietong.core.middleware.VaryOnHtmxMiddleware",
    "xietong.core.middleware.RequestContextMiddleware",
    "xietong.core.middleware.SecurityHeadersMiddleware",
    "xietong.core.middleware.ApplicationErrorMiddleware",
    # Last: turns a sign-in refused by the throttle into the sign-in page with the waiting time.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "xietong.urls"
WSGI_APPLICATION = "xietong.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "builtins": ["xietong.core.templatetags.xietong"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "xietong.core.navigation.main_nav",
                "xietong.notify.selectors.inbox_badge",
            ],
        },
    },
]

# A <select> written in Python, the same markup as Django's templates (issue 18: a select of every person).
FORM_RENDERER = "xietong.core.forms_renderer.Renderer"

# --- Database -------------------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{DATA_DIR / 'xietong.sqlite3'}"),
        conn_max_age=int(os.environ.get("XIETONG_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE: a writer takes the lock at BEGIN, so two writers queue instead of one failing
        # with "database is locked" when it upgrades a read lock.
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;",
    }

elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and _env_bool("XIETONG_PG_PREPARED", True):
    # Parameters bound by the server and statements prepared after two uses on a connection: the
    # permission-filtered list queries cost more to plan than to run (3–9 ms of planning each), and a
    # prepared statement plans once per connection. Set XIETONG_PG_PREPARED=0 behind a transaction-
    # pooling PgBouncer, which cannot keep prepared statements.
    DATABASES["default"]["OPTIONS"] = {"server_side_binding": True, "prepare_threshold": 2}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "org.Person"

# --- Authentication -------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses a throttled attempt before any password is checked
    "xietong.org.backends.PersonBackend",  # usernames matched after NFKC, without regard to case
    "xietong.org.ldap_auth.LDAPSignInBackend",  # LDAP / Active Directory passwords, when XIETONG_LDAP_SERVER_URI is set
]
# Sign-in throttling (django-axes, see core.signin): within the window, this many failures for one account
# from one address lock that pair, and the account-wide limit locks the account from every address. An
# address alone never locks anyone out.
XIETONG_LOGIN_MAX_FAILURES = int(os.environ.get("XIETONG_LOGIN_MAX_FAILURES", "5"))
XIETONG_LOGIN_ACCOUNT_MAX_FAILURES = int(
    os.environ.get("XIETONG_LOGIN_ACCOUNT_MAX_FAILURES", str(4 * XIETONG_LOGIN_MAX_FAILURES))
)
XIETONG_LOGIN_WINDOW_MINUTES = int(os.environ.get("XIETONG_LOGIN_WINDOW_MINUTES", "15"))
# Reverse proxies in front of the web processes. With N of them, the client's address is the one the
# outermost proxy appended to X-Forwarded-For (N-th from the right); what the client wrote is never trusted.
# XIETONG_TRUST_PROXY=1 (older setting) means one proxy.
XIETONG_TRUSTED_PROXY_COUNT = int(
    os.environ.get("XIETONG_TRUSTED_PROXY_COUNT", "1" if _env_bool("XIETONG_TRUST_PROXY", False) else "0")
)
AXES_ENABLED = True
AXES_FAILURE_LIMIT = XIETONG_LOGIN_MAX_FAILURES
AXES_COOLOFF_TIME = dt.timedelta(minutes=XIETONG_LOGIN_WINDOW_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username"]
AXES_HANDLER = "xietong.core.signin.TieredAxesHandler"
AXES_USERNAME_CALLABLE = "xietong.core.signin.axes_username"
AXES_CLIENT_IP_CALLABLE = "xietong.core.middleware.request_ip"
AXES_LOCKOUT_CALLABLE = "xietong.core.signin.lockout_response"
AXES_RESET_ON_SUCCESS = True
# Attempts refused while locked do not extend the lock: the page's "N 分钟后再试" stays true.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Successful sign-ins are in the audit trail already; axes' own access log would be a second, unbounded copy.
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ADMIN = False
AXES_VERBOSE = False

# --- Language and time ----------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("XIETONG_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static files and uploads ---------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("XIETONG_STATIC_ROOT", DATA_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(os.environ.get("XIETONG_MEDIA_ROOT", DATA_DIR / "media"))
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Uploads hold the company's documents: readable by the service's own user only.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700

# --- Email ----------------------------------------------------------------------------------------
# With EMAIL_HOST set, mail goes out through SMTP; otherwise it is written as files under var/mail so
# that a demo install shows exactly what would have been sent.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = _env_bool("EMAIL_USE_TLS", False)
    EMAIL_USE_SSL = _env_bool("EMAIL_USE_SSL", False)
    EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "20"))
else:
    EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
    EMAIL_FILE_PATH = DATA_DIR / "mail"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "协同 <xietong@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- JSON API ---------------------------------------------------------------------------------------
NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 500  # bigger pages are refused with a 422, never an overflow in SQL

# --- Security -------------------------------------------------------------------------------------
XIETONG_HTTPS = _env_bool("XIETONG_HTTPS", False)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = XIETONG_HTTPS
CSRF_COOKIE_SECURE = XIETONG_HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if XIETONG_HTTPS:
    SECURE_SSL_REDIRECT = _env_bool("XIETONG_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # health checks ask over plain HTTP from inside
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("XIETONG_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # Preloading commits every subdomain to HTTPS for years: an operator's decision, not a default.
    SECURE_HSTS_PRELOAD = _env_bool("XIETONG_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
CSRF_FAILURE_VIEW = "xietong.core.views.csrf_failure"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("XIETONG_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

XIETONG_SITE_NAME = _("协同")
# Attachments: size limit and allowed file types (extensions).
XIETONG_ATTACHMENT_MAX_MB = int(os.environ.get("XIETONG_ATTACHMENT_MAX_MB", "20"))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Each uploaded file is counted as it streams and dropped past XIETONG_ATTACHMENT_MAX_MB (core/uploads.py).
FILE_UPLOAD_HANDLERS = [
    "xietong.core.uploads.CappedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
XIETONG_BADGE_POLL_SECONDS = int(os.environ.get("XIETONG_BADGE_POLL_SECONDS", "20"))
# Outbox retries: attempts before a delivery is given up, and the first backoff (doubling each time).
XIETONG_DELIVERY_MAX_ATTEMPTS = int(os.environ.get("XIETONG_DELIVERY_MAX_ATTEMPTS", "6"))
XIETONG_DELIVERY_BACKOFF_SECONDS = int(os.environ.get("XIETONG_DELIVERY_BACKOFF_SECONDS", "60"))
# A delivery claimed by a worker that died is sent again after this lease; robots answer within the timeout.
XIETONG_DELIVERY_LEASE_SECONDS = int(os.environ.get("XIETONG_DELIVERY_LEASE_SECONDS", "120"))
# Sends of one claimed chunk in flight at once per worker (threads; 1: one after the other).
XIETONG_DELIVERY_CONCURRENCY = int(os.environ.get("XIETONG_DELIVERY_CONCURRENCY", "8"))
XIETONG_WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("XIETONG_WEBHOOK_TIMEOUT_SECONDS", "10"))
# A worker refreshes its heartbeat this often; /healthz calls it stale after the second bound.
XIETONG_WORKER_HEARTBEAT_SECONDS = float(os.environ.get("XIETONG_WORKER_HEARTBEAT_SECONDS", "10"))
XIETONG_WORKER_STALE_SECONDS = int(os.environ.get("XIETONG_WORKER_STALE_SECONDS", "120"))
# The audit sequencer (run by the worker) seals written events into the hash chain in batches of this many;
# `xietong audit verify` reports an event left unsealed longer than the bound as a fault. The newest sealed
# head is also kept in the anchor file, outside the database.
# Due clocks a worker claims and fires per transaction (their items stay locked until it commits).
XIETONG_CLOCK_BATCH = int(os.environ.get("XIETONG_CLOCK_BATCH", "50"))
XIETONG_AUDIT_SEAL_BATCH = int(os.environ.get("XIETONG_AUDIT_SEAL_BATCH", "5000"))
XIETONG_AUDIT_UNSEALED_MAX_SECONDS = int(os.environ.get("XIETONG_AUDIT_UNSEALED_MAX_SECONDS", "60"))
# `audit verify` checks a chain at least this long with one process per core (PostgreSQL).
XIETONG_AUDIT_VERIFY_PARALLEL_FROM = int(os.environ.get("XIETONG_AUDIT_VERIFY_PARALLEL_FROM", "100000"))
XIETONG_AUDIT_ANCHOR_FILE = Path(os.environ.get("XIETONG_AUDIT_ANCHOR_FILE", DATA_DIR / "audit-anchor.json"))
# 用户告知函: where a published notice is mailed besides the addresses typed when publishing (e.g. the customer
# service team's broadcast list), comma-separated.
XIETONG_CUSTOMER_NOTICE_TO = [
    a.strip() for a in os.environ.get("XIETONG_CUSTOMER_NOTICE_TO", "").split(",") if a.strip()
]

# Links in mail and calendar invitations. Without XIETONG_BASE_URL: where ./run.sh serves (XIETONG_HOST, PORT).
_served_host = os.environ.get("XIETONG_HOST", "127.0.0.1")
_served_host = "127.0.0.1" if _served_host in ("", "0.0.0.0", "::") else _served_host  # noqa: S104 (a comparison)
XIETONG_BASE_URL = os.environ.get("XIETONG_BASE_URL") or f"http://{_served_host}:{os.environ.get('PORT') or '8000'}"
# Backups are signed with this key (XIETONG_BACKUP_KEY, else a file made once in the data directory); it is
# never part of a backup. Restoring on another machine needs the same key there.
XIETONG_BACKUP_KEY = os.environ.get("XIETONG_BACKUP_KEY", "")
XIETONG_BACKUP_KEY_FILE = Path(os.environ.get("XIETONG_BACKUP_KEY_FILE", DATA_DIR / "backup_key"))

# --- DingTalk, WeCom, Feishu (sign-in, contacts, personal messages) ------------------------------------
# Keys and secrets of each platform's app (README "钉钉 / 企业微信 / 飞书"); base URLs are settings so that an
# installation behind a gateway, and the tests' local servers, can stand in for the real hosts.
XIETONG_DINGTALK_APP_KEY = os.environ.get("XIETONG_DINGTALK_APP_KEY", "")
XIETONG_DINGTALK_APP_SECRET = os.environ.get("XIETONG_DINGTALK_APP_SECRET", "")
XIETONG_DINGTALK_CORP_ID = os.environ.get("XIETONG_DINGTALK_CORP_ID", "")
XIETONG_DINGTALK_AGENT_ID = os.environ.get("XIETONG_DINGTALK_AGENT_ID", "")
XIETONG_DINGTALK_OAPI_URL = os.environ.get("XIETONG_DINGTALK_OAPI_URL", "https://oapi.dingtalk.com")
XIETONG_DINGTALK_API_URL = os.environ.get("XIETONG_DINGTALK_API_URL", "https://api.dingtalk.com")
XIETONG_DINGTALK_LOGIN_URL = os.environ.get("XIETONG_DINGTALK_LOGIN_URL", "https://login.dingtalk.com")
XIETONG_DINGTALK_JSAPI_URL = os.environ.get(
    "XIETONG_DINGTALK_JSAPI_URL", "https://g.alicdn.com/dingding/dingtalk-jsapi/3.0.25/dingtalk.open.js"
)
XIETONG_WECOM_CORP_ID = os.environ.get("XIETONG_WECOM_CORP_ID", "")
XIETONG_WECOM_AGENT_ID = os.environ.get("XIETONG_WECOM_AGENT_ID", "")
XIETONG_WECOM_SECRET = os.environ.get("XIETONG_WECOM_SECRET", "")
XIETONG_WECOM_API_URL = os.environ.get("XIETONG_WECOM_API_URL", "https://qyapi.weixin.qq.com")
XIETONG_WECOM_LOGIN_URL = os.environ.get("XIETONG_WECOM_LOGIN_URL", "https://login.work.weixin.qq.com")
XIETONG_WECOM_OAUTH_URL = os.environ.get("XIETONG_WECOM_OAUTH_URL", "https://open.weixin.qq.com")
XIETONG_FEISHU_APP_ID = os.environ.get("XIETONG_FEISHU_APP_ID", "")
XIETONG_FEISHU_APP_SECRET = os.environ.get("XIETONG_FEISHU_APP_SECRET", "")
XIETONG_FEISHU_API_URL = os.environ.get("XIETONG_FEISHU_API_URL", "https://open.feishu.cn")
XIETONG_FEISHU_LOGIN_URL = os.environ.get("XIETONG_FEISHU_LOGIN_URL", "https://accounts.feishu.cn")
XIETONG_FEISHU_JSAPI_URL = os.environ.get(
    "XIETONG_FEISHU_JSAPI_URL", "https://lf1-cdn-tos.bytegoofy.com/goofy/lark/op/h5-js-sdk-1.5.35.js"
)

# --- OpenID Connect sign-in (Authing, Keycloak, Azure AD / Entra ID, any provider; README "OpenID Connect") ---
# The provider's discovery URL (…/.well-known/openid-configuration) and this app's client id and secret; the
# redirect URI to register at the provider is <XIETONG_BASE_URL>/accounts/oidc/callback/.
XIETONG_OIDC_DISCOVERY_URL = os.environ.get("XIETONG_OIDC_DISCOVERY_URL", "")
XIETONG_OIDC_CLIENT_ID = os.environ.get("XIETONG_OIDC_CLIENT_ID", "")
XIETONG_OIDC_CLIENT_SECRET = os.environ.get("XIETONG_OIDC_CLIENT_SECRET", "")
XIETONG_OIDC_LABEL = os.environ.get("XIETONG_OIDC_LABEL", "统一身份认证")  # the button says 使用…登录
XIETONG_OIDC_SCOPES = os.environ.get("XIETONG_OIDC_SCOPES", "openid profile email phone")
# The claim naming a person's department (its code or name), for just-in-time accounts (Department.jit_sign_in).
XIETONG_OIDC_DEPARTMENT_CLAIM = os.environ.get("XIETONG_OIDC_DEPARTMENT_CLAIM", "department")

# --- LDAP / Active Directory (sign-in with the directory's password, org sync; README "LDAP") ---------------
XIETONG_LDAP_SERVER_URI = os.environ.get("XIETONG_LDAP_SERVER_URI", "")  # ldap://dc1.example.com or ldaps://…
XIETONG_LDAP_START_TLS = os.environ.get("XIETONG_LDAP_START_TLS", "") in ("1", "true", "yes")
XIETONG_LDAP_BIND_DN = os.environ.get("XIETONG_LDAP_BIND_DN", "")  # a read-only service account
XIETONG_LDAP_BIND_PASSWORD = os.environ.get("XIETONG_LDAP_BIND_PASSWORD", "")
XIETONG_LDAP_USER_BASE = os.environ.get("XIETONG_LDAP_USER_BASE", "")  # where people are: ou=people,dc=…
XIETONG_LDAP_USER_FILTER = os.environ.get(
    "XIETONG_LDAP_USER_FILTER", "(objectClass=inetOrgPerson)"
)  # AD: (objectClass=user)
XIETONG_LDAP_LOGIN_ATTR = os.environ.get("XIETONG_LDAP_LOGIN_ATTR", "uid")  # AD: sAMAccountName
XIETONG_LDAP_ID_ATTR = os.environ.get("XIETONG_LDAP_ID_ATTR", "entryUUID")  # AD: objectGUID
# Departments: OUs (or groups, whose members are their people) under this base, with their heads.
XIETONG_LDAP_DEPARTMENT_BASE = os.environ.get("XIETONG_LDAP_DEPARTMENT_BASE", "")  # default: the user base
XIETONG_LDAP_DEPARTMENT_FILTER = os.environ.get("XIETONG_LDAP_DEPARTMENT_FILTER", "(objectClass=organizationalUnit)")
XIETONG_LDAP_DEPARTMENT_HEAD_ATTRS = os.environ.get("XIETONG_LDAP_DEPARTMENT_HEAD_ATTRS", "managedBy,owner")
XIETONG_LDAP_LABEL = os.environ.get("XIETONG_LDAP_LABEL", "LDAP")  # the directory as people know it (公司域账号)

# --- Scheduled org sync: the worker applies the diff of this source once a day from this local time, in the
# name of this administrator (default: the only active superuser); every run is recorded (定时同步记录).
XIETONG_ORG_SYNC_SOURCE = os.environ.get("XIETONG_ORG_SYNC_SOURCE", "")  # dingtalk, wecom, feishu, ldap, excel
XIETONG_ORG_SYNC_TIME = os.environ.get("XIETONG_ORG_SYNC_TIME", "02:00")
XIETONG_ORG_SYNC_ACTOR = os.environ.get("XIETONG_ORG_SYNC_ACTOR", "")
XIETONG_ORG_SYNC_EXCEL_FILE = os.environ.get("XIETONG_ORG_SYNC_EXCEL_FILE", "")  # the sheet, for source excel

# A rate-limited call waits this long (doubling) and is tried again at most this many times.
XIETONG_PLATFORM_BACKOFF_SECONDS = float(os.environ.get("XIETONG_PLATFORM_BACKOFF_SECONDS", "1"))
XIETONG_PLATFORM_BACKOFF_MAX_SECONDS = float(os.environ.get("XIETONG_PLATFORM_BACKOFF_MAX_SECONDS", "60"))
XIETONG_PLATFORM_RETRIES = int(os.environ.get("XIETONG_PLATFORM_RETRIES", "3"))
# Personal messages (cards with buttons) in the people's own app: "dingtalk", "wecom", "feishu" or a list.
XIETONG_APP_MESSAGES = os.environ.get("XIETONG_APP_MESSAGES", "")
XIETONG_DINGTALK_CARD_TEMPLATE_ID = os.environ.get("XIETONG_DINGTALK_CARD_TEMPLATE_ID", "")
# The callbacks' secrets, as each platform's console shows them (事件订阅 / 接收消息 / 事件与回调).
XIETONG_DINGTALK_CALLBACK_TOKEN = os.environ.get("XIETONG_DINGTALK_CALLBACK_TOKEN", "")
XIETONG_DINGTALK_CALLBACK_AES_KEY = os.environ.get("XIETONG_DINGTALK_CALLBACK_AES_KEY", "")
XIETONG_WECOM_CALLBACK_TOKEN = os.environ.get("XIETONG_WECOM_CALLBACK_TOKEN", "")
XIETONG_WECOM_CALLBACK_AES_KEY = os.environ.get("XIETONG_WECOM_CALLBACK_AES_KEY", "")
XIETONG_FEISHU_VERIFICATION_TOKEN = os.environ.get("XIETONG_FEISHU_VERIFICATION_TOKEN", "")
XIETONG_FEISHU_ENCRYPT_KEY = os.environ.get("XIETONG_FEISHU_ENCRYPT_KEY", "")
# A callback older than this (or seen before) is a replay and refused.
XIETONG_CALLBACK_MAX_AGE_SECONDS = int(os.environ.get("XIETONG_CALLBACK_MAX_AGE_SECONDS", "300"))

# Sane limits on what people type, enforced by the model layer (xietong.core.limits): the longest text of
# each kind in characters and how far from today a date may lie. One place; messages quote these values.
XIETONG_TEXT_LIMITS = {
    "subject": int(os.environ.get("XIETONG_SUBJECT_MAX_CHARS", "200")),
    "short": int(os.environ.get("XIETONG_SHORT_TEXT_MAX_CHARS", "2000")),
    "long": int(os.environ.get("XIETONG_LONG_TEXT_MAX_CHARS", "50000")),
}
XIETONG_DATE_WINDOW_YEARS = int(os.environ.get("XIETONG_DATE_WINDOW_YEARS", "20"))
