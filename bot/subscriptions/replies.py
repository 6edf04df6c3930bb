"""Channel commands decided and said: subscribe, status, pause, resume, unsubscribe and the digest
preview, from plain values. Pure: no store, no clock, no Slack client, no awaits.

``bot.subscriptions.service`` is the I/O around it: it loads what a command needs (the channel's
subscription, the caller's Slack profile), asks this module what to do and what to say, and saves
what it was told to (a pause, a resume, a subscription). Pause reasons are stored as codes
(``user:<id>``, ``slack:<error>``) and schedule mistakes travel as codes; both are said from the
message catalogue (:func:`bot.i18n.pause_reason`,
:meth:`bot.subscriptions.schedule.ScheduleError.say`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any, Literal

from slack_sdk.models.blocks import ActionsBlock, Block, DividerBlock

from bot.content.library import Library
from bot.delivery import digest, holds, planner
from bot.delivery.outcomes import Status, read_last_result
from bot.delivery.planner import next_post, next_reminder, scoped
from bot.i18n import (
    DEFAULT,
    describe_days,
    describe_schedule,
    describe_time,
    human_date,
    join_list,
    language_name,
    pause_reason,
    slack_datetime,
    t,
)
from bot.slack.blocks import button, context, fallback, section
from bot.slack.ids import COMMAND, FORM_ACTION, is_direct_message
from bot.slack.mrkdwn import escape, quote_user_text
from bot.slack.payloads import Reply
from bot.subscriptions.model import (
    Draft,
    Problem,
    Request,
    describe_receives,
    describe_when,
    is_fresh,
    names_zone,
    parse_request,
    read_change,
    validate,
    without_fresh,
)
from bot.subscriptions.pauses import HoldError
from bot.subscriptions.schedule import (
    DEFAULT_DAYS,
    DEFAULT_TIME,
    Schedule,
    local_day,
    next_digest,
    zone,
)
from bot.subscriptions.stored import Kinds, Receives, SubscriptionView

USER_PAUSE = "user:"  # a pause reason: ``user:<Slack user id>``, who paused the channel


@dataclass(frozen=True)
class Invocation:
    """Who asks, about which channel, in which language."""

    team_id: str
    channel_id: str
    user_id: str
    enterprise_id: str | None = None
    channel_name: str | None = None
    lang: str = DEFAULT  # the language the caller reads replies in
    local: bool = False  # the terminal's own channel: its zone is the terminal's (bot.local.shell)


# what asking Slack to let the bot join a public channel came to (conversations.join, when a
# channel subscribes): "joined", "member" (it was in already) or "failed" (no channels:join scope,
# archived, rate-limited, no answer); None when it was not asked (no Slack client: the terminal)
# or the channel cannot be joined that way (private, a direct message)
Joined = Literal["joined", "member", "failed"] | None

# whether the bot can post where ``subscribe`` was typed, as Slack said (conversations.info):
# "yes"; "private" (a private channel it is not in, or one it cannot see); "direct" (a direct
# message or a group DM: no channel to subscribe); "unknown" (Slack did not answer in time)
Reach = Literal["yes", "private", "direct", "unknown"]


@dataclass(frozen=True)
class Facts:
    """What a reply is decided from besides the subscription: the content, the instant and the
    days ahead of a summit that reminders go out."""

    library: Library
    now: datetime
    lead_days: tuple[int, ...] = planner.DEFAULT_LEAD_DAYS
    calendar_url: str | None = None  # the calendar feed's address (PUBLIC_URL), if any


@dataclass(frozen=True)
class Pause:
    """Save: pause the channel, for this reason (a code)."""

    reason: str


@dataclass(frozen=True)
class Resume:
    """Save: resume the channel."""


@dataclass(frozen=True)
class Hold:
    """Save: post nothing through local day ``until``, no digest at slot ``skip`` (None: none)."""

    until: date | None
    skip: datetime | None


@dataclass(frozen=True)
class Decision:
    """What to say, and what to save first (nothing, a pause, a hold or a resume)."""

    reply: Reply
    save: Pause | Hold | Resume | None = None


@dataclass(frozen=True)
class Subscribe:
    """Save this checked request; then say :func:`subscribed` (``zone_said``: the zone, said
    once, when the words did not name it)."""

    request: Request
    zone_said: str | None = None
    before: Draft | None = None  # the stored settings it changes (None: new, or started afresh)


# --- small pieces ------------------------------------------------------------------------------


def _reply(*parts: str, extra: Sequence[Block] = ()) -> Reply:
    text = "\n".join(parts)
    return Reply(text=text, blocks=[section(text), *extra])


def describe(schedule: Schedule, lang: str, zone: str | None = None) -> str:
    """The schedule in words; ``zone`` replaces the bare zone name ("UTC, by default")."""
    return describe_schedule(schedule.days, schedule.at, zone or schedule.tz, lang)


def place(channel_id: str, lang: str) -> str:
    """Where a subscription posts, as a reply names it: ``<#C…>``, or "your direct messages" for
    a person's own (a direct message's id starts with D)."""
    return t(lang, "channels.your_dm") if is_direct_message(channel_id) else f"<#{channel_id}>"


def is_admin(info: dict[str, Any] | None) -> bool:
    info = info or {}
    return bool(info.get("is_admin") or info.get("is_owner") or info.get("is_primary_owner"))


def may_change(managers: str, profile: dict[str, Any] | None) -> bool:
    """Whether someone with this Slack profile may change subscriptions
    (SUBSCRIPTION_MANAGERS=admins: admins and owners only)."""
    return managers != "admins" or is_admin(profile)


def needs_profile(managers: str) -> bool:
    """Whether :func:`may_change` needs the caller's profile to decide."""
    return managers == "admins"


