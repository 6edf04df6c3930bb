"""check-content as an editor uses it: warnings that name the file and item and say what to do,
--strict, --as-of, and sources that must be documents rather than home pages."""

from __future__ import annotations

import io
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml

from bot.content.check import run, staleness
from bot.content.library import Library
from bot.content.loading import load_library
from bot.content.problems import ContentError
from bot.content.schema import is_home_page
from tests.contenthelp import add_summit
from tests.e2e import run_cli

REVIEWED = date(2026, 12, 5)  # the day every shipped content file was last reviewed


def check(content: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`declaration-bot check-content <content> <args>`, in-process."""
    return run_cli(["check-content", str(content), *args], {}, content.parent)


def _reviewed(library: Library) -> date:
    days = [d for d in library.reviewed.values() if d is not None]
    return max(days)


def test_the_shipped_content_passes_strict_as_of_its_review_day(library: Library) -> None:
    as_of = _reviewed(library)
    out, err = io.StringIO(), io.StringIO()
    assert run(library, "content", strict=True, as_of=as_of, out=out, err=err) == 0, err.getvalue()
    assert not library.warnings
    assert "Content OK" in out.getvalue()


def test_shipped_content_strict_from_the_command_line(content_copy: Path, library: Library) -> None:
    r = check(content_copy, "--strict", "--as-of", _reviewed(library).isoformat())
    assert r.returncode == 0, r.stderr
    assert "Content OK: 3 topics" in r.stdout and "developments" in r.stdout
    # what the review already covered is listed as checked, not as a warning
    assert "Checked on" in r.stdout and "waic-2026" in r.stdout


def test_a_missing_translation_warns_and_exits_0_unless_strict(content_copy: Path) -> None:
    add_summit(content_copy, "late-2027", None, extra={"period": "2027-H2"}, translate=False)
    as_of = ["--as-of", "2026-11-27"]
    r = check(content_copy, *as_of)
    assert r.returncode == 0 and "Content OK" in r.stdout
    assert (
        "translations/fr/summits.yml: summits: missing: summit 'late-2027' has no French"
        in r.stderr
    )
    assert (
        "translations/zh/summits.yml" in r.stderr and "add an entry with id: late-2027" in r.stderr
    )
    strict = check(content_copy, "--strict", *as_of)
    assert strict.returncode == 1 and "Content OK" not in strict.stdout
    assert "Content is invalid under --strict (2 warnings" in strict.stderr
    assert "'late-2027'" in strict.stderr and "Traceback" not in strict.stderr


def test_a_development_without_translations_is_shown_in_english(content_copy: Path) -> None:
    f = content_copy / "translations" / "zh" / "developments.yml"
    text = f.read_text()
    start = text.index("  - id: waic-2026-announced")
    end = text.index("  - id: new-delhi-declaration-91")
    f.write_text(text[:start] + text[end:])
    library = load_library(content_copy)
    (warning,) = [str(w) for w in library.warnings]
    assert "zh/developments.yml" in warning and "'waic-2026-announced'" in warning
    zh = {d.id: d for d in library.for_lang("zh").developments}
    assert zh["waic-2026-announced"].untranslated
    assert zh["waic-2026-announced"].title.startswith("China announces")
    assert not zh["new-delhi-declaration-91"].untranslated


def _stale(library: Library, as_of: date) -> tuple[list[str], list[str]]:
    found = staleness(library, as_of)
    return (
        [str(s.problem) for s in found if not s.checked_on],
        [str(s.problem) for s in found if s.checked_on],
    )


def _set_reviewed(content: Path, day: str) -> None:
    f = content / "summits.yml"
    f.write_text(f.read_text().replace(f"reviewed: {REVIEWED}", f"reviewed: {day}", 1))


def test_every_kind_of_staleness_says_what_to_do(content_copy: Path) -> None:
    _set_reviewed(content_copy, "2026-06-01")  # a review from before the events of July 2026
    library = load_library(content_copy)
    warnings, checked = _stale(library, date(2027, 8, 1))
    text = "\n".join(warnings)
    assert not checked
    # an announced period has passed with no dates
    assert (
        "ai-summit-geneva-2027: its announced period, first half of 2027, ended on 2027-06-30"
        in text
    )
    assert "add 'starts' and 'ends'" in text
    # an expected period too
    assert "waic-2027: its expected period, July 2027" in text
    # a past event still marked unconfirmed
    assert "waic-2026: ended on 2026-07-20 and its dates are still marked unconfirmed" in text
    # ended more than a week ago and nobody marked it as held
    assert (
        "ai-for-good-2026: ended on 2026-07-10, more than a week ago, and is not marked as held"
        in text
    )
    assert "add 'held: true'" in text
    assert "ai-impact-summit-2026" not in text  # marked as held, on a report from its days
    # held only by an aggregator's word: not marked as held, so it is still to confirm
    assert "un-global-dialogue-geneva-2026: ended on 2026-07-07" in text
    # no dated event ahead
    assert "no event has dates in the next 180 days (to 2028-01-28)" in text
    # files not reviewed for 90 days, each with where to write the date
    assert "summits.yml: reviewed: last reviewed on 2026-06-01, 426 days ago" in text
    assert f"topics/bletchley.yml: reviewed: last reviewed on {REVIEWED}" in text
    # every line names a file
    assert all(w.startswith("content/") or "/content/" in w for w in warnings)


def test_a_review_covers_what_arose_before_it(library: Library) -> None:
    warnings, checked = _stale(library, REVIEWED)
    assert warnings == []
    assert any("waic-2026" in c and "held" in c for c in checked)
    assert any("no event has dates in the next 180 days" in c for c in checked)
    # a month later, "nothing dated ahead" comes back; the July events stay covered
    warnings, checked = _stale(library, REVIEWED + timedelta(days=31))
    assert [w for w in warnings if "next 180 days" in w]
    assert not [w for w in warnings if "waic-2026" in w]
    # after 90 days every file asks for a new review
    warnings, _ = _stale(library, REVIEWED + timedelta(days=91))
    assert len([w for w in warnings if f": reviewed: last reviewed on {REVIEWED}" in w]) == 5


def test_a_file_without_a_review_date_is_told_where_to_put_one(content_copy: Path) -> None:
    f = content_copy / "topics" / "bletchley.yml"
    f.write_text(f.read_text().replace(f"reviewed: {REVIEWED}\n", "", 1))
    warnings, _ = _stale(load_library(content_copy), REVIEWED)
    (warning,) = warnings
    assert "bletchley.yml: reviewed: has no 'reviewed:' date" in warning
    assert "as the line right after 'id:'" in warning


def test_dates_ahead_silence_the_calendar_warning(content_copy: Path) -> None:
    add_summit(content_copy, "soon", "2027-03-01", "2027-03-02")
    warnings, checked = _stale(load_library(content_copy), date(2026, 12, 30))
    assert not [w for w in warnings + checked if "next 180 days" in w]


def test_as_of_must_be_a_date(content_copy: Path) -> None:
    r = check(content_copy, "--as-of", "27/11/2026")
    assert r.returncode == 2 and "YYYY-MM-DD" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize(
    ("url", "home"),
    [
        ("https://www.elysee.fr/", True),
        ("https://www.elysee.fr", True),
        ("https://example.org/en/", True),
        ("https://example.org/index.html", True),
        ("https://www.mfa.gov.cn/web/zyxw/", False),
        ("https://example.org/?p=123", False),
        ("https://press.un.org/en/2025/sgsm22776.doc.htm", False),
    ],
)
def test_home_pages(url: str, home: bool) -> None:
    assert is_home_page(url) is home


def test_a_source_that_is_a_home_page_is_an_error(content_copy: Path) -> None:
    add_summit(content_copy, "homely", None, source_url="https://example.org/")
    with pytest.raises(ContentError) as info:
        load_library(content_copy)
    (problem,) = [str(p) for p in info.value.problems]
    assert "summits.yml:" in problem and ".sources[0].url:" in problem
    assert "https://example.org/ is a home page: give the address of the document itself" in problem
    assert "(the article, statement or press release), not the site's front page" in problem


def test_an_event_web_site_may_be_a_home_page(library: Library) -> None:
    waic = library.summit("waic-2023")
    assert waic is not None and waic.url == "https://www.worldaic.com.cn/"
    assert all(not is_home_page(s.url) for s in waic.sources)


def test_a_held_event_needs_a_source_from_after_its_first_day(content_copy: Path) -> None:
    """`held: true` rests on a report of the event, never on a piece from before it."""
    # the helper's one source is dated 2026-11-01: before this event began
    add_summit(content_copy, "announced-only", "2026-11-10", "2026-11-12", extra={"held": "true"})
    with pytest.raises(ContentError) as info:
        load_library(content_copy)
    (problem,) = [str(p) for p in info.value.problems]
    assert "summits.yml:" in problem and ".held:" in problem
    assert "'announced-only' is marked 'held: true'" in problem
    assert "none of its sources is dated on or after its first day (2026-11-10)" in problem
    r = check(content_copy, "--as-of", "2026-12-05")
    assert r.returncode == 1 and "Content OK" not in r.stdout
    assert "'announced-only' is marked 'held: true'" in r.stderr and "Traceback" not in r.stderr


def test_a_held_event_with_a_report_from_its_days_or_after_passes(content_copy: Path) -> None:
    # a source dated on the first day counts: a report of the opening
    add_summit(content_copy, "reported", "2026-11-01", "2026-11-03", extra={"held": "true"})
    add_summit(content_copy, "undated-plan", None, extra={"period": "2027-H1"})
    library = load_library(content_copy)
    reported = library.summit("reported")
    assert reported is not None and reported.held
    r = check(content_copy, "--as-of", _reviewed(library).isoformat())
    assert r.returncode == 0 and "Content OK" in r.stdout, r.stderr


def test_every_shipped_held_event_cites_a_report_from_after_it_began(library: Library) -> None:
    held = [s for s in library.summits if s.held]
    assert held
    for summit in held:
        assert summit.window is not None, summit.id
        assert any(s.date >= summit.window[0] for s in summit.sources), summit.id


def _line_after(path: Path, first: str, text: str) -> int:
    """The line (from 1) of the first line ``text`` after the line ``first``."""
    lines = path.read_text().splitlines()
    start = lines.index(first)
    return lines.index(text, start) + 1


def test_a_summit_dated_outside_its_announced_period_is_warned_about_saying_what_to_do(
    content_copy: Path,
) -> None:
    """Dates that leave the announced period (both, or only the first or last day) are a warning
    at the summit's `starts:` line, with both dates, the period in words and what to do; dates
    inside it, or a period with no dates yet, or dates with no period, are not warned about."""
    f = content_copy / "summits.yml"
    first = len(yaml.safe_load(f.read_text())["summits"])
    add_summit(content_copy, "moved", "2027-08-01", "2027-08-03", extra={"period": "2027-H1"})
    add_summit(content_copy, "early", "2027-06-30", "2027-07-01", extra={"period": "2027-H2"})
    add_summit(content_copy, "late", "2027-03-31", "2027-04-01", extra={"period": "2027-Q1"})
    add_summit(content_copy, "inside", "2027-07-01", "2027-07-31", extra={"period": "2027-07"})
    add_summit(content_copy, "announced", None, extra={"period": "2028"})
    add_summit(content_copy, "no-period", "2027-05-01", "2027-05-02")
    library = load_library(content_copy)

    def warning(i: int, sid: str, dates: str, period: str, words: str) -> str:
        line = _line_after(f, f"  - id: {sid}", f"    starts: {dates.split()[0]}")
        return (
            f"{f}:{line}: summits[{first + i}].starts: '{sid}': its dates ({dates}) fall outside "
            f"its announced period {period} ({words}): correct the dates, or change 'period' if "
            "the event was moved"
        )

    assert [str(w) for w in library.warnings] == [
        warning(0, "moved", "2027-08-01 to 2027-08-03", "2027-H1", "first half of 2027"),
        warning(1, "early", "2027-06-30 to 2027-07-01", "2027-H2", "second half of 2027"),
        warning(2, "late", "2027-03-31 to 2027-04-01", "2027-Q1", "first quarter of 2027"),
    ]
    r = check(content_copy, "--as-of", "2026-12-05")
    assert r.returncode == 0 and "Content OK" in r.stdout
    assert "'moved': its dates (2027-08-01 to 2027-08-03) fall outside" in r.stderr


def test_a_held_event_without_a_report_is_told_the_line_field_and_what_to_cite(
    content_copy: Path,
) -> None:
    """The whole problem an editor reads when `held: true` rests on no report from the event's
    days: the file, the `held:` line, the field and what to do."""
    f = content_copy / "summits.yml"
    i = len(yaml.safe_load(f.read_text())["summits"])
    add_summit(content_copy, "announced-only", "2026-11-10", "2026-11-12", extra={"held": "true"})
    with pytest.raises(ContentError) as info:
        load_library(content_copy)
    line = _line_after(f, "  - id: announced-only", "    held: true")
    assert [str(p) for p in info.value.problems] == [
        f"{f}:{line}: summits[{i}].held: 'announced-only' is marked 'held: true', but none of its "
        "sources is dated on or after its first day (2026-11-10): cite a report of the event "
        "published after it began (the document itself, or a named outlet reporting it; not an "
        "aggregator, an AI-written blog or a piece from before the event), or remove 'held: true'"
    ]
