"""The store's own safeguards behind exactly-once, each on its own: a channel's post for one
scheduled instant is one row that no second clock can claim again (the database refuses a second
row for the slot, and the store skips a slot already taken), and a claim whose lease lapsed on a
subscription that was paused meanwhile is given up, never posted. And what a pass leaves for the
next one: a retry waits for its time on its own row, a released or lapsed claim is taken over
(with whether it may have been posted), a pass claims no more than its batch, passes over
thousands of channels miss none, and each channel's status says how its last post ended.

A real database (SQLite and PostgreSQL), nothing of ours replaced."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from bot.content.library import Library
from bot.delivery.outcomes import Status
from bot.delivery.planner import Rules
from bot.store.deliveries import Claim, Outcome
from bot.store.store import Store
from bot.store.tables import deliveries, subscriptions
from bot.subscriptions.schedule import Schedule, parse_schedule
from bot.subscriptions.stored import SubscriptionView

SLOT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
LEASE = timedelta(minutes=2)


@pytest.fixture
def stores(db_url: str) -> Iterator[tuple[Store, Store]]:
    """Two clock processes on one database, and a channel due daily at 09:00 UTC."""
    a, b = Store.open(db_url), Store.open(db_url)
    schedule = parse_schedule(["daily", "09:00", "UTC"])
    assert isinstance(schedule, Schedule)
    a.subscribe(team_id="T1", channel_id="C1", schedule=schedule, now=SLOT - timedelta(hours=1))
    yield a, b
    a.close()
    b.close()


def rules(library: Library) -> Rules:
    return Rules(library, max_late=timedelta(hours=6))


def rows(store: Store) -> list[tuple[datetime, str, str | None]]:
    with store.engine.connect() as conn:
        return [
            (r.scheduled_for, r.status, r.claimed_by)
            for r in conn.execute(select(deliveries).order_by(deliveries.c.id))
        ]


def wake_again(store: Store, at: datetime) -> None:
    """As if a second clock read the subscription before the first moved its wake-up on."""
    with store.engine.begin() as conn:
        conn.execute(update(subscriptions).values(next_wake_at=at))


def test_the_database_refuses_a_second_row_for_one_slot(
    stores: tuple[Store, Store], library: Library
) -> None:
    a, _ = stores
    claims, _ = a.claim_due(SLOT + timedelta(seconds=5), rules(library), lease=LEASE)
    (claim,) = claims
    with pytest.raises(IntegrityError), a.engine.begin() as conn:
        conn.execute(
            insert(deliveries).values(
                subscription_id=claim.subscription.id,
                scheduled_for=SLOT,
                kinds="digest",
                status="claimed",
                attempts=1,
                claimed_by="another clock",
                lease_until=SLOT + LEASE,
                created_at=SLOT,
                maybe_posted=False,
            )
        )
    assert len(rows(a)) == 1


def test_a_slot_already_claimed_is_not_claimed_again_by_another_clock(
    stores: tuple[Store, Store], library: Library
) -> None:
    a, b = stores
    first, _ = a.claim_due(SLOT + timedelta(seconds=5), rules(library), lease=LEASE)
    assert [c.scheduled_for for c in first] == [SLOT]
    wake_again(b, SLOT)  # B sees the same slot due
    second, skipped = b.claim_due(SLOT + timedelta(seconds=6), rules(library), lease=LEASE)
    assert second == [] and skipped == []
    assert rows(a) == [(SLOT, "claimed", a.worker)]
    # and B moved the wake-up on all the same: the next slot is tomorrow's
    sub = b.get("T1", "C1")
    assert sub is not None and sub.next_wake_at == SLOT + timedelta(days=1)


def test_a_lapsed_claim_on_a_paused_subscription_is_given_up_not_posted(
    stores: tuple[Store, Store], library: Library
) -> None:
    a, b = stores
    claims, _ = a.claim_due(SLOT + timedelta(seconds=5), rules(library), lease=LEASE)
    assert len(claims) == 1
    b.pause("T1", "C1", "by U1", SLOT + timedelta(seconds=10))  # A dies; the channel is paused
    later = SLOT + LEASE + timedelta(minutes=1)  # A's lease has lapsed
    taken, skipped = b.claim_due(later, rules(library), lease=LEASE)
    assert taken == [] and skipped == []
    ((slot, status, _),) = rows(b)
    assert (slot, status) == (SLOT, "failed")
    # and it stays given up: no later pass takes it over
    assert b.claim_due(later + timedelta(hours=1), rules(library), lease=LEASE) == ([], [])
    sub = b.get("T1", "C1")
    assert sub is not None and sub.paused and sub.digests_sent == 0
    # not even once the channel is resumed: the post given up is never posted late
    b.resume("T1", "C1", later + timedelta(hours=2))
    assert b.claim_due(later + timedelta(hours=3), rules(library), lease=LEASE) == ([], [])
    (row,) = b.deliveries(sub.id)
    assert (row["status"], row["error"]) == ("failed", "subscription paused or removed")


def test_a_lapsed_claim_on_a_removed_subscription_is_gone(
    stores: tuple[Store, Store], library: Library
) -> None:
    a, b = stores
    a.claim_due(SLOT + timedelta(seconds=5), rules(library), lease=LEASE)
    assert b.unsubscribe("T1", "C1")
    later = SLOT + LEASE + timedelta(minutes=1)
    assert b.claim_due(later, rules(library), lease=LEASE) == ([], [])
    assert rows(b) == []


def test_a_lapsed_claim_on_an_active_subscription_is_taken_over_once(
    stores: tuple[Store, Store], library: Library
) -> None:
    a, b = stores
    a.claim_due(SLOT + timedelta(seconds=5), rules(library), lease=LEASE)
    later = SLOT + LEASE + timedelta(minutes=1)
    (taken,), _ = b.claim_due(later, rules(library), lease=LEASE)
    assert taken.scheduled_for == SLOT and taken.attempts == 2
    assert rows(b) == [(SLOT, "claimed", b.worker)]
    # the first clock, back, cannot take it again while B holds it
    assert a.claim_due(later + timedelta(seconds=1), rules(library), lease=LEASE) == ([], [])
    assert a.renew([taken.delivery_id], later + LEASE) == set()


def subscribe(store: Store, team: str, channel: str) -> None:
    schedule = parse_schedule(["daily", "09:00", "UTC"])
    assert isinstance(schedule, Schedule)
    store.subscribe(team_id=team, channel_id=channel, schedule=schedule, now=SLOT - timedelta(1))


def outcome(claim: Claim, status: Status, at: datetime, **more: object) -> Outcome:
    """What a pass records for ``claim``."""
    return Outcome(
        claim.delivery_id,
        claim.subscription.id,
        status,
        claim.kinds,
        claim.scheduled_for,
        at,
        **more,  # type: ignore[arg-type]
    )


def by_channel(claims: list[Claim]) -> dict[tuple[str, str], Claim]:
    return {(c.subscription.team_id, c.subscription.channel_id): c for c in claims}


def last_result(store: Store, team: str, channel: str) -> str | None:
    sub = store.get(team, channel)
    assert sub is not None
    return sub.last_result


def claimed_in_c1_and_c2(store: Store, library: Library) -> dict[tuple[str, str], Claim]:
    """C2 subscribed next to C1, and the pass's claims of both for the slot, by channel."""
    subscribe(store, "T1", "C2")
    claims, _ = store.claim_due(SLOT + timedelta(seconds=5), rules(library), lease=LEASE)
    return by_channel(claims)


