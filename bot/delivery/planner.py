"""What a channel is owed at an instant, and when it next wakes: the one module that decides.

Pure: no database, no Slack, no clock reads. Everything comes in as arguments (the content, the
subscription, ``now``, the settings) and goes out as plain frozen values, which the store writes
(:meth:`bot.store.Store.claim_due`) and the deliverer posts (:mod:`bot.delivery.deliverer`).

- **Kinds.** A wake-up owes a ``digest`` on the channel's digest days and a ``reminder`` on a day
  with a summit ``lead_days`` ahead; ``receives`` keeps one of the two, ``topics`` narrows the
  content to a smaller library (:func:`scoped`). Kinds are written ``""``, ``"digest"``,
  ``"reminder"`` or ``"digest+reminder"``.
- **A pass** (:func:`plan`). The wake-ups from a subscription's stored due instant to ``now`` are
  looked at together: those still within ``max_late`` become one post at the latest of them,
  owing the union of their kinds; the latest that is too late is recorded as skipped (never
  posted). The next wake-up is the first after ``now``.
- **Nothing new** (:func:`skips`). A digest alone (no reminder due) with nothing to report since
  the channel's last *posted* digest is recorded and not posted; the first digest after
  subscribing is always posted, and so is every digest of an ``always`` channel.
- **A digest's inputs** (:class:`DigestInputs`). Everything a post is made from besides the
  content, in one frozen value: equal inputs, equal posts, so it is also the key posts are shared
  under in a pass.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Protocol

from bot.delivery import holds
from bot.delivery.outcomes import Status, last_result
from bot.subscriptions.schedule import (
    Cadence,
    Schedule,
    latest_slot_at_or_before,
    local_day,
    next_digest,
    wake_after,
)
from bot.subscriptions.stored import Kinds, Receives

if TYPE_CHECKING:
    from bot.content.library import Library
    from bot.content.schema import Development, Summit, Topic

DIGEST = Kinds.DIGEST.word
REMINDER = Kinds.REMINDER.word
DEFAULT_LEAD_DAYS = (30, 7, 1, 0)  # days before a summit starts that its reminder goes out (0:
# the day it opens)
DEFAULT_MAX_LATE = timedelta(hours=6)  # a post later than this is recorded as skipped
MAX_MISSED = 400  # wake-ups looked at after an outage; older ones are only counted
LATE_DAYS = 7  # an item reaching the content up to this many days after its date is still news


class Subscribed(Protocol):
    """What the planner reads of a subscription (``stored.SubscriptionView`` has it all)."""

    @property
    def schedule(self) -> Schedule: ...
    @property
    def lang(self) -> str: ...
    @property
    def receives(self) -> str: ...
    @property
    def topics(self) -> frozenset[str]: ...
    @property
    def always(self) -> bool: ...
    @property
    def last_digest_for(self) -> datetime | None: ...
    @property
    def news_seen(self) -> frozenset[str] | None: ...
    @property
    def digests_sent(self) -> int: ...
    @property
    def paused_until(self) -> date | None: ...
    @property
    def skip_digest_at(self) -> datetime | None: ...


@dataclass(frozen=True)
class Channel:
    """A subscription as a bare value (a :class:`Subscribed`): for a post or a question about a
    channel that has no stored subscription, or only some of one."""

    schedule: Schedule
    lang: str = "en"
    receives: str = Receives.ALL
    topics: frozenset[str] = frozenset()
    always: bool = False
    last_digest_for: datetime | None = None
    news_seen: frozenset[str] | None = None
    digests_sent: int = 0
    paused_until: date | None = None
    skip_digest_at: datetime | None = None


def join_kinds(kinds: Iterable[str]) -> str:
    """Kinds in their one spelling: digest first, then reminder."""
    found = Kinds(0)
    for word in kinds:
        found |= Kinds.read(word)
    return found.word


# --- what the content owes a day ----------------------------------------------------------------


@dataclass(frozen=True)
class Reminder:
    summit: Summit
    days: int  # days before it starts


def reminders_on(library: Library, day: date, lead_days: Sequence[int]) -> list[Reminder]:
    """Summits whose start is one of the lead days after ``day`` (a local calendar date)."""
    out = []
    for s in library.summits:
        if s.starts is None:
            continue
        days = (s.starts - day).days
        if days in lead_days:
            out.append(Reminder(s, days))
    out.sort(key=lambda r: (r.days, r.summit.name))
    return out


def kinds_on(library: Library, schedule: Schedule, wake: datetime, lead_days: Sequence[int]) -> str:
    """'', 'digest', 'reminder' or 'digest+reminder': what a wake-up at ``wake`` must post, for
    every kind of post and the whole of ``library``."""
    day = local_day(schedule, wake)
    kinds = Kinds(0)
    if schedule.is_digest_day(day):
        kinds |= Kinds.DIGEST
    if reminders_on(library, day, lead_days):
        kinds |= Kinds.REMINDER
    return kinds.word


def next_post_on(
    library: Library,
    schedule: Schedule,
    now: datetime,
    lead_days: Sequence[int],
    horizon_days: int = 40,
) -> tuple[datetime, str] | None:
    """When a schedule next owes a post and what kind, looking ``horizon_days`` ahead."""
    digest_at = next_digest(schedule, now)
    wake = now
    for _ in range(horizon_days):
        wake = wake_after(schedule, wake)
        if wake > digest_at:
            break
        if reminders_on(library, local_day(schedule, wake), lead_days):
            return wake, kinds_on(library, schedule, wake, lead_days)
    return digest_at, kinds_on(library, schedule, digest_at, lead_days)


# --- what a subscription owes -------------------------------------------------------------------

_SCOPED: dict[tuple[int, frozenset[str]], tuple[Library, Library]] = {}
_SCOPED_LIMIT = 256


def _restrict(lib: Library, topics: frozenset[str]) -> Library:
    developments = tuple(d for d in lib.developments if topics.intersection(d.topics))
    linked = {event for d in developments for event in d.events}
    summits = tuple(s for s in lib.summits if topics.intersection(s.topics) or s.id in linked)
    kept = tuple(tp for tp in lib.topics if tp.id in topics)
    return replace(lib, topics=kept, summits=summits, developments=developments, localized={})


def scoped(library: Library, topics: frozenset[str]) -> Library:
    """The library a channel limited to ``topics`` sees, in every language (built once per
    content version and set of topics). No limit, or none of the topics left in the content:
    the whole library."""
    if not topics or not topics.intersection(tp.id for tp in library.topics):
        return library
    key = (id(library), topics)
    hit = _SCOPED.get(key)
    if hit is not None and hit[0] is library:
        return hit[1]
    versions = {
        lang: _restrict(lib, topics)
        for lang, lib in (dict(library.localized) or {library.lang: library}).items()
    }
    for version in versions.values():
        object.__setattr__(version, "localized", versions)
    found = versions.get(library.lang) or _restrict(library, topics)
    if len(_SCOPED) >= _SCOPED_LIMIT:
        _SCOPED.clear()
    _SCOPED[key] = (library, found)
    return found


_RECEIVED = {
    Receives.ALL: Kinds.DIGEST | Kinds.REMINDER,
    Receives.DIGESTS: Kinds.DIGEST,
    Receives.REMINDERS: Kinds.REMINDER,
}


def owed(library: Library, sub: Subscribed, wake: datetime, lead_days: Sequence[int]) -> str:
    """What a wake-up owes this channel, within what it receives and what it holds back
    (:mod:`bot.delivery.holds`: nothing through a ``pause until``, no digest at a ``skip next``
    slot): '', 'digest', 'reminder' or 'digest+reminder'."""
    if holds.paused_on(sub, wake):
        return ""
    kinds = Kinds.read(kinds_on(scoped(library, sub.topics), sub.schedule, wake, lead_days))
    if holds.skipped(sub, wake):
        kinds &= ~Kinds.DIGEST
    return (kinds & _RECEIVED[Receives(sub.receives)]).word


def next_reminder(
    library: Library, schedule: Schedule, now: datetime, lead_days: Sequence[int]
) -> datetime | None:
    """The first wake-up after ``now`` whose local day has a summit reminder, if any."""
    today = local_day(schedule, now)
    days = sorted(
        {
            s.starts - timedelta(days=lead)
            for s in library.summits
            for lead in lead_days
            if s.starts is not None and s.starts - timedelta(days=lead) >= today
        }
    )
    for day in days:
        # start from noon UTC two days before: at least one wake-up before that local day
        wake = wake_after(schedule, max(now, datetime.combine(day, time(12), UTC) - timedelta(2)))
        for _ in range(5):
            found = local_day(schedule, wake)
            if found >= day:
                break
            wake = wake_after(schedule, wake)
        if found == day and wake > now:
            return wake
    return None


def next_post(
    library: Library, sub: Subscribed, now: datetime, lead_days: Sequence[int]
) -> tuple[datetime, str] | None:
    """When this channel next gets a post, and what kind, within what it receives and what it
    holds back (after a ``pause until``; past a skipped digest)."""
    found = _next_post(library, sub, holds.resumes_at(sub, now), lead_days)
    if found is None or not holds.skipped(sub, found[0]):
        return found
    rest = owed(library, sub, found[0], lead_days)
    return (found[0], rest) if rest else _next_post(library, sub, found[0], lead_days)


def _next_post(
    library: Library, sub: Subscribed, now: datetime, lead_days: Sequence[int]
) -> tuple[datetime, str] | None:
    lib = scoped(library, sub.topics)
    if sub.receives == Receives.DIGESTS:
        return next_digest(sub.schedule, now), DIGEST
    if sub.receives == Receives.REMINDERS:
        when = next_reminder(lib, sub.schedule, now, lead_days)
        return (when, REMINDER) if when is not None else None
    return next_post_on(lib, sub.schedule, now, lead_days)


# --- a pass of the clock ------------------------------------------------------------------------


@dataclass(frozen=True)
class Rules:
    """What a pass weighs besides the subscriptions: the content and the delivery settings."""

    library: Library
    lead_days: tuple[int, ...] = DEFAULT_LEAD_DAYS
    max_late: timedelta = DEFAULT_MAX_LATE

    # the two decisions the store asks for in the transaction that claims what is due
    # (bot.store.deliveries.Planning): the store is handed them, it does not import them

    def plan(self, sub: Subscribed, due: datetime, now: datetime) -> Plan:
        """:func:`plan` under these rules."""
        return plan(sub, due, now, self)

    def take_over(
        self,
        *,
        scheduled_for: datetime,
        maybe_posted: bool,
        error: str | None,
        active: bool,
        now: datetime,
    ) -> Takeover:
        """:func:`take_over` under these rules."""
        return take_over(
            scheduled_for=scheduled_for,
            maybe_posted=maybe_posted,
            error=error,
            active=active,
            now=now,
            max_late=self.max_late,
        )


@dataclass(frozen=True)
class Post:
    """One post owed for one scheduled instant."""

    scheduled_for: datetime
    kinds: str
    skipped: str | None = None  # why it is recorded as skipped and never posted (too late)


@dataclass(frozen=True)
class Plan:
    """What one due subscription is owed at ``now``, and when it wakes next."""

    posts: tuple[Post, ...]  # the skipped one (if any) first, then the one to post (if any)
    next_wake: datetime

    @property
    def on_time(self) -> tuple[Post, ...]:
        return tuple(p for p in self.posts if p.skipped is None)

    @property
    def too_late(self) -> tuple[Post, ...]:
        return tuple(p for p in self.posts if p.skipped is not None)


def next_wake(schedule: Schedule, now: datetime) -> datetime:
    """When a subscription (new, resumed, or just served) wakes next: the first wake-up after
    ``now``, on any day (reminders go out on any day)."""
    return wake_after(schedule, now)


def wakes(schedule: Schedule, due: datetime, now: datetime) -> list[datetime]:
    """The wake-ups from ``due`` (a stored wake-up that has come) to ``now``: every one, up to
    ``MAX_MISSED``, then the latest (a very long outage is not walked through)."""
    found: list[datetime] = []
    w = due
    while w <= now and len(found) < MAX_MISSED:
        found.append(w)
        w = wake_after(schedule, w)
    if w <= now:
        found.append(latest_slot_at_or_before(schedule, w, now))
    return found


def plan(sub: Subscribed, due: datetime, now: datetime, rules: Rules) -> Plan:
    """The posts owed for every wake-up from ``due`` to ``now``, and the next wake-up.

    Posts still within ``max_late`` are coalesced into one, at the latest such wake-up, owing
    everything they owed together; the latest post that is too late is recorded as skipped.
    """
    on_time: set[str] = set()
    slot: datetime | None = None
    late: Post | None = None
    for wake in wakes(sub.schedule, due, now):
        kinds = owed(rules.library, sub, wake, rules.lead_days)
        if not kinds:
            continue
        if now - wake > rules.max_late:
            late = Post(wake, kinds, skipped=f"more than {rules.max_late} late")
        else:
            on_time.update(kinds.split("+"))
            slot = wake
    posts = [late] if late is not None else []
    if slot is not None:
        posts.append(Post(slot, join_kinds(on_time)))
    return Plan(tuple(posts), next_wake(sub.schedule, now))


@dataclass(frozen=True)
class Takeover:
    """What becomes of a claimed post whose lease ran out (its pass died or gave up for now)."""

    status: Status  # claimed: taken over by this pass; failed or uncertain: finished now
    error: str | None = None
    last_result: str | None = None  # what the channel's status shows, when it changes


def take_over(
    *,
    scheduled_for: datetime,
    maybe_posted: bool,
    error: str | None,
    active: bool,
    now: datetime,
    max_late: timedelta,
) -> Takeover:
    """Whether a post left by another pass is taken over: not for a paused or removed
    subscription, and never later than ``max_late`` (a post that may have landed is then left
    uncertain, never sent)."""
    if not active:
        return Takeover(Status.FAILED, error or "subscription paused or removed")
    if now - scheduled_for > max_late:
        status = Status.UNCERTAIN if maybe_posted else Status.FAILED
        why = f"gave up: more than {max_late} late ({error or 'no answer'})"
        return Takeover(status, why, last_result(status, why))
    return Takeover(Status.CLAIMED, error)


# --- what is new --------------------------------------------------------------------------------


@dataclass(frozen=True)
class WhatsNew:
    """What a digest reports as new since the channel's last posted digest."""

    developments: tuple[Development, ...] = ()  # newest first
    topics: tuple[Topic, ...] = ()  # revised
    summits: tuple[Summit, ...] = ()  # added or changed

    def __bool__(self) -> bool:
        return bool(self.developments or self.topics or self.summits)


