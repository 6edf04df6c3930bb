"""Digest schedules drawn by hypothesis, in every time zone Python knows by its own name."""

from __future__ import annotations

from datetime import time
from zoneinfo import available_timezones

from hypothesis import strategies as st

from bot.subscriptions.schedule import (
    EVERY_DAY,
    Schedule,
    zone,
)

ALL_ZONES = sorted(
    name
    for name in available_timezones()
    if (found := zone(name)) is not None and found.key == name
)


day_sets = st.frozensets(st.integers(0, 6), min_size=1)


@st.composite
def schedules(draw: st.DrawFn) -> Schedule:
    days = draw(
        st.one_of(st.just(EVERY_DAY), st.integers(0, 6).map(lambda d: frozenset({d})), day_sets)
    )
    at = time(draw(st.integers(0, 23)), draw(st.integers(0, 59)))
    return Schedule(days, at, draw(st.sampled_from(ALL_ZONES)))