def form_button(channel_id: str, lang: str) -> ActionsBlock:
    """A button that opens the subscription form for a channel (in place of typing)."""
    return ActionsBlock(
        block_id=FORM_ACTION,
        elements=[button(t(lang, "channels.form_button"), FORM_ACTION, channel_id)],
    )


def quiet(sub: SubscriptionView) -> bool:
    """Whether this channel's next digest is skipped when there is nothing new."""
    return not sub.always and sub.last_digest_for is not None


def last_result(result: str | None, lang: str) -> str:
    """The last delivery's result, in the reader's language where it is one of ours."""
    status, _ = read_last_result(result)
    if status is Status.SENT:
        return t(lang, "channels.result_sent")
    if status is Status.NOTHING_NEW:
        return t(lang, "channels.result_nothing_new")
    if status is Status.UNCERTAIN:
        return t(lang, "channels.result_uncertain")
    return escape(result or "?")


def paused_by(user_id: str) -> str:
    """The pause reason stored when someone pauses a channel: a code, said by
    :func:`bot.i18n.pause_reason` in each reader's language."""
    return f"{USER_PAUSE}{user_id}"


def mode(sub: SubscriptionView, lang: str) -> str:
    """Whether every digest is posted, or only those with something new."""
    if sub.always:
        return t(lang, "channels.mode_always", command=COMMAND)
    return t(lang, "channels.mode_quiet", command=COMMAND)


def next_lines(facts: Facts, sub: SubscriptionView, lang: str) -> list[str]:
    """The next post; for a quiet channel, when it is next checked for news."""
    if sub.paused:
        reason = pause_reason(sub.paused_reason, lang)
        return [t(lang, "channels.paused_line", reason=reason)]
    now = facts.now
    found = next_post(facts.library, sub, now, facts.lead_days)
    if found is None:
        return [t(lang, "channels.no_post")]
    when, word = found
    kinds = Kinds.read(word)
    if quiet(sub) and kinds == Kinds.DIGEST:
        return [t(lang, "channels.next_check", when=slack_datetime(when, lang, sub.schedule.tz))]
    lines = [
        t(lang, "channels.next_post", when=digest.describe_next(when, word, lang, sub.schedule.tz))
    ]
    if quiet(sub) and Kinds.DIGEST not in kinds and sub.receives != Receives.REMINDERS:
        check = next_digest(sub.schedule, holds.resumes_at(sub, now))
        lines.append(
            t(lang, "channels.next_check", when=slack_datetime(check, lang, sub.schedule.tz))
        )
    return lines


# --- the replies -------------------------------------------------------------------------------


def no_subscription(inv: Invocation) -> Reply:
    key = "channels.none_local" if inv.local else "channels.none"
    return _reply(t(inv.lang, key, command=COMMAND))


