"""Announced periods: "2027", "2027-H1", "2027-Q3", "2027-07", parsed, compared and said in words.

An event whose exact dates are not known yet may still have a known period: a year, a half year, a
quarter or a month. :func:`parse_period` reads what an editor wrote in the content files; the
canonical text of a :class:`Period` (``str(period)``) parses back to the same period.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

from babel.dates import format_skeleton

from bot.i18n import t

Unit = Literal["year", "half", "quarter", "month"]

FIRST_YEAR, LAST_YEAR = 1900, 2199
HOW = (
    "write the period as 2027 (a year), 2027-H1 or 2027-H2 (a half year), 2027-Q3 (a quarter) "
    "or 2027-07 (a month)"
)
_PATTERN = re.compile(r"^(\d{4})(?:-(?:(H[12])|(Q[1-4])|(\d{1,2})))?$")
_BABEL = {"en": "en_GB", "fr": "fr_FR", "zh": "zh_Hans_CN"}
_SIZE = {"half": 6, "quarter": 3, "month": 1}


@dataclass(frozen=True)
class Period:
    """A year (index 0), a half year (1–2), a quarter (1–4) or a month (1–12)."""

    year: int
    unit: Unit = "year"
    index: int = 0

    def __post_init__(self) -> None:
        if not FIRST_YEAR <= self.year <= LAST_YEAR:
            raise ValueError(f"the year {self.year} is out of range: {HOW}")
        top = {"year": 0, "half": 2, "quarter": 4, "month": 12}[self.unit]
        low = 0 if self.unit == "year" else 1
        if not low <= self.index <= top:
            raise ValueError(f"there is no {self.unit} {self.index} in a year: {HOW}")

    def __str__(self) -> str:
        if self.unit == "year":
            return str(self.year)
        if self.unit == "month":
            return f"{self.year}-{self.index:02d}"
        return f"{self.year}-{'H' if self.unit == 'half' else 'Q'}{self.index}"

    @property
    def first_day(self) -> date:
        if self.unit == "year":
            return date(self.year, 1, 1)
        return date(self.year, (self.index - 1) * _SIZE[self.unit] + 1, 1)

    @property
    def last_day(self) -> date:
        if self.unit == "year":
            return date(self.year, 12, 31)
        month = self.index * _SIZE[self.unit]
        return date(self.year, month, calendar.monthrange(self.year, month)[1])

    def contains(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day


def parse_period(value: object) -> Period:
    """A period from what an editor wrote (``2027``, ``"2027-H1"``, ``"2027-q3"``, ``"2027-07"``).

    Raises ValueError, saying how to write one, for anything else.
    """
    if isinstance(value, Period):
        return value
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(HOW)
    text = str(value).strip().upper()
    m = _PATTERN.match(text)
    if m is None:
        raise ValueError(f"{str(value)!r} is not a period: {HOW}")
    year = int(m.group(1))
    if m.group(2):
        return Period(year, "half", int(m.group(2)[1]))
    if m.group(3):
        return Period(year, "quarter", int(m.group(3)[1]))
    if m.group(4):
        return Period(year, "month", int(m.group(4)))
    return Period(year)


def describe_period(period: Period, lang: str = "en") -> str:
    """'first half of 2027' / 'premier semestre 2027' / '2027年上半年'; 'July 2027'; '2028'."""
    if period.unit == "month":
        locale = _BABEL.get(lang, _BABEL["en"])
        return str(format_skeleton("yMMMM", period.first_day, locale=locale))
    if period.unit == "year":
        return t(lang, "period.year", year=period.year)
    key = f"period.{'h' if period.unit == 'half' else 'q'}{period.index}"
    return t(lang, key, year=period.year)
