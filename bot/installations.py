"""Many workspaces: OAuth installations and states in our own database, tokens encrypted at rest.

Bolt's OAuth flow and authorization talk to these through slack_sdk's async store interfaces.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime
from logging import Logger
from typing import TYPE_CHECKING, Any

from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore

from bot.store.store import Store

if TYPE_CHECKING:
    from cryptography.fernet import MultiFernet

log = logging.getLogger("declaration_bot.installations")


def workspace_key(enterprise_id: str | None, team_id: str | None) -> str:
    return f"{enterprise_id or '-'}:{team_id or '-'}"


def fernet_keys(value: str) -> list[str]:
    """The keys in SLACK_TOKEN_ENCRYPTION_KEY: one, or several separated by commas."""
    return [k.strip() for k in value.split(",") if k.strip()]


class TokenCipher:
    """Encrypts what we store about an installation (its tokens above all) with Fernet.

    Several keys may be given (``new,old``): the first encrypts, every one decrypts, so a key can be
    replaced without a reinstall: add the new key first, run ``declaration-bot rotate-key``, then
    drop the old one."""

    def __init__(self, keys: str) -> None:
        # imported here: cryptography weighs 7 MB of memory, only OAuth installs need it
        from cryptography.fernet import Fernet, MultiFernet

        self._fernet: MultiFernet = MultiFernet([Fernet(k.encode()) for k in fernet_keys(keys)])

    def rotate(self, sealed: str) -> str:
        """``sealed`` encrypted again with the first key."""
        from cryptography.fernet import InvalidToken

        try:
            return self._fernet.rotate(sealed.encode()).decode()
        except InvalidToken:
            raise ValueError(
                "an installation cannot be decrypted with any key in SLACK_TOKEN_ENCRYPTION_KEY"
            ) from None

    def seal(self, data: dict[str, Any]) -> str:
        return self._fernet.encrypt(json.dumps(data, default=str).encode()).decode()

    def open(self, sealed: str) -> dict[str, Any]:
        from cryptography.fernet import InvalidToken

        try:
            value = json.loads(self._fernet.decrypt(sealed.encode()))
        except InvalidToken:
            raise ValueError(
                "an installation cannot be decrypted: no key in SLACK_TOKEN_ENCRYPTION_KEY is the "
                "one it was stored with"
            ) from None
        assert isinstance(value, dict)
        return value


class DbInstallationStore(AsyncInstallationStore):
    """Installations in the bot's database; one row per workspace (or org), latest install wins."""

    def __init__(self, store: Store, cipher: TokenCipher) -> None:
        self.store = store
        self.cipher = cipher
        self._log = log

    @property
    def logger(self) -> Logger:
        return self._log

    # --- writes ---------------------------------------------------------------------------

    def save_sync(self, installation: Installation) -> None:
        ent = installation.enterprise_id
        team = None if installation.is_enterprise_install else installation.team_id
        self.store.save_installation(
            workspace_key(ent, team),
            enterprise_id=ent,
            team_id=team,
            is_enterprise_install=bool(installation.is_enterprise_install),
            sealed=self.cipher.seal(installation.to_dict()),
            now=datetime.now(UTC),
        )
        log.info("installed team=%s enterprise=%s", team, ent)

    def rotate_keys(self) -> int:
        """Encrypt every stored installation again with the first key; all or nothing."""
        count = self.store.reseal_installations(self.cipher.rotate)
        log.info("installations re-encrypted with the first key count=%d", count)
        return count

    async def async_save(self, installation: Installation) -> None:
        await asyncio.to_thread(self.save_sync, installation)

    async def async_save_bot(self, bot: Bot) -> None:  # pragma: no cover - saved with installs
        return None

    # --- reads ----------------------------------------------------------------------------

    def find_sync(
        self, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool = False
    ) -> Installation | None:
        keys = []
        if not is_enterprise_install:
            keys.append(workspace_key(enterprise_id, team_id))
        if enterprise_id:
            keys.append(workspace_key(enterprise_id, None))  # an org-wide install covers its teams
        found = self.store.installations(keys)
        for key in keys:
            if key in found:
                return Installation(**self.cipher.open(found[key]))
        return None

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        return await asyncio.to_thread(
            self.find_sync, enterprise_id, team_id, bool(is_enterprise_install)
        )

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        found = await self.async_find_installation(
            enterprise_id=enterprise_id,
            team_id=team_id,
            is_enterprise_install=is_enterprise_install,
        )
        return found.to_bot() if found is not None and found.bot_token else None

    # --- uninstall ------------------------------------------------------------------------

    def forget_sync(self, enterprise_id: str | None, team_id: str | None) -> tuple[int, int]:
        """Delete a workspace's installation (its tokens) and its subscriptions and deliveries."""
        key = workspace_key(enterprise_id, team_id)
        n_inst, n_subs = self.store.forget_workspace(key, enterprise_id, team_id)
        log.info(
            "forgot workspace team=%s enterprise=%s installations=%d subscriptions=%d",
            team_id,
            enterprise_id,
            n_inst,
            n_subs,
        )
        return n_inst, n_subs

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await asyncio.to_thread(self.forget_sync, enterprise_id, team_id)

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        if user_id is None:
            await asyncio.to_thread(self.forget_sync, enterprise_id, team_id)

    async def async_delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await asyncio.to_thread(self.forget_sync, enterprise_id, team_id)


