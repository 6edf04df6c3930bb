"""Installing the app in a workspace through OAuth, in tests: the settings OAuth needs, the
install page and the redirect, and the OAuth states kept in the database."""

from __future__ import annotations

import re
import urllib.parse

from cryptography.fernet import Fernet

from bot.store.store import Store
from tests.e2e import HttpReply, InProcessBot, bot_env
from tests.fakeslack import FakeSlack

KEY = Fernet.generate_key().decode()


def oauth_env(slack: FakeSlack, db: str, **extra: str) -> dict[str, str]:
    env = bot_env(
        slack.base_url,
        DATABASE_URL=db,
        SLACK_CLIENT_ID="111.222",
        SLACK_CLIENT_SECRET="oauth-client-secret-xyz",
        SLACK_TOKEN_ENCRYPTION_KEY=KEY,
        RETRY_BASE_SECONDS="0.01",
        **extra,
    )
    env.pop("SLACK_BOT_TOKEN")
    return env


def get(bot: InProcessBot, path: str, cookie: str | None = None) -> HttpReply:
    return bot.get(path, {"Cookie": cookie} if cookie else {})


def start_install(bot: InProcessBot) -> tuple[str, str]:
    page = get(bot, "/slack/install")
    assert page.status == 200
    html = page.body.decode()
    assert "Add to Slack" in html
    link = re.search(r'href="(https://slack.com/oauth/v2/authorize\?[^"]+)"', html)
    assert link, html
    query = urllib.parse.parse_qs(urllib.parse.urlparse(link.group(1).replace("&amp;", "&")).query)
    assert query["client_id"] == ["111.222"]
    assert "chat:write" in query["scope"][0] and "commands" in query["scope"][0]
    cookie = page.headers.get("Set-Cookie") or page.headers.get("set-cookie") or ""
    return query["state"][0], cookie.split(";")[0]


def install(bot: InProcessBot, code: str) -> HttpReply:
    state, cookie = start_install(bot)
    return get(bot, f"/slack/oauth_redirect?code={code}&state={state}", cookie)


def state_rows(store: Store) -> int:
    from sqlalchemy import func, select

    from bot.store.tables import oauth_states

    with store.reader.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(oauth_states)).scalar_one())
