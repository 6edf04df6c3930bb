"""Who may act on a subscription, end to end: every press of a Home tab button and every
submission of the form is checked against what the Home tab shows that person (a public channel,
a private channel they are in, or one they subscribed), also while Slack rate-limits the channel
lookups (then nothing is shown or done: it fails closed); each reader's tab lists what they may
see, counts the rest, speaks their language and fills its room, looking up only the rows it has
room for (at most twice them, for a reader who sees few); a body naming another workspace than the one Bolt authorized is refused; an Events API
delivery Slack sends again is handled once. Signed requests to the app `serve` serves
(in-process), the fake Slack on loopback, a real SQLite database."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.subscriptions.home import rows_that_fit
from bot.subscriptions.schedule import Schedule, parse_schedule
from tests import e2e
from tests.e2e import InProcessBot, bot_env, event_body, in_process, signed_headers
from tests.fakeslack import FakeSlack
from tests.oauthhelp import install, oauth_env
from tests.subscriptionhelp import actions, home_of, last_view, press, stored, submit

# slack_sdk's oauth.v2.access call still builds aiohttp's BasicAuth (its own code, not ours)
pytestmark = pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning")

NOT_VISIBLE = "You can only see and manage the subscriptions of public channels"
NOT_CHECKED = "Slack did not say just now whether you can see that channel"


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        fake.add_user("U1", tz="Europe/Paris")
        fake.add_user("U2", tz="UTC")
        fake.add_user("UFR", tz="Europe/Paris", locale="fr-FR")
        # a private channel U2 is in, and U1 is not
        fake.add_channel("CPRIV", name="secret", is_private=True, members=("U2",))
        fake.add_channel("CPUB", name="public-news")
        yield fake


def subscribe(bot: InProcessBot, slack: FakeSlack, channel: str, user: str) -> None:
    """As the user typing `/declaration subscribe daily 09:00 UTC` in the channel would."""
    seen = e2e.say(bot, slack, "subscribe daily 09:00 UTC", channel_id=channel, user_id=user)
    assert "Subscribed" in seen


def published_after(slack: FakeSlack, count: int) -> str:
    """The Home tab published after the first ``count`` ones, as text."""
    return json.dumps(last_view(slack, "views.publish", count + 1), ensure_ascii=False)


def pressed(bot: InProcessBot, slack: FakeSlack, action: str, user: str = "U1") -> str:
    """Press a Home tab button about CPRIV; the Home tab republished after it."""
    published = len(slack.calls_to("views.publish"))
    press(bot, action, "CPRIV", user=user)
    return published_after(slack, published)


def unchanged(db: str) -> None:
    sub = stored(db, "CPRIV")
    assert sub is not None and not sub.paused and sub.schedule.days == set(range(7))


# --- 6: visibility on every press ----------------------------------------------------------------


def test_nobody_acts_on_a_subscription_they_cannot_see(
    bot: InProcessBot, slack: FakeSlack, db: str
) -> None:
    subscribe(bot, slack, "CPRIV", "U2")
    assert "<#CPRIV>" not in json.dumps(home_of(bot, slack, "U1"))  # the tab hides it

    # a stale tab, or a crafted press: each button, each refused, nothing done
    for action in ("home_pause", "home_unsubscribe", "home_resume"):
        view = pressed(bot, slack, action)
        assert NOT_VISIBLE in view and "Nothing was changed" in view
        assert "<#CPRIV>" not in view
        unchanged(db)
    view = pressed(bot, slack, "home_preview")
    assert NOT_VISIBLE in view
    assert not slack.calls_to("chat.postEphemeral") and not slack.calls_to("views.open")
    press(bot, "home_edit", "CPRIV")
    refused = last_view(slack, "views.open", 1)
    assert refused["title"]["text"] == "Not available" and "submit" not in refused
    assert NOT_VISIBLE in json.dumps(refused)
    # the form: editing it (the channel fixed), or choosing it
    for fixed, channel in (("CPRIV", None), (None, "CPRIV")):
        answer, _ = submit(bot, fixed=fixed, channel=channel, days=["0"], user="U1")
        assert answer["response_action"] == "errors"
        assert NOT_VISIBLE in next(iter(answer["errors"].values()))
    unchanged(db)
    # in the presser's language
    view = pressed(bot, slack, "home_pause", user="UFR")
    assert "Vous ne pouvez voir et gérer que les abonnements" in view
    unchanged(db)

    # whoever may see it acts on it as before: a member
    assert "Paused <#CPRIV>" in pressed(bot, slack, "home_pause", user="U2")
    assert "Resumed." in pressed(bot, slack, "home_resume", user="U2")


def test_the_creator_of_a_subscription_may_act_on_it_out_of_its_channel(
    bot: InProcessBot, slack: FakeSlack, db: str
) -> None:
    slack.add_channel("CLEFT", name="left", is_private=True, members=("U2",))
    subscribe(bot, slack, "CLEFT", "U1")  # U1 subscribed it, and has left it since
    published = len(slack.calls_to("views.publish"))
    press(bot, "home_pause", "CLEFT", user="U1")
    assert "Paused <#CLEFT>" in published_after(slack, published)


def test_the_form_refuses_a_private_channel_the_presser_is_not_in(
    bot: InProcessBot, slack: FakeSlack, db: str
) -> None:
    # the bot is in CPRIV (it sees it), U1 is not: U1 cannot subscribe it from a crafted form
    answer, _ = submit(bot, channel="CPRIV", user="U1")
    assert answer["response_action"] == "errors" and NOT_VISIBLE in answer["errors"]["channel"]
    assert stored(db, "CPRIV") is None
    answer, _ = submit(bot, channel="CPRIV", user="U2")
    assert answer["response_action"] == "update" and stored(db, "CPRIV") is not None


# --- 7: failing closed, not remembering that Slack did not answer, looking up only what is shown -


def test_rate_limited_lookups_hide_and_refuse(bot: InProcessBot, slack: FakeSlack, db: str) -> None:
    subscribe(bot, slack, "CPRIV", "U2")
    for method in ("conversations.info", "conversations.members"):
        slack.fail_always(method, "ratelimited", status=429, retry_after=1)
    for action in ("home_pause", "home_unsubscribe", "home_preview"):
        view = pressed(bot, slack, action)
        assert NOT_CHECKED in view and "<#CPRIV>" not in view
        assert "1 more could not be checked just now" in view
        unchanged(db)
    assert not slack.calls_to("chat.postEphemeral")
    press(bot, "home_edit", "CPRIV")
    refused = last_view(slack, "views.open", 1)
    assert NOT_CHECKED in json.dumps(refused) and "submit" not in refused
    answer, _ = submit(bot, fixed="CPRIV", days=["0"], user="U1")
    assert NOT_CHECKED in next(iter(answer["errors"].values()))
    unchanged(db)


def test_a_press_on_a_private_channel_whose_members_slack_did_not_give_says_so(
    bot: InProcessBot, slack: FakeSlack, db: str
) -> None:
    """Slack shows the private channel but does not list its members just now: a press on its
    subscription is refused, and the reader is told Slack did not say, not that they may not see
    it (they may, once Slack answers)."""
    subscribe(bot, slack, "CPRIV", "U2")
    slack.fail_always("conversations.members", "fatal_error")
    view = pressed(bot, slack, "home_pause")
    assert NOT_CHECKED in view and NOT_VISIBLE not in view
    unchanged(db)


def test_a_subscription_of_a_channel_slack_no_longer_finds_is_hidden_not_unchecked(
    bot: InProcessBot, slack: FakeSlack
) -> None:
    """The channel of a subscription is gone (Slack answers channel_not_found): the Home tab
    counts it with the channels the reader cannot see, not as one Slack did not answer about,
    and a press on it is refused as not visible."""
    slack.add_channel("CGONE", name="gone")
    subscribe(bot, slack, "CGONE", "U2")
    slack.add_channel("CGONE", name="gone", visible=False)
    text = json.dumps(view := home_of(bot, slack, "U1"))
    assert "sub:CGONE" not in actions(view)
    assert "_(1 more in channels you are not in)_" in text and "could not be checked" not in text
    published = len(slack.calls_to("views.publish"))
    press(bot, "home_pause", "CGONE", user="U1")
    after = published_after(slack, published)
    assert NOT_VISIBLE in after and NOT_CHECKED not in after


def test_a_lookup_slack_did_not_answer_is_asked_again(bot: InProcessBot, slack: FakeSlack) -> None:
    subscribe(bot, slack, "CPUB", "U2")
    # both tries of the client (it waits Retry-After once) are answered 429
    slack.fail("conversations.info", "ratelimited", status=429, retry_after=1, times=2)
    text = json.dumps(home_of(bot, slack, "U1"))
    assert "<#CPUB>" not in text and "1 more could not be checked just now" in text
    asked = len(slack.calls_to("conversations.info"))
    time.sleep(1.1)  # Slack's Retry-After, which the bot honours
    text = json.dumps(home_of(bot, slack, "U1"))
    assert len(slack.calls_to("conversations.info")) == asked + 1  # asked again, not remembered
    assert "<#CPUB>" in text and "could not be checked" not in text


def daily() -> Schedule:
    schedule = parse_schedule(["daily", "09:00", "UTC"])
    assert isinstance(schedule, Schedule)
    return schedule


def test_the_home_tab_looks_up_only_the_rows_it_shows(bot: InProcessBot, slack: FakeSlack) -> None:
    schedule = daily()
    now = datetime.now(UTC)
    for n in range(120):  # public channels another user subscribed
        bot.store.subscribe(
            team_id="T1", channel_id=f"C{n:03d}", schedule=schedule, now=now, user_id="U2"
        )
    view = home_of(bot, slack, "U1")
    shown = [block for block in actions(view) if block.startswith("sub:")]
    looked = slack.calls_to("conversations.info")
    assert 0 < len(shown) < 120 and len(looked) == len(shown)
    assert [c.params["channel"] for c in looked] == [b.removeprefix("sub:") for b in shown]
    assert "more subscriptions not shown" in json.dumps(view)
    facts = bot.rt.channels.facts()  # type: ignore[union-attr]
    assert len(shown) == rows_that_fit(facts, now.date(), "en", own=True)


# --- 9: the workspace is the one Bolt authorized -------------------------------------------------


def home_press(team: str, installed: str, channel: str, user: str) -> dict[str, Any]:
    """A Home tab press whose body names the workspace ``team`` and the modal's or tab's
    ``installed`` one (Bolt authorizes the latter)."""
    return {
        "type": "block_actions",
        "team": {"id": team},
        "user": {"id": user, "team_id": team},
        "api_app_id": "A1",
        "trigger_id": f"trigger-{time.monotonic_ns()}",
        "container": {"type": "view", "view_id": "VHOME"},
        "view": {"id": "VHOME", "type": "home", "app_installed_team_id": installed},
        "actions": [
            {
                "type": "button",
                "action_id": "home_pause",
                "block_id": "b",
                "value": channel,
                "action_ts": "1",
            }
        ],
    }


def test_a_body_naming_another_workspace_is_refused(
    slack: FakeSlack, db: str, tmp_path: Path
) -> None:
    with in_process(oauth_env(slack, db), tmp_path) as bot:
        for code in ("ws1", "ws2"):
            assert install(bot, code).status == 200
        slack.add_user("U1", team_id="T-ws1")
        seen = e2e.say(
            bot, slack, "subscribe daily", team_id="T-ws1", user_id="U1", channel_id="CA"
        )
        assert "Subscribed" in seen
        published = len(slack.calls_to("views.publish"))
        # T-ws1's subscription, pressed with T-ws2's installation authorized
        reply = bot.interactive(home_press("T-ws1", "T-ws2", "CA", "U1"))
        assert reply.status == 400
        e2e.wait_logged(bot, "refused request naming another workspace")
        assert "refused request naming another workspace status=400" in bot.logs()
        store_sub = bot.store.get("T-ws1", "CA")
        assert store_sub is not None and not store_sub.paused
        assert len(slack.calls_to("views.publish")) == published  # nothing published anywhere
        # the same press, its workspace agreeing, goes through with that workspace's token
        assert bot.interactive(home_press("T-ws1", "T-ws1", "CA", "U1")).status == 200
        slack.wait_for(lambda: len(slack.calls_to("views.publish")) > published)
        assert slack.calls_to("views.publish")[-1].token == "xoxb-ws1"
        paused = bot.store.get("T-ws1", "CA")
        assert paused is not None and paused.paused


def test_with_one_token_a_body_naming_two_workspaces_is_refused(
    bot: InProcessBot, slack: FakeSlack, db: str
) -> None:
    subscribe(bot, slack, "CPUB", "U1")
    assert bot.interactive(home_press("T1", "T2", "CPUB", "U1")).status == 400
    answer = bot.interactive(home_press("T2", "T1", "CPUB", "U1"))
    assert answer.status == 400
    sub = stored(db, "CPUB")
    assert sub is not None and not sub.paused
    published = len(slack.calls_to("views.publish"))
    assert bot.interactive(home_press("T1", "T1", "CPUB", "U1")).status == 200
    assert "Paused <#CPUB>" in published_after(slack, published)


# --- 12: an Events API delivery sent again is handled once ---------------------------------------


def test_an_event_delivered_again_is_handled_once(bot: InProcessBot, slack: FakeSlack) -> None:
    body = json.dumps(
        event_body({"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home"})
    )
    headers = {"Content-Type": e2e.JSON, **signed_headers(body)}
    assert bot.post(body, headers).status == 200
    slack.wait_for(lambda: len(slack.calls_to("views.publish")) == 1)
    # Slack did not get the acknowledgement in time: the same delivery, again
    again = {**headers, "X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    assert bot.post(body, again).status == 200
    e2e.wait_logged(bot, "event delivered again")
    assert "event delivered again, not handled twice" in bot.logs() and "retry=1" in bot.logs()
    # another event is handled (a new delivery, a new event_id)
    home_of(bot, slack, "U1")
    assert len(slack.calls_to("views.publish")) == 2


# --- what each reader's tab lists, in their language; the room it has; who may change what ------


def rows(view: dict[str, Any]) -> list[str]:
    """The channels of the subscriptions the tab lists, in its order."""
    ids = [str(block.get("block_id", "")) for block in view["blocks"] if block["type"] == "actions"]
    return [block.removeprefix("sub:") for block in ids if block.startswith("sub:")]


def test_each_reader_sees_the_subscriptions_of_the_channels_they_may_see_and_counts_the_others(
    bot: InProcessBot, slack: FakeSlack
) -> None:
    """A private channel's subscription is listed for its members and for whoever subscribed it,
    counted as hidden for the others; one Slack did not answer about is counted apart; a reader's
    own digest is in their own block, nobody else's; the tab speaks the reader's language."""
    slack.add_channel("CPRIV2", name="secret-two", is_private=True, members=("U2",))
    slack.add_channel("CLEFT", name="left", is_private=True, members=("U2",))
    for channel, user in (("CPRIV", "U2"), ("CPRIV2", "U2"), ("CLEFT", "U1"), ("CPUB", "U2")):
        subscribe(bot, slack, channel, user)
    assert "votre canal de messages directs abonné" in e2e.say(
        bot, slack, "subscribe me daily 9am", user_id="UFR"
    )
    # Slack does not say who is in the two private channels U1 neither is in nor subscribed
    slack.fail("conversations.members", "fatal_error", times=2)
    view = home_of(bot, slack, "U1")
    text = json.dumps(view)
    assert rows(view) == ["CLEFT", "CPUB"]
    assert "_(2 more could not be checked just now: Slack did not answer)_" in text
    assert "more in channels you are not in" not in text and "not shown" not in text
    # U1 may change them (anyone may, by default); the confirmation names the channel
    assert actions(view)["sub:CPUB"] == [
        "home_edit",
        "home_pause",
        "home_preview",
        "home_unsubscribe",
    ]
    assert "#public-news will get no more digests" in text
    assert slack.dm_of("UFR") not in text and "home_me_on" in text  # not UFR's digest
    # the operator's line, with the workspace and the reader (logged once the tab is published)
    e2e.wait_logged(bot, "home published team=T1 user=U1")
    assert re.search(
        r"\bhome published team=T1 user=U1 subscriptions=4 looked=4 shown=2$", bot.logs(), re.M
    )

    # asked again: Slack answers, and the two are hidden from U1
    text = json.dumps(view := home_of(bot, slack, "U1"))
    assert rows(view) == ["CLEFT", "CPUB"]
    assert "_(2 more in channels you are not in)_" in text and "could not be checked" not in text
    # their member sees them all
    text = json.dumps(view := home_of(bot, slack, "U2"))
    assert rows(view) == ["CLEFT", "CPRIV", "CPRIV2", "CPUB"]
    assert "more in channels" not in text and "could not be checked" not in text
    # UFR, in French: the workspace's list, and their own digest in their own block
    text = json.dumps(view := home_of(bot, slack, "UFR"), ensure_ascii=False)
    assert rows(view) == ["CPUB"]
    assert "*Abonnements de cet espace de travail*" in text and "Modifier" in text
    assert "_(3 autres dans des canaux dont vous n'êtes pas membre)_" in text
    (own,) = [b for b in view["blocks"] if "*Votre résumé personnel*" in str(b.get("text"))]
    assert "votre canal de messages directs — tous les jours à 09:00" in own["text"]["text"]
    assert own["accessory"]["action_id"] == "home_me_off"


def test_a_reader_who_sees_few_of_many_subscriptions_gets_a_bounded_search(
    bot: InProcessBot, slack: FakeSlack
) -> None:
    """Most of a large workspace's subscriptions are in private channels U1 is not in: the tab
    looks for the rows it has room for in batches of those still missing, at most twice its
    rows in all, shows those found and says how many were hidden and that there are more."""
    now = datetime.now(UTC)
    fit = rows_that_fit(bot.rt.channels.facts(), now.date(), "en", own=1)  # type: ignore[union-attr]
    # the first batch (fit rows) finds one; the second (the fit - 1 missing) none; the third
    # (the one row the budget has left) one more; all after these are public
    visible = {fit - 1, 2 * fit - 1, *range(2 * fit, 2 * fit + 10)}
    channels = [f"C{n:03d}" for n in range(2 * fit + 10)]
    for n, channel in enumerate(channels):
        if n not in visible:
            slack.add_channel(channel, name=f"team-{n}", is_private=True, members=("U2",))
        bot.store.subscribe(
            team_id="T1", channel_id=channel, schedule=daily(), now=now, user_id="U2"
        )
    view = home_of(bot, slack, "U1")
    assert rows(view) == [channels[fit - 1], channels[2 * fit - 1]]
    text = json.dumps(view)
    assert f"_({2 * fit - 2} more in channels you are not in)_" in text
    assert "more subscriptions not shown" in text
    looked = [c.params["channel"] for c in slack.calls_to("conversations.info")]
    assert sorted(looked) == channels[: 2 * fit]


TRAILING = (
    "more subscriptions not shown",
    "more in channels you are not in",
    "could not be checked",
)


@pytest.mark.parametrize(
    ("managers", "notice"), [("everyone", False), ("everyone", True), ("admins", False)]
)
def test_a_full_tab_shows_every_row_it_has_room_for_and_looks_up_no_more(
    slack: FakeSlack, db: str, tmp_path: Path, managers: str, notice: bool
) -> None:
    """Slack takes 100 blocks in a Home tab: with more subscriptions than that, the tab is filled
    up to its last row (two blocks each), whether it carries a notice, the calendar's address or
    the admins-only line, and no channel is looked up that it has no room to show. Under
    SUBSCRIPTION_MANAGERS=admins a reader changes only what they set up, an admin everything."""
    slack.add_user("UADMIN", tz="UTC", is_admin=True)
    slack.add_channel("CA00", name="secret", is_private=True, members=("U2",))
    env = bot_env(
        slack.base_url,
        DATABASE_URL=db,
        SUBSCRIPTION_MANAGERS=managers,
        PUBLIC_URL="https://bot.example.org",
    )
    with in_process(env, tmp_path) as bot:
        now = datetime.now(UTC)
        for n, channel in enumerate(["CA00", *(f"CB{n:03d}" for n in range(60))]):
            user = "U1" if n == 1 else "U2"  # U1 set up CB000's subscription
            bot.store.subscribe(
                team_id="T1", channel_id=channel, schedule=daily(), now=now, user_id=user
            )
        if notice:  # pressed in the tab: it comes back with what was done
            press(bot, "home_pause", "CB001")
            view = last_view(slack, "views.publish", 1)
            assert "Paused <#CB001>" in json.dumps(view)
        else:
            view = home_of(bot, slack, "U1")
        text = json.dumps(view)
        shown = rows(view)
        assert shown == [f"CB{n:03d}" for n in range(len(shown))]
        trailing = [line for line in TRAILING if line in text]
        assert trailing == ["more subscriptions not shown", "more in channels you are not in"]
        # within Slack's 100 blocks, and no room left for one more row (two blocks) beside the
        # three lines the tab keeps for what follows the rows (more, hidden, not checked)
        assert len(view["blocks"]) <= 100 < len(view["blocks"]) + 2 + 3 - len(trailing)
        # looked up: the rows shown (but the one U1 set up) and the hidden one, nothing else
        looked = {c.params["channel"] for c in slack.calls_to("conversations.info")}
        assert looked == {*shown[1:], "CA00"}
        assert "https://bot.example.org/summits.ics" in text
        buttons = actions(view)
        assert buttons["sub:CB000"][0] == "home_edit"
        if managers == "everyone":
            assert buttons["sub:CB001"][0] == "home_edit"
        else:
            assert buttons["sub:CB001"] == ["home_preview"]
            assert ":lock: Only admins and owners" in text
            assert actions(home_of(bot, slack, "UADMIN"))["sub:CB001"][0] == "home_edit"
