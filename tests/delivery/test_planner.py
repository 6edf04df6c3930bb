"""The planner: what a channel is owed at an instant, what is too late, what has nothing new, when
it wakes next, and the inputs a post is shared under. Pure functions, so checked by properties."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.content.library import Library
from bot.delivery import digest, planner
from bot.delivery.planner import DIGEST, REMINDER, Channel, Plan, Rules
from bot.subscriptions.replies import last_result
from bot.subscriptions.schedule import EVERY_DAY, Schedule, local_day, parse_schedule, wake_after
from tests import planhelp
from tests.schedulehelp import schedules

EPSILON = timedelta(microseconds=1)
TOPICS = ("bletchley", "france-china-ai", "france-china-middle-east")
# from a year before the first summit in the content to a year after the last
around_the_summits = st.datetimes(
    min_value=datetime(2023, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)
outages = st.one_of(
    st.timedeltas(timedelta(0), timedelta(hours=30)),
    st.timedeltas(timedelta(0), timedelta(days=20)),
    st.timedeltas(timedelta(days=390), timedelta(days=500)),  # more than MAX_MISSED wake-ups
)
lead_days = st.lists(st.integers(0, 40), min_size=1, max_size=4, unique=True).map(tuple)


@pytest.fixture(autouse=True)
def _views_built_afresh() -> None:
    """Each test starts, as a new process does, with no narrowed library kept (``scoped`` keeps
    them by the content's identity, and the content fixture lives for the whole session)."""
    planner._SCOPED.clear()


@st.composite
def subscriptions(draw: st.DrawFn) -> Channel:
    return Channel(
        draw(schedules()),
        receives=draw(st.sampled_from(("all", "digests", "reminders"))),
        topics=draw(st.frozensets(st.sampled_from(TOPICS), max_size=2)),
    )


def owed_at(library: Library, sub: Channel, wake: datetime, lead: tuple[int, ...]) -> str:
    return planner.owed(library, sub, wake, lead)


def every_wake(schedule: Schedule, due: datetime, now: datetime) -> list[datetime]:
    found, w = [], due
    while w <= now:
        found.append(w)
        w = wake_after(schedule, w)
    return found


@settings(deadline=None, max_examples=300)
@given(
    sub=subscriptions(),
    start=around_the_summits,
    outage=outages,
    max_late=st.timedeltas(timedelta(0), timedelta(days=3)),
    lead=lead_days,
)
def test_a_plan_posts_once_skips_at_most_once_and_wakes_after_now(
    library: Library,
    sub: Channel,
    start: datetime,
    outage: timedelta,
    max_late: timedelta,
    lead: tuple[int, ...],
) -> None:
    due = wake_after(sub.schedule, start)
    now = due + outage
    rules = Rules(library, lead, max_late)
    plan = planner.plan(sub, due, now, rules)
    assert plan == planner.plan(sub, due, now, rules)  # pure: the same answer every time

    # never two posts on time, never two recorded as too late, and never one slot for both
    assert len(plan.on_time) <= 1 and len(plan.too_late) <= 1
    assert len({p.scheduled_for for p in plan.posts}) == len(plan.posts)
    for post in plan.posts:
        assert due <= post.scheduled_for <= now
        assert wake_after(sub.schedule, post.scheduled_for - EPSILON) == post.scheduled_for
        assert post.kinds in (DIGEST, REMINDER, f"{DIGEST}+{REMINDER}")
        if sub.receives == "digests":
            assert REMINDER not in post.kinds
        if sub.receives == "reminders":
            assert DIGEST not in post.kinds
    for post in plan.on_time:
        assert now - post.scheduled_for <= max_late
    for post in plan.too_late:
        assert now - post.scheduled_for > max_late
        assert post.kinds == owed_at(library, sub, post.scheduled_for, lead)
        assert all(post.scheduled_for < p.scheduled_for for p in plan.on_time)

    # the next wake-up is the first after now
    assert plan.next_wake > now
    assert plan.next_wake == wake_after(sub.schedule, now)

    if outage <= timedelta(days=20):  # every wake-up was looked at: compare with all of them
        wakes = every_wake(sub.schedule, due, now)
        fresh = [w for w in wakes if now - w <= max_late and owed_at(library, sub, w, lead)]
        late = [w for w in wakes if now - w > max_late and owed_at(library, sub, w, lead)]
        if fresh:
            # coalesced: at the latest wake-up still on time, owing what they all owed together
            (post,) = plan.on_time
            assert post.scheduled_for == fresh[-1]
            union = {k for w in fresh for k in owed_at(library, sub, w, lead).split("+")}
            assert post.kinds == planner.join_kinds(union)
        else:
            assert plan.on_time == ()
        assert [p.scheduled_for for p in plan.too_late] == late[-1:]


@settings(deadline=None, max_examples=100)
@given(
    sub=subscriptions(),
    start=around_the_summits,
    gaps=st.lists(st.timedeltas(timedelta(minutes=1), timedelta(days=4)), min_size=1, max_size=8),
    max_late=st.timedeltas(timedelta(0), timedelta(days=2)),
)
def test_passes_one_after_another_never_post_or_skip_a_slot_twice(
    library: Library,
    sub: Channel,
    start: datetime,
    gaps: list[timedelta],
    max_late: timedelta,
) -> None:
    """The clock runs at any times, each pass planning from the wake-up the last one stored: a
    slot is posted or skipped at most once in all, and a skipped slot is never posted."""
    rules = Rules(library, max_late=max_late)
    due = wake_after(sub.schedule, start)
    now = start
    seen: dict[datetime, str] = {}
    for gap in gaps:
        now += gap
        if due > now:
            continue
        plan = planner.plan(sub, due, now, rules)
        for post in plan.posts:
            assert post.scheduled_for not in seen
            seen[post.scheduled_for] = "skipped" if post.skipped else "posted"
        due = plan.next_wake
        assert due > now


def test_an_outage_is_coalesced_into_one_post_and_one_skip(library: Library) -> None:
    sub = Channel(Schedule(frozenset(range(7)), time(9), "UTC"))
    due = datetime(2026, 12, 1, 9, tzinfo=UTC)
    plan = planner.plan(sub, due, due + timedelta(days=3, hours=1), Rules(library))
    assert plan == Plan(
        posts=(
            planner.Post(due + timedelta(days=2), DIGEST, skipped="more than 6:00:00 late"),
            planner.Post(due + timedelta(days=3), DIGEST),
        ),
        next_wake=due + timedelta(days=4),
    )


@given(
    late_by=st.timedeltas(timedelta(0), timedelta(days=2)),
    max_late=st.timedeltas(timedelta(0), timedelta(days=1)),
    maybe_posted=st.booleans(),
    active=st.booleans(),
    error=st.one_of(st.none(), st.just("timeout")),
)
def test_a_post_left_by_a_dead_pass_is_taken_over_only_while_on_time(
    late_by: timedelta, max_late: timedelta, maybe_posted: bool, active: bool, error: str | None
) -> None:
    now = datetime(2026, 12, 1, 9, tzinfo=UTC)
    took = planner.take_over(
        scheduled_for=now - late_by,
        maybe_posted=maybe_posted,
        error=error,
        active=active,
        now=now,
        max_late=max_late,
    )
    assert (took.status == "claimed") == (active and late_by <= max_late)
    # a post that may have landed is never sent once too late: it stays uncertain
    assert (took.status == "uncertain") == (active and late_by > max_late and maybe_posted)


# --- nothing new --------------------------------------------------------------------------------


@settings(deadline=None, max_examples=200)
@given(
    sub=subscriptions(),
    at=around_the_summits,
    posted_days_before=st.one_of(st.none(), st.integers(1, 30)),
    always=st.booleans(),
    kinds=st.sampled_from((DIGEST, REMINDER, f"{DIGEST}+{REMINDER}")),
)
def test_only_a_lone_digest_with_nothing_new_since_the_last_posted_one_is_skipped(
    library: Library,
    sub: Channel,
    at: datetime,
    posted_days_before: int | None,
    always: bool,
    kinds: str,
) -> None:
    slot = wake_after(sub.schedule, at)
    last = None if posted_days_before is None else slot - timedelta(days=posted_days_before)
    seen = None if last is None else planner.seen_on(library, local_day(sub.schedule, last))
    sub = replace(sub, last_digest_for=last, news_seen=seen, always=always)
    inputs = planner.digest_inputs(library, sub, slot, kinds)
    skipped = not planner.posted_kinds(library, inputs)
    if last is None or always or kinds != DIGEST:
        assert not skipped  # the first digest, an `always` channel, a reminder: always posted
    else:
        news = planhelp.news_for(
            planner.scoped(library, sub.topics), sub.schedule, slot, last, seen
        )
        assert skipped == (not news)


# --- the inputs a post is shared under ----------------------------------------------------------


def test_inputs_tell_apart_every_post(library: Library) -> None:
    """A pass shares one composed post between channels with equal inputs: whatever changes a
    post changes its inputs, so no channel is served a post made for another."""
    sub = Channel(Schedule(frozenset(range(7)), time(9), "UTC"))
    slot = datetime(2026, 12, 1, 9, tzinfo=UTC)
    base = planner.digest_inputs(library, sub, slot, DIGEST)

    def made(inputs: planner.DigestInputs) -> tuple[object, ...]:
        """The post and the reply in its thread, as Slack is sent them."""
        top, below = digest.post(library, inputs), digest.thread(library, inputs)
        return top.text, top.blocks_json(), below.blocks_json() if below else None

    shown = made(base)
    others = [
        planner.digest_inputs(library, other, slot, DIGEST)
        for other in (
            replace(sub, lang="fr"),
            replace(sub, topics=frozenset({"france-china-ai"})),
            replace(sub, always=True),
            replace(sub, last_digest_for=slot - timedelta(days=1)),
            replace(sub, digests_sent=1),
            replace(sub, schedule=Schedule(frozenset({1}), time(9), "UTC")),
        )
    ]
    others += [
        planner.digest_inputs(library, sub, slot, REMINDER),
        planner.digest_inputs(library, sub, slot + timedelta(days=1), DIGEST),
    ]
    for inputs in others:
        assert inputs != base
        assert made(inputs) != shown, inputs
    # the reminders due, and the library itself, are inputs too
    assert planner.digest_inputs(library, sub, slot, DIGEST, lead_days=(3,)) != base
    another = replace(library, topics=library.topics)  # equal content, another library
    assert planner.digest_inputs(another, sub, slot, DIGEST) != base
    # what does not change the post does not keep channels apart (after the first digest,
    # whose welcome says when posts come and whether reminders do)
    later = replace(sub, last_digest_for=slot - timedelta(days=1))
    base = planner.digest_inputs(library, later, slot, DIGEST)
    for alike in (
        replace(later, digests_sent=len(library.topics)),  # the same topic featured
        replace(later, receives="digests"),  # owed the same kinds
        replace(later, schedule=Schedule(frozenset(range(7)), time(9), "Europe/London")),
    ):
        assert planner.digest_inputs(library, alike, slot, DIGEST) == base


@pytest.mark.parametrize(
    ("receives", "expected"),
    [("all", "digest+reminder"), ("digests", "digest"), ("reminders", "reminder")],
)
def test_what_a_channel_receives_narrows_what_it_is_owed(
    library: Library, receives: str, expected: str
) -> None:
    summit = next(s for s in library.summits if s.starts is not None)
    assert summit.starts is not None
    day = summit.starts - timedelta(days=7)
    sub = Channel(Schedule(frozenset(range(7)), time(9), "UTC"), receives=receives)
    wake = datetime.combine(day, time(9), UTC)
    assert planner.owed(library, sub, wake, (7,)) == expected
    assert local_day(sub.schedule, wake) == day and isinstance(day, date)


# --- a channel limited to some topics; the order of reminders; catching up ------------------------


def test_channels_limited_to_different_topics_each_see_their_own_summits(library: Library) -> None:
    """Two channels, one limited to the Bletchley Declaration and one to the France–China
    declaration, planned one after the other in one process: each sees its own topics' summits
    (the views are built once and kept), never the other's."""
    bletchley = frozenset({"bletchley"})
    ai = frozenset({"france-china-ai"})
    for _ in range(2):  # built, then found again
        seen_b = planner.scoped(library, bletchley)
        seen_ai = planner.scoped(library, ai)
        assert [tp.id for tp in seen_b.topics] == ["bletchley"]
        assert [tp.id for tp in seen_ai.topics] == ["france-china-ai"]
        assert "ai-seoul-summit-2024" in {s.id for s in seen_b.summits}
        assert "ai-seoul-summit-2024" not in {s.id for s in seen_ai.summits}
        assert "waic-2025" in {s.id for s in seen_ai.summits}
        assert "waic-2025" not in {s.id for s in seen_b.summits}


def test_a_new_content_version_is_never_served_an_earlier_versions_view(library: Library) -> None:
    """The views of a limited channel are kept by the content version's identity. A new version
    of the content (edited files, reloaded) can be given the identity a freed earlier version
    had: it gets a view of its own content, not the earlier one's."""
    topics = frozenset({"bletchley"})
    kept = tuple(s for s in library.summits if s.id != "ai-seoul-summit-2024")
    edited = replace(library, summits=kept, localized={})  # English only
    earlier = planner.scoped(library, topics)
    # the earlier version's view, kept under the identity the edited version now has
    planner._SCOPED[(id(edited), topics)] = (library, earlier)
    assert "ai-seoul-summit-2024" not in {s.id for s in planner.scoped(edited, topics).summits}


def test_a_channel_limited_to_a_topic_gets_no_reminder_of_other_topics_summits(
    library: Library,
) -> None:
    """A channel limited to the France–China statement on the Middle East (no summit belongs to
    it) gets its digest on the eve of WAIC 2026, not a WAIC reminder; a channel of every topic
    gets both."""
    schedule = parse_schedule(["daily", "09:00", "UTC"])
    assert isinstance(schedule, Schedule)
    eve = datetime(2026, 7, 16, 9, 0, tzinfo=UTC)  # WAIC 2026 starts on 17 July
    limited = Channel(schedule, topics=frozenset({"france-china-middle-east"}))
    assert planner.owed(library, limited, eve, (1,)) == DIGEST
    assert planner.owed(library, Channel(schedule), eve, (1,)) == f"{DIGEST}+{REMINDER}"


def test_reminders_due_the_same_day_come_soonest_summit_first(library: Library) -> None:
    """Two summits with a reminder on one day: the one that starts first is named first,
    whatever their order in the content; on the same start, by name."""
    day = date(2026, 6, 1)
    a, b, c = library.summits[:3]
    later = a.model_copy(update={"starts": day + timedelta(days=7), "name": "B summit"})
    sooner = b.model_copy(update={"starts": day + timedelta(days=1), "name": "Z summit"})
    tied = c.model_copy(update={"starts": day + timedelta(days=7), "name": "A summit"})
    lib = replace(library, summits=(later, sooner, tied))
    reminders = planner.reminders_on(lib, day, (7, 1))
    assert [(r.summit.name, r.days) for r in reminders] == [
        ("Z summit", 1),
        ("A summit", 7),
        ("B summit", 7),
    ]


def test_a_post_of_reminders_alone_is_recorded_as_a_reminder() -> None:
    """What a slot carries is written in one spelling: a reminder alone is a reminder (not a
    digest too), both are ``digest+reminder`` whatever their order, and none is nothing."""
    assert planner.join_kinds([REMINDER]) == REMINDER
    assert planner.join_kinds([REMINDER, DIGEST]) == f"{DIGEST}+{REMINDER}"
    assert planner.join_kinds([]) == ""


def test_after_a_long_outage_the_missed_wake_ups_are_capped_and_the_latest_is_kept() -> None:
    """A clock that was down for years looks at no more than ``MAX_MISSED`` wake-ups, then the
    latest one at or before now: including a wake-up due exactly now."""
    schedule = parse_schedule(["daily", "09:00", "UTC"])
    assert isinstance(schedule, Schedule)
    due = datetime(2024, 1, 1, 9, 0, tzinfo=UTC)
    exactly = due + timedelta(days=planner.MAX_MISSED)  # the wake-up after the first 400
    found = planner.wakes(schedule, due, exactly)
    assert found[: planner.MAX_MISSED] == [
        due + timedelta(days=n) for n in range(planner.MAX_MISSED)
    ]
    assert found[planner.MAX_MISSED :] == [exactly]
    far = due + timedelta(days=900, hours=3)
    found = planner.wakes(schedule, due, far)
    assert len(found) == planner.MAX_MISSED + 1
    assert found[-1] == datetime(2026, 6, 19, 9, 0, tzinfo=UTC)  # the last 09:00 before `far`
    assert planner.wakes(schedule, due, due) == [due]  # due now: posted now


# --- when a channel's next post comes (what `/declaration status` says) --------------------------


def first_reminder_by_walking(
    library: Library, sub: Channel, now: datetime, lead: tuple[int, ...]
) -> datetime | None:
    """The oracle: walk the channel's wake-ups one by one from ``now`` and stop at the first that
    owes a reminder (None once past the last summit's start)."""
    last = max(s.starts for s in library.summits if s.starts is not None)
    wake = now
    while True:
        wake = wake_after(sub.schedule, wake)
        if local_day(sub.schedule, wake) > last:
            return None
        if planner.owed(library, sub, wake, lead) == REMINDER:
            return wake


@st.composite
def near_a_reminder(draw: st.DrawFn, library: Library, lead: tuple[int, ...]) -> datetime:
    """An instant from four days before to three days after a reminder day of the content."""
    summit = draw(st.sampled_from([s for s in library.summits if s.starts is not None]))
    assert summit.starts is not None
    day = summit.starts - timedelta(days=draw(st.sampled_from(lead)))
    minutes = draw(st.integers(-4 * 24 * 60, 3 * 24 * 60))
    return datetime.combine(day, time(0), UTC) + timedelta(minutes=minutes)


@settings(deadline=None, max_examples=200)
@given(data=st.data(), sub=subscriptions(), lead=lead_days)
def test_a_reminders_only_channel_is_told_the_wake_up_of_its_next_reminder(
    library: Library, data: st.DataObject, sub: Channel, lead: tuple[int, ...]
) -> None:
    """Whatever the zone (UTC+14 to UTC-12) and the time of day, and from any instant (on the
    reminder day before or after its wake-up, the days before it), the next post a channel that
    receives only reminders is promised is the first of its own wake-ups that owes a reminder."""
    sub = replace(sub, receives="reminders")
    now = data.draw(st.one_of(around_the_summits, near_a_reminder(library, lead)), label="now")
    expected = first_reminder_by_walking(library, sub, now, lead)
    assert planner.next_post(library, sub, now, lead) == (
        None if expected is None else (expected, REMINDER)
    )


@pytest.mark.parametrize(
    ("zone", "at", "first", "second"),
    [
        # 08:00 on 9 February in Kiritimati (UTC+14) is still the 8th in UTC
        ("Pacific/Kiritimati", time(8), datetime(2026, 2, 8, 18), datetime(2026, 6, 28, 18)),
        # 22:00 on 9 February in Pago Pago (UTC-11) is already the 10th in UTC
        ("Pacific/Pago_Pago", time(22), datetime(2026, 2, 10, 9), datetime(2026, 6, 30, 9)),
    ],
)
def test_a_reminder_comes_at_the_channels_own_time_on_the_local_reminder_day(
    library: Library, zone: str, at: time, first: datetime, second: datetime
) -> None:
    """Reminders 7 days ahead: the AI Impact Summit opens on 16 February 2026, so its reminder is
    due on 9 February, local time; the next after it is the UN Global Dialogue's (6 July). At the
    very instant of a reminder's wake-up the next one is the following reminder."""
    sub = Channel(Schedule(EVERY_DAY, at, zone), receives="reminders")
    now = datetime(2026, 2, 1, tzinfo=UTC)
    first, second = first.replace(tzinfo=UTC), second.replace(tzinfo=UTC)
    assert planner.next_post(library, sub, now, (7,)) == (first, REMINDER)
    assert planner.next_post(library, sub, first - EPSILON, (7,)) == (first, REMINDER)
    assert planner.next_post(library, sub, first, (7,)) == (second, REMINDER)


def test_a_channel_limited_to_a_topic_is_reminded_only_of_its_summits(library: Library) -> None:
    """A summit belongs to a channel's topics when it is tagged with one of them or a development
    of them names it. Bletchley: the Seoul summit (tagged, named by no development) is reminded;
    once the AI Impact Summit has passed, no other summit with a date is theirs (the UN dialogue
    and AI for Good are not), so no reminder is promised. France–China AI: WAIC 2026 (untagged,
    named by one of its developments) is reminded."""
    lead = (30, 7, 1, 0)
    every_day = Schedule(EVERY_DAY, time(9), "UTC")

    def next_reminder(topic: str, now: datetime) -> tuple[datetime, str] | None:
        sub = Channel(every_day, receives="reminders", topics=frozenset({topic}))
        return planner.next_post(library, sub, now, lead)

    # Seoul opens on 21 May 2024: 30 days before
    assert next_reminder("bletchley", datetime(2024, 4, 1, tzinfo=UTC)) == (
        datetime(2024, 4, 21, 9, tzinfo=UTC),
        REMINDER,
    )
    assert next_reminder("bletchley", datetime(2026, 6, 1, tzinfo=UTC)) is None
    everything = Channel(every_day, receives="reminders")  # the UN dialogue, 30 days before
    assert planner.next_post(library, everything, datetime(2026, 6, 1, tzinfo=UTC), lead) == (
        datetime(2026, 6, 6, 9, tzinfo=UTC),
        REMINDER,
    )
    # WAIC 2026 opens on 17 July 2026: 7 days before
    assert next_reminder("france-china-ai", datetime(2026, 7, 8, tzinfo=UTC)) == (
        datetime(2026, 7, 10, 9, tzinfo=UTC),
        REMINDER,
    )


def test_skipping_a_digest_on_a_reminder_day_still_promises_that_reminder(
    library: Library,
) -> None:
    """`skip next` drops a digest, not the reminder due with it: the next post is the reminder
    alone, at that slot. Skipping a digest with no reminder: the next post is the digest after."""
    every_day = Schedule(EVERY_DAY, time(9), "UTC")
    # the AI Impact Summit opens on 16 February 2026: a reminder on the 9th (7 days before)
    reminder_slot = datetime(2026, 2, 9, 9, tzinfo=UTC)
    sub = Channel(every_day, skip_digest_at=reminder_slot)
    now = reminder_slot - timedelta(hours=1)
    assert planner.next_post(library, Channel(every_day), now, (7,)) == (
        reminder_slot,
        f"{DIGEST}+{REMINDER}",
    )
    assert planner.next_post(library, sub, now, (7,)) == (reminder_slot, REMINDER)
    quiet_slot = datetime(2026, 2, 3, 9, tzinfo=UTC)
    sub = Channel(every_day, skip_digest_at=quiet_slot)
    assert planner.next_post(library, sub, quiet_slot - timedelta(hours=1), (7,)) == (
        quiet_slot + timedelta(days=1),
        DIGEST,
    )


# --- what a channel's status says of a post given up --------------------------------------------


@pytest.mark.parametrize(
    ("maybe_posted", "error", "shown"),
    [
        (False, None, "failed: gave up: more than 6:00:00 late (no answer)"),
        (False, "timeout", "failed: gave up: more than 6:00:00 late (timeout)"),
        (True, "timeout", "may have been posted"),
    ],
)
def test_a_post_given_up_as_too_late_says_why_in_the_channels_status(
    library: Library, maybe_posted: bool, error: str | None, shown: str
) -> None:
    """A post whose pass died and which is found more than ``max_late`` later is never sent: the
    channel's status says it failed and why (Slack's last answer, or none), or that it may have
    gone out when Slack may have taken it."""
    now = datetime(2026, 12, 1, 16, tzinfo=UTC)
    took = Rules(library).take_over(
        scheduled_for=now - timedelta(hours=7),
        maybe_posted=maybe_posted,
        error=error,
        active=True,
        now=now,
    )
    assert took.last_result is not None
    assert shown in last_result(took.last_result, "en")


# --- what a digest says -------------------------------------------------------------------------


def test_the_first_digest_welcomes_with_the_schedule_and_the_reminders_to_come(
    library: Library,
) -> None:
    """The welcome says when digests come (days, time, zone), and that summit reminders come too,
    except to a channel that receives only digests; the header says daily, weekly, or neither."""
    mon_thu = Schedule(frozenset({0, 3}), time(8, 30), "Europe/Paris")
    slot = datetime(2026, 12, 3, 7, 30, tzinfo=UTC)  # Thursday, 08:30 in Paris
    reminders = "Summit reminders come 30, 7 and 1 days before each summit, and on its first day."

    def first_post(sub: Channel) -> str:
        top = digest.post(library, planner.digest_inputs(library, sub, slot, DIGEST))
        return str(top.blocks_json())

    post = first_post(Channel(mon_thu))
    assert "gets a digest Mondays and Thursdays at 08:30 (Europe/Paris)" in post
    assert reminders in post and "'AI-governance digest · 3 December 2026'" in post
    post = first_post(Channel(mon_thu, receives="digests"))
    assert "gets a digest Mondays and Thursdays at 08:30 (Europe/Paris)" in post
    assert "Summit reminders" not in post
    daily = first_post(Channel(Schedule(EVERY_DAY, time(8, 30), "Europe/Paris")))
    assert "'Daily AI-governance digest · 3 December 2026'" in daily
    assert "gets a digest every day at 08:30 (Europe/Paris)" in daily
    weekly = first_post(Channel(Schedule(frozenset({3}), time(8, 30), "Europe/Paris")))
    assert "'Weekly AI-governance digest · 3 December 2026'" in weekly


def test_a_channel_limited_to_one_topic_features_that_topic_every_time(library: Library) -> None:
    """The featured topic turns through the channel's own topics: with one topic, it is that one
    in every digest's thread, never another channel's topic."""
    sub = Channel(Schedule(EVERY_DAY, time(9), "UTC"), topics=frozenset({"bletchley"}))
    slot = datetime(2026, 12, 1, 9, tzinfo=UTC)
    for sent in range(4):
        inputs = planner.digest_inputs(library, replace(sub, digests_sent=sent), slot, DIGEST)
        below = digest.thread(library, inputs)
        assert below is not None
        featured = str(below.blocks_json()).split("Featured: ")[1].split("*")[0]
        assert featured.startswith("The Bletchley Declaration on AI safety"), featured


def test_news_on_another_topic_does_not_wake_a_channel_limited_to_its_topics(
    library: Library,
) -> None:
    """A development on the Middle East statement reaches the content after the digest of 5
    December went out: the next digest of a channel limited to the Middle East reports it; one
    limited to Bletchley has nothing new (skipped, not posted)."""
    schedule = Schedule(EVERY_DAY, time(9), "UTC")
    last = datetime(2026, 12, 5, 9, tzinfo=UTC)
    late = "d:france-china-ukraine-palestine-statement"
    seen = planner.seen_on(library, last.date()) - {late}
    slot = last + timedelta(days=1)

    def inputs(topic: str) -> planner.DigestInputs:
        sub = Channel(schedule, topics=frozenset({topic}), last_digest_for=last, news_seen=seen)
        return planner.digest_inputs(library, sub, slot, DIGEST)

    middle_east = inputs("france-china-middle-east")
    assert planner.posted_kinds(library, middle_east) == DIGEST
    statement = next(d for d in library.developments if f"d:{d.id}" == late)
    post = digest.post(library, middle_east).text
    assert statement.title in post
    assert planner.posted_kinds(library, inputs("bletchley")) == ""


@pytest.mark.parametrize("late", ["t:bletchley", "s:ai-for-good-2026"])
def test_a_revised_topic_or_a_changed_summit_alone_is_news(library: Library, late: str) -> None:
    """A topic revised, or a summit changed, after the last digest went out, with no new
    development: the next digest is posted (not skipped as "nothing new")."""
    schedule = Schedule(EVERY_DAY, time(9), "UTC")
    last = datetime(2026, 12, 5, 9, tzinfo=UTC)
    seen = planner.seen_on(library, last.date()) - {late}
    sub = Channel(schedule, last_digest_for=last, news_seen=seen)
    inputs = planner.digest_inputs(library, sub, last + timedelta(days=1), DIGEST)
    assert planner.posted_kinds(library, inputs) == DIGEST
    assert planner.posted_kinds(library, replace(inputs, seen=seen | {late})) == ""


@pytest.mark.parametrize("lang", ["fr", "zh"])
def test_a_channel_limited_to_a_topic_reads_it_in_its_own_language(
    library: Library, lang: str
) -> None:
    """A French (or Chinese) channel limited to the Bletchley Declaration is posted from the
    narrowed content in its own language: the topic's translated title, not the English one."""
    english = planner.scoped(library, frozenset({"bletchley"}))
    translated = english.localized.get(lang)
    assert translated is not None, f"no {lang} version of the narrowed content"
    (own,) = [tp for tp in library.localized[lang].topics if tp.id == "bletchley"]
    assert [tp.title for tp in translated.topics] == [own.title]
    assert own.title != english.topics[0].title