def admins_only(lang: str, creator: str | None = None) -> Reply:
    """A change refused under SUBSCRIPTION_MANAGERS=admins: who may make it (the person who set
    the subscription up, when known, or a workspace admin)."""
    if creator:
        return _reply(t(lang, "channels.managers_only", creator=f"<@{creator}>", command=COMMAND))
    return _reply(t(lang, "channels.admins_only", command=COMMAND))


def owner_only(lang: str, owner: str) -> Reply:
    """A change to someone else's own subscription (reached through its DM's id), refused."""
    return _reply(t(lang, "channels.owner_only", owner=f"<@{owner}>"))


def no_personal(lang: str) -> Reply:
    """``… me`` from someone with no subscription of their own."""
    return _reply(t(lang, "channels.none_personal", command=COMMAND))


def open_failed(lang: str, error: str) -> Reply:
    """``subscribe me`` when Slack would not open a direct message with the person."""
    return _reply(t(lang, "channels.open_failed", error=f"`{escape(error)}`"))


def unsubscribed(inv: Invocation, gone: bool) -> Reply:
    """After an unsubscribe: gone, or there was nothing to remove."""
    if not gone:
        return no_subscription(inv)
    channel = place(inv.channel_id, inv.lang)
    return _reply(t(inv.lang, "channels.unsubscribed", channel=channel, command=COMMAND))


def pause(inv: Invocation, sub: SubscriptionView | None) -> Decision:
    """``pause``: nothing to pause, already paused (and why), or pause it (the reason: who)."""
    lang = inv.lang
    if sub is None:
        return Decision(no_subscription(inv))
    if sub.paused:
        reason = pause_reason(sub.paused_reason, lang)
        return Decision(_reply(t(lang, "channels.already_paused", reason=reason, command=COMMAND)))
    said = t(lang, "channels.paused", channel=place(inv.channel_id, lang), command=COMMAND)
    return Decision(_reply(said), Pause(paused_by(inv.user_id)))


def local_today(sub: SubscriptionView, now: datetime) -> date:
    """The day it is where the subscription is (its zone)."""
    return now.astimezone(zone(sub.schedule.tz) or zone("UTC")).date()


def hold_refused(lang: str, problem: HoldError) -> Reply:
    """``pause until …`` or ``skip …`` that cannot be read: what was wrong, an example, and that
    nothing changed."""
    return _reply(t(lang, "channels.hold_invalid", message=problem.say(lang)))


def pause_until(inv: Invocation, sub: SubscriptionView | None, until: date | HoldError) -> Decision:
    """``pause until <day>`` (or ``for <n> weeks``): nothing posted through ``until``, posting
    again the day after by itself; a day that cannot be read or has passed is refused."""
    lang = inv.lang
    if sub is None:
        return Decision(no_subscription(inv))
    if isinstance(until, HoldError):
        return Decision(hold_refused(lang, until))
    if sub.paused:
        return pause(inv, sub)
    said = t(
        lang,
        "channels.paused_until",
        channel=place(inv.channel_id, lang),
        until=human_date(until, lang),
        resumes=human_date(until + timedelta(days=1), lang),
        command=COMMAND,
    )
    # a skipped digest the pause covers is skipped by the pause already: forgotten
    skip = sub.skip_digest_at
    if skip is not None and holds.paused_on(replace(sub, paused_until=until), skip):
        skip = None
    return Decision(_reply(said), Hold(until, skip))


def skip(facts: Facts, inv: Invocation, sub: SubscriptionView | None) -> Decision:
    """``skip next``: the next digest (after any ``pause until``) is not posted; the one after
    it is, and reminders still are."""
    lang = inv.lang
    if sub is None:
        return Decision(no_subscription(inv))
    if sub.paused:
        return pause(inv, sub)
    slot = holds.next_digest_slot(sub, facts.now)
    if slot is None:
        return Decision(_reply(t(lang, "channels.skip_no_digest")))
    when = slack_datetime(slot, lang, sub.schedule.tz)
    if sub.skip_digest_at == slot:
        return Decision(_reply(t(lang, "channels.skip_already", when=when, command=COMMAND)))
    said = t(lang, "channels.skipping", when=when, command=COMMAND)
    return Decision(_reply(said), Hold(sub.paused_until, slot))


