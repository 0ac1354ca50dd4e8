"""Settings. Everything secret or deployment-specific comes from the environment.

Secrets have no default here: each is read from the environment or, when absent there, from
instance/segreti.env, which `make run` fills once with random values (app/segreti.py).
create_app() refuses to start with a secret missing or public, unless LIA_ENV=development.
"""
import os
from pathlib import Path

from app.segreti import leggi as _leggi_segreti

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("LIA_INSTANCE_DIR", BASE_DIR / "instance"))

# "development" only when set explicitly: unset means a real installation.
LIA_ENV = os.environ.get("LIA_ENV", "")
LIA_SEGRETI_FILE = str(INSTANCE_DIR / "segreti.env")
_segreti = _leggi_segreti(Path(LIA_SEGRETI_FILE))
SECRET_KEY = os.environ.get("SECRET_KEY") or _segreti.get("SECRET_KEY")
# Comma-separated Fernet keys, newest first: MultiFernet encrypts with the first and decrypts
# with any, so keys rotate without downtime (see README, "Rotazione della chiave").
LIA_ENCRYPTION_KEYS = os.environ.get("LIA_ENCRYPTION_KEYS") or _segreti.get("LIA_ENCRYPTION_KEYS")
# Key of the HMAC used as blind index for exact search by codice fiscale.
LIA_BLIND_INDEX_KEY = os.environ.get("LIA_BLIND_INDEX_KEY") or _segreti.get("LIA_BLIND_INDEX_KEY")
# Key of the HMAC chaining the audit rows (app.rules.audit): a new key makes older rows fail
# `flask lia verifica-audit`, so it is kept for the life of the audit table.
LIA_AUDIT_KEY = os.environ.get("LIA_AUDIT_KEY") or _segreti.get("LIA_AUDIT_KEY")

SQLALCHEMY_DATABASE_URI = os.environ.get(
    "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'lia.db'}"
)
if SQLALCHEMY_DATABASE_URI.startswith("postgres://"):
    SQLALCHEMY_DATABASE_URI = "postgresql+psycopg://" + SQLALCHEMY_DATABASE_URI[len("postgres://"):]
elif SQLALCHEMY_DATABASE_URI.startswith("postgresql://"):
    SQLALCHEMY_DATABASE_URI = "postgresql+psycopg://" + SQLALCHEMY_DATABASE_URI[len("postgresql://"):]
SQLALCHEMY_TRACK_MODIFICATIONS = False
# Database errors must not carry the statement's values into logs or error messages.
SQLALCHEMY_ENGINE_OPTIONS = {"hide_parameters": True}

# The programme edition in force: a file in app/programmes/ (L.I.A. 3 = a new file).
LIA_PROGRAMMA = os.environ.get("LIA_PROGRAMMA", "lia2")
# Years a woman's personal data are kept after her case closed: the programme file's
# [conservazione] anni_dati_personali unless set here (app/servizi/conservazione.py).
LIA_CONSERVAZIONE_ANNI = int(os.environ["LIA_CONSERVAZIONE_ANNI"]) if os.environ.get("LIA_CONSERVAZIONE_ANNI") else None
# Where attachments (giustificativi, documents) live: outside the database.
LIA_UPLOAD_DIR = os.environ.get("LIA_UPLOAD_DIR", str(INSTANCE_DIR / "allegati"))
MAX_CONTENT_LENGTH = 10 * 1024 * 1024  # an uploaded giustificativo: 10 MB at most
# How long the import page waits for a short file before showing its progress bar.
LIA_IMPORTAZIONE_ATTESA_S = float(os.environ.get("LIA_IMPORTAZIONE_ATTESA_S", "2"))
# How long the answer to an API POST sent with an Idempotency-Key is kept (app/api/idempotenza.py).
LIA_IDEMPOTENZA_ORE = int(os.environ.get("LIA_IDEMPOTENZA_ORE", "24"))
# A list (screen or API) counts its records up to this many and then says "oltre 1.000": counting
# a whole perimeter grows with the data, the page itself does not (0 = always the exact number).
LIA_CONTEGGIO_MASSIMO = int(os.environ.get("LIA_CONTEGGIO_MASSIMO", "1000"))

# Flask-AppBuilder
APP_NAME = "L.I.A. 2 — Rete Antiviolenza Cremona"
APP_THEME = ""
FAB_API_SWAGGER_UI = True
FAB_ADD_SECURITY_API = False
# Schema and permissions are created by Alembic and `flask lia init-roles`, never at start-up.
FAB_CREATE_DB = False
FAB_UPDATE_PERMS = False
FAB_SECURITY_MANAGER_CLASS = "app.security.LiaSecurityManager"
FAB_INDEX_VIEW = "app.views.LiaIndexView"
# The password policy (app/rules/password.py) is on the forms themselves: FAB's hook sees the
# password alone, not the username and names it must not resemble.
FAB_PASSWORD_COMPLEXITY_ENABLED = False
FAB_API_MAX_PAGE_SIZE = 100
AUTH_TYPE = 1  # AUTH_DB
AUTH_USER_REGISTRATION = False
AUTH_ROLE_PUBLIC = "Public"
# The FAB admin role is a builtin role whose permissions are data (FAB_ROLES below), so it
# does not silently receive every permission, the personal data ones included.
AUTH_ROLE_ADMIN = "Amministratore"
WTF_CSRF_ENABLED = True
WTF_CSRF_TIME_LIMIT = None
JWT_ACCESS_TOKEN_EXPIRES = 60 * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = LIA_ENV == "production"
PERMANENT_SESSION_LIFETIME = 8 * 60 * 60

