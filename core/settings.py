"""Typed settings: `config.toml`, then `STEWARD_*` environment overrides.

The file is chosen by `STEWARD_CONFIG` (default: `config.toml` in the project
root). Every key has a default, so an empty file is valid. An override names
the section and key in upper case: `STEWARD_DATABASE_URL`, `STEWARD_WEB_PORT`.
"""

from __future__ import annotations

import os
import secrets
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LANGUAGES = ("en", "nl")
# Uploads are read into memory before they are checked, so the limit has a ceiling.
MAX_ATTACHMENT_MB = 100


class SettingsError(Exception):
    """The configuration file or an override is malformed or invalid."""


@dataclass(frozen=True)
class DatabaseSettings:
    url: str = "sqlite:///var/steward.db"
    pool_size: int = 10
    busy_timeout_seconds: float = 30.0


@dataclass(frozen=True)
class BrokerSettings:
    url: str = "embedded"


@dataclass(frozen=True)
class JobSettings:
    # Days a finished job run (and an idempotency key) is kept before pruning.
    retention_days: int = 30
    processes: int = 1  # `steward worker` processes
    threads: int = 4  # worker threads per process
    # On the embedded broker, `steward serve` runs a worker and the scheduler itself.
    embedded_worker: bool = True
    # A claimed embedded message is re-delivered this long after its worker stops renewing it.
    lease_seconds: float = 60.0
    min_backoff_seconds: float = 15.0
    max_backoff_seconds: float = 3600.0
    scheduler_seconds: float = 5.0  # how often the scheduler looks for due ticks
    queue_prefix: str = ""  # prepended to every queue name (isolates installations on one broker)


@dataclass(frozen=True)
class WebSettings:
    host: str = "127.0.0.1"
    port: int = 8000
    theme: str = "default"
    language: str = "en"
    # How often a process re-reads the registry version from the database, so
    # an install done elsewhere takes effect here without a restart.
    registry_check_seconds: float = 1.0


@dataclass(frozen=True)
class SecuritySettings:
    secret: str = ""


@dataclass(frozen=True)
class SessionSettings:
    # Empty: files under var/sessions. redis://... to share sessions between servers.
    url: str = ""
    idle_minutes: int = 480
    absolute_hours: int = 24


@dataclass(frozen=True)
class LogSettings:
    level: str = "INFO"


@dataclass(frozen=True)
class AttachmentSettings:
    # Largest file one upload may attach, in megabytes.
    max_mb: int = 10


@dataclass(frozen=True)
class MailSettings:
    # "outbox": write each message as a .eml file to var/outbox/ (nothing is sent).
    # smtp://user:password@host:port sends through that server.
    url: str = "outbox"
    starttls: bool = False  # upgrade a plain connection with STARTTLS (port 587)
    ssl: bool = False  # TLS from the first byte (port 465)
    sender: str = "Steward <steward@localhost>"  # the From: of every message
    timeout_seconds: float = 30.0


@dataclass(frozen=True)
class Settings:
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    broker: BrokerSettings = field(default_factory=BrokerSettings)
    jobs: JobSettings = field(default_factory=JobSettings)
    web: WebSettings = field(default_factory=WebSettings)
    security: SecuritySettings = field(default_factory=SecuritySettings)
    sessions: SessionSettings = field(default_factory=SessionSettings)
    log: LogSettings = field(default_factory=LogSettings)
    mail: MailSettings = field(default_factory=MailSettings)
    attachments: AttachmentSettings = field(default_factory=AttachmentSettings)
    var_dir: Path = ROOT / "var"
    source: str = "<defaults>"

    @property
    def is_sqlite(self) -> bool:
        return self.database.url.startswith("sqlite")

    def with_database(self, url: str) -> Settings:
        return replace(self, database=replace(self.database, url=url))


_SECTIONS: dict[str, type] = {
    "database": DatabaseSettings,
    "broker": BrokerSettings,
    "jobs": JobSettings,
    "web": WebSettings,
    "security": SecuritySettings,
    "sessions": SessionSettings,
    "log": LogSettings,
    "mail": MailSettings,
    "attachments": AttachmentSettings,
}


def _coerce(source: str, key: str, expected: type, value: Any) -> Any:
    where = f"{source}: key '{key}'"
    if expected is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("1", "true", "yes", "0", "false", "no"):
            return value.lower() in ("1", "true", "yes")
        raise SettingsError(f"{where}: expected true or false, got {value!r}")
    if expected in (int, float):
        if isinstance(value, bool):
            raise SettingsError(f"{where}: expected a number, got {value!r}")
        try:
            return expected(value)
        except (TypeError, ValueError):
            kind = "an integer" if expected is int else "a number"
            raise SettingsError(f"{where}: expected {kind}, got {value!r}") from None
    if not isinstance(value, str):
        raise SettingsError(f"{where}: expected a string, got {value!r}")
    return value


