"""The living calendar as readers see it: exact dates, announced periods, unconfirmed dates and
events not confirmed as held, in the summits reply, the Home tab, digests and the calendar feed,
in English, French and Chinese."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar

from bot.answers.calendar import summits_ics
from bot.answers.replies import summit_line, summits_reply
from bot.content.library import Library
from bot.content.loading import load_library
from bot.delivery import digest, planner
from bot.subscriptions.home import home_blocks
from bot.subscriptions.replies import Facts
from bot.subscriptions.schedule import parse_schedule
from tests.contenthelp import REVIEWED, add_summit
from tests.replyhelp import texts, within_limits


def _body(library: Library, today: date, lang: str) -> str:
    reply = summits_reply(library.for_lang(lang), today)
    within_limits(reply)
    return "\n".join(texts(reply)[1:])  # the blocks, not the plain-text fallback


def _line(body: str, needle: str) -> str:
    return next(line for line in body.splitlines() if needle in line)


@pytest.mark.parametrize(
    ("lang", "geneva", "waic", "held", "uae"),
    [
        (
            "en",
            "first half of 2027, dates not announced",
            "July 2026, dates unconfirmed (",
            "_not confirmed as held_",
            "2028, dates not announced",
        ),
        (
            "fr",
            "premier semestre 2027, dates non annoncées",
            "juillet 2026, dates non confirmées (",
            "_tenue non confirmée_",
            "2028, dates non annoncées",
        ),
        (
            "zh",
            "2027年上半年，具体日期尚未公布",
            "2026年7月，日期未经证实（据单一来源为",
            "_是否已举行未经证实_",
            "2028年，具体日期尚未公布",
        ),
    ],
)
def test_summits_say_what_is_known_at_each_precision(
    library: Library, lang: str, geneva: str, waic: str, held: str, uae: str
) -> None:
    body = _body(library, REVIEWED, lang)
    rest = body
    assert geneva in _line(
        rest, "Geneva" if lang == "en" else ("Genève" if lang == "fr" else "日内瓦")
    )
    assert uae in rest
    waic_line = _line(rest, "WAIC 2026")
    assert waic in waic_line and held in waic_line
    # never a day-precise count built on days from a single source
    for word in ("ended", "terminé", "闭幕", "days ago", "jours"):
        assert word not in waic_line


def test_nothing_dated_ahead_is_said_plainly(library: Library) -> None:
    body = _body(library, REVIEWED, "en")
    upcoming = body.split("*Upcoming*")[1].split("*Dates not announced*")[0]
    assert "No upcoming summit has announced dates yet" in upcoming
    undated = body.split("*Dates not announced*")[1].split("*Recently past*")[0]
    order = [undated.index(n) for n in ("Geneva", "New York 2027", "WAIC) 2027", "2028")]
    assert order == sorted(order)  # by announced or expected period
    assert "not announced; expected July 2027" in undated


def test_unconfirmed_days_get_no_countdown_before_the_event_either(library: Library) -> None:
    body = _body(library, date(2026, 7, 1), "en")
    upcoming = body.split("*Upcoming*")[1].split("*Dates not announced*")[0]
    waic = _line(upcoming, "WAIC 2026")
    assert "July 2026, dates unconfirmed" in waic and "per one source" in waic
    assert "in 16 days" not in waic and "*in" not in waic
    dialogue = _line(upcoming, "Global Dialogue")
    assert "*in 5 days*" in dialogue  # confirmed dates keep their countdown


def test_a_period_that_passed_without_dates_is_past_and_not_confirmed_as_held(
    library: Library,
) -> None:
    body = _body(library, date(2027, 8, 1), "en")
    past = body.split("*Recently past*")[1]
    line = _line(past, "Geneva")
    assert "first half of 2027" in line and "not confirmed as held" in line


def test_the_home_tab_shows_the_same_lines(library: Library) -> None:
    rt = Facts(library, datetime(2026, 11, 27, 12, tzinfo=UTC))
    for lang, needle in (("en", "first half of 2027"), ("zh", "2027年上半年")):
        blocks = home_blocks(rt, REVIEWED, [], lang)
        shown = "\n".join(str(b.to_dict()) for b in blocks)
        assert needle in shown
        assert (
            summit_line(
                library.for_lang(lang).summit("ai-summit-geneva-2027"), REVIEWED, lang, note=False
            ).split(" · ")[-1]
            in shown
        )  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("lang", "needle"),
    [
        ("en", "first half of 2027, dates not announced"),
        ("fr", "premier semestre 2027"),
        ("zh", "2027年上半年"),
    ],
)
def test_digests_list_periods_as_the_summits_reply_does(
    library: Library, lang: str, needle: str
) -> None:
    schedule = parse_schedule("daily 09:00 UTC".split())
    assert not isinstance(schedule, str) and hasattr(schedule, "cadence")
    reply = digest.compose(
        library,
        schedule,  # type: ignore[arg-type]
        datetime(2026, 11, 27, 9, tzinfo=UTC),
        "digest",
        last_digest_for=None,
        digests_sent=0,
        lang=lang,
    )
    assert needle not in "\n".join(texts(reply))  # the summits ahead are in the thread
    sub = planner.Channel(schedule, lang=lang)  # type: ignore[arg-type]
    inputs = planner.digest_inputs(library, sub, datetime(2026, 11, 27, 9, tzinfo=UTC), "digest")
    below = digest.thread(library, inputs)
    assert below is not None and needle in "\n".join(texts(below))


def _events(library: Library) -> dict[str, Any]:
    cal = Calendar.from_ical(summits_ics(library, datetime(2026, 11, 27, tzinfo=UTC)))
    return {str(e["UID"]).split("@")[0]: e for e in cal.walk("VEVENT")}


def test_the_feed_has_no_invented_days_and_marks_unconfirmed_ones(library: Library) -> None:
    events = _events(library)
    for only_a_period in (
        "ai-summit-geneva-2027",
        "ai-summit-uae-2028",
        "un-global-dialogue-new-york-2027",
        "waic-2027",
    ):
        assert only_a_period not in events
    waic = events["waic-2026"]
    assert str(waic["STATUS"]) == "TENTATIVE"
    assert str(waic["SUMMARY"]).endswith("(dates unconfirmed)")
    assert "July 2026" in str(waic["DESCRIPTION"])
    assert "Not confirmed as held" in str(waic["DESCRIPTION"])
    dialogue = events["un-global-dialogue-geneva-2026"]
    assert str(dialogue["STATUS"]) == "CONFIRMED"  # its dates are the UN's own
    assert dialogue.decoded("DTSTART") == date(2026, 7, 6)
    # only an aggregator reports that it met: not confirmed as held until a UN source says so
    assert "Not confirmed as held" in str(dialogue["DESCRIPTION"])
    delhi = events["ai-impact-summit-2026"]
    assert delhi.decoded("DTSTART") == date(2026, 2, 16)
    assert delhi.decoded("DTEND") == date(2026, 2, 22)  # it closed on the 21st (end exclusive)
    assert "Not confirmed as held" not in str(delhi["DESCRIPTION"])


def _add_dates_to_geneva(content: Path) -> None:
    f = content / "summits.yml"
    text = f.read_text()
    old = "    period: 2027-H1\n"
    assert old in text
    f.write_text(text.replace(old, old + "    starts: 2027-05-10\n    ends: 2027-05-11\n", 1))


def test_dates_added_later_bring_the_feed_entry_and_reminders(content_copy: Path) -> None:
    before = load_library(content_copy)
    assert planner.reminders_on(before, date(2027, 4, 10), (30, 7, 1)) == []
    _add_dates_to_geneva(content_copy)
    after = load_library(content_copy)
    assert not after.warnings  # dates inside the announced period
    events = _events(after)
    assert str(events["ai-summit-geneva-2027"]["STATUS"]) == "CONFIRMED"
    for lead in (30, 7, 1):
        day = date(2027, 5, 10).toordinal() - lead
        (reminder,) = planner.reminders_on(after, date.fromordinal(day), (30, 7, 1))
        assert reminder.summit.id == "ai-summit-geneva-2027" and reminder.days == lead
    body = _body(after, REVIEWED, "en")
    line = _line(body.split("*Upcoming*")[1], "Geneva")
    assert "*in 156 days*" in line


def test_dates_outside_the_announced_period_are_a_warning(content_copy: Path) -> None:
    f = content_copy / "summits.yml"
    text = f.read_text()
    f.write_text(
        text.replace("    period: 2027-H1\n", "    period: 2027-H1\n    starts: 2027-09-01\n", 1)
    )
    (warning,) = [str(w) for w in load_library(content_copy).warnings]
    assert "ai-summit-geneva-2027" in warning and "outside its announced period 2027-H1" in warning


def test_an_event_without_translations_is_shown_in_english_with_a_note(
    content_copy: Path,
) -> None:
    add_summit(
        content_copy,
        "new-event-2027",
        None,
        name="New Event 2027",
        location="Paris, France",
        series="ai-summit",
        extra={"period": "2027-Q2"},
        translate=False,
    )
    library = load_library(content_copy)
    warnings = [str(w) for w in library.warnings]
    assert any("fr/summits.yml" in w and "'new-event-2027'" in w for w in warnings)
    assert any("zh/summits.yml" in w and "'new-event-2027'" in w for w in warnings)
    for lang, period, note in (
        ("fr", "deuxième trimestre 2027", "Pas encore traduit : affiché en anglais."),
        ("zh", "2027年第二季度", "尚未翻译：以英文显示。"),
    ):
        line = _line(_body(library, REVIEWED, lang), "New Event 2027")
        body = _body(library, REVIEWED, lang)
        assert period in line
        assert body.index(note) > body.index("New Event 2027")
    assert "Not yet translated" not in _body(library, REVIEWED, "en")


def test_end_to_end_over_the_shell_and_signed_http(tmp_path: Path) -> None:
    """The same lines through the real shell and the real HTTP app (fake Slack on loopback), both
    in-process."""
    import json
    import os

    from tests.e2e import bot_env, in_process, run_cli
    from tests.fakeslack import FakeSlack

    root = Path(__file__).resolve().parents[2]
    shell = run_cli(
        ["shell"],
        {**os.environ, "PYTHONPATH": str(root), "CONTENT_DIR": str(root / "content")},
        tmp_path,
        stdin="/declaration summits lang:fr\n/declaration summits lang:zh\n",
    )
    assert shell.returncode == 0, shell.stderr
    # as of whatever today is: the announced periods are always said in words
    assert "2027" in shell.stdout and "Sommets sur l'IA" in shell.stdout
    assert "人工智能峰会" in shell.stdout
    with FakeSlack() as slack:
        slack.add_user("UFR", tz="Europe/Paris", locale="fr-FR")
        env = bot_env(slack.base_url, DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
        with in_process(env, tmp_path) as bot:
            r = bot.command("summits", user_id="UFR")
            assert r.status == 200
            body = json.dumps(r.json(), ensure_ascii=False)
            assert "Sommets sur l'IA" in body and "2028" in body
            feed = bot.get("/summits.ics")
            assert feed.status == 200 and b"ai-summit-geneva-2027@" not in feed.body


@pytest.mark.parametrize(
    ("lang", "needle", "countdown"),
    [
        ("en", "in July 2027 (days unconfirmed)", "in 7 days"),
        ("fr", "en juillet 2027 (jours non confirmés)", "dans 7 jours"),
        ("zh", "于2027年7月（具体日期未经证实）", "7天后"),
    ],
)
def test_a_reminder_on_unconfirmed_days_gives_no_day_countdown(
    content_copy: Path, lang: str, needle: str, countdown: str
) -> None:
    """Days from a single weak source still bring a reminder, worded by the month, never 'in 7
    days'; an event with confirmed days keeps its countdown."""
    add_summit(content_copy, "waic-weak", "2027-07-08", "2027-07-10", extra={"tentative": "true"})
    add_summit(content_copy, "waic-firm", "2027-07-08", "2027-07-10", name="Firm dates summit")
    library = load_library(content_copy)
    schedule = parse_schedule("daily 09:00 UTC".split())
    reply = digest.compose(
        library,
        schedule,  # type: ignore[arg-type]
        datetime(2027, 7, 1, 9, tzinfo=UTC),
        "reminder",
        last_digest_for=None,
        digests_sent=1,
        lang=lang,
    )
    lines = [
        line
        for line in "\n".join(texts(reply)).splitlines()
        if "⏰" in line or ":alarm_clock:" in line
    ]
    weak = [line for line in lines if "Firm" not in line]
    firm = [line for line in lines if "Firm" in line]
    assert len(weak) == 1 and len(firm) == 1, lines
    assert needle in weak[0] and countdown not in weak[0]
    assert countdown in firm[0]