def holding_lines(facts: Facts, sub: SubscriptionView, lang: str) -> list[str]:
    """What a subscription holds back now: until when it is paused, which digest is skipped."""
    lines = []
    until = sub.paused_until
    if until is not None and until >= local_today(sub, facts.now):
        resumes = human_date(until + timedelta(days=1), lang)
        lines.append(
            t(
                lang,
                "channels.status_paused_until",
                until=human_date(until, lang),
                resumes=resumes,
                command=COMMAND,
            )
        )
    if sub.skip_digest_at is not None and sub.skip_digest_at > facts.now:
        when = slack_datetime(sub.skip_digest_at, lang, sub.schedule.tz)
        lines.append(t(lang, "channels.status_skipping", when=when))
    return lines


def resume(facts: Facts, inv: Invocation, sub: SubscriptionView | None) -> Decision:
    """``resume``: nothing to resume, or resume it (said even when it was not paused) and say
    what comes next."""
    lang = inv.lang
    if sub is None:
        return Decision(no_subscription(inv))
    held = sub.paused or bool(holding_lines(facts, sub, lang))
    head = t(lang, "channels.resumed" if held else "channels.not_paused")
    running = replace(sub, paused=False, paused_reason=None, paused_until=None, skip_digest_at=None)
    return Decision(_reply(" ".join([head, *next_lines(facts, running, lang)])), Resume())


def status(facts: Facts, inv: Invocation, sub: SubscriptionView | None) -> Reply:
    """``status``: what the channel gets, when, the last digest and delivery, a pause."""
    if sub is None:
        return no_subscription(inv)
    lang = inv.lang
    language = language_name(sub.lang, lang)
    if sub.receives == Receives.REMINDERS:
        when = t(
            lang,
            "channels.status_schedule_reminders",
            time=describe_when(sub, lang),
            language=language,
        )
    else:
        schedule = describe(sub.schedule, lang)
        when = t(lang, "channels.status_schedule", schedule=schedule, language=language)
    what = describe_receives(sub.receives, sub.topics, facts.library, lang)
    lines = [
        t(lang, "channels.status_head", channel=place(sub.channel_id, lang)),
        "• " + when,
        "• " + t(lang, "channels.status_receives", what=what),
    ]
    if sub.receives != Receives.DIGESTS:
        lines.append(
            "• " + digest.lead_days_said(facts.lead_days, "channels.status_reminders", lang)
        )
    if sub.receives != Receives.REMINDERS:
        lines.append("• " + mode(sub, lang))
    lines += [f"• {line}" for line in holding_lines(facts, sub, lang)]
    if not sub.paused:  # a pause is said once, at the end, with how to resume
        lines += [f"• {line}" for line in next_lines(facts, sub, lang)]
    if sub.receives != Receives.REMINDERS and sub.last_digest_for:
        when = slack_datetime(sub.last_digest_for, lang, sub.schedule.tz)
        lines.append("• " + t(lang, "channels.last_news", when=when))
    elif sub.receives != Receives.REMINDERS:
        lines.append("• " + t(lang, "channels.last_news_none"))
    if sub.last_delivery_at:
        result = last_result(sub.last_result, lang)
        when = slack_datetime(sub.last_delivery_at, lang, sub.schedule.tz)
        lines.append("• " + t(lang, "channels.last_delivery", when=when, result=result))
    else:
        lines.append("• " + t(lang, "channels.last_none"))
    if sub.paused:
        reason = pause_reason(sub.paused_reason, lang)
        lines.append("• " + t(lang, "channels.status_paused", reason=reason, command=COMMAND))
    return _reply("\n".join(lines))


