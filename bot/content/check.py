"""``check-content``: what an editor should fix, translate or look at again, as of a day.

Errors stop the load (:class:`bot.content.ContentError`). Everything here is a warning: the content
is usable as it is, but something is missing (a translation) or may no longer be true (staleness).
``--strict`` turns every warning into an error.

Staleness is judged as of a day (today, or ``--as-of``). A warning about the calendar that arose
before the day ``content/summits.yml`` was last ``reviewed:`` is one the editor has already looked
at and left as it is (e.g. "WAIC 2026 is still not confirmed as held": no report exists yet); it is
listed as checked, not as a warning. "No dated event in the next 180 days" stays checked for 30
days after a review; "not reviewed for 90 days" is never silenced except by a new review.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TextIO

from bot.content.library import Library
from bot.content.problems import Problem
from bot.content.schema import Summit
from bot.periods import describe_period

STALE_AFTER_DAYS = 90  # a file not reviewed for longer is flagged
HORIZON_DAYS = 180  # "no dated event in the next 180 days"
HELD_GRACE_DAYS = 7  # an event that ended more than a week ago should be marked as held
CALENDAR_RECHECK_DAYS = 30  # a review covers "no dated event ahead" for this long


@dataclass(frozen=True)
class Stale:
    """A staleness warning: what to look at, and whether a review has already covered it."""

    problem: Problem
    checked_on: date | None = None  # the review that covers it; None: still to look at


def as_of_date(value: str) -> date:
    """``--as-of`` as a date (argparse type)."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-11-27"
        ) from None


def staleness(library: Library, as_of: date) -> list[Stale]:
    """Every staleness warning about ``library`` as of ``as_of``, in file order."""
    out: list[Stale] = []
    summits_file = next(iter(library.summit_places.values()), ("content/summits.yml", None))[0]
    summits_reviewed = library.reviewed.get(summits_file)

    def add(problem: Problem, since: date, covered_for: int | None = None) -> None:
        seen = summits_reviewed
        covered = seen is not None and seen >= since
        if covered_for is not None:
            covered = seen is not None and (as_of - seen).days <= covered_for
        out.append(Stale(problem, summits_reviewed if covered else None))

    for s in library.summits:
        file, line = library.summit_places.get(s.id, (summits_file, None))
        for message, since in _summit_warnings(s, as_of):
            add(Problem(file, line, s.id, message), since)
    calendar = _calendar_warning(library.summits, as_of)
    if calendar is not None:
        add(Problem(summits_file, None, "", calendar), as_of, covered_for=CALENDAR_RECHECK_DAYS)
    out.extend(_review_warnings(library, as_of))
    return out


def _summit_warnings(s: Summit, as_of: date) -> Iterator[tuple[str, date]]:
    """What is stale about one event (its undated period is over, its unconfirmed dates or its
    not being marked as held after it ended), and from which day a review covers it."""
    known = s.period or s.expected
    if s.starts is None and known is not None and known.last_day < as_of:
        field = "period" if s.period is not None else "expected"
        yield (
            f"its {'announced' if field == 'period' else 'expected'} period, "
            f"{describe_period(known)}, ended on {known.last_day} and it still has no "
            "dates: add 'starts' and 'ends' (and 'held: true' with a source if it took "
            f"place), or change '{field}' if it was moved",
            known.last_day + timedelta(days=1),
        )
    window = s.window
    if s.starts is None or window is None:
        return
    last = window[1]
    if s.tentative and last < as_of:
        yield (
            f"ended on {last} and its dates are still marked unconfirmed "
            "('tentative: true'): look for a report after the event, then confirm the "
            "dates (remove 'tentative') or correct them",
            last + timedelta(days=1),
        )
    if not s.held and (as_of - last).days > HELD_GRACE_DAYS:
        yield (
            f"ended on {last}, more than a week ago, and is not marked as held: if a "
            "report after the event says it took place, add 'held: true' and cite that "
            "report in its sources",
            last + timedelta(days=HELD_GRACE_DAYS + 1),
        )


def _calendar_warning(summits: Sequence[Summit], as_of: date) -> str | None:
    """The warning when no event has dates within the horizon (no reminder would go out)."""
    horizon = as_of + timedelta(days=HORIZON_DAYS)
    if any(s.starts is not None and as_of <= s.starts <= horizon for s in summits):
        return None
    waiting = [
        s.id for s in summits if s.starts is None and s.window is not None and s.window[1] >= as_of
    ]
    look = f" of {', '.join(waiting)}" if waiting else ""
    return (
        f"no event has dates in the next {HORIZON_DAYS} days (to {horizon}), so no "
        f"reminder will go out: look for announced dates{look} and add them; if none "
        f"are announced yet, set 'reviewed: {as_of}' at the top of this file to record "
        f"that you checked (this warning then waits {CALENDAR_RECHECK_DAYS} days)"
    )


def _review_warnings(library: Library, as_of: date) -> Iterator[Stale]:
    """A file with no ``reviewed:`` date, or one reviewed too long ago."""
    for file, reviewed in library.reviewed.items():
        where = (
            "as the line right after 'id:'"
            if "/topics/" in file.replace("\\", "/")
            else "at the top of the file"
        )
        if reviewed is None:
            message = (
                f"has no 'reviewed:' date: check its facts and sources, then add "
                f"'reviewed: {as_of}' {where}"
            )
        elif (as_of - reviewed).days > STALE_AFTER_DAYS:
            message = (
                f"last reviewed on {reviewed}, {(as_of - reviewed).days} days ago: check its "
                f"facts and sources, then set 'reviewed: {as_of}'"
            )
        else:
            continue
        yield Stale(Problem(file, None, "reviewed", message))


def run(
    library: Library,
    shown_dir: object,
    *,
    strict: bool,
    as_of: date,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Print what check-content found; 0 unless ``strict`` and there is any warning."""
    out = out or sys.stdout
    err = err or sys.stderr
    stale = staleness(library, as_of)
    warnings: list[Problem] = [*library.warnings, *(s.problem for s in stale if not s.checked_on)]
    checked = [s for s in stale if s.checked_on]
    if strict and warnings:
        _print_list(
            err,
            f"Content is invalid under --strict ({_count(warnings, 'warning')} as of {as_of}):",
            warnings,
        )
        return 1
    print(
        f"Content OK: {len(library.topics)} topics, {len(library.summits)} summits, "
        f"{len(library.developments)} developments in {shown_dir} (as of {as_of})",
        file=out,
    )
    if checked:
        seen = checked[0].checked_on
        _print_list(
            out,
            f"Checked on {seen} and left as they are ({len(checked)}):",
            [s.problem for s in checked],
        )
    if warnings:
        _print_list(err, f"{_count(warnings, 'warning')}:", warnings)
    return 0


def _count(items: Sequence[object], word: str) -> str:
    return f"{len(items)} {word}{'s' if len(items) != 1 else ''}"


def _print_list(stream: TextIO, head: str, problems: Sequence[Problem]) -> None:
    print("\n".join([head, *(f"  {p}" for p in problems)]), file=stream)
