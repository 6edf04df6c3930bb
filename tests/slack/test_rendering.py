"""Every reply, digest, Home tab and modal in English, French and Chinese, as Slack would render
it: nothing Slack would refuse (tests/slackrules.block_errors) and nothing it would show wrongly
(the mrkdwn lint, tests/slackrules.lint): placeholders that vanish as links, asterisks printed
next to Chinese, calendar days a day off, English words in a French or Chinese date."""

from __future__ import annotations

import io
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

import pytest

from bot.clock import FixedClock
from bot.config import Settings
from bot.content.library import Library
from bot.i18n import LANGS
from bot.local import shell
from bot.slack.ids import FIELD_TOPICS
from bot.slack.payloads import Reply
from bot.subscriptions import form as forms
from bot.subscriptions import home
from bot.subscriptions import replies as channel_replies
from bot.subscriptions.schedule import EVERY_DAY, Schedule
from bot.subscriptions.stored import SubscriptionView
from tests.slackrules import block_errors, lint, mrkdwn_problems, view_errors
from tests.subscriptionhelp import sub_of as stored_sub

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
COMMANDS = (
    "help", "topics", "summits", "news", "news bletchley", "news nothing-here", "share",
    "share bletchley", "search ceasefire rafah", "search 停火", "search declaration", "search the",
    "search", "search <!here> & co", "no-such-topic", "<@U1> hello", "waic", "geneva",
    "ai for good", "global dialogue", "search seoul", "status", "digest",
    "subscribe mon thu 08:30 Europe/Paris", "subscribe nonsense 99:99 Mars/Olympus", "status",
    "digest", "pause", "status", "pause", "resume", "resume",
    "subscribe daily 09:00 Pacific/Auckland reminders", "digest", "status",
    "subscribe daily 09:00 Pacific/Auckland always", "tick 2026-12-01 09:00", "status",
    "tick 2026-12-04 09:00", "unsubscribe", "unsubscribe",
)  # fmt: skip


def sub_of(lang: str, **changes: Any) -> SubscriptionView:
    """A subscription in Auckland that has had three digests, the last one yesterday."""
    last = datetime(2026, 11, 26, 19, 30, tzinfo=UTC)
    return stored_sub(
        schedule=Schedule(EVERY_DAY, time(8, 30), "Pacific/Auckland"),
        lang=lang,
        last_digest_for=last,
        last_delivery_at=last,
        last_result="sent",
        digests_sent=3,
        **changes,
    )


def message(reply: Reply) -> dict[str, Any]:
    return {"text": reply.text, "blocks": reply.blocks_json()}


def problems_of(payload: dict[str, Any], *, view: bool = False) -> list[str]:
    errors = view_errors(payload["view"]) if view else block_errors(payload.get("blocks"))
    return errors + lint(payload)


@pytest.mark.parametrize("lang", LANGS)
def test_every_command_and_digest_renders_as_meant(
    soon: Library, tmp_path: Path, lang: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[str, dict[str, Any]]] = []
    original_show = shell.Shell._show

    def show(self: shell.Shell, reply: Reply, reply_lang: str) -> shell.Answer:
        seen.append((f"reply to {current}", message(reply)))
        return original_show(self, reply, reply_lang)

    original_post = shell.LocalSlack.chat_postMessage

    async def post(self: shell.LocalSlack, **kwargs: Any) -> Any:
        seen.append((f"post from {current}", {"text": kwargs["text"], "blocks": kwargs["blocks"]}))
        return await original_post(self, **kwargs)

    monkeypatch.setattr(shell.Shell, "_show", show)
    monkeypatch.setattr(shell.LocalSlack, "chat_postMessage", post)
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'local.sqlite3'}")
    env = {"TZ": "Pacific/Auckland", "LANG": "C", "USER": "ada"}
    local = shell.Shell(soon, FixedClock(NOW), settings, env, io.StringIO())
    try:
        for current in COMMANDS:
            local.answer(f"{current} lang:{lang}")
            for n in range(1, min(3, len(local.choices)) + 1):
                local.press(n)
    finally:
        local.close()
    posts = [what for what, _ in seen if what.startswith("post")]
    assert len(seen) > len(COMMANDS) and posts, seen  # digests and reminders were posted
    found = [(what, p) for what, payload in seen for p in problems_of(payload)]
    assert not found, found


@pytest.mark.parametrize("lang", LANGS)
def test_the_home_tab_and_the_forms_render_as_meant(soon: Library, lang: str) -> None:
    facts = channel_replies.Facts(soon, NOW)
    subs = [
        sub_of(lang),
        sub_of(lang, id=2, channel_id="C2", paused=True, paused_reason="user:U1"),
        sub_of(lang, id=3, channel_id="C3", paused=True, paused_reason="slack:not_in_channel"),
    ]
    views: list[dict[str, Any]] = []
    for manage in (True, False):
        blocks = home.home_blocks(facts, NOW.date(), subs, lang, manage=manage, hidden=1)
        views.append({"type": "home", "blocks": [b.to_dict() for b in blocks]})
    for form in (
        forms.form_for(None, "C1", "Asia/Shanghai", lang),
        forms.form_for(subs[0], "C1", None, lang),
    ):
        views.append(forms.form_view(form, soon, lang).to_dict())
    preview = channel_replies.status(
        facts, channel_replies.Invocation("T1", "C1", "U1", lang=lang), subs[0]
    )
    views.append(forms.preview_view(list(preview.blocks), lang).to_dict())
    found = [p for view in views for p in problems_of({"view": view}, view=True)]
    assert not found, found


