"""What the planner owes a subscription paused until a day or skipping its next digest (issue 20,
item 5): nothing through the day named, everything again from the day after, without anyone
resuming it; one digest dropped and its reminders kept; the next post said past both. Pure
functions, so checked by properties over schedules, zones and days."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.content.library import Library
from bot.delivery import holds, planner
from bot.delivery.planner import DIGEST, REMINDER, Channel, Rules
from bot.subscriptions.schedule import EVERY_DAY, Schedule, local_day, next_digest, wake_after
from tests.schedulehelp import schedules

LEAD = (30, 7, 1)
starts = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)


@given(schedules(), starts, st.integers(0, 60))
def test_nothing_through_the_day_named_then_everything_again(
    library: Library, schedule: Schedule, now: datetime, days: int
) -> None:
    until = local_day(schedule, now) + timedelta(days=days)
    paused = Channel(schedule, paused_until=until)
    running = Channel(schedule)
    wake = wake_after(schedule, now)
    for _ in range(days + 10):
        if local_day(schedule, wake) <= until:
            assert planner.owed(library, paused, wake, LEAD) == ""
        else:
            assert planner.owed(library, paused, wake, LEAD) == planner.owed(
                library, running, wake, LEAD
            )
        wake = wake_after(schedule, wake)


@given(schedules(), starts, st.integers(0, 60))
def test_the_next_post_comes_after_the_pause(
    library: Library, schedule: Schedule, now: datetime, days: int
) -> None:
    until = local_day(schedule, now) + timedelta(days=days)
    found = planner.next_post(library, Channel(schedule, paused_until=until), now, LEAD)
    assert found is not None
    assert local_day(schedule, found[0]) > until
    assert found[0] >= holds.resumes_at(Channel(schedule, paused_until=until), now)


def test_a_plan_across_the_pause_posts_on_the_day_after(library: Library) -> None:
    """Daily at 09:00 UTC, paused through 10 March: the clock's pass at 09:00 on 10 March owes
    nothing, the one on 11 March owes the digest."""
    schedule = Schedule(EVERY_DAY, time(9), "UTC")
    sub = Channel(schedule, paused_until=date(2027, 3, 10))
    rules = Rules(library)
    tenth = datetime(2027, 3, 10, 9, tzinfo=UTC)
    assert rules.plan(sub, tenth, tenth).posts == ()
    eleventh = tenth + timedelta(days=1)
    (post,) = rules.plan(sub, eleventh, eleventh).posts
    assert post.scheduled_for == eleventh and DIGEST in post.kinds


def reminder_day(library: Library) -> date:
    """A day a summit reminder goes out (seven days before a summit starts)."""
    summit = next(s for s in library.summits if s.starts is not None)
    assert summit.starts is not None
    return summit.starts - timedelta(days=7)


def test_skip_drops_the_digest_and_keeps_the_reminder(library: Library) -> None:
    schedule = Schedule(EVERY_DAY, time(9), "UTC")
    day = reminder_day(library)
    slot = datetime.combine(day, time(9), UTC)
    sub = Channel(schedule, skip_digest_at=slot)
    assert planner.owed(library, Channel(schedule), slot, LEAD) == f"{DIGEST}+{REMINDER}"
    assert planner.owed(library, sub, slot, LEAD) == REMINDER
    after = slot + timedelta(days=1)
    assert DIGEST in planner.owed(library, sub, after, LEAD)  # the one after comes


@given(schedules(), starts)
def test_skip_next_skips_exactly_the_next_digest(
    library: Library, schedule: Schedule, now: datetime
) -> None:
    sub = Channel(schedule, receives="digests")
    slot = holds.next_digest_slot(sub, now)
    assert slot == next_digest(schedule, now)
    skipping = Channel(schedule, receives="digests", skip_digest_at=slot)
    assert planner.owed(library, skipping, slot, LEAD) == ""
    found = planner.next_post(library, skipping, now, LEAD)
    assert found is not None and found[0] == next_digest(schedule, slot)


def test_a_subscription_of_reminders_only_has_no_digest_to_skip() -> None:
    sub = Channel(Schedule(EVERY_DAY, time(9), "UTC"), receives="reminders")
    assert holds.next_digest_slot(sub, datetime(2026, 12, 5, tzinfo=UTC)) is None
