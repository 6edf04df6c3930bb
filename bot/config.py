"""Settings from the environment (and a ``.env`` file), checked before anything starts."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_HERE = Path(__file__).resolve().parent


def shipped_content() -> Path:
    """The content that comes with the bot: package data in an installed wheel (``bot/_content``,
    built from the repository's ``content/``), else the ``content/`` folder of this checkout."""
    packaged = _HERE / "_content"
    return packaged if packaged.is_dir() else _HERE.parent / "content"


PACKAGE_CONTENT = shipped_content()

Mode = Literal[
    "serve", "socket", "shell", "clock", "tick", "check-content", "migrate", "rotate-key"
]


class ConfigError(Exception):
    """A setting is missing or malformed; the message names the variable and what to do."""


def _default_content_dir() -> Path:
    here = Path.cwd() / "content"
    return here if (here / "summits.yml").exists() else PACKAGE_CONTENT


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", env_ignore_empty=True, extra="ignore"
    )

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_client_id: str | None = None
    slack_client_secret: SecretStr | None = None
    slack_token_encryption_key: SecretStr | None = None
    public_url: str | None = None
    subscription_managers: Literal["everyone", "admins"] = "everyone"
    slack_api_url: str = "https://slack.com/api/"
    database_url: str = "sqlite:///declaration-bot.sqlite3"
    # checked only by the modes that listen on it (see listen_port): PORT is often set for
    # other programs, and the shell, the clock and Socket Mode never use it
    port: str = "3000"
    content_dir: Path = Field(default_factory=_default_content_dir)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    log_format: Literal["text", "json"] = "text"
    metrics: bool = True  # GET /metrics
    # the clock and delivery
    tick_seconds: float = Field(default=30.0, gt=0, le=3600)
    max_late_hours: float = Field(default=6.0, ge=0, le=168)
    reminder_lead_days: str = "30,7,1,0"  # 0: the day an event opens
    # channels posted to at once (a digest is two calls, the post then its thread reply)
    delivery_concurrency: int = Field(default=100, ge=1, le=1000)
    retry_base_seconds: float = Field(default=1.0, ge=0, le=60)
    # exactly once: how long a claim is leased (renewed while its pass runs), how long one Slack
    # request may take, what to do when a post may have landed and the history cannot tell, and
    # how long SIGTERM waits for posts in flight
    lease_seconds: float = Field(default=120.0, gt=0, le=86400)
    slack_timeout_seconds: float = Field(default=15.0, gt=0, le=300)
    uncertain_posts: Literal["resend", "give-up"] = "give-up"
    shutdown_grace_seconds: float = Field(default=10.0, ge=0, le=600)

    @field_validator("reminder_lead_days")
    @classmethod
    def _lead_days(cls, value: str) -> str:
        try:
            days = [int(x) for x in value.replace(" ", "").split(",") if x]
        except ValueError:
            raise ValueError(
                "must be whole numbers of days separated by commas, e.g. 30,7,1"
            ) from None
        if not days or any(d < 0 or d > 365 for d in days):
            raise ValueError("must list days from 0 to 365, e.g. 30,7,1")
        return ",".join(str(d) for d in days)

    @property
    def lead_days(self) -> tuple[int, ...]:
        return tuple(int(x) for x in self.reminder_lead_days.split(","))

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("slack_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL such as https://slack.com/api/")
        return value if value.endswith("/") else value + "/"

    @field_validator(
        "slack_bot_token",
        "slack_signing_secret",
        "slack_app_token",
        "slack_client_id",
        "slack_client_secret",
        mode="before",
    )
    @classmethod
    def _pasted(cls, value: object) -> object:
        if isinstance(value, str):
            if "…" in value or "..." in value:
                raise ValueError(
                    "still has the … of an example; paste the whole value from your app's "
                    "page at https://api.slack.com/apps"
                )
            if not value.isascii() or any(c.isspace() for c in value):
                raise ValueError("must be ASCII without spaces; check what was pasted")
        return value

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xoxb-"):
            raise ValueError("must be a bot token starting with xoxb-")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _app_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xapp-"):
            raise ValueError("must be an app-level token starting with xapp-")
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        check_database_url(value)
        return value

    @field_validator("uncertain_posts", mode="before")
    @classmethod
    def _uncertain_posts(cls, value: object) -> object:
        return value.lower().replace("_", "-") if isinstance(value, str) else value

    @field_validator("subscription_managers", "log_format", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be the app's public base URL, e.g. https://bot.example.org")
        return value.rstrip("/")

    @field_validator("slack_token_encryption_key")
    @classmethod
    def _fernet_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        from cryptography.fernet import Fernet

        keys = [k.strip() for k in value.get_secret_value().split(",") if k.strip()]
        try:
            if not keys:
                raise ValueError
            for key in keys:
                Fernet(key.encode())
        except (ValueError, TypeError):
            raise ValueError(
                "must be a Fernet key (32 url-safe base64 bytes), or several separated by commas"
                " (the first encrypts); make one with: python -c "
                "'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
            ) from None
        return value

    def listen_port(self) -> int:
        """PORT as a number, for the modes that listen on it; ConfigError if it is not one."""
        value = self.port.strip()
        if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= 65535:
            raise ConfigError(
                f"PORT is malformed: {value!r} is not a port; set PORT to a whole number from "
                "1 to 65535, e.g. PORT=3000."
            )
        return int(value)

    @property
    def oauth(self) -> bool:
        """Many workspaces: installs through OAuth when a client id and secret are set."""
        return bool(self.slack_client_id and self.slack_client_secret)


_HINTS = {
    "SLACK_BOT_TOKEN": "the Bot User OAuth Token (xoxb-…) from your app's OAuth & Permissions page",
    "SLACK_SIGNING_SECRET": "the Signing Secret from your app's Basic Information page",
    "SLACK_APP_TOKEN": "an app-level token (xapp-…) with connections:write, from Basic Information",
    "SLACK_TOKEN_ENCRYPTION_KEY": (
        "a key to encrypt the workspaces' tokens at rest when installing through OAuth (make one "
        "with: python -c 'from cryptography.fernet import Fernet; "
        "print(Fernet.generate_key().decode())')"
    ),
    "SLACK_CLIENT_ID": (
        "the Client ID from Basic Information with SLACK_CLIENT_SECRET to install through OAuth "
        "(or unset SLACK_CLIENT_SECRET and use SLACK_BOT_TOKEN)"
    ),
    "SLACK_CLIENT_SECRET": (
        "the Client Secret from Basic Information with SLACK_CLIENT_ID to install through OAuth "
        "(or unset SLACK_CLIENT_ID and use SLACK_BOT_TOKEN)"
    ),
}


_SCHEMES = ("sqlite", "sqlite+pysqlite", "postgres", "postgresql", "postgresql+psycopg")
_URL_EXAMPLE = "sqlite:///declaration-bot.sqlite3 or postgresql://user:password@host/dbname"


def check_database_url(value: str) -> None:
    """Raise ValueError (what is wrong and a correct example) unless the bot can use ``value``."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    if "://" not in value:
        raise ValueError(f"not a database URL; use {_URL_EXAMPLE}")
    scheme = value.split("://", 1)[0]
    if scheme not in _SCHEMES:
        raise ValueError(f"the bot cannot use {scheme}:// databases; use {_URL_EXAMPLE}")
    try:
        url = make_url(value.replace(scheme, "postgresql", 1) if scheme == "postgres" else value)
    except (ArgumentError, ValueError):
        raise ValueError(f"not a database URL; use {_URL_EXAMPLE}") from None
    if url.get_backend_name() != "sqlite":
        return
    if url.host or url.username or url.password or url.port:
        host = value.split("://", 1)[1].split("/", 1)[0].rsplit("@", 1)[-1]  # no password
        path = f"{host}/{url.database}" if url.database else host
        raise ValueError(
            f"sqlite://{host} names a host, not a file; write sqlite:///{path} (three "
            "slashes) for a file in the working folder, or sqlite:////absolute/path (four)"
        )
    if not url.database or url.database == ":memory:" or url.query.get("mode") == "memory":
        raise ValueError(
            "an in-memory SQLite database would lose every subscription when the bot stops; "
            "name a file, e.g. sqlite:///declaration-bot.sqlite3"
        )


class _DotenvProblems(logging.Handler):
    """Collects python-dotenv's warnings about lines of .env it could not parse."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        args = record.args if isinstance(record.args, tuple) else ()
        self.lines.append(str(args[0]) if args else "?")


@contextmanager
def _dotenv_problems() -> Iterator[_DotenvProblems]:
    logger = logging.getLogger("dotenv.main")
    handler = _DotenvProblems()
    propagate = logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


def load_settings() -> Settings:
    """Read the settings; a malformed value raises ConfigError naming the variable."""
    try:
        with _dotenv_problems() as dotenv:
            settings = Settings()
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            name = str(err["loc"][0]).upper() if err["loc"] else "setting"
            msg = err["msg"].removeprefix("Value error, ")
            lines.append(f"{name} is malformed: {msg}.")
        raise ConfigError(" ".join(lines)) from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        if isinstance(exc, UnicodeDecodeError):
            reason = "it is not UTF-8 text"
        raise ConfigError(
            f".env cannot be read ({reason}); fix the file or remove it, then start again."
        ) from None
    if dotenv.lines:
        raise ConfigError(
            f".env line {dotenv.lines[0]} cannot be read: write one NAME=value per line "
            "(# starts a comment), then start again."
        )
    return settings


_LABELS = {
    "serve": "HTTP mode",
    "socket": "Socket Mode",
    "clock": "the clock",
    "tick": "`tick`",
    "rotate-key": "`rotate-key`",
}


def chosen_mode(settings: Settings) -> Mode:
    """What ``run`` starts: Socket Mode with an app token, HTTP mode with any other Slack
    credential (then `serve` names whatever else it needs), the local shell with none."""
    if settings.slack_app_token is not None:
        return "socket"
    slack = (
        settings.slack_bot_token,
        settings.slack_signing_secret,
        settings.slack_client_id,
        settings.slack_client_secret,
        settings.slack_token_encryption_key,
    )
    return "serve" if any(v is not None for v in slack) else "shell"


def require(settings: Settings, mode: Mode) -> None:
    """Fail with one clear line if ``mode`` needs a setting that is not there."""
    token = () if settings.oauth else ("SLACK_BOT_TOKEN",)
    needs: dict[str, tuple[str, ...]] = {
        "serve": (*token, "SLACK_SIGNING_SECRET"),
        "socket": (*token, "SLACK_APP_TOKEN"),
        "clock": token,
        "tick": token,
        "rotate-key": ("SLACK_TOKEN_ENCRYPTION_KEY",),
    }
    if mode not in needs:
        return
    if mode == "rotate-key":  # the key alone: the installations are already in the database
        if settings.slack_token_encryption_key is None:
            raise ConfigError(
                "SLACK_TOKEN_ENCRYPTION_KEY is not set: `rotate-key` needs the new key first and "
                "the old ones after it, separated by commas."
            )
        return
    names = needs[mode]
    if settings.oauth:
        names = (*names, "SLACK_TOKEN_ENCRYPTION_KEY")
    if bool(settings.slack_client_id) != bool(settings.slack_client_secret):
        # half of the OAuth pair: name the missing half, not the bot token OAuth replaces
        names = ("SLACK_CLIENT_SECRET" if settings.slack_client_id else "SLACK_CLIENT_ID",)
    for name in names:
        if getattr(settings, name.lower()) is None:
            raise ConfigError(
                f"{name} is not set: {_LABELS[mode]} needs {_HINTS[name]}. "
                "Set it in the environment or in a .env file."
            )