def test_the_lint_finds_what_slack_would_show_wrongly() -> None:
    """The lint cannot pass on nothing: each rule finds its mistake."""
    assert mrkdwn_problems("`/declaration search <words>`")
    assert not mrkdwn_problems("`/declaration search &lt;words&gt;` <#C1> <@U1> <!here>")
    assert not mrkdwn_problems("<https://example.org/a?b=1&amp;c=2|A &amp; B>")
    assert mrkdwn_problems("*30天后*开幕") and mrkdwn_problems("主题：*布莱切利宣言*")
    assert not mrkdwn_problems("*30天后*\u200b开幕 主题：\u200b*布莱切利宣言*")
    noon = int(datetime(2026, 7, 6, 12, tzinfo=UTC).timestamp())
    assert mrkdwn_problems(f"<!date^{noon}^{{date_long_pretty}}|6 July 2026>")
    assert not mrkdwn_problems(f"<!date^{noon + 1800}^{{date_short_pretty}} at {{time}}|x>")
    french = f"<!date^{noon}^{{date_short_pretty}} at {{time}}|6 juil. 2026 à 14:00 CEST>"
    chinese = f"<!date^{noon}^{{date_short_pretty}} at {{time}}|2026年7月6日 20:00 CST>"
    assert mrkdwn_problems(french) and mrkdwn_problems(chinese)
    assert block_errors([{"type": "section"}]) and block_errors([{"type": "divider"}] * 51)
    assert not block_errors([{"type": "divider"}] * 50)
    assert block_errors([{"type": "header", "text": {"type": "mrkdwn", "text": "x"}}])


def test_the_manifest_says_what_the_app_does_and_offers_what_the_code_supports() -> None:
    import yaml

    from tests.conftest import ROOT

    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text())
    about = manifest["display_information"]["long_description"]
    for thing in ("digests", "reminders", "Home tab", "calendar"):
        assert thing in about, thing
    tab = manifest["features"]["app_home"]
    # a read-only Messages tab is a Messages tab: it cannot be read-only and switched off
    assert not tab["messages_tab_read_only_enabled"] or tab["messages_tab_enabled"]
    # org-wide installs are stored (tests/test_installations.py::
    # test_an_org_wide_install_covers_its_workspaces) but no test runs the bot with an org-level
    # token, which Slack treats differently (team_id on some methods): not offered yet
    assert manifest["settings"]["org_deploy_enabled"] is False


def test_what_readers_saw_twice_cut_or_unformatted_is_said_once_whole_and_formatted(
    soon: Library,
) -> None:
    facts = channel_replies.Facts(soon, NOW)
    inv = channel_replies.Invocation("T1", "C1", "U1", lang="en")
    paused = sub_of("en", paused=True, paused_reason="user:U1")
    said = " ".join(str(b) for b in channel_replies.status(facts, inv, paused).blocks_json())
    assert said.count("Paused") == 1, said
    view = forms.form_view(forms.form_for(None, "C1", "UTC", "en"), soon, "en").to_dict()
    boxes = [o["text"]["text"] for b in view["blocks"] if b.get("block_id") == FIELD_TOPICS
             for o in b["element"]["options"]]  # fmt: skip
    assert boxes == [tp.label for tp in soon.topics] and not any(b.endswith("…") for b in boxes)
    error = forms.error_at("Try `/declaration subscribe mon 09:00` for *this* &lt;channel&gt;")
    assert list(error.values()) == ["Try /declaration subscribe mon 09:00 for this <channel>"]
    home_tab = [b.to_dict() for b in home.home_blocks(facts, NOW.date(), [], "en")]
    assert any(b.get("text", {}).get("text", "").startswith("*Topics*\n") for b in home_tab)


def test_a_news_hit_is_named_news_and_long_cards_are_shown_whole(library: Library) -> None:
    from bot.answers import core

    found = core.reply_to("search UAE", library, NOW.date()).blocks_json()
    hits = [b for b in found if b.get("accessory") and ":newspaper:" in b["text"]["text"]]
    assert hits, found
    assert {b["accessory"]["text"]["text"] for b in hits} == {"News"}
    assert all(b["accessory"]["action_id"].startswith("show_news:") for b in hits)
    card = core.reply_to("bletchley", library, NOW.date()).blocks_json()
    assert any(b.get("expand") for b in card if b["type"] == "section")


def test_emphasis_next_to_a_digit_or_another_span_is_padded_only_when_its_edge_is_chinese() -> None:
    """``*时间：*2027`` and ``*主题：**布莱切利宣言*`` have no word edge at the markers: Slack would
    print them. ASCII spans keep their neighbours as they are (``snake_case`` is not italic)."""
    from bot.slack.mrkdwn import ZWSP, emphasis

    assert emphasis("*时间：*2027年") == f"*时间：*{ZWSP}2027年"
    assert emphasis("*主题：**布莱切利宣言*") == f"*主题：*{ZWSP}{ZWSP}*布莱切利宣言*"
    assert emphasis("snake_case_words and *bold*s") == "snake_case_words and *bold*s"
    for text in ("*时间：*2027年", "*主题：**布莱切利宣言*"):
        assert not mrkdwn_problems(emphasis(text)), text
        assert emphasis(emphasis(text)) == emphasis(text)