def statuses(store: Store) -> tuple[SubscriptionView, SubscriptionView]:
    """What `/declaration status` reads for C1 and C2."""
    c1, c2 = store.get("T1", "C1"), store.get("T1", "C2")
    assert c1 is not None and c2 is not None
    return c1, c2


def test_a_retry_moves_only_its_own_claim_and_shows_on_its_own_channel(
    stores: tuple[Store, Store], library: Library
) -> None:
    """A post Slack asked to retry in an hour waits for that hour (no other clock takes it over
    and posts it meanwhile), its channel shows `retrying` with the reason, and the other channels'
    posts (another channel, the same channel id in another workspace) are left as they were."""
    a, b = stores
    subscribe(a, "T2", "C1")
    subscribe(a, "T1", "C2")
    claims, _ = a.claim_due(SLOT + timedelta(seconds=5), rules(library), lease=LEASE)
    mine = by_channel(claims)
    assert sorted(mine) == [("T1", "C1"), ("T1", "C2"), ("T2", "C1")]
    retry_at = SLOT + timedelta(hours=1)
    a.record(
        [
            outcome(
                mine["T1", "C1"],
                Status.RETRY,
                SLOT + timedelta(seconds=10),
                error="ratelimited",
                retry_at=retry_at,
            )
        ]
    )
    assert last_result(a, "T1", "C1") == "retrying: ratelimited"
    assert last_result(a, "T2", "C1") is None and last_result(a, "T1", "C2") is None
    for key in [("T2", "C1"), ("T1", "C2")]:
        (row,) = a.deliveries(mine[key].subscription.id)
        assert (row["status"], row["attempts"], row["error"]) == ("claimed", 1, None)
    # A dies: the others' leases lapse and B takes them over; the retry waits for its hour
    later = SLOT + LEASE + timedelta(minutes=1)
    taken, _ = b.claim_due(later, rules(library), lease=timedelta(hours=2))
    assert sorted(by_channel(taken)) == [("T1", "C2"), ("T2", "C1")]
    assert b.claim_due(retry_at - timedelta(seconds=1), rules(library), lease=LEASE) == ([], [])
    (again,), _ = b.claim_due(retry_at + timedelta(seconds=1), rules(library), lease=LEASE)
    assert again.delivery_id == mine["T1", "C1"].delivery_id and again.attempts == 2