def _dated(library: Library) -> list[tuple[str, date]]:
    """Everything that can be news: its key (``d:``, ``t:`` or ``s:`` and its id) and the day it
    became news."""
    items = [(f"d:{d.id}", d.added) for d in library.developments]
    items += [(f"t:{tp.id}", tp.updated) for tp in library.topics]
    items += [(f"s:{s.id}", s.updated) for s in library.summits if s.updated is not None]
    return items


def whats_new(
    library: Library, day: date, since: date | None, seen: frozenset[str] | None
) -> WhatsNew:
    """What a digest on local ``day`` reports as new.

    ``since`` is the local day of the channel's last POSTED digest (None before the first one:
    then nothing is "new", everything is), and ``seen`` the keys of the recent items that digest
    already knew (see :func:`seen_on`). An item is new when it is dated after ``since`` and no
    later than ``day``; or dated up to ``LATE_DAYS`` before ``since`` but put in the content
    after that digest went out (added later that day, or deployed a few days late). Slots
    skipped as "nothing new" in between change nothing: the comparison is always with the last
    digest the channel actually received. ``seen`` None (a digest posted before this was
    recorded) counts everything dated up to ``since`` as known.
    """
    if since is None:
        return WhatsNew()
    oldest = since - timedelta(days=LATE_DAYS)

    def new(key: str, when: date | None) -> bool:
        if when is None or when > day:
            return False
        if when > since:
            return True
        return seen is not None and when >= oldest and key not in seen

    return WhatsNew(
        developments=tuple(d for d in library.developments if new(f"d:{d.id}", d.added)),
        topics=tuple(tp for tp in library.topics if new(f"t:{tp.id}", tp.updated)),
        summits=tuple(s for s in library.summits if new(f"s:{s.id}", s.updated)),
    )