def _validate(s: Settings) -> None:
    src = s.source
    url = s.database.url
    if not (url.startswith("sqlite:///") or url.startswith(("postgres://", "postgresql://"))):
        raise SettingsError(
            f"{src}: key 'database.url': expected sqlite:///PATH or postgresql://..., got {url!r}"
        )
    burl = s.broker.url
    if not (burl == "embedded" or burl.startswith(("redis://", "amqp://", "stub"))):
        raise SettingsError(
            f"{src}: key 'broker.url': expected 'embedded', redis://... or amqp://..., got {burl!r}"
        )
    if s.sessions.url and not s.sessions.url.startswith("redis://"):
        raise SettingsError(f"{src}: key 'sessions.url': expected empty or redis://..., got {s.sessions.url!r}")
    if not 0 < s.web.port < 65536:
        raise SettingsError(f"{src}: key 'web.port': expected 1-65535, got {s.web.port}")
    if s.web.language not in LANGUAGES:
        raise SettingsError(
            f"{src}: key 'web.language': expected one of {', '.join(LANGUAGES)}, got {s.web.language!r}"
        )
    if not 1 <= s.attachments.max_mb <= MAX_ATTACHMENT_MB:
        raise SettingsError(
            f"{src}: key 'attachments.max_mb': expected 1-{MAX_ATTACHMENT_MB}, got {s.attachments.max_mb}"
        )
    if s.mail.url != "outbox" and not s.mail.url.startswith("smtp://"):
        raise SettingsError(
            # Only the scheme: the rest of a mistyped URL may hold a password.
            f"{src}: key 'mail.url': expected 'outbox' or smtp://user:password@host:port, "
            f"got a URL starting {s.mail.url.partition(':')[0]!r}"
        )
    if s.log.level.upper() not in LOG_LEVELS:
        raise SettingsError(
            f"{src}: key 'log.level': expected one of {', '.join(LOG_LEVELS)}, got {s.log.level!r}"
        )


def _read_file(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise SettingsError(f"{path}: cannot be read: {exc.strerror}") from None


def load_settings(path: Path | str | None = None, env: dict[str, str] | None = None) -> Settings:
    """Read the configuration file and environment overrides into `Settings`."""
    env = dict(os.environ if env is None else env)
    explicit = path or env.get("STEWARD_CONFIG")
    cfg_path = Path(explicit) if explicit else ROOT / "config.toml"
    raw: dict[str, Any] = {}
    if cfg_path.exists() or explicit:
        raw = _read_file(cfg_path)
    source = str(cfg_path)

    var_dir = Path(env.get("STEWARD_VAR_DIR", raw.pop("var_dir", ROOT / "var")))
    sections: dict[str, Any] = {}
    for name, value in raw.items():
        if name not in _SECTIONS:
            raise SettingsError(
                f"{source}: unknown section [{name}]: expected one of {', '.join(_SECTIONS)}"
            )
        if not isinstance(value, dict):
            raise SettingsError(f"{source}: key '{name}': expected a [{name}] table")
    for name, cls in _SECTIONS.items():
        given = dict(raw.get(name, {}))
        known = {f.name: f for f in fields(cls)}
        for key in given:
            if key not in known:
                raise SettingsError(
                    f"{source}: unknown key '{name}.{key}': expected one of {', '.join(known)}"
                )
        values: dict[str, Any] = {}
        for fname, f in known.items():
            ftype = {"str": str, "int": int, "float": float, "bool": bool}[str(f.type)]
            env_key = f"STEWARD_{name}_{fname}".upper()
            if env_key in env:
                values[fname] = _coerce(f"environment {env_key}", f"{name}.{fname}", ftype, env[env_key])
            elif fname in given:
                values[fname] = _coerce(source, f"{name}.{fname}", ftype, given[fname])
        sections[name] = cls(**values)
    settings = Settings(**sections, var_dir=var_dir, source=source)
    _validate(settings)
    return _resolve_paths(settings)


def _resolve_paths(s: Settings) -> Settings:
    """A relative SQLite path is the project's; one under `var/` (the default,
    `sqlite:///var/steward.db`) is under the var directory, so STEWARD_VAR_DIR moves the
    database with the secret, the sessions and the outbox."""
    url = s.database.url
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        rel = url.removeprefix("sqlite:///")
        if rel != ":memory:" and not Path(rel).is_absolute():
            parts = Path(rel).parts
            path = s.var_dir.joinpath(*parts[1:]) if len(parts) > 1 and parts[0] == "var" else ROOT / rel
            s = s.with_database("sqlite:///" + str(path))
    return s


def ensure_secret(s: Settings) -> Settings:
    """Return settings with a secret: configured, or generated once into `var/secret`."""
    if s.security.secret:
        return s
    s.var_dir.mkdir(parents=True, exist_ok=True)
    secret_file = s.var_dir / "secret"
    if not secret_file.exists():
        secret_file.write_text(secrets.token_urlsafe(48))
        secret_file.chmod(0o600)
    return replace(s, security=replace(s.security, secret=secret_file.read_text().strip()))