def test_a_retry_without_a_time_is_taken_over_when_its_owner_dies(
    stores: tuple[Store, Store], library: Library
) -> None:
    """A retry with no time given is due at once: if its pass dies, the next pass takes it over
    (the claim is not left claimed for ever)."""
    a, b = stores
    (claim,), _ = a.claim_due(SLOT + timedelta(seconds=5), rules(library), lease=LEASE)
    a.record([outcome(claim, Status.RETRY, SLOT + timedelta(seconds=10), error="timeout")])
    (taken,), _ = b.claim_due(SLOT + timedelta(seconds=11), rules(library), lease=LEASE)
    assert taken.delivery_id == claim.delivery_id and taken.attempts == 2


def test_a_retry_s_reason_and_a_possible_post_are_kept_for_whoever_gives_it_up(
    stores: tuple[Store, Store], library: Library
) -> None:
    """A retry whose request may have reached Slack, then its pass dies: the clock that finds it
    too late leaves it `uncertain` (never posts it again) and the channel's status says why,
    with the reason the retry was for."""
    a, b = stores
    (claim,), _ = a.claim_due(SLOT + timedelta(seconds=5), rules(library), lease=LEASE)
    a.record(
        [
            outcome(
                claim,
                Status.RETRY,
                SLOT + timedelta(seconds=10),
                error="no answer from Slack",
                retry_at=SLOT + timedelta(minutes=1),
                maybe_posted=True,
            )
        ]
    )
    late = SLOT + timedelta(hours=7)
    assert b.claim_due(late, rules(library), lease=LEASE)[0] == []
    why = "gave up: more than 6:00:00 late (no answer from Slack)"
    assert last_result(b, "T1", "C1") == f"uncertain: {why}"
    # and the operator's read of the channel's deliveries says the same
    assert a.deliveries(claim.subscription.id) == [
        {
            "scheduled_for": SLOT,
            "kinds": "digest",
            "status": "uncertain",
            "attempts": 1,
            "error": why,
            "message_ts": None,
        }
    ]