def seen_on(library: Library, day: date) -> frozenset[str]:
    """The keys of the items dated from ``LATE_DAYS`` before ``day`` to ``day``: what a digest
    posted on ``day`` knew of, so that the next digest does not report them again."""
    oldest = day - timedelta(days=LATE_DAYS)
    return frozenset(key for key, when in _dated(library) if oldest <= when <= day)


# --- a digest's inputs --------------------------------------------------------------------------


@dataclass(frozen=True)
class DigestInputs:
    """Everything a digest or reminder post is made from besides the content: two channels with
    equal inputs (and the same library) are owed the same post, word for word.

    It is also the key a pass shares composed posts under, so an input left out here is one the
    post cannot read (:func:`bot.delivery.digest.post` reads nothing else). What a channel receives
    enters through ``kinds``; its zone and instant through ``day`` and ``since``.
    """

    library: int  # which content library: its identity (id), valid while the library lives
    lang: str
    topics: frozenset[str]  # the topics the channel is limited to (empty: every topic)
    kinds: str  # digest, reminder, or digest+reminder
    cadence: Cadence  # what the header says: daily, weekly, or on some days
    day: date  # the post's local day
    since: date | None  # the local day of the channel's last posted digest (None: none yet)
    seen: frozenset[str] | None  # what that digest knew of (see seen_on)
    always: bool  # posted even with nothing new (and the welcome says nothing of quiet days)
    featured: int  # which topic is featured (its index in the scoped library)
    lead_days: tuple[int, ...]  # which reminders are due on ``day``
    # the first digest's welcome says when posts come, and whether reminders do (None, True:
    # any later post, so that they share one composition whatever their schedule)
    schedule: Schedule | None = None
    reminders: bool = True

    @property
    def first(self) -> bool:
        """The channel's first digest: a welcome and the latest developments."""
        return self.since is None


