"""One event's calendar file (issue 18, item 5): ``GET /summits/<id>.ics`` over HTTP in-process,
valid iCalendar with the UID of the event's entry in ``/summits.ics``, built once per content
version; an event known only by a period, and an unknown id, get 404."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar

from bot.slack import ids
from tests.e2e import HttpReply, InProcessBot, asgi_request, bot_env, button_press, in_process
from tests.fakeslack import FakeSlack


@pytest.fixture
def bot(slack: FakeSlack, tmp_path: Path) -> Iterator[InProcessBot]:
    env = bot_env(
        slack.base_url,
        DATABASE_URL=f"sqlite:///{tmp_path / 'bot.sqlite3'}",
        PUBLIC_URL="https://bot.example.org",
    )
    with in_process(env, tmp_path) as b:
        yield b


def _uids(body: bytes) -> dict[str, Any]:
    return {str(e["UID"]): e for e in Calendar.from_ical(body).walk("VEVENT")}


@pytest.mark.parametrize("event_id", ["ai-impact-summit-2026", "waic-2026", "ai-for-good-2026"])
def test_an_event_with_dates_has_its_own_file_with_the_feeds_uid(
    bot: InProcessBot, event_id: str
) -> None:
    r = bot.get(f"/summits/{event_id}.ics")
    assert r.status == 200
    assert r.headers["content-type"].startswith("text/calendar")
    assert f'filename="{event_id}.ics"' in r.headers["content-disposition"]
    (uid,) = _uids(r.body)
    feed = _uids(bot.get("/summits.ics").body)
    assert uid == f"{event_id}@declaration-bot" and uid in feed
    mine, theirs = _uids(r.body)[uid], feed[uid]
    for field in ("DTSTART", "DTEND", "SUMMARY", "STATUS", "LOCATION"):
        assert mine.decoded(field) == theirs.decoded(field), field


@pytest.mark.parametrize(
    "path",
    [
        "/summits/ai-summit-geneva-2027.ics",  # known only by a period
        "/summits/waic-2027.ics",  # only expected
        "/summits/no-such-event.ics",
        "/summits/%3C!channel%3E.ics",
    ],
)
def test_no_file_for_a_period_or_an_unknown_id(bot: InProcessBot, path: str) -> None:
    r = bot.get(path)
    assert r.status == 404 and not r.headers["content-type"].startswith("text/calendar")


def test_the_card_links_the_file_the_route_serves(bot: InProcessBot, slack: FakeSlack) -> None:
    r = bot.command("new delhi summit")
    assert r.status == 200
    link = "https://bot.example.org/summits/ai-impact-summit-2026.ics"
    (button,) = [
        e for b in r.json()["blocks"] if b["type"] == "actions" for e in b["elements"]
        if e.get("url")
    ]  # fmt: skip
    assert (
        button["url"] == link
        and button["action_id"] == f"{ids.CALENDAR_ACTION}:ai-impact-summit-2026"
    )
    # Slack opens the link and sends the press: acknowledged, nothing answered, no error logged
    press = button_press(button["action_id"], "", slack.response_url("calendar"))
    assert bot.interactive(press).status == 200
    assert not slack.responses.get("calendar") and "Unhandled" not in bot.logs()
    assert bot.get(link.removeprefix("https://bot.example.org")).status == 200
    assert ".ics" not in json.dumps(bot.command("geneva").json())  # a period: no file


def test_an_events_file_is_built_once_per_content_version(
    bot: InProcessBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.answers import calendar

    builds: list[str] = []
    build = calendar.summit_ics

    def counted(library: Any, summit_id: str, now: Any = None) -> bytes | None:
        builds.append(summit_id)
        return build(library, summit_id, now)

    monkeypatch.setattr(calendar, "summit_ics", counted)

    async def flood() -> list[HttpReply]:
        path = "/summits/ai-action-summit-2025.ics"
        gets = (asgi_request(bot._web, "GET", path, b"", {}) for _ in range(30))
        return list(await asyncio.gather(*gets))

    replies = bot._run(flood())
    assert {r.status for r in replies} == {200} and len({r.body for r in replies}) == 1
    assert builds == ["ai-action-summit-2025"]
    assert bot.get("/summits/no-such-event.ics").status == 404
    assert builds == ["ai-action-summit-2025"]  # an unknown id builds nothing
