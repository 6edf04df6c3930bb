"""Channel commands decided and said from plain values (bot.subscriptions.replies): no database, no
clock, no Slack. What is saved (a pause and its reason code, a resume, a request) and what the
reader is told."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.content.library import Library
from bot.delivery import digest
from bot.i18n import LANGS, pause_reason, t
from bot.slack.payloads import Reply
from bot.subscriptions import replies
from bot.subscriptions.replies import Decision, Facts, Invocation, Pause, Resume, Subscribe
from bot.subscriptions.schedule import ScheduleError, parse_schedule
from bot.subscriptions.stored import SubscriptionView
from tests.subscriptionhelp import sub_of

NOW = datetime(2026, 11, 27, 12, tzinfo=UTC)


def inv_of(lang: str = "en", *, local: bool = False, user: str = "U7") -> Invocation:
    return Invocation("T1", "C1", user, lang=lang, local=local)


def payload(reply: Reply) -> str:
    """The reply as Slack gets it (raises on anything over Slack's limits)."""
    return json.dumps({"text": reply.text, "blocks": reply.blocks_json()}, ensure_ascii=False)


# --- pause and resume ----------------------------------------------------------------------------


def test_pausing_saves_who_paused_as_a_code_said_in_each_readers_language(
    library: Library,
) -> None:
    decision = replies.pause(inv_of("fr", user="U7"), sub_of())
    assert decision.save == Pause("user:U7")
    assert decision.reply.text == t(
        "fr", "channels.paused", channel="<#C1>", command="/declaration"
    )
    paused = sub_of(paused=True, paused_reason=decision.save.reason)
    facts = Facts(library, NOW)
    for lang, said in (
        ("en", "paused by <@U7>"),
        ("fr", "suspendu par <@U7>"),
        ("zh", "由 <@U7> 暂停"),
    ):
        assert said in replies.status(facts, inv_of(lang), paused).text


def test_pausing_a_paused_or_missing_channel_saves_nothing() -> None:
    again = replies.pause(inv_of(), sub_of(paused=True, paused_reason="slack:is_archived"))
    assert again.save is None and "Already paused: the channel is archived" in again.reply.text
    missing = replies.pause(inv_of(), None)
    assert missing == Decision(replies.no_subscription(inv_of()))
    assert "has no subscription" in missing.reply.text


def test_resuming_saves_a_resume_and_says_what_comes_next(library: Library) -> None:
    facts = Facts(library, NOW)
    was_paused = replies.resume(facts, inv_of(), sub_of(paused=True, paused_reason="user:U1"))
    assert was_paused.save == Resume()
    assert was_paused.reply.text.startswith("Resumed. Next post:")
    running = replies.resume(facts, inv_of(), sub_of())
    assert running.save == Resume() and running.reply.text.startswith("It was not paused. Next")
    assert replies.resume(facts, inv_of(), None).save is None


def test_old_pause_reasons_written_out_are_shown_as_they_were() -> None:
    assert pause_reason("paused by <@U1>", "zh") == "paused by <@U1>"
    assert pause_reason("user:<!channel>", "en") == t("en", "channels.no_reason")


# --- subscribe -----------------------------------------------------------------------------------


def test_the_callers_zone_is_the_default_and_said_once(library: Library) -> None:
    assert replies.needs_user_zone(("daily", "09:00"), None)
    plan = replies.plan_subscribe(library, inv_of(), ("daily", "09:00"), user_tz="Asia/Tokyo")
    assert isinstance(plan, Subscribe)
    assert plan.request.schedule.tz == "Asia/Tokyo"
    assert plan.zone_said == t("en", "channels.zone_yours", tz="Asia/Tokyo")
    named = ("daily", "09:00", "Europe/Paris")
    assert not replies.needs_user_zone(named, None)
    plan = replies.plan_subscribe(library, inv_of(), named, user_tz="Asia/Tokyo")
    assert isinstance(plan, Subscribe) and plan.request.schedule.tz == "Europe/Paris"
    assert plan.zone_said is None
    plan = replies.plan_subscribe(library, inv_of(), ("daily",), user_tz="Mars/Olympus")
    assert isinstance(plan, Subscribe) and plan.request.schedule.tz == "UTC"
    assert plan.zone_said == t("en", "channels.zone_default", tz="UTC")


def test_an_unknown_language_is_refused_before_the_zone_is_needed(library: Library) -> None:
    assert not replies.needs_user_zone(("daily",), "klingon")
    refused = replies.plan_subscribe(library, inv_of(), ("daily",), lang_unknown="klingon")
    assert isinstance(refused, Reply)
    assert "not “klingon”" in refused.text and "Nothing was changed" in refused.text


@pytest.mark.parametrize("lang", LANGS)
def test_a_schedule_mistake_is_said_from_the_catalogue(library: Library, lang: str) -> None:
    refused = replies.plan_subscribe(library, inv_of(lang), ("daily", "fri"))
    assert isinstance(refused, Reply)
    err = parse_schedule(["daily", "fri"])
    assert isinstance(err, ScheduleError)
    assert err.say(lang) in refused.text
    assert (lang == "en") == ("contradict each other" in refused.text)
    actions = [b for b in refused.blocks_json() if b["type"] == "actions"]
    assert actions and actions[0]["elements"][0]["value"] == "C1"  # the form, for this channel
    local = replies.plan_subscribe(library, inv_of(lang, local=True), ("daily", "fri"))
    assert isinstance(local, Reply) and "actions" not in payload(local)


def test_schedule_mistakes_carry_codes_not_text() -> None:
    assert [f.name for f in dataclasses.fields(ScheduleError)] == ["code", "quoted", "part"]


def test_what_was_saved_is_what_is_said(library: Library) -> None:
    plan = replies.plan_subscribe(library, inv_of(), ("mon", "thu", "08:30", "reminders-only"))
    assert isinstance(plan, Subscribe)
    req = plan.request
    saved = sub_of(schedule=req.schedule, receives=req.receives, topics=req.topics)
    new = replies.subscribed(Facts(library, NOW), inv_of(), req, saved, True, plan.zone_said)
    again = replies.subscribed(Facts(library, NOW), inv_of(), req, saved, False, plan.zone_said)
    assert "Subscribed <#C1>: summit reminders at 08:30" in new.text
    assert "Updated the subscription of <#C1>: summit reminders" in again.text
    assert "summit reminders only" in new.text


# --- any subscription --------------------------------------------------------------------------

_reasons = st.one_of(
    st.none(),
    st.sampled_from(
        ["user:U1", "user:U-LOCAL", "slack:is_archived", "slack:token_revoked", "slack:new_one"]
    ),
    st.just("paused by <@U1>"),  # written out by an older version
)
_subs = st.builds(
    sub_of,
    channel_id=st.sampled_from(["C1", "C2"]),
    lang=st.sampled_from(LANGS),
    paused=st.booleans(),
    paused_reason=_reasons,
    always=st.booleans(),
    receives=st.sampled_from(["all", "digests", "reminders"]),
    topics=st.sampled_from([frozenset(), frozenset({"bletchley"}), frozenset({"gone"})]),
    last_digest_for=st.none() | st.just(NOW - timedelta(days=2)),
    last_delivery_at=st.none() | st.just(NOW - timedelta(days=1)),
    last_result=st.sampled_from([None, "sent", "nothing new", "uncertain: x", "failed: <!here>"]),
)


@given(sub=_subs, lang=st.sampled_from(LANGS), hours=st.integers(0, 24 * 400))
def test_any_subscription_is_answered_within_slacks_limits(
    library: Library, sub: SubscriptionView, lang: str, hours: int
) -> None:
    facts = Facts(library, NOW + timedelta(hours=hours))
    inv = inv_of(lang)
    status = replies.status(facts, inv, sub)
    said = payload(status)
    assert f"<#{sub.channel_id}>" in status.text
    assert (":double_vertical_bar:" in status.text) == sub.paused
    assert "<!here>" not in said  # the last result is escaped
    if sub.paused:
        assert pause_reason(sub.paused_reason, lang) in status.text
    paused = replies.pause(inv, sub)
    assert (paused.save is None) == sub.paused
    assert paused.save in (None, Pause("user:U7"))
    resumed = replies.resume(facts, inv, sub)
    assert resumed.save == Resume()
    reason = pause_reason(sub.paused_reason, lang)
    assert t(lang, "channels.paused_line", reason=reason) not in resumed.reply.text
    for reply in (paused.reply, resumed.reply, replies.preview(facts, inv, sub)):
        payload(reply)


def test_the_home_tab_is_drawn_from_plain_values(library: Library) -> None:
    from bot.slack.ids import HOME_UNSUBSCRIBE as UNSUBSCRIBE
    from bot.subscriptions.home import home_blocks

    subs = [sub_of(channel_id="C1"), sub_of(channel_id="C2", paused=True, paused_reason="user:U2")]
    facts = Facts(library, NOW)
    blocks = home_blocks(facts, NOW.date(), subs, "fr", names={"C1": "général"})
    said = json.dumps([b.to_dict() for b in blocks], ensure_ascii=False)
    confirms = [
        e["confirm"]["text"]["text"]
        for b in blocks
        if b.to_dict()["type"] == "actions"
        for e in b.to_dict()["elements"]
        if e["action_id"] == UNSUBSCRIBE
    ]
    assert "#général" in confirms[0] and "#" not in confirms[1]  # a name only where known
    assert "suspendu par <@U2>" in said
    assert home_blocks(facts, NOW.date(), subs, "fr", names={"C1": "général"}) == blocks


@pytest.mark.parametrize(
    ("lead_days", "said"),
    [
        ((30, 7, 1), "Summit reminders: 30, 7 and 1 days before"),
        ((30, 7, 1, 0), "Summit reminders: 30, 7 and 1 days before, and on the first day"),
        ((0,), "Summit reminders: on the first day"),
    ],
)
def test_the_reminder_days_are_said_as_set(lead_days: tuple[int, ...], said: str) -> None:
    """REMINDER_LEAD_DAYS as status says it: the day an event opens alone is not "0 days"."""
    line = digest.lead_days_said(lead_days, "channels.status_reminders", "en")
    assert line == said and "0 days" not in line