def test_a_released_claim_is_taken_over_at_once_and_says_whether_it_may_have_been_posted(
    stores: tuple[Store, Store], library: Library
) -> None:
    """A pass that stops hands its claims back: the next pass takes them over at once (not when
    the lease would have run out, and not never), and looks in the channel's history first for
    the one whose post may have reached Slack."""
    a, b = stores
    subscribe(a, "T1", "C2")
    claims, _ = a.claim_due(SLOT + timedelta(seconds=5), rules(library), lease=LEASE)
    mine = by_channel(claims)
    a.release(
        [(mine["T1", "C1"].delivery_id, True), (mine["T1", "C2"].delivery_id, False)],
        SLOT + timedelta(seconds=10),
    )
    taken, _ = b.claim_due(SLOT + timedelta(seconds=10), rules(library), lease=LEASE)
    theirs = by_channel(taken)
    assert sorted(theirs) == [("T1", "C1"), ("T1", "C2")]
    assert theirs["T1", "C1"].maybe_posted and not theirs["T1", "C2"].maybe_posted
    assert rows(b) == [(SLOT, "claimed", b.worker), (SLOT, "claimed", b.worker)]


def test_a_post_about_to_leave_is_known_to_the_next_owner(
    stores: tuple[Store, Store], library: Library
) -> None:
    """A lease renewed as the post leaves for Slack marks it as maybe posted (the next owner
    looks in the history first); a lease renewed while waiting does not."""
    a, b = stores
    subscribe(a, "T1", "C2")
    claims, _ = a.claim_due(SLOT + timedelta(seconds=5), rules(library), lease=LEASE)
    mine = by_channel(claims)
    until = SLOT + timedelta(minutes=1)
    assert a.renew([mine["T1", "C1"].delivery_id], until, sending=True) == {
        mine["T1", "C1"].delivery_id
    }
    assert a.renew([mine["T1", "C2"].delivery_id], until) == {mine["T1", "C2"].delivery_id}
    taken, _ = b.claim_due(until + timedelta(seconds=1), rules(library), lease=LEASE)
    theirs = by_channel(taken)
    assert theirs["T1", "C1"].maybe_posted and not theirs["T1", "C2"].maybe_posted


def test_a_claim_given_up_by_another_clock_is_neither_kept_nor_recorded_by_its_stalled_owner(
    stores: tuple[Store, Store], library: Library
) -> None:
    """A pass stalls past its lease; meanwhile the channel is paused and another clock gives the
    post up. The stalled pass, back, no longer holds it (its renewal is refused, so it does not
    post into the paused channel) and cannot record it as sent."""
    a, b = stores
    (claim,), _ = a.claim_due(SLOT + timedelta(seconds=5), rules(library), lease=LEASE)
    b.pause("T1", "C1", "by U1", SLOT + timedelta(seconds=10))
    later = SLOT + LEASE + timedelta(minutes=1)
    assert b.claim_due(later, rules(library), lease=LEASE) == ([], [])
    assert a.renew([claim.delivery_id], later + LEASE) == set()
    a.record([outcome(claim, Status.SENT, later, message_ts="1.2")])
    (row,) = a.deliveries(claim.subscription.id)
    assert (row["status"], row["message_ts"]) == ("failed", None)
    sub = a.get("T1", "C1")
    assert sub is not None and sub.digests_sent == 0 and sub.paused


def test_a_paused_channel_s_status_still_shows_its_last_post_after_a_lapsed_claim_is_given_up(
    stores: tuple[Store, Store], library: Library
) -> None:
    """Yesterday's digest was posted; today's pass dies holding its claim and the channel is
    paused meanwhile. The next clock gives the claim up without posting, and the channel's
    `/declaration status` still says how its last post ended: the give-up is not a post, and it
    does not blank what the channel showed."""
    a, b = stores
    (first,), _ = a.claim_due(SLOT + timedelta(seconds=5), rules(library), lease=LEASE)
    posted = SLOT + timedelta(seconds=40)
    a.record([outcome(first, Status.SENT, posted, message_ts="1.2")])
    day2 = SLOT + timedelta(days=1)
    (_dying,), _ = a.claim_due(day2 + timedelta(seconds=5), rules(library), lease=LEASE)
    b.pause("T1", "C1", "by U1", day2 + timedelta(seconds=10))
    assert b.claim_due(day2 + LEASE + timedelta(minutes=1), rules(library), lease=LEASE) == (
        [],
        [],
    )
    sub = b.get("T1", "C1")
    assert sub is not None and sub.paused
    assert (sub.last_delivery_at, sub.last_result, sub.digests_sent) == (posted, "sent", 1)
    assert [r["status"] for r in b.deliveries(sub.id)] == ["sent", "failed"]


