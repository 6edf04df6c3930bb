"""HTTP mode end to end, in-process: the app `declaration-bot serve` serves, signed requests to its
ASGI app, and a fake Slack Web API on loopback recording every call the bot makes. (The real
process over real HTTP: tests/test_smoke_e2e.py.)"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e import BOT_TOKEN, InProcessBot, bot_env, button_press, in_process, run_cli
from tests.fakeslack import FakeSlack


@pytest.fixture(scope="module")
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture(scope="module")
def bot(slack: FakeSlack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessBot]:
    tmp = tmp_path_factory.mktemp("serve")
    db = f"sqlite:///{tmp / 'bot.sqlite3'}"
    with in_process(bot_env(slack.base_url, DATABASE_URL=db), tmp) as b:
        yield b


def all_text(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False)


@pytest.mark.parametrize(
    ("text", "needles", "response_type"),
    [
        ("", ["/declaration search ceasefire", "/declaration summits"], "ephemeral"),
        ("help", ["/declaration share bletchley"], "ephemeral"),
        (
            "topics",
            ["joint statement on the situation in the Middle East", "show_topic:bletchley"],
            "ephemeral",
        ),
        ("bletchley", ["28 countries", "https://www.gov.uk/", "share_topic"], "ephemeral"),
        ("Middle East", ["Rafah", "2728"], "ephemeral"),
        ("france china", ["joint declaration", "elysee.fr"], "ephemeral"),
        ("bletchly", ["Did you mean *Bletchley Declaration*?"], "ephemeral"),
        ("search frontier risks", ["*frontier*", "Bletchley"], "ephemeral"),
        ("search xylophone", ["Nothing in the summaries mentions"], "ephemeral"),
        (
            "summits",
            ["AI summits", "Recently past", "Dates not announced", "16–21 February 2026"],
            "ephemeral",
        ),
        ("share bletchley", ["28 countries"], "in_channel"),
        ("share nothing-like-this", ["I don't know a topic"], "ephemeral"),
        ("flibbertigibbet", ["I don't know a topic or command"], "ephemeral"),
    ],
)
def test_every_subcommand(
    bot: InProcessBot, text: str, needles: list[str], response_type: str
) -> None:
    started = time.monotonic()
    r = bot.command(text)
    elapsed = time.monotonic() - started
    assert r.status == 200, r.body
    payload = r.json()
    assert payload["response_type"] == response_type
    assert payload["text"] and payload["blocks"]
    body = all_text(payload)
    for needle in needles:
        assert needle in body
    assert elapsed < 1.0  # answered in the acknowledgement itself, well inside Slack's 3 s


@pytest.mark.parametrize(
    ("text", "needles", "response_type"),
    [
        ("bletchley lang:fr", ["Déclaration de Bletchley", "Points clés"], "ephemeral"),
        ("bletchley lang:zh", ["布莱切利宣言", "要点"], "ephemeral"),
        ("topics lang:zh", ["主题", "show_topic:bletchley"], "ephemeral"),
        ("search cessez-le-feu lang:fr", ["cessez-le-feu", "Proche-Orient"], "ephemeral"),
        ("summits lang:zh", ["人工智能峰会", "日期未公布"], "ephemeral"),
        ("summits lang:fr", ["Sommets sur l'IA", "16–21 février 2026"], "ephemeral"),
        ("help lang:fr", ["Essayez", "/declaration summits"], "ephemeral"),
        ("news lang:fr", ["Derniers développements"], "ephemeral"),
        ("bletchly lang:zh", ["你是不是要找 *布莱切利宣言*\u200b？"], "ephemeral"),
        ("flibbertigibbet lang:fr", ["Je ne connais ni sujet ni commande"], "ephemeral"),
        ("share bletchley lang:zh", ["要点"], "in_channel"),
    ],
)
def test_every_subcommand_in_french_and_chinese(
    bot: InProcessBot, text: str, needles: list[str], response_type: str
) -> None:
    """`lang:fr` and `lang:zh` answer in that language, whatever the caller's Slack locale."""
    r = bot.command(text)
    assert r.status == 200, r.body
    payload = r.json()
    assert payload["response_type"] == response_type
    body = json.dumps(payload, ensure_ascii=False)
    for needle in needles:
        assert needle in body, (needle, body[:500])


def test_user_text_cannot_ping_the_channel(bot: InProcessBot) -> None:
    for text in (
        "<!channel> hello",
        "search <!here>",
        "share <@U999|boss>",
        "<https://evil.example|x>",
    ):
        body = all_text(bot.command(text).json())
        for bad in ("<!channel>", "<!here>", "<@U999", "<https://evil"):
            assert bad not in body
        assert "&lt;" in body


def test_bad_signature_is_refused_and_runs_nothing(bot: InProcessBot, slack: FakeSlack) -> None:
    before = len(slack.calls)
    body = "command=%2Fdeclaration&text=share+bletchley&team_id=T1&channel_id=C1&user_id=U1"
    assert bot.signed(body, secret="not-the-secret").status == 401
    assert bot.post(body, {"Content-Type": "application/x-www-form-urlencoded"}).status == 401
    stale = int(time.time()) - 6 * 60
    assert bot.signed(body, timestamp=stale).status == 401
    future = int(time.time()) + 6 * 60
    assert bot.signed(body, timestamp=future).status == 401
    assert len(slack.calls) == before
    assert bot.signed(body).status == 200  # the same request, properly signed, is served


def test_share_button_posts_in_channel_via_response_url(
    bot: InProcessBot, slack: FakeSlack
) -> None:
    payload = button_press("share_topic", "bletchley", slack.response_url("share1"))
    r = bot.interactive(payload)
    assert r.status == 200
    slack.wait_for(lambda: bool(slack.responses.get("share1")))
    (posted,) = slack.responses["share1"]
    assert posted["response_type"] == "in_channel"
    assert "28 countries" in all_text(posted)


def test_show_button_replaces_the_message_with_the_topic(
    bot: InProcessBot, slack: FakeSlack
) -> None:
    payload = button_press(
        "show_topic:france-china-middle-east",
        "france-china-middle-east",
        slack.response_url("show1"),
    )
    assert bot.interactive(payload).status == 200
    slack.wait_for(lambda: bool(slack.responses.get("show1")))
    (posted,) = slack.responses["show1"]
    assert posted["replace_original"] is True and "Rafah" in all_text(posted)


def test_stale_topic_button_gets_a_clear_answer(bot: InProcessBot, slack: FakeSlack) -> None:
    payload = button_press("show_topic:gone", "gone", slack.response_url("stale"))
    assert bot.interactive(payload).status == 200
    slack.wait_for(lambda: bool(slack.responses.get("stale")))
    assert "no longer available" in all_text(slack.responses["stale"][0])


def test_home_tab_is_published(bot: InProcessBot, slack: FakeSlack) -> None:
    r = bot.event({"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home"})
    assert r.status == 200
    slack.wait_for(lambda: bool(slack.calls_to("views.publish")))
    call = slack.calls_to("views.publish")[-1]
    assert call.token == BOT_TOKEN and call.params["user_id"] == "U1"
    view = call.params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["type"] == "home" and "AI summits" in json.dumps(view)


def test_ssl_check_and_unknown_paths(bot: InProcessBot) -> None:
    assert bot.signed("ssl_check=1&token=x").status == 200
    assert bot.get("/nope").status == 404


def test_serve_bad_port_exits_2(tmp_path: Path, slack: FakeSlack) -> None:
    env = bot_env(slack.base_url, PORT="http")
    r = run_cli(["serve"], env, tmp_path)
    assert r.returncode == 2 and "PORT is malformed" in r.stderr
