"""Settings: declared once as data with help text, read from the environment, validated once.

Every setting is listed in ``SETTINGS``; ``tests/test_config.py`` checks that the
README documents each of them.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from mapping.errors import SetupError


class ConfigError(SetupError, ValueError):
    """A setting has a value the app cannot use; the message names the setting."""


@dataclass(frozen=True)
class Setting:
    """One environment setting: its name, default and what it expects."""

    name: str
    default: str | None
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "CALMAP_DATABASE_URL",
        None,
        "SQLAlchemy URL of a shared PostGIS server, e.g. "
        "postgresql+psycopg://user:password@host/dbname. Empty: the app runs its own "
        "embedded PostgreSQL under CALMAP_DATA_DIR.",
    ),
    Setting(
        "CALMAP_OWNER_DATABASE_URL",
        None,
        "SQLAlchemy URL of the same shared database as the schema's owner, for "
        "`calmap db upgrade`, the demo, accounts, imports and backups. Empty: those "
        "commands use CALMAP_DATABASE_URL. The app itself never needs it.",
    ),
    Setting(
        "CALMAP_SESSION_KEY",
        None,
        "The database's session key (hex, printed by `calmap db session-key`): signs the "
        "sign-in cookie and opens sessions in single-user and OpenID Connect mode. Empty: "
        "read from the database with the owner's rights (embedded database).",
    ),
    Setting(
        "CALMAP_DATA_DIR",
        None,
        "Directory for the embedded database and generated files. Default: "
        "~/.local/share/calmap, or /var/lib/calmap when run as root.",
    ),
    Setting("CALMAP_LANGUAGE", "pl", "Default user-interface language: pl or en."),
    Setting(
        "CALMAP_TILES_URL",
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "Basemap tile URL template with {z}/{x}/{y}, or 'none' for a plain background.",
    ),
    Setting(
        "CALMAP_AUTH",
        "password",
        "How people sign in: password (local accounts), oidc (the city's OpenID Connect "
        "provider, configured in .streamlit/secrets.toml) or none (single-user mode "
        "without login: everyone is the local administrator; only for one person's machine).",
    ),
    Setting(
        "CALMAP_IDLE_TIMEOUT_MINUTES",
        "30",
        "Minutes without activity after which a signed-in user must sign in again.",
    ),
    Setting(
        "CALMAP_TILES_ATTRIBUTION",
        "© OpenStreetMap contributors",
        "Attribution shown for the basemap tiles.",
    ),
    Setting(
        "CALMAP_PUBLIC_URL",
        None,
        "The address people open the app at, e.g. https://mapa.mops.example.pl. The June "
        "posters print a QR code to each map there; empty: posters have no QR code.",
    ),
)

LANGUAGES = ("pl", "en")
AUTH_MODES = ("password", "oidc", "none")


@dataclass(frozen=True)
class Config:
    """The validated settings of one process."""

    database_url: str | None
    data_dir: Path
    language: str
    tiles_url: str | None
    tiles_attribution: str
    auth: str = "password"
    idle_timeout_minutes: int = 30
    public_url: str | None = None
    owner_database_url: str | None = None
    session_key: bytes | None = None

    @property
    def embedded(self) -> bool:
        """True when the app manages its own PostgreSQL cluster."""
        return self.database_url is None


def default_data_dir() -> Path:
    """Where the embedded database lives when CALMAP_DATA_DIR is not set.

    As root the server runs as the ``postgres`` user, who cannot enter /root,
    so root gets a system directory instead of a home one.
    """
    if os.geteuid() == 0:
        return Path("/var/lib/calmap")
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(xdg) / "calmap"


def load(environ: dict[str, str] | None = None) -> Config:
    """Read and validate every setting; raise ConfigError naming the bad one."""
    env = dict(os.environ if environ is None else environ)

    def get(name: str) -> str | None:
        value = env.get(name, "").strip()
        if value:
            return value
        return next(s.default for s in SETTINGS if s.name == name)

    url = _database_url("CALMAP_DATABASE_URL", get("CALMAP_DATABASE_URL"))
    owner_url = _database_url("CALMAP_OWNER_DATABASE_URL", get("CALMAP_OWNER_DATABASE_URL"))
    key_text = get("CALMAP_SESSION_KEY")
    session_key = None
    if key_text is not None:
        try:
            session_key = bytes.fromhex(key_text)
        except ValueError:
            session_key = b""
        if len(session_key) < 16:
            raise ConfigError(
                "CALMAP_SESSION_KEY: expected the key in hex (at least 32 hex digits), "
                "as `calmap db session-key` prints it"
            )

    data_dir_value = get("CALMAP_DATA_DIR")
    data_dir = Path(data_dir_value).expanduser() if data_dir_value else default_data_dir()
    if not data_dir.is_absolute():
        data_dir = Path.cwd() / data_dir

    language = (get("CALMAP_LANGUAGE") or "pl").lower()
    if language not in LANGUAGES:
        raise ConfigError(
            f"CALMAP_LANGUAGE: expected one of {', '.join(LANGUAGES)}, got '{language}'"
        )

    tiles = get("CALMAP_TILES_URL")
    if tiles is not None and tiles.lower() == "none":
        tiles = None
    if tiles is not None and not all(part in tiles for part in ("{z}", "{x}", "{y}")):
        raise ConfigError(
            "CALMAP_TILES_URL: expected a tile URL template containing {z}, {x} and {y}, or 'none'"
        )

    auth = (get("CALMAP_AUTH") or "password").lower()
    if auth not in AUTH_MODES:
        raise ConfigError(f"CALMAP_AUTH: expected one of {', '.join(AUTH_MODES)}, got '{auth}'")
    timeout_text = get("CALMAP_IDLE_TIMEOUT_MINUTES") or "30"
    if not timeout_text.isdigit() or not 1 <= int(timeout_text) <= 24 * 60:
        raise ConfigError(
            "CALMAP_IDLE_TIMEOUT_MINUTES: expected a whole number of minutes from 1 to 1440, "
            f"got '{timeout_text}'"
        )

    public_url = get("CALMAP_PUBLIC_URL")
    if public_url is not None and not public_url.startswith(("http://", "https://")):
        raise ConfigError(
            f"CALMAP_PUBLIC_URL: expected an address starting with https:// or http://, "
            f"got '{public_url}'"
        )

    return Config(
        database_url=url,
        data_dir=data_dir,
        language=language,
        tiles_url=tiles,
        tiles_attribution=get("CALMAP_TILES_ATTRIBUTION") or "",
        auth=auth,
        idle_timeout_minutes=int(timeout_text),
        public_url=public_url.rstrip("/") if public_url else None,
        owner_database_url=owner_url,
        session_key=session_key,
    )


# The shape of URL SQLAlchemy's ``make_url`` accepts (``sqlalchemy.engine.url``),
# checked without importing SQLAlchemy: its import alone takes longer than
# `calmap db url` may take to answer. tests/test_config.py holds the two in step.
_URL = re.compile(
    r"""(?P<driver>[\w+]+)://
        (?:[^:/]*(?::[^@]*)?@)?
        (?:(?:\[[^/?]+\]|[^/:?]+)?(?::(?P<port>[^/?]*))?)?
        (?:/[^?]*)?
        (?:\?.*)?""",
    re.VERBOSE,
)


def _database_url(name: str, url: str | None) -> str | None:
    """A validated PostgreSQL URL for setting ``name`` (psycopg 3 as the driver).

    >>> _database_url("CALMAP_DATABASE_URL", "postgresql://u:p@db.example/calmap")
    'postgresql+psycopg://u:p@db.example/calmap'
    """
    if url is None:
        return None
    found = _URL.match(url)
    if found is None or (found["port"] and not found["port"].isdigit()):
        raise ConfigError(
            f"{name}: '{_redact(url)}' is not a database URL; expected "
            "postgresql+psycopg://user:password@host:5432/dbname"
        )
    driver = found["driver"]
    backend = driver.split("+", 1)[0]
    if backend != "postgresql":
        raise ConfigError(
            f"{name}: expected a PostgreSQL/PostGIS URL "
            f"(postgresql+psycopg://…), got the '{backend}' backend"
        )
    if driver == "postgresql":
        # Plain postgresql:// would pick psycopg2, which we do not install.
        return "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def ensure_writable_data_dir(config: Config) -> Path:
    """Create the data directory if needed and check it can be written to."""
    path = config.data_dir
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".write-test"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        raise ConfigError(
            f"CALMAP_DATA_DIR: cannot write to {path} ({exc.strerror}); "
            "expected a directory this user may write to",
            "setup.data_dir_write", path=str(path), reason=exc,
        ) from exc
    return path


def _redact(url: str) -> str:
    """Hide a password in a URL before it goes into a message."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        user = creds.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}"
    return url