# Italian first, English as the fallback.
BABEL_DEFAULT_LOCALE = "it"
BABEL_DEFAULT_FOLDER = str(BASE_DIR / "translations")
BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")
LANGUAGES = {
    "it": {"flag": "it", "name": "Italiano"},
    "en": {"flag": "gb", "name": "English"},
}

# Roles are data: (view regex, permission regex) pairs checked in memory by FAB.
# Resources use "can_read"/"can_write" (see app.security.PERMESSI_VISTA/PERMESSI_API).
from app.security_roles import FAB_ROLES  # noqa: E402

# --- Logging in (app/autenticazione.py) --------------------------------------------------------
# Per-account lockout, counted in the database so it holds across gunicorn workers.
LIA_BLOCCO_TENTATIVI = int(os.environ.get("LIA_BLOCCO_TENTATIVI", "5"))
LIA_BLOCCO_FINESTRA_MINUTI = int(os.environ.get("LIA_BLOCCO_FINESTRA_MINUTI", "15"))
LIA_BLOCCO_DURATA_MINUTI = int(os.environ.get("LIA_BLOCCO_DURATA_MINUTI", "15"))
# Per-IP limit on the login form, the second-factor step and the API login: generous (a whole
# office may sit behind one address); the lockout above is the main defence. Flask-Limiter
# keeps its counters in RATELIMIT_STORAGE_URI: memory:// is per process, so production with
# several workers needs a shared store (e.g. redis://127.0.0.1:6379/0).
LIA_LIMITE_LOGIN = os.environ.get("LIA_LIMITE_LOGIN", "60 per minute")
RATELIMIT_ENABLED = True  # FAB turns Flask-Limiter off unless asked
# Behind a reverse proxy every request comes from the proxy: with the number of trusted
# proxies in front (usually 1), the client's address is read from X-Forwarded-For instead.
LIA_PROXY_FIDATI = int(os.environ.get("LIA_PROXY_FIDATI", "0"))
RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
RATELIMIT_HEADERS_ENABLED = True
# Second factor (TOTP) for these roles (comma-separated names); by default the roles that see
# identities and the Amministratore, only in production, so the demo users have none.
from app.security_roles import RUOLO_AMMINISTRATORE, RUOLO_CAV  # noqa: E402
LIA_2FA_RUOLI = (
    [r.strip() for r in os.environ["LIA_2FA_RUOLI"].split(",") if r.strip()]
    if "LIA_2FA_RUOLI" in os.environ
    else ([RUOLO_CAV, RUOLO_AMMINISTRATORE] if LIA_ENV == "production" else [])
)
# Sessions: closed after this much inactivity and in any case after the maximum duration.
LIA_SESSIONE_INATTIVITA_MINUTI = int(os.environ.get("LIA_SESSIONE_INATTIVITA_MINUTI", "30"))
LIA_SESSIONE_DURATA_MASSIMA_ORE = int(os.environ.get("LIA_SESSIONE_DURATA_MASSIMA_ORE", "10"))
# FAB's default refresh token lives 30 days: a working day is enough.
JWT_REFRESH_TOKEN_EXPIRES = int(os.environ.get("LIA_REFRESH_TOKEN_ORE", "8")) * 60 * 60
# The daily e-mail of reminders (`flask lia invia-promemoria`, run once a day by cron). Without
# LIA_SMTP_HOST no e-mail is sent. LIA_SMTP_SICUREZZA: starttls (default), ssl or nessuna (only
# for a server on the same machine). LIA_INDIRIZZO_PUBBLICO is the address users open the
# application at, for the links in the e-mail.
LIA_SMTP_HOST = os.environ.get("LIA_SMTP_HOST", "")
LIA_SMTP_PORT = int(os.environ.get("LIA_SMTP_PORT", "587"))
LIA_SMTP_SICUREZZA = os.environ.get("LIA_SMTP_SICUREZZA", "starttls")
LIA_SMTP_UTENTE = os.environ.get("LIA_SMTP_UTENTE", "")
LIA_SMTP_PASSWORD = os.environ.get("LIA_SMTP_PASSWORD") or _segreti.get("LIA_SMTP_PASSWORD", "")
LIA_MITTENTE = os.environ.get("LIA_MITTENTE", "lia2@localhost")
LIA_INDIRIZZO_PUBBLICO = os.environ.get("LIA_INDIRIZZO_PUBBLICO", "http://localhost:8080")
