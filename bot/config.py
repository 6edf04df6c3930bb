"""Settings from the environment (and a ``.env`` file), checked before anything starts."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PACKAGE_CONTENT = Path(__file__).resolve().parent.parent / "content"

Mode = Literal["serve", "socket", "shell", "clock", "tick", "check-content"]


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
    port: int = Field(default=3000, ge=1, le=65535)
    content_dir: Path = Field(default_factory=_default_content_dir)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    log_format: Literal["text", "json"] = "text"
    metrics: bool = True  # GET /metrics
    # the clock and delivery
    tick_seconds: float = Field(default=30.0, gt=0, le=3600)
    max_late_hours: float = Field(default=6.0, ge=0, le=168)
    reminder_lead_days: str = "30,7,1"
    delivery_concurrency: int = Field(default=50, ge=1, le=1000)
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
        if not value.startswith(("sqlite:", "postgresql:", "postgresql+psycopg:", "postgres:")):
            raise ValueError("must be a sqlite:///path or postgresql://user:pass@host/db URL")
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
    "SLACK_CLIENT_ID": "the Client ID from Basic Information, with SLACK_CLIENT_SECRET",
    "SLACK_CLIENT_SECRET": "the Client Secret from Basic Information, with SLACK_CLIENT_ID",
}


def load_settings() -> Settings:
    """Read the settings; a malformed value raises ConfigError naming the variable."""
    try:
        return Settings()
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            name = str(err["loc"][0]).upper() if err["loc"] else "setting"
            msg = err["msg"].removeprefix("Value error, ")
            lines.append(f"{name} is malformed: {msg}.")
        raise ConfigError(" ".join(lines)) from None


def require(settings: Settings, mode: Mode) -> None:
    """Fail with one clear line if ``mode`` needs a setting that is not there."""
    token = () if settings.oauth else ("SLACK_BOT_TOKEN",)
    needs: dict[str, tuple[str, ...]] = {
        "serve": (*token, "SLACK_SIGNING_SECRET"),
        "socket": (*token, "SLACK_APP_TOKEN"),
        "clock": token,
        "tick": token,
    }
    if settings.oauth and mode in needs:
        needs[mode] = (*needs[mode], "SLACK_TOKEN_ENCRYPTION_KEY")
    if bool(settings.slack_client_id) != bool(settings.slack_client_secret) and mode in needs:
        missing = "SLACK_CLIENT_SECRET" if settings.slack_client_id else "SLACK_CLIENT_ID"
        needs[mode] = (*needs[mode], missing)
    for name in needs.get(mode, ()):
        if getattr(settings, name.lower()) is None:
            raise ConfigError(
                f"{name} is not set: `{mode}` needs {_HINTS[name]}. "
                "Set it in the environment or in a .env file."
            )