def test_a_channel_s_status_says_when_and_how_its_last_post_ended(
    stores: tuple[Store, Store], library: Library
) -> None:
    """`/declaration status` shows when the last post ended and how: a quiet digest says
    `nothing new`; a channel the bot can no longer post to is paused with the reason, says
    `failed` with Slack's error, and is owed nothing more until someone resumes it."""
    a, _ = stores
    mine = claimed_in_c1_and_c2(a, library)
    quiet, gone = SLOT + timedelta(seconds=20), SLOT + timedelta(seconds=30)
    a.record(
        [
            outcome(mine["T1", "C1"], Status.NOTHING_NEW, quiet),
            outcome(
                mine["T1", "C2"],
                Status.FAILED,
                gone,
                error="channel_not_found",
                pause_reason="channel_not_found",
            ),
        ]
    )
    c1, c2 = statuses(a)
    assert (c1.last_delivery_at, c1.last_result, c1.paused) == (quiet, "nothing new", False)
    assert (c2.last_delivery_at, c2.last_result) == (gone, "failed: channel_not_found")
    assert (c2.paused, c2.paused_reason) == (True, "channel_not_found")
    assert c1.digests_sent == c2.digests_sent == 0
    tomorrow, _ = a.claim_due(SLOT + timedelta(days=1, seconds=5), rules(library), lease=LEASE)
    assert sorted(by_channel(tomorrow)) == [("T1", "C1")]


def test_a_channel_s_status_after_a_digest_says_when_it_was_posted_and_what_it_knew(
    stores: tuple[Store, Store], library: Library
) -> None:
    """After a digest reaches the channel, `/declaration status` says it was posted and when (not
    the time of the post before it), counts it, and the channel remembers which slot it was for
    and which news it carried, so the next digest does not repeat them. A quiet digest on another
    channel in the same pass changes none of that for the channel that was posted to."""
    a, _ = stores
    mine = claimed_in_c1_and_c2(a, library)
    posted, quiet = SLOT + timedelta(seconds=40), SLOT + timedelta(seconds=50)
    a.record(
        [
            outcome(mine["T1", "C1"], Status.SENT, posted, message_ts="1.2", news_seen="n1 n2"),
            outcome(mine["T1", "C2"], Status.NOTHING_NEW, quiet),
        ]
    )
    c1, c2 = statuses(a)
    assert (c1.last_delivery_at, c1.last_result, c1.digests_sent) == (posted, "sent", 1)
    assert (c1.last_digest_for, c1.news_seen) == (SLOT, frozenset({"n1", "n2"}))
    assert (c2.last_delivery_at, c2.last_result, c2.digests_sent) == (quiet, "nothing new", 0)
    assert c2.last_digest_for is None and c2.news_seen is None


def test_a_pass_over_thousands_of_channels_keeps_and_records_every_post(
    stores: tuple[Store, Store], library: Library
) -> None:
    """2001 channels due at once: the pass renews every lease (none is taken over under it),
    another clock takes every one over when that pass dies, and records each as sent: no
    channel's post is left behind past the first thousand (or two), and none is posted twice."""
    a, b = stores
    for i in range(2000):
        subscribe(a, "T1", f"D{i}")
    claims, _ = a.claim_due(SLOT + timedelta(seconds=5), rules(library), lease=LEASE)
    ids = {c.delivery_id for c in claims}
    assert len(ids) == 2001 and {c.attempts for c in claims} == {1}
    until = SLOT + timedelta(minutes=10)
    assert a.renew(sorted(ids), until) == ids
    assert b.claim_due(until - timedelta(seconds=1), rules(library), lease=LEASE) == ([], [])
    taken, _ = b.claim_due(until + timedelta(seconds=1), rules(library), lease=LEASE)
    assert {c.delivery_id for c in taken} == ids and {c.attempts for c in taken} == {2}
    done = until + timedelta(seconds=30)
    b.record([outcome(c, Status.SENT, done, message_ts=f"{c.delivery_id}.1") for c in taken])
    assert {status for _, status, _ in rows(b)} == {"sent"}
    with b.engine.connect() as conn:
        counts = conn.execute(select(subscriptions.c.digests_sent)).scalars().all()
    assert len(counts) == 2001 and set(counts) == {1}