def preview(facts: Facts, inv: Invocation, sub: SubscriptionView | None) -> Reply:
    """``digest``: the channel's next post as it would be posted (without a subscription, the
    default digest), led by a line saying when, and whether a quiet channel would skip it."""
    lang = inv.lang
    if sub is not None and sub.receives == Receives.REMINDERS:
        return _preview_reminder(facts, sub, lang)
    # what the clock would decide, asked of the planner (no second copy of its rules here)
    default = Schedule(DEFAULT_DAYS, DEFAULT_TIME, "UTC")
    channel: planner.Subscribed = sub if sub is not None else planner.Channel(default, lang=lang)
    schedule = channel.schedule
    # the next digest that will be posted: past a `pause until` and a `skip next`
    when = next_digest(schedule, facts.now if sub is None else holds.resumes_at(sub, facts.now))
    if sub is not None and holds.skipped(sub, when):
        when = next_digest(schedule, when)
    kinds = planner.owed(facts.library, channel, when, facts.lead_days) or Kinds.DIGEST.word
    inputs = planner.digest_inputs(facts.library, channel, when, kinds, facts.lead_days)
    # as the clock would post it: a digest with nothing new is skipped, or left out of a post
    # with a reminder due (the reminder goes alone)
    posted = planner.posted_kinds(facts.library, inputs) if sub is not None else inputs.kinds
    skipped = not posted
    if posted and posted != inputs.kinds:
        inputs = replace(inputs, kinds=posted)
    post = digest.post(facts.library, inputs, facts.calendar_url)
    if sub:
        note = t(
            lang,
            "channels.preview",
            when=slack_datetime(when, lang, schedule.tz),
            day=escape(local_day(schedule, when).isoformat()),
            tz=schedule.tz,
        )
    else:
        key = "channels.none_local" if inv.local else "channels.none"
        note = t(lang, "channels.preview_none") + " " + t(lang, key, command=COMMAND)
    blocks: list[Block] = [context(note), *post.blocks, *_thread_preview(facts, inputs, lang)]
    text = post.text
    if skipped and sub is not None and sub.last_digest_for is not None:
        quiet_note = t(
            lang,
            "channels.preview_quiet",
            last=slack_datetime(sub.last_digest_for, lang, schedule.tz),
            command=COMMAND,
        )
        blocks.insert(1, section(quiet_note))
        text = fallback(quiet_note, text)
    return Reply(text=text, blocks=blocks[:50], response_type="ephemeral")


def _thread_preview(facts: Facts, inputs: planner.DigestInputs, lang: str) -> list[Block]:
    """What a digest's thread will say, below the post in a preview."""
    below = digest.thread(facts.library, inputs)
    if below is None:
        return []
    return [DividerBlock(), context(t(lang, "channels.preview_thread")), *below.blocks]


def _preview_reminder(facts: Facts, sub: SubscriptionView, lang: str) -> Reply:
    """The next summit reminder of a channel that receives only reminders."""
    library = scoped(facts.library, sub.topics)
    when = next_reminder(library, sub.schedule, facts.now, facts.lead_days)
    if when is None:
        return _reply(digest.lead_days_said(facts.lead_days, "channels.no_reminder", lang))
    inputs = planner.digest_inputs(facts.library, sub, when, Kinds.REMINDER.word, facts.lead_days)
    post = digest.post(facts.library, inputs, facts.calendar_url)
    note = t(
        lang,
        "channels.preview_reminder",
        when=slack_datetime(when, lang, sub.schedule.tz),
        day=escape(local_day(sub.schedule, when).isoformat()),
        tz=sub.schedule.tz,
    )
    return Reply(text=post.text, blocks=[context(note), *post.blocks][:50])


# --- subscribe ---------------------------------------------------------------------------------


def needs_user_zone(
    words: Sequence[str], lang_unknown: str | None, *, subscribed: bool = False
) -> bool:
    """Whether ``subscribe <words>`` needs the caller's Slack zone (it names none, and is not
    refused first for its language; on a ``subscribed`` channel, only when it starts afresh: a
    change keeps the stored zone)."""
    if subscribed and not is_fresh(words):
        return False
    return lang_unknown is None and not names_zone(words)


def shows_settings(words: Sequence[str], *, lang_given: bool, lang_unknown: str | None) -> bool:
    """Whether ``subscribe`` on a subscribed channel names nothing (so it shows the settings
    rather than resetting them)."""
    return not words and not lang_given and lang_unknown is None


def default_zone(user_tz: str | None) -> str:
    """The zone a subscription gets when its words name none: the caller's, else UTC."""
    found = str(user_tz or "UTC")
    return found if zone(found) is not None else "UTC"