def digest_inputs(
    library: Library,
    sub: Subscribed,
    scheduled_for: datetime,
    kinds: str,
    lead_days: Sequence[int] = DEFAULT_LEAD_DAYS,
) -> DigestInputs:
    """The inputs of a channel's post at ``scheduled_for``, from ``library`` narrowed to its
    topics."""
    schedule = sub.schedule
    count = len(scoped(library, sub.topics).topics)
    return DigestInputs(
        library=id(library),
        lang=sub.lang,
        topics=sub.topics,
        kinds=kinds,
        cadence=schedule.cadence,
        day=local_day(schedule, scheduled_for),
        since=local_day(schedule, sub.last_digest_for) if sub.last_digest_for else None,
        seen=sub.news_seen,
        always=sub.always,
        featured=sub.digests_sent % max(1, count),
        lead_days=tuple(lead_days),
        schedule=None if sub.last_digest_for else schedule,
        reminders=bool(sub.last_digest_for) or sub.receives != Receives.DIGESTS,
    )


def posted_kinds(library: Library, inputs: DigestInputs) -> str:
    """What this post carries once its digest is weighed: a digest with no development, revision
    or summit change to report since the channel's last posted digest (not its first, not
    ``always``) is left out, so a reminder due with it goes alone, as its own short post (never
    "nothing new"); '' when nothing is left (the post is skipped as "nothing new")."""
    kinds = Kinds.read(inputs.kinds)
    if Kinds.DIGEST not in kinds or inputs.always or inputs.since is None:
        return inputs.kinds
    if whats_new(scoped(library, inputs.topics), inputs.day, inputs.since, inputs.seen):
        return inputs.kinds
    return (kinds & ~Kinds.DIGEST).word
