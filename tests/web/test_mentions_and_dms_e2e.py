"""@mentions and direct messages (issue 18, item 4), over HTTP against the fake Slack: a mention
is answered once, in its thread, for the channel to see, in the asker's language; a direct message
is answered in the DM with /declaration's words; a delivery Slack sends again is answered once;
the bot's own messages, other bots', edits and deletions are not answered. (Socket Mode:
tests/test_smoke_e2e.py.)"""

from __future__ import annotations

import json
from typing import Any

from tests import e2e
from tests.e2e import InProcessBot, direct_message, event_body, mention, signed_headers
from tests.fakeslack import Call, FakeSlack


def posts_to(slack: FakeSlack, channel: str) -> list[Call]:
    """The posts Slack took in ``channel`` (one it refused is not there to read)."""
    posts = slack.calls_to("chat.postMessage")
    return [c for c in posts if c.params.get("channel") == channel and c.response.get("ok")]


def heard(bot: InProcessBot, slack: FakeSlack, event: dict[str, Any]) -> e2e.HttpReply:
    """A person's message: in the channel's history (as on Slack), then its event to the bot."""
    if event.get("channel") and event.get("ts"):
        slack.said(event)
    return bot.event(event)


def shown(call: Call) -> str:
    return json.dumps([call.params.get("text"), call.params.get("blocks")], ensure_ascii=False)