def refusal(inv: Invocation, problem: Problem) -> Reply:
    """A request that cannot be saved: why, nothing changed, and the form to try instead."""
    lang = inv.lang
    extra: list[Block] = []
    if not inv.local:
        extra = [context(t(lang, "channels.form_hint")), form_button(inv.channel_id, lang)]
    return _reply(
        t(lang, "channels.invalid", message=problem.say(lang)),
        t(lang, "channels.nothing_changed"),
        extra=extra,
    )


def plan_subscribe(
    library: Library,
    inv: Invocation,
    words: Sequence[str],
    *,
    lang_unknown: str | None = None,
    user_tz: str | None = None,
    stored: SubscriptionView | None = None,
    lang_given: bool = False,
) -> Subscribe | Reply:
    """``subscribe <words>``: the request to save, or the reply refusing it. ``lang_unknown``:
    a ``lang:`` word naming no language we speak (it would set the digests' language, so it is
    refused); ``user_tz``: the caller's Slack zone, the default when the words name none.
    ``stored``: the channel's subscription, which the words change (only what they name, the
    rest kept) unless they say ``reset`` or ``fresh``; ``lang_given``: a ``lang:`` was given
    (taken out of the words: :func:`bot.commands.read`), which names the language."""
    lang = inv.lang
    if lang_unknown is not None:
        word = quote_user_text(lang_unknown or "lang:", 30)
        return _reply(
            t(lang, "channels.invalid", message=t(lang, "channels.lang_unknown", word=word)),
            t(lang, "channels.nothing_changed"),
        )
    before = Draft.of(stored) if stored is not None and not is_fresh(words) else None
    words = without_fresh(words)
    default_tz = "UTC" if names_zone(words) else default_zone(user_tz)
    parsed: Request | Problem
    if before is None:  # new, or started afresh: the words and the defaults
        parsed = parse_request(words, default_tz=default_tz, default_lang=lang, library=library)
    else:  # a change: what the words name, over what is stored
        draft = read_change(words, default_tz=default_tz, default_lang=lang)
        if isinstance(draft, Problem):
            return refusal(inv, draft)
        named = draft.given | ({"lang"} if lang_given else set())
        parsed = validate(replace(draft, given=frozenset(named)).over(before), library)
    if isinstance(parsed, Problem):
        return refusal(inv, parsed)
    zone_said = None  # the zone, said once: "(UTC, by default)", "(Asia/Tokyo, your …)"
    if not parsed.zone_given:
        source = "channels.zone_yours" if default_tz != "UTC" else "channels.zone_default"
        if inv.local:
            source = "channels.zone_terminal"
        zone_said = t(lang, source, tz=default_tz)
    return Subscribe(parsed, zone_said, before)


def cannot_post(inv: Invocation, reach: Reach) -> Reply | None:
    """The refusal of ``subscribe`` where the bot cannot post (nothing is stored), or None."""
    if reach == "private":
        return _reply(t(inv.lang, "channels.invite_first"), t(inv.lang, "channels.nothing_changed"))
    if reach == "direct":
        said = t(inv.lang, "channels.direct_message", command=COMMAND)
        return _reply(said, t(inv.lang, "channels.nothing_changed"))
    return None


def settings(facts: Facts, inv: Invocation, sub: SubscriptionView) -> Reply:
    """``subscribe`` with nothing more on a subscribed channel: nothing changed, what is set,
    and how to change one thing (or start again), with the form."""
    lang = inv.lang
    head = t(lang, "channels.subscribed_already", channel=place(sub.channel_id, lang))
    shown = status(facts, inv, sub).text
    key = "channels.change_how_local" if inv.local else "channels.change_how"
    how = t(lang, key, command=COMMAND)
    extra: list[Block] = [] if inv.local else [form_button(inv.channel_id, lang)]
    return _reply(head, shown, how, extra=extra)


# the fields said by name when a change leaves them as they were (the issue's wording: "days,
# zone, language and topics unchanged"); what a channel receives and its mode are said only when
# they change
_SAID_UNCHANGED = ("days", "time", "zone", "lang", "topics")


