"""The installation and OAuth-state stores on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from cryptography.fernet import Fernet
from slack_sdk.oauth.installation_store import Installation

from bot.installations import DbInstallationStore, SignedOAuthStates, TokenCache, TokenCipher
from bot.store.store import Store
from tests.oauthhelp import state_rows


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    s = Store.open(db_url)
    yield s
    s.close()


def install(
    team: str | None, token: str, enterprise: str | None = None, org: bool = False
) -> Installation:
    return Installation(
        app_id="A1",
        enterprise_id=enterprise,
        team_id=team,
        bot_token=token,
        bot_id="B1",
        bot_user_id="UB",
        bot_scopes="commands,chat:write",
        user_id="U1",
        is_enterprise_install=org,
    )


async def test_tokens_are_encrypted_and_found_per_workspace(store: Store) -> None:
    key = Fernet.generate_key().decode()
    inst = DbInstallationStore(store, TokenCipher(key))
    await inst.async_save(install("T1", "xoxb-one"))
    await inst.async_save(install("T2", "xoxb-two"))
    await inst.async_save(install("T1", "xoxb-one-again"))  # reinstall replaces
    bot = await inst.async_find_bot(enterprise_id=None, team_id="T1")
    assert bot is not None and bot.bot_token == "xoxb-one-again"
    assert (await inst.async_find_bot(enterprise_id=None, team_id="T2")).bot_token == "xoxb-two"  # type: ignore[union-attr]
    assert await inst.async_find_bot(enterprise_id=None, team_id="T3") is None
    with store.engine.connect() as conn:
        rows = [r[0] for r in conn.exec_driver_sql("SELECT data FROM installations")]
    assert len(rows) == 2 and not any("xoxb" in r for r in rows)
    # another key cannot read them: a clear error, not garbage
    other = DbInstallationStore(store, TokenCipher(Fernet.generate_key().decode()))
    with pytest.raises(ValueError, match="SLACK_TOKEN_ENCRYPTION_KEY"):
        other.find_sync(None, "T1")


async def test_an_org_wide_install_covers_its_workspaces(store: Store) -> None:
    inst = DbInstallationStore(store, TokenCipher(Fernet.generate_key().decode()))
    await inst.async_save(install(None, "xoxb-org", enterprise="E1", org=True))
    bot = await inst.async_find_bot(enterprise_id="E1", team_id="T-any")
    assert bot is not None and bot.bot_token == "xoxb-org"
    tokens = TokenCache(inst)
    assert tokens.token("T-any", "E1") == "xoxb-org"
    assert tokens.token("T-any", None) is None
    inst.forget_sync("E1", None)
    tokens.forget("T-any", "E1")
    assert tokens.token("T-any", "E1") is None


async def test_states_are_issued_without_a_write_and_good_once(store: Store) -> None:
    states = SignedOAuthStates(store, "client-secret-abc")
    issued = [await states.async_issue() for _ in range(200)]
    assert len(set(issued)) == 200 and state_rows(store) == 0  # issuing writes nothing
    state = issued[0]
    assert len(state) <= SignedOAuthStates.MAX_LENGTH and "client-secret" not in state
    assert await states.async_consume(state) is True
    assert await states.async_consume(state) is True  # not used until an installation is stored
    assert state_rows(store) == 0
    await states.async_record_used(state)
    assert state_rows(store) == 1
    assert await states.async_consume(state) is False  # used
    await states.async_record_used(state)  # twice: refused, nothing breaks
    assert state_rows(store) == 1
    assert await states.async_consume(issued[1]) is True  # the others are still good


async def test_forged_and_expired_states_are_refused_without_a_query(store: Store) -> None:
    now = [1_800_000_000.0]
    states = SignedOAuthStates(store, "client-secret-abc", now=lambda: now[0])
    other_app = SignedOAuthStates(store, "another-secret", now=lambda: now[0])
    state = states.issue()
    expires, nonce, mac = state.split(".")
    forged = [
        "",
        "made-up",
        other_app.issue(),  # signed with another key
        f"{int(expires) + 3600}.{nonce}.{mac}",  # a later expiry, same signature
        f"{expires}.{nonce}x.{mac}",
        f"{expires}.{nonce}.{mac[:-1]}",
        f"{'9' * 400}.{nonce}.{mac}",
        state + "." + mac,
        "é" * 50,
    ]
    store.state_used = None  # type: ignore[assignment,method-assign]  # any query would fail
    for bad in forged:
        assert await states.async_consume(bad) is False, bad
    now[0] += 601  # ten minutes and a second later
    assert await states.async_consume(state) is False


async def test_a_state_is_refused_when_the_database_is_down(store: Store) -> None:
    states = SignedOAuthStates(store, "client-secret-abc")
    state = states.issue()

    def down(key: str) -> bool:
        raise OSError("database down")

    store.state_used = down  # type: ignore[method-assign]
    assert await states.async_consume(state) is False


async def test_a_new_key_replaces_the_old_one_without_a_reinstall(store: Store) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    await DbInstallationStore(store, TokenCipher(old)).async_save(install("T1", "xoxb-one"))
    await DbInstallationStore(store, TokenCipher(old)).async_save(install("T2", "xoxb-two"))
    both = DbInstallationStore(store, TokenCipher(f"{new},{old}"))
    # the new key first: everything stored under the old one still reads
    assert (await both.async_find_bot(enterprise_id=None, team_id="T1")).bot_token == "xoxb-one"  # type: ignore[union-attr]
    assert both.rotate_keys() == 2
    only_new = DbInstallationStore(store, TokenCipher(new))
    for team, token in (("T1", "xoxb-one"), ("T2", "xoxb-two")):
        found = await only_new.async_find_bot(enterprise_id=None, team_id=team)
        assert found is not None and found.bot_token == token
    with pytest.raises(ValueError, match="no key in SLACK_TOKEN_ENCRYPTION_KEY"):
        await DbInstallationStore(store, TokenCipher(old)).async_find_bot(
            enterprise_id=None, team_id="T1"
        )


async def test_rotation_with_a_key_that_opens_nothing_changes_nothing(store: Store) -> None:
    old, other = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    await DbInstallationStore(store, TokenCipher(old)).async_save(install("T1", "xoxb-one"))
    with pytest.raises(ValueError, match="cannot be decrypted"):
        DbInstallationStore(store, TokenCipher(other)).rotate_keys()
    found = await DbInstallationStore(store, TokenCipher(old)).async_find_bot(
        enterprise_id=None, team_id="T1"
    )
    assert found is not None and found.bot_token == "xoxb-one"


async def test_forgetting_a_workspace_that_names_none_deletes_no_ones_subscriptions(
    store: Store,
) -> None:
    """An uninstall that names neither a team nor an organisation (a malformed event) must not
    match every subscription outside an organisation: it deletes nothing of anyone's."""
    from datetime import UTC, datetime

    from bot.subscriptions.schedule import Schedule, parse_schedule

    daily = parse_schedule(["daily", "09:00", "UTC"])
    assert isinstance(daily, Schedule)
    now = datetime(2026, 11, 27, 8, tzinfo=UTC)
    for team, channel in (("T1", "C1"), ("T2", "C2")):
        store.subscribe(team_id=team, channel_id=channel, schedule=daily, now=now)
    inst = DbInstallationStore(store, TokenCipher(Fernet.generate_key().decode()))
    await inst.async_save(install("T1", "xoxb-one"))
    assert inst.forget_sync(None, None) == (0, 0)
    assert store.get("T1", "C1") is not None and store.get("T2", "C2") is not None
    assert inst.forget_sync(None, "T1") == (1, 1)  # naming a team still forgets that team only
    assert store.get("T1", "C1") is None and store.get("T2", "C2") is not None