def test_a_mention_is_answered_once_in_its_thread(bot: InProcessBot, slack: FakeSlack) -> None:
    said = mention("when is waic?", channel="C1", ts="1700000001.000100")
    slack.said(said)
    body = json.dumps(event_body(said))
    headers = {"Content-Type": e2e.JSON, **signed_headers(body)}
    assert bot.post(body, headers).status == 200
    slack.wait_for(lambda: len(posts_to(slack, "C1")) == 1)
    (post,) = posts_to(slack, "C1")
    assert post.params["thread_ts"] == "1700000001.000100"  # in the mention's thread
    assert "reply_broadcast" not in post.params and post.response["ok"]
    assert "`waic-2027`" in shown(post)  # the next edition first
    # Slack did not get the acknowledgement in time: the same delivery, again
    again = {**headers, "X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    assert bot.post(body, again).status == 200
    e2e.wait_logged(bot, "event delivered again")
    e2e.wait_logged(bot, "mention answered")  # written once the post is made
    assert len(posts_to(slack, "C1")) == 1
    assert "mention answered sub=ShowTopic team=T1 channel=C1 user=U1 outcome=ok" in bot.logs()


def test_a_mention_in_a_thread_is_answered_in_that_thread(
    bot: InProcessBot, slack: FakeSlack
) -> None:
    event = mention(
        "next summit", channel="C2", ts="1700000002.000300", thread_ts="1700000002.000100"
    )
    assert heard(bot, slack, event).status == 200
    slack.wait_for(lambda: len(posts_to(slack, "C2")) == 1)
    (post,) = posts_to(slack, "C2")
    assert post.params["thread_ts"] == "1700000002.000100"
    assert "`ai-summit-geneva-2027`" in shown(post)


def test_a_mention_is_answered_in_the_askers_language(bot: InProcessBot, slack: FakeSlack) -> None:
    slack.add_user("UFR", locale="fr-FR")
    slack.add_user("UZH", locale="zh-CN")
    assert (
        heard(
            bot, slack, mention("quand est le prochain sommet ?", channel="C3", user="UFR")
        ).status
        == 200
    )
    assert heard(bot, slack, mention("geneva", channel="C4", user="UZH")).status == 200
    slack.wait_for(lambda: len(posts_to(slack, "C3")) == 1 and len(posts_to(slack, "C4")) == 1)
    assert "À venir" in shown(posts_to(slack, "C3")[0])
    assert "日内瓦" in shown(posts_to(slack, "C4")[0])
    # lang: still wins
    assert heard(bot, slack, mention("geneva lang:fr", channel="C5", user="UZH")).status == 200
    slack.wait_for(lambda: len(posts_to(slack, "C5")) == 1)
    assert "Genève" in shown(posts_to(slack, "C5")[0])


def test_a_direct_message_is_answered_in_the_dm_with_the_commands_words(
    bot: InProcessBot, slack: FakeSlack
) -> None:
    assert (
        heard(bot, slack, direct_message("summits", channel="D1", ts="1700000003.000100")).status
        == 200
    )
    slack.wait_for(lambda: len(posts_to(slack, "D1")) == 1)
    (post,) = posts_to(slack, "D1")
    assert post.params.get("thread_ts") is None  # in the DM itself
    assert "AI Summit 2027, Geneva" in shown(post)
    assert (
        heard(bot, slack, direct_message("bletchley", channel="D1", ts="1700000003.000200")).status
        == 200
    )
    slack.wait_for(lambda: len(posts_to(slack, "D1")) == 2)
    assert "28 countries" in shown(posts_to(slack, "D1")[1])
    # a channel command goes to the same dispatcher as /declaration's
    assert (
        heard(bot, slack, direct_message("status", channel="D1", ts="1700000003.000300")).status
        == 200
    )
    slack.wait_for(lambda: len(posts_to(slack, "D1")) == 3)
    assert "no subscription" in shown(posts_to(slack, "D1")[2])
    # a mention typed in the DM is the text
    assert (
        heard(
            bot, slack, direct_message("<@UBOT> what's next", channel="D1", ts="1700000003.000400")
        ).status
        == 200
    )
    slack.wait_for(lambda: len(posts_to(slack, "D1")) == 4)
    assert "`ai-summit-geneva-2027`" in shown(posts_to(slack, "D1")[3])


def test_the_bots_own_messages_other_bots_and_edits_are_not_answered(
    bot: InProcessBot, slack: FakeSlack
) -> None:
    ignored = [
        direct_message("summits", channel="D9", user="UBOT", bot_id="BBOT"),  # its own answer
        direct_message("summits", channel="D9", user="UOTHER", bot_id="B2"),  # another bot
        direct_message("summits", channel="D9", subtype="message_changed"),  # an edit
        direct_message("summits", channel="D9", subtype="message_deleted"),  # a deletion
        direct_message("summits", channel="C9", channel_type="channel"),  # not a DM
        {**mention("summits", channel="C9"), "user": "UBOT"},  # the bot mentioning itself
        {**mention("summits", channel="C9"), "user": None, "bot_id": "B3"},  # a bot, no user
    ]
    for event in ignored:
        assert heard(bot, slack, event).status == 200
    # a person's message afterwards is answered: the ones before it were handled, and not answered
    assert (
        heard(bot, slack, direct_message("topics", channel="D9", ts="1700000009.000900")).status
        == 200
    )
    slack.wait_for(lambda: len(posts_to(slack, "D9")) == 1)
    e2e.wait_logged(bot, "dm answered sub=ListTopics")
    assert len(posts_to(slack, "D9")) == 1 and posts_to(slack, "C9") == []
    assert bot.logs().count(" answered sub=") == 1
    assert "Traceback" not in bot.logs()


def test_a_mention_that_cannot_be_posted_is_logged_not_raised(
    bot: InProcessBot, slack: FakeSlack
) -> None:
    slack.fail("chat.postMessage", "not_in_channel")
    assert heard(bot, slack, mention("waic", channel="C8")).status == 200
    e2e.wait_logged(bot, "mention answered")
    assert "outcome=not_posted error=not_in_channel" in bot.logs()
    assert "Traceback" not in bot.logs()


def test_the_manifest_asks_for_what_mentions_and_direct_messages_need() -> None:
    import yaml

    from tests.conftest import ROOT

    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text())
    events = manifest["settings"]["event_subscriptions"]["bot_events"]
    assert {"app_mention", "message.im"} <= set(events)
    assert {"app_mentions:read", "im:history"} <= set(manifest["oauth_config"]["scopes"]["bot"])
    tab = manifest["features"]["app_home"]
    assert tab["messages_tab_enabled"] is True and tab["messages_tab_read_only_enabled"] is False
    hint = manifest["features"]["slash_commands"][0]["usage_hint"]
    for word in ("summits", "search", "subscribe", "status", "unsubscribe", "next summit"):
        assert word in hint, word


def test_a_channel_command_in_a_mention_is_answered_only_to_its_asker(
    bot: InProcessBot, slack: FakeSlack
) -> None:
    """`@declaration-bot status` says what the slash command says, to the asker alone (an
    ephemeral message in the thread), as /declaration status does."""
    assert heard(bot, slack, mention("status", channel="C6", ts="1700000006.000100")).status == 200
    e2e.wait_logged(bot, "mention answered sub=Status")
    (private,) = [c for c in slack.calls_to("chat.postEphemeral") if c.params["channel"] == "C6"]
    assert private.params["user"] == "U1" and private.params["thread_ts"] == "1700000006.000100"
    assert "no subscription" in shown(private) and posts_to(slack, "C6") == []
