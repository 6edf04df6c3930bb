"""Announced periods: the parser an editor's "2027-H1" goes through, and how periods are said."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.periods import Period, describe_period, parse_period


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        (2028, Period(2028)),
        ("2028", Period(2028)),
        ("2027-H1", Period(2027, "half", 1)),
        (" 2027-h2 ", Period(2027, "half", 2)),
        ("2027-Q3", Period(2027, "quarter", 3)),
        ("2027-07", Period(2027, "month", 7)),
        ("2027-7", Period(2027, "month", 7)),
    ],
)
def test_what_an_editor_writes(written: object, expected: Period) -> None:
    assert parse_period(written) == expected


@pytest.mark.parametrize(
    "written",
    [
        "2027-13",
        "2027-00",
        "2027-H3",
        "2027-Q5",
        "27",
        "July 2027",
        "2027-07-01",
        "",
        True,
        None,
        1899,
        2.5,
    ],
)
def test_what_is_refused_says_how_to_write_it(written: object) -> None:
    with pytest.raises(ValueError, match="2027-H1"):
        parse_period(written)


@pytest.mark.parametrize(
    ("period", "en", "fr", "zh"),
    [
        (Period(2027, "half", 1), "first half of 2027", "premier semestre 2027", "2027年上半年"),
        (Period(2027, "half", 2), "second half of 2027", "second semestre 2027", "2027年下半年"),
        (
            Period(2027, "quarter", 3),
            "third quarter of 2027",
            "troisième trimestre 2027",
            "2027年第三季度",
        ),
        (Period(2027, "month", 7), "July 2027", "juillet 2027", "2027年7月"),
        (Period(2028), "2028", "2028", "2028年"),
    ],
)
def test_periods_are_said_in_each_language(period: Period, en: str, fr: str, zh: str) -> None:
    assert [describe_period(period, lang) for lang in ("en", "fr", "zh")] == [en, fr, zh]


periods = st.one_of(
    st.builds(Period, st.integers(1900, 2199)),
    st.builds(Period, st.integers(1900, 2199), st.just("half"), st.integers(1, 2)),
    st.builds(Period, st.integers(1900, 2199), st.just("quarter"), st.integers(1, 4)),
    st.builds(Period, st.integers(1900, 2199), st.just("month"), st.integers(1, 12)),
)


@given(periods)
def test_the_written_form_parses_back_and_bounds_hold(period: Period) -> None:
    assert parse_period(str(period)) == period
    assert parse_period(str(period).lower()) == period
    first, last = period.first_day, period.last_day
    assert first <= last and period.contains(first) and period.contains(last)
    assert not period.contains(first - timedelta(days=1))
    assert not period.contains(last + timedelta(days=1))
    assert first.year == last.year == period.year


@given(st.integers(1900, 2199), st.sampled_from(["half", "quarter", "month"]))
def test_the_parts_of_a_year_cover_it_exactly_once(year: int, unit: str) -> None:
    count = {"half": 2, "quarter": 4, "month": 12}[unit]
    parts = [Period(year, unit, i) for i in range(1, count + 1)]  # type: ignore[arg-type]
    assert parts[0].first_day == date(year, 1, 1) and parts[-1].last_day == date(year, 12, 31)
    for before, after in pairwise(parts):
        assert before.last_day + timedelta(days=1) == after.first_day


@given(st.one_of(st.text(max_size=12), st.integers(), st.none(), st.booleans(), st.floats()))
def test_anything_else_is_a_period_or_a_clear_refusal(value: object) -> None:
    try:
        period = parse_period(value)
    except ValueError as exc:
        assert "2027-H1" in str(exc)
    else:
        assert parse_period(str(period)) == period
