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
# Where attachments (giustificativi, documents) live: outside the database.
LIA_UPLOAD_DIR = os.environ.get("LIA_UPLOAD_DIR", str(INSTANCE_DIR / "allegati"))
MAX_CONTENT_LENGTH = 10 * 1024 * 1024  # an uploaded giustificativo: 10 MB at most

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