class SignedOAuthStates(AsyncOAuthStateStore):
    """OAuth ``state`` values issued without a database write, good once, for a limited time.

    A state is ``{expiry}.{nonce}.{mac}``: when it expires (Unix seconds), 16 random bytes, and an
    HMAC-SHA256 of both under a key derived from the client secret with a label of its own (so the
    key signs nothing else, and the secret itself never leaves the process). Issuing one costs no
    write, so ``GET /slack/install`` adds nothing to the database however often it is asked. Bolt
    sets it as a cookie in the browser and, on return, refuses a state that is not that cookie.

    On return (``async_consume``) a state whose signature or expiry is wrong is refused without a
    query; a genuine one is refused if it has already been used (one read). It is recorded as used
    (``async_record_used``, one row, kept until the state expires) once Slack has accepted the
    code and the installation is stored, so that only real installations write: a forged, stale
    or junk-code return writes nothing. Two returns with the same state at the same instant could
    both pass the read; each would still need its own code from Slack, and the cookie."""

    LABEL = b"declaration-bot oauth state v1"
    MAX_LENGTH = 100  # {10-12 digits}.{22 characters}.{43 characters}

    def __init__(
        self,
        store: Store,
        secret: str,
        expiration_seconds: int = 600,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.key = hmac.new(secret.encode(), self.LABEL, hashlib.sha256).digest()
        self.expiration = expiration_seconds
        self.now = now
        self._log = log

    @property
    def logger(self) -> Logger:
        return self._log

    def _mac(self, signed: str) -> str:
        digest = hmac.new(self.key, signed.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def issue(self) -> str:
        signed = f"{int(self.now()) + self.expiration}.{secrets.token_urlsafe(16)}"
        return f"{signed}.{self._mac(signed)}"

    def _genuine(self, state: str | None) -> tuple[str, int] | None:
        """The nonce and expiry of a state issued here, whatever its age; None for any other."""
        if not state or len(state) > self.MAX_LENGTH or not state.isascii():
            return None
        signed, _, mac = state.rpartition(".")
        expires, _, nonce = signed.partition(".")
        if not (nonce and expires.isdigit() and len(expires) <= 12):
            return None
        if not hmac.compare_digest(self._mac(signed), mac):
            return None
        return nonce, int(expires)

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        return self.issue()

    async def async_consume(self, state: str) -> bool:
        genuine = self._genuine(state)
        if genuine is None or genuine[1] < self.now():
            log.warning("refused an OAuth state that is forged or expired")
            return False
        try:
            used = await asyncio.to_thread(self.store.state_used, genuine[0])
        except Exception as exc:  # the database is down: refuse, as Bolt does any bad state
            log.warning("refused an OAuth state: database error=%s", type(exc).__name__)
            return False
        if used:
            log.warning("refused an OAuth state already used")
        return not used

    async def async_record_used(self, state: str | None) -> None:
        """Record ``state`` as used, once its installation is stored."""
        genuine = self._genuine(state)
        if genuine is None:
            return
        nonce, expires = genuine
        now = datetime.now(UTC)
        try:
            first = await asyncio.to_thread(
                self.store.use_state, nonce, datetime.fromtimestamp(expires, UTC), now
            )
        except Exception as exc:  # the installation is stored: it stands
            log.warning("could not record an OAuth state as used error=%s", type(exc).__name__)
            return
        if not first:
            log.warning("an OAuth state was used for two installations at once")


class TokenCache:
    """Bot tokens by workspace for the clock, looked up in the installation store, kept briefly."""

    def __init__(self, installations: DbInstallationStore, ttl: float = 30.0) -> None:
        self.installations = installations
        self.ttl = ttl
        self._cache: dict[tuple[str | None, str | None], tuple[float, str | None]] = {}

    def token(self, team_id: str | None, enterprise_id: str | None) -> str | None:
        key = (enterprise_id, team_id)
        hit = self._cache.get(key)
        now = time.monotonic()
        if hit is not None and now - hit[0] < self.ttl:
            return hit[1]
        found = self.installations.find_sync(enterprise_id, team_id)
        token = found.bot_token if found is not None else None
        self._cache[key] = (now, token)
        return token

    def forget(self, team_id: str | None, enterprise_id: str | None) -> None:
        self._cache.pop((enterprise_id, team_id), None)