def changes(before: Draft, after: Request, library: Library, lang: str) -> str:
    """What a change did, as before → after, and what it left: ``Time: 09:00 → 08:00; days,
    zone, language and topics unchanged``. Every value is the checked one (safe mrkdwn)."""
    old = _values(before.days, before.at, before.tz, before, library, lang)
    schedule = after.schedule
    new = _values(schedule.days, schedule.at, schedule.tz, after, library, lang)
    changed, same = [], []
    for name in old:
        label = t(lang, f"change.{name}")
        if old[name] != new[name]:
            field = label[:1].upper() + label[1:]
            changed.append(t(lang, "change.item", field=field, before=old[name], after=new[name]))
        elif name in _SAID_UNCHANGED:
            same.append(label)
    if not changed:
        return t(lang, "change.nothing", fields=join_list(same, lang))
    parts = [*changed]
    if same:
        parts.append(t(lang, "change.same", fields=join_list(same, lang)))
    return t(lang, "change.separator").join(parts)


def _values(
    days: frozenset[int],
    at: time,
    tz: str,
    what: Draft | Request,
    library: Library,
    lang: str,
) -> dict[str, str]:
    """Each field of a subscription, said as the change line says it."""
    local = library.for_lang(lang)
    titles = []
    for topic_id in sorted(what.topics):
        topic = local.topic(topic_id)
        titles.append(escape(topic.label) if topic is not None else f"`{escape(topic_id)}`")
    return {
        "days": describe_days(days, lang),
        "time": f"{at:%H:%M}",
        "zone": escape(tz),
        "lang": language_name(what.lang, lang),
        "receives": t(lang, f"receives.{Receives(what.receives)}"),
        "topics": join_list(titles, lang) if titles else t(lang, "change.every_topic"),
        "always": t(lang, "change.always_on" if what.always else "change.always_off"),
    }


def joining(joined: Joined, channel: str, lang: str) -> list[str]:
    """What the reply says of the bot joining the channel: that it did, that it could not (so
    its posts there cannot be checked), or nothing (it was in already; not a public channel)."""
    if joined == "joined":
        return [t(lang, "channels.joined", channel=channel)]
    if joined == "failed":
        return [t(lang, "channels.join_failed", channel=channel)]
    return []


def subscribed(
    facts: Facts,
    inv: Invocation,
    req: Request,
    sub: SubscriptionView,
    created: bool,
    zone_said: str | None = None,
    joined: Joined = None,
    before: Draft | None = None,
    reach: Reach = "yes",
) -> Reply:
    """After a request was saved as ``sub`` (``created``: new, else replaced): what was set
    (``before``: what it changed, before → after), the next post, what the channel receives,
    whether the bot joined the channel, whether Slack said it may post there, and tips."""
    lang = inv.lang
    channel = place(inv.channel_id, lang)
    language = language_name(req.lang, lang)
    if req.receives == Receives.REMINDERS:
        key = "channels.subscribed_reminders" if created else "channels.updated_reminders"
        head = t(
            lang,
            key,
            channel=channel,
            time=describe_time(req.schedule.at, zone_said or req.schedule.tz, lang),
            language=language,
        )
    else:
        key = "channels.subscribed" if created else "channels.updated"
        head = t(
            lang,
            key,
            channel=channel,
            schedule=describe(req.schedule, lang, zone_said),
            language=language,
        )
    what = describe_receives(sub.receives, sub.topics, facts.library, lang)
    lines = [head]
    if before is not None and not created:
        lines.append(changes(before, req, facts.library, lang))
    lines += [
        " ".join(next_lines(facts, sub, lang)),
        t(lang, "channels.receives_line", what=what),
    ]
    if sub.receives != Receives.REMINDERS:
        lines.append(mode(sub, lang))
    if sub.receives != Receives.DIGESTS:
        lines.append(digest.lead_days_said(facts.lead_days, "channels.reminders", lang))
    lines += joining(joined, channel, lang)
    if reach == "unknown" and joined not in ("joined", "member"):
        lines.append(t(lang, "channels.reach_unknown"))
    if is_direct_message(inv.channel_id):  # a person's own: managed with `… me`, from anywhere
        return _reply(*lines, extra=[context(t(lang, "channels.tips_me", command=COMMAND))])
    tips = t(lang, "channels.tips_local" if inv.local else "channels.tips", command=COMMAND)
    return _reply(
        *lines,
        extra=[context(tips), *([] if inv.local else [form_button(inv.channel_id, lang)])],
    )
