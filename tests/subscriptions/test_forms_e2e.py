"""Subscriptions people shape and click, end to end: `/declaration subscribe` with days, topics and
what a channel receives, the Home tab's buttons (`block_actions`) and the subscription form
(`views.open`, `view_submission`), signed to the app `serve` serves (in-process), against the fake
Slack on loopback and a real SQLite database. Every view the bot sends is parsed back and checked against Block
Kit's limits."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import e2e
from tests.e2e import InProcessBot, bot_env, in_process
from tests.fakeslack import FakeSlack
from tests.subscriptionhelp import (
    actions,
    checked_view,
    home_of,
    last_view,
    press,
    say,
    stored,
    submit,
)


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        fake.add_user("U1", tz="Europe/Paris")
        fake.add_user("U2", tz="Asia/Shanghai", locale="zh-CN")
        fake.add_user("UADMIN", tz="UTC", is_admin=True)
        yield fake


# --- the command -------------------------------------------------------------------------------


def test_several_days_a_week_said_in_each_language(
    bot: InProcessBot, slack: FakeSlack, db: str
) -> None:
    seen = say(bot, slack, "subscribe mon thu 08:30 Europe/Paris")
    assert "Subscribed <#C1>: digests Mondays and Thursdays at 08:30 (Europe/Paris)" in seen
    assert "subscription_form" in seen  # the form, for people who prefer clicking
    sub = stored(db, "C1")
    assert sub.schedule.days == {0, 3}
    assert "lundi et jeudi à 08:30 (Europe/Paris)" in say(bot, slack, "status lang:fr")
    assert "每周一、周四08:30（Europe/Paris）" in say(bot, slack, "status lang:zh")
    seen = say(bot, slack, "subscribe weekdays 09:00")
    # a change keeps the zone set (issue 20): no longer said as the caller's default
    assert "every weekday at 09:00 (Europe/Paris)" in seen
    assert "every weekday" in say(bot, slack, "subscribe mon-fri")
    assert "du lundi au vendredi" in say(bot, slack, "subscribe lundi-vendredi lang:fr")
    assert "每个工作日" in say(bot, slack, "subscribe 周一至周五 lang:zh")
    assert "every Friday at 09:00" in say(bot, slack, "subscribe weekly fri")
    assert "every day at 07:00" in say(bot, slack, "subscribe daily 7am")
    assert stored(db, "C1").schedule.days == set(range(7))


def test_what_a_channel_receives(bot: InProcessBot, slack: FakeSlack, db: str) -> None:
    seen = say(bot, slack, "subscribe reminders-only topics:bletchley", channel="CR")
    assert (
        "Subscribed <#CR>: summit reminders at 09:00 (Europe/Paris, your Slack time zone)" in seen
    )
    assert "summit reminders only (no digests), about *Bletchley Declaration* only" in seen
    status = say(bot, slack, "status", channel="CR")
    assert (
        "Receives: summit reminders only (no digests), about *Bletchley Declaration* only" in status
    )
    assert "Digests:" not in status  # no quiet-digest line for a channel without digests
    seen = say(bot, slack, "subscribe digests-only topics:france-china-ai,bletchley always", "CR")
    assert "digests only (no summit reminders)" in seen and "posted every time" in seen
    sub = stored(db, "CR")
    assert (sub.receives, sub.topics, sub.always) == (
        "digests",
        {"bletchley", "france-china-ai"},
        True,
    )
    # an unknown topic: "did you mean", and nothing is stored
    seen = say(bot, slack, "subscribe daily topics:bletchly", channel="CR")
    assert "Did you mean `bletchley`?" in seen and "Nothing was changed" in seen
    assert "subscription_form" in seen
    assert stored(db, "CR").receives == "digests"
    seen = say(bot, slack, "subscribe topics:nothing-like-it", channel="CNEW")
    assert "I don't know the topic “nothing-like-it”" in seen and stored(db, "CNEW") is None
    assert "Choisissez `reminders-only` ou `digests-only`" in say(
        bot, slack, "subscribe reminders-only digests-only lang:fr", channel="CNEW"
    )


def test_help_offers_the_form_and_the_button_opens_it(bot: InProcessBot, slack: FakeSlack) -> None:
    r = bot.command("help")
    assert r.status == 200 and "subscription_form" in json.dumps(r.json())
    press(bot, "subscription_form", "", where="message")
    form = last_view(slack, "views.open", 1)
    assert slack.calls_to("views.open")[0].params["trigger_id"].startswith("trigger-")
    blocks = {b["block_id"]: b for b in form["blocks"]}
    assert blocks["channel"]["element"]["initial_conversation"] == "C1"
    assert blocks["tz"]["element"]["initial_option"]["value"] == "Europe/Paris"  # U1's zone
    assert form["title"]["text"] == "Subscribe a channel"


# --- the form ----------------------------------------------------------------------------------


def test_the_form_subscribes_a_channel_and_refreshes_the_home_tab(
    bot: InProcessBot, slack: FakeSlack, db: str
) -> None:
    answer, elapsed = submit(bot, receives="digests", topics=["bletchley"], always=True)
    assert elapsed < 3.0
    assert answer["response_action"] == "update"
    done = checked_view(answer["view"])
    text = json.dumps(done, ensure_ascii=False)
    assert "Subscribed <#C5>: digests Mondays and Thursdays at 08:30 (Europe/Paris)" in text
    sub = stored(db, "C5")
    assert sub.schedule.days == {0, 3} and str(sub.schedule.at) == "08:30:00"
    assert (sub.receives, sub.topics, sub.always, sub.created_by) == (
        "digests",
        {"bletchley"},
        True,
        "U1",
    )
    home = last_view(slack, "views.publish", 1)
    assert home["type"] == "home" and "<#C5>" in json.dumps(home)
    # editing it: the channel is fixed, the language of the posts changes
    answer, _ = submit(bot, fixed="C5", days=[str(d) for d in range(7)], lang="zh")
    assert answer["response_action"] == "update"
    assert "每天08:30" in json.dumps(answer["view"], ensure_ascii=False)
    sub = stored(db, "C5")
    assert sub.lang == "zh" and sub.receives == "all" and sub.topics == set()


def test_the_form_shows_mistakes_under_their_fields(
    bot: InProcessBot, slack: FakeSlack, db: str
) -> None:
    answer, _ = submit(bot, days=[])
    assert answer == {
        "response_action": "errors",
        "errors": {"days": "Tick at least one day, or choose summit reminders only."},
    }
    answer, _ = submit(bot, days=[], receives="reminders", channel="C6")
    assert answer["response_action"] == "update"  # no day is fine for reminders only
    answer, _ = submit(bot, topics=["nope"])
    assert list(answer["errors"]) == ["topics"] and "“nope”" in answer["errors"]["topics"]
    answer, _ = submit(bot, tz="Mars/Olympus")
    assert list(answer["errors"]) == ["tz"]
    answer, _ = submit(bot, channel=None)
    assert answer["errors"] == {"channel": "Choose a channel."}
    # a private channel the bot was not invited to: it says how to invite it
    slack.add_channel("CPRIV", is_private=True, visible=False)
    answer, elapsed = submit(bot, channel="CPRIV", lang="fr")
    assert elapsed < 3.0
    assert list(answer["errors"]) == ["channel"]
    assert "/invite @declaration-bot" in answer["errors"]["channel"]
    slack.add_channel("COLD", archived=True)
    answer, _ = submit(bot, channel="COLD")
    assert "archived" in answer["errors"]["channel"]
    for channel in ("C5", "CPRIV", "COLD"):
        assert stored(db, channel) is None
    # once invited, the same choice is saved (the bot asks Slack again)
    slack.add_channel("CPRIV", is_private=True, members=("U1",))
    answer, _ = submit(bot, channel="CPRIV")
    assert answer["response_action"] == "update" and stored(db, "CPRIV") is not None


# --- the Home tab ------------------------------------------------------------------------------


def test_the_home_tab_buttons(bot: InProcessBot, slack: FakeSlack, db: str) -> None:
    say(bot, slack, "subscribe mon thu 08:30 Europe/Paris", channel="C1")
    view = home_of(bot, slack)
    assert actions(view)["sub:C1"] == [
        "home_edit",
        "home_pause",
        "home_preview",
        "home_unsubscribe",
    ]
    assert "Mondays and Thursdays at 08:30 (Europe/Paris)" in json.dumps(view)
    published = len(slack.calls_to("views.publish"))

    press(bot, "home_pause", "C1")
    view = last_view(slack, "views.publish", published + 1)
    assert "Paused <#C1>" in json.dumps(view) and stored(db, "C1").paused
    assert actions(view)["sub:C1"][1] == "home_resume"

    press(bot, "home_resume", "C1")
    view = last_view(slack, "views.publish", published + 2)
    assert "Resumed." in json.dumps(view) and not stored(db, "C1").paused

    press(bot, "home_preview", "C1")
    slack.wait_for(lambda: bool(slack.calls_to("chat.postEphemeral")))
    (ephemeral,) = slack.calls_to("chat.postEphemeral")
    assert ephemeral.params["channel"] == "C1" and ephemeral.params["user"] == "U1"
    assert "Preview, only for you" in json.dumps(ephemeral.params["blocks"])
    # where Slack refuses an ephemeral message (not in the channel), the preview is a modal
    slack.fail("chat.postEphemeral", "user_not_in_channel")
    press(bot, "home_preview", "C1")
    preview = last_view(slack, "views.open", 1)
    assert preview["title"]["text"] == "Preview" and "digest" in json.dumps(preview).lower()

    press(bot, "home_edit", "C1")
    form = last_view(slack, "views.open", 2)
    assert form["title"]["text"] == "Edit subscription"
    assert [o["value"] for o in form["blocks"][1]["element"]["initial_options"]] == ["0", "3"]

    press(bot, "home_subscribe", "")
    form = last_view(slack, "views.open", 3)
    assert form["blocks"][0]["element"]["default_to_current_conversation"] is True

    press(bot, "home_unsubscribe", "C1")
    view = last_view(slack, "views.publish", published + 4)
    assert "Unsubscribed <#C1>" in json.dumps(view) and stored(db, "C1") is None
    assert "sub:C1" not in actions(view)


def test_the_home_tab_shows_the_channels_a_user_can_see(
    bot: InProcessBot, slack: FakeSlack, db: str
) -> None:
    slack.add_channel("CPUB", name="public-news")
    slack.add_channel("CPRIV", name="secret", is_private=True, members=("U2",))
    for channel in ("CPUB", "CPRIV"):
        assert f"<#{channel}>" in e2e.say(
            bot, slack, "subscribe daily", channel_id=channel, user_id="U2"
        )
    text = json.dumps(home_of(bot, slack, "U1"))
    assert "<#CPUB>" in text and "<#CPRIV>" not in text
    assert "1 more in channels you are not in" in text
    zh = json.dumps(home_of(bot, slack, "U2"), ensure_ascii=False)
    assert "<#CPUB>" in zh and "<#CPRIV>" in zh and "每天09:00" in zh
    # the confirmation dialog names the channel
    assert "#public-news will get no more" in text


def test_admins_only_applies_to_buttons_and_the_form(
    slack: FakeSlack, db: str, tmp_path: Path
) -> None:
    env = bot_env(slack.base_url, DATABASE_URL=db, SUBSCRIPTION_MANAGERS="admins")
    with in_process(env, tmp_path) as bot:
        assert "Subscribed" in e2e.say(bot, slack, "subscribe daily", user_id="UADMIN")
        view = home_of(bot, slack, "U1")
        assert actions(view)["sub:C1"] == ["home_preview"]
        assert "Only admins and owners" in json.dumps(view)
        published = len(slack.calls_to("views.publish"))
        press(bot, "home_pause", "C1")  # a forged press is refused all the same
        view = last_view(slack, "views.publish", published + 1)
        said = json.dumps(view)  # who may: the one who set it up, or an admin
        assert "<@UADMIN>, who set up this channel's subscription, or a workspace admin" in said
        assert not stored(db, "C1").paused
        press(bot, "home_subscribe", "")
        refused = last_view(slack, "views.open", 1)
        assert refused["title"]["text"] == "Admins only" and "submit" not in refused
        answer, _ = submit(bot, channel="C9")
        assert answer["response_action"] == "errors" and "admins" in answer["errors"]["channel"]
        assert stored(db, "C9") is None
        view = home_of(bot, slack, "UADMIN")
        assert actions(view)["sub:C1"][0] == "home_edit"
        answer, _ = submit(bot, channel="C9", user="UADMIN")
        assert answer["response_action"] == "update" and stored(db, "C9") is not None