def test_a_post_taken_over_by_a_clock_that_dies_too_is_taken_over_again(
    stores: tuple[Store, Store], library: Library
) -> None:
    """A dies holding a post, B takes it over and dies too: when B's lease runs out the post is
    taken over once more (it is not left claimed for ever), counted as its third attempt."""
    a, b = stores
    (first,), _ = a.claim_due(SLOT + timedelta(seconds=5), rules(library), lease=LEASE)
    later = SLOT + LEASE + timedelta(minutes=1)
    (second,), _ = b.claim_due(later, rules(library), lease=LEASE)
    assert b.claim_due(later + LEASE - timedelta(seconds=1), rules(library), lease=LEASE) == (
        [],
        [],
    )
    (third,), _ = a.claim_due(later + LEASE, rules(library), lease=LEASE)
    assert first.delivery_id == second.delivery_id == third.delivery_id
    assert (second.attempts, third.attempts) == (2, 3)
    assert rows(a) == [(SLOT, "claimed", a.worker)]
    assert [r["attempts"] for r in a.deliveries(first.subscription.id)] == [3]


def test_a_pass_claims_no_more_than_its_batch_and_the_longest_waiting_first(
    stores: tuple[Store, Store], library: Library
) -> None:
    """A pass claims at most its batch, posts taken over and newly due together; the rest wait
    for the next pass, and lapsed posts are taken over longest lapsed first."""
    a, b = stores
    for channel in ["C2", "C3", "C4"]:
        subscribe(a, "T1", channel)
    two, _ = a.claim_due(SLOT + timedelta(seconds=5), rules(library), lease=LEASE, limit=2)
    assert len(two) == 2
    later_lease, sooner_lease = two
    # A renews both leases, the second to end sooner; then A dies and both lapse
    assert a.renew([later_lease.delivery_id], SLOT + timedelta(minutes=5))
    assert a.renew([sooner_lease.delivery_id], SLOT + timedelta(minutes=4))
    later = SLOT + timedelta(minutes=6)
    (taken,), _ = b.claim_due(later, rules(library), lease=LEASE, limit=1)
    assert taken.delivery_id == sooner_lease.delivery_id  # lapsed at 09:04, the other at 09:05
    got, _ = b.claim_due(later, rules(library), lease=LEASE, limit=2)
    assert len(got) == 2 and got[0].delivery_id == later_lease.delivery_id
    (last,), _ = b.claim_due(later, rules(library), lease=LEASE, limit=2)
    claimed = {c.subscription.channel_id for c in [taken, *got, last]}
    assert claimed == {"C1", "C2", "C3", "C4"}


def test_a_post_given_up_does_not_hold_back_the_others_lapsed_with_it(
    stores: tuple[Store, Store], library: Library
) -> None:
    """A dies holding two posts; one channel is paused meanwhile. The next pass gives that
    one up and, in the same pass, takes the other channel's post over."""
    a, b = stores
    subscribe(a, "T1", "C2")
    claims, _ = a.claim_due(SLOT + timedelta(seconds=5), rules(library), lease=LEASE)
    mine = by_channel(claims)
    assert a.renew([mine["T1", "C2"].delivery_id], SLOT + timedelta(minutes=5))
    b.pause("T1", "C1", "by U1", SLOT + timedelta(seconds=10))
    (taken,), _ = b.claim_due(SLOT + timedelta(minutes=6), rules(library), lease=LEASE)
    assert taken.delivery_id == mine["T1", "C2"].delivery_id
    assert [r["status"] for r in b.deliveries(mine["T1", "C1"].subscription.id)] == ["failed"]


def test_a_post_too_late_is_skipped_and_its_channel_says_so(
    stores: tuple[Store, Store], library: Library
) -> None:
    """Nothing ran for seven hours: the 09:00 post is recorded as skipped (never posted), the
    channel's status says why, and the next day's post is claimed as usual."""
    a, _ = stores
    claims, skipped = a.claim_due(SLOT + timedelta(hours=7), rules(library), lease=LEASE)
    assert claims == [] and [(s.channel_id, at, kinds) for s, at, kinds in skipped] == [
        ("C1", SLOT, "digest")
    ]
    assert last_result(a, "T1", "C1") == "skipped: more than 6:00:00 late"
    sub = a.get("T1", "C1")
    assert sub is not None
    assert a.deliveries(sub.id) == [
        {
            "scheduled_for": SLOT,
            "kinds": "digest",
            "status": "skipped",
            "attempts": 0,
            "error": "more than 6:00:00 late",
            "message_ts": None,
        }
    ]
    tomorrow = SLOT + timedelta(days=1)
    (claim,), _ = a.claim_due(tomorrow, rules(library), lease=LEASE)  # at its very minute
    assert (claim.scheduled_for, claim.attempts, claim.maybe_posted) == (tomorrow, 1, False)


def test_a_post_never_sent_is_failed_not_uncertain_when_found_too_late(
    stores: tuple[Store, Store], library: Library
) -> None:
    """A dies before sending anything; the clock that finds the post too late says it failed
    (it was never posted), not that it may have been."""
    a, b = stores
    claims, _ = a.claim_due(SLOT + timedelta(seconds=5), rules(library), lease=LEASE)
    assert len(claims) == 1
    assert b.claim_due(SLOT + timedelta(hours=7), rules(library), lease=LEASE)[0] == []
    assert rows(b)[0][1] == "failed"
    assert last_result(b, "T1", "C1") == "failed: gave up: more than 6:00:00 late (no answer)"


def test_a_slot_already_owned_does_not_hold_back_another_channel_due_with_it(
    stores: tuple[Store, Store], library: Library
) -> None:
    """Clock B sees two channels due, one of whose posts clock A already owns: B leaves that
    one alone and claims the other channel's post in the same pass."""
    a, b = stores
    subscribe(a, "T1", "C2")
    (first,), _ = a.claim_due(SLOT + timedelta(seconds=5), rules(library), lease=LEASE, limit=1)
    wake_again(b, SLOT)
    (second,), skipped = b.claim_due(SLOT + timedelta(seconds=6), rules(library), lease=LEASE)
    assert skipped == []
    channels = {first.subscription.channel_id, second.subscription.channel_id}
    assert channels == {"C1", "C2"}


def test_the_channel_waiting_longest_is_claimed_first(
    stores: tuple[Store, Store], library: Library
) -> None:
    """With more channels due than a pass claims, the one whose post has waited longest goes
    first."""
    a, _ = stores
    schedule = parse_schedule(["daily", "08:00", "UTC"])
    assert isinstance(schedule, Schedule)
    a.subscribe(team_id="T1", channel_id="C2", schedule=schedule, now=SLOT - timedelta(hours=2))
    (claim,), _ = a.claim_due(SLOT + timedelta(seconds=5), rules(library), lease=LEASE, limit=1)
    assert claim.subscription.channel_id == "C2"


def test_a_channel_s_deliveries_read_oldest_first_whatever_order_they_ended_in(
    stores: tuple[Store, Store], library: Library
) -> None:
    """A pass dies holding Tuesday's post; Wednesday's pass takes it over along with Wednesday's
    own and finishes Wednesday's first. The channel's deliveries still read Tuesday, then
    Wednesday."""
    a, b = stores
    patient = Rules(library, max_late=timedelta(days=2))
    a.claim_due(SLOT + timedelta(seconds=5), patient, lease=LEASE)
    wednesday = SLOT + timedelta(days=1)
    claims, _ = b.claim_due(wednesday + timedelta(seconds=5), patient, lease=LEASE)
    tuesday_post, wednesday_post = sorted(claims, key=lambda c: c.scheduled_for)
    done = wednesday + timedelta(seconds=30)
    b.record([outcome(wednesday_post, Status.SENT, done, message_ts="2.1")])
    b.record([outcome(tuesday_post, Status.SENT, done, message_ts="1.1")])
    got = b.deliveries(tuesday_post.subscription.id)
    assert [(d["scheduled_for"], d["message_ts"]) for d in got] == [
        (SLOT, "1.1"),
        (wednesday, "2.1"),
    ]
