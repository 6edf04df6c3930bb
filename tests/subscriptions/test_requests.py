"""`/declaration subscribe …` and the subscription form: one parser for both, what a channel
receives said in three languages, and the form and Home tab within Block Kit's limits."""

from __future__ import annotations

import json
from datetime import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from slack_sdk.models.views import View

from bot.content.library import Library
from bot.i18n import LANGS, describe_days, describe_schedule
from bot.slack.ids import FORM_CALLBACK
from bot.slack.ids import HOME_EDIT as EDIT
from bot.slack.ids import HOME_PAUSE as PAUSE
from bot.slack.ids import HOME_PREVIEW as PREVIEW
from bot.slack.ids import HOME_RESUME as RESUME
from bot.slack.ids import HOME_SUBSCRIBE as SUBSCRIBE
from bot.slack.ids import HOME_UNSUBSCRIBE as UNSUBSCRIBE
from bot.subscriptions import form as forms
from bot.subscriptions.home import home_blocks
from bot.subscriptions.model import Problem, Request, describe_receives, parse_request
from bot.subscriptions.replies import Facts
from bot.subscriptions.schedule import EVERY_DAY, WEEKDAYS, Schedule
from bot.subscriptions.stored import SubscriptionView
from tests.contenthelp import REVIEWED


def parse(words: str, library: Library, tz: str = "UTC", lang: str = "en") -> Request | Problem:
    return parse_request(words.split(), default_tz=tz, default_lang=lang, library=library)


def days(spec: str) -> frozenset[int]:
    return frozenset(WEEKDAYS.index(d) for d in spec.split())


@pytest.mark.parametrize(
    ("words", "receives", "topics", "always", "lang"),
    [
        ("", "all", set(), False, "en"),
        ("reminders-only", "reminders", set(), False, "en"),
        ("Digests-Only weekdays", "digests", set(), False, "en"),
        ("topics:bletchley", "all", {"bletchley"}, False, "en"),
        (
            "topics:France-China-AI,bletchley always",
            "all",
            {"france-china-ai", "bletchley"},
            True,
            "en",
        ),
        (
            "topic:bletchley topics:france-china-ai",
            "all",
            {"france-china-ai", "bletchley"},
            False,
            "en",
        ),
        ("topics:bletchley、france-china-ai", "all", {"france-china-ai", "bletchley"}, False, "en"),
        (
            "mon thu 08:30 digests-only topics:bletchley always lang:fr",
            "digests",
            {"bletchley"},
            True,
            "fr",
        ),
        ("reminders-only always", "reminders", set(), True, "en"),
        ("reminders-only reminders-only", "reminders", set(), False, "en"),
    ],
)
def test_what_a_channel_receives(
    library: Library, words: str, receives: str, topics: set[str], always: bool, lang: str
) -> None:
    req = parse(words, library)
    assert isinstance(req, Request), req
    assert (req.receives, req.topics, req.always, req.lang) == (receives, topics, always, lang)


def test_days_and_options_together(library: Library) -> None:
    req = parse("mon thu 08:30 Europe/Paris topics:bletchley", library, tz="Asia/Tokyo")
    assert isinstance(req, Request)
    assert req.schedule == Schedule(days("mon thu"), time(8, 30), "Europe/Paris")
    assert req.zone_given
    req = parse("weekdays", library, tz="Asia/Tokyo")
    assert isinstance(req, Request) and req.schedule.tz == "Asia/Tokyo" and not req.zone_given


@pytest.mark.parametrize(
    ("words", "field", "needles"),
    [
        (
            "topics:bletchly",
            "topics",
            ["“bletchly”", "Did you mean `bletchley`?", "`france-china-ai`"],
        ),
        ("topics:middle-east", "topics", ["“middle-east”", "`france-china-middle-east`"]),
        ("topics:xyzzy", "topics", ["“xyzzy”", "Topics: `"]),
        ("topics:", "topics", ["at least one topic", "`topics:"]),
        ("topics:<!channel>", "topics", ["“&lt;!channel&gt;”"]),
        ("reminders-only digests-only", "receives", ["not both"]),
        ("mon thu 25:00", "time", ["“25:00”"]),
        ("weekly mon thu", "days", ["one day a week"]),
        ("daily Mars/Olympus", "tz", ["“Mars/Olympus”"]),
    ],
)
def test_refusals_say_why_and_where(
    library: Library, words: str, field: str, needles: list[str]
) -> None:
    problem = parse(words, library)
    assert isinstance(problem, Problem)
    assert problem.field == field
    said = problem.say("en")
    for needle in needles:
        assert needle in said
    assert "<!" not in said
    for lang in ("fr", "zh"):
        assert problem.say(lang) != said


@settings(deadline=None, max_examples=100)
@given(st.lists(st.text(max_size=15), max_size=6), st.sampled_from(["UTC", "Europe/Paris", "bad"]))
def test_parse_never_raises_and_refusals_are_safe(words: list[str], tz: str) -> None:
    from bot.content.loading import load_library
    from tests.conftest import CONTENT

    result = parse_request(
        words, default_tz=tz, default_lang="en", library=_library(load_library, CONTENT)
    )
    if isinstance(result, Problem):
        for lang in LANGS:
            said = result.say(lang)
            assert said and "<" not in said.replace("<#", "")


_LIB: dict[str, Library] = {}


def _library(load: Any, path: Any) -> Library:
    if "lib" not in _LIB:
        _LIB["lib"] = load(path)
    return _LIB["lib"]


@settings(deadline=None, max_examples=150)
@given(
    st.frozensets(st.integers(0, 6), min_size=1),
    st.integers(0, 23),
    st.integers(0, 59),
    st.sampled_from(["UTC", "Europe/Paris", "Asia/Shanghai", "America/New_York"]),
    st.sampled_from(LANGS),
    st.sampled_from(["all", "digests", "reminders"]),
    st.frozensets(st.sampled_from(["bletchley", "france-china-ai", "france-china-middle-east"])),
    st.booleans(),
)
def test_a_form_reads_back_as_the_command_would(
    chosen_days: frozenset[int],
    hour: int,
    minute: int,
    tz: str,
    lang: str,
    receives: str,
    topics: frozenset[str],
    always: bool,
) -> None:
    from bot.content.loading import load_library
    from tests.conftest import CONTENT

    submission = forms.Submission(
        "C1", chosen_days, time(hour, minute), tz, lang, receives, topics, always
    )
    req = parse_request(
        submission.words(),
        default_tz="UTC",
        default_lang="en",
        library=_library(load_library, CONTENT),
    )
    assert isinstance(req, Request), req
    assert req.schedule == Schedule(chosen_days, time(hour, minute), tz)
    assert (req.lang, req.receives, req.topics, req.always) == (lang, receives, topics, always)
    assert req.words() == submission.words()


# --- saying it --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "en", "fr", "zh"),
    [
        ("mon tue wed thu fri sat sun", "every day", "tous les jours", "每天"),
        ("mon tue wed thu fri", "every weekday", "du lundi au vendredi", "每个工作日"),
        ("fri", "every Friday", "chaque vendredi", "每周五"),
        ("mon thu", "Mondays and Thursdays", "lundi et jeudi", "每周一、周四"),
        (
            "mon wed fri",
            "Mondays, Wednesdays and Fridays",
            "lundi, mercredi et vendredi",
            "每周一、周三、周五",
        ),
        ("mon tue wed thu fri sat", "Monday to Saturday", "du lundi au samedi", "每周一至周六"),
        ("fri sat sun mon", "Friday to Monday", "du vendredi au lundi", "每周五至周一"),
    ],
)
def test_days_in_the_readers_language(spec: str, en: str, fr: str, zh: str) -> None:
    assert [describe_days(days(spec), lang) for lang in LANGS] == [en, fr, zh]


def test_schedules_and_receives_in_three_languages(library: Library) -> None:
    mon_thu = days("mon thu")
    said = [describe_schedule(mon_thu, time(8, 30), "Europe/Paris", lang) for lang in LANGS]
    assert said == [
        "Mondays and Thursdays at 08:30 (Europe/Paris)",
        "lundi et jeudi à 08:30 (Europe/Paris)",
        "每周一、周四08:30（Europe/Paris）",
    ]
    assert (
        describe_receives("all", [], library, "en")
        == "digests and summit reminders, on every topic"
    )
    only = describe_receives("reminders", ["bletchley"], library, "en")
    assert only == "summit reminders only (no digests), about *Bletchley Declaration* only"
    assert "Bletchley" in describe_receives("digests", ["bletchley"], library, "fr")
    assert "布莱切利" in describe_receives("digests", ["bletchley"], library, "zh")


# --- the form and the Home tab within Block Kit's limits -----------------------------------------


def round_trip(view: View) -> dict[str, Any]:
    """The payload as Slack gets it, parsed back and checked against Block Kit's limits."""
    payload = json.loads(json.dumps(view.to_dict()))
    View(**payload).validate_json()
    return dict(payload)


@pytest.mark.parametrize("lang", LANGS)
def test_the_form_for_a_new_subscription(library: Library, lang: str) -> None:
    form = forms.form_for(None, "C9", "Asia/Kolkata", lang)
    payload = round_trip(forms.form_view(form, library, lang))
    assert payload["type"] == "modal" and payload["callback_id"] == FORM_CALLBACK
    blocks = {b["block_id"]: b for b in payload["blocks"]}
    assert list(blocks) == ["channel", "days", "time", "tz", "lang", "receives", "topics", "always"]
    channel = blocks["channel"]["element"]
    assert channel["type"] == "conversations_select" and channel["initial_conversation"] == "C9"
    assert channel["filter"]["include"] == ["public", "private"]
    assert "/invite @declaration-bot" in blocks["channel"]["hint"]["text"]
    assert [o["value"] for o in blocks["days"]["element"]["initial_options"]] == ["0"]
    assert blocks["time"]["element"] == {
        "type": "timepicker",
        "action_id": "time",
        "initial_time": "09:00",
    }
    tz = blocks["tz"]["element"]
    assert tz["initial_option"]["value"] == "Asia/Kolkata"
    offered = [o["value"] for g in tz["option_groups"] for o in g["options"]]
    assert len(offered) == len(set(offered)) > 400
    assert {"UTC", "Europe/Paris", "America/Argentina/Buenos_Aires", "Pacific/Apia"} <= set(offered)
    assert all(len(g["options"]) <= 100 for g in tz["option_groups"])
    assert blocks["lang"]["element"]["initial_option"]["value"] == lang
    assert blocks["receives"]["element"]["initial_option"]["value"] == "all"
    assert {o["value"] for o in blocks["topics"]["element"]["options"]} == {
        tp.id for tp in library.topics
    }
    assert json.loads(payload["private_metadata"]) == {"channel": None, "lang": lang}


def test_the_form_opened_from_the_home_tab_defaults_to_the_current_conversation(
    library: Library,
) -> None:
    payload = round_trip(forms.form_view(forms.form_for(None, None, None, "en"), library, "en"))
    element = payload["blocks"][0]["element"]
    assert (
        element["default_to_current_conversation"] is True and "initial_conversation" not in element
    )
    assert payload["blocks"][3]["element"]["initial_option"]["value"] == "UTC"


def test_the_form_for_editing_shows_what_is_set(library: Library) -> None:
    sub = view_of(
        "C7", days("mon thu"), receives="digests", topics={"bletchley"}, always=True, lang="zh"
    )
    payload = round_trip(forms.form_view(forms.form_for(sub, "C7", "UTC", "fr"), library, "fr"))
    blocks = {b["block_id"]: b for b in payload["blocks"]}
    assert blocks["channel"]["type"] == "section" and "<#C7>" in blocks["channel"]["text"]["text"]
    assert [o["value"] for o in blocks["days"]["element"]["initial_options"]] == ["0", "3"]
    assert [o["text"]["text"] for o in blocks["days"]["element"]["options"]][:2] == [
        "lundi",
        "mardi",
    ]
    assert blocks["time"]["element"]["initial_time"] == "08:30"
    assert blocks["lang"]["element"]["initial_option"]["value"] == "zh"
    assert blocks["receives"]["element"]["initial_option"]["value"] == "digests"
    assert [o["value"] for o in blocks["topics"]["element"]["initial_options"]] == ["bletchley"]
    assert blocks["always"]["element"]["initial_options"][0]["value"] == "always"
    assert payload["title"]["text"] == "Modifier l'abonnement"
    assert json.loads(payload["private_metadata"])["channel"] == "C7"


def test_a_submission_is_read_back(library: Library) -> None:
    state = {
        "channel": {"channel": {"type": "conversations_select", "selected_conversation": "C5"}},
        "days": {
            "days": {"type": "checkboxes", "selected_options": [{"value": "0"}, {"value": "3"}]}
        },
        "time": {"time": {"type": "timepicker", "selected_time": "08:30"}},
        "tz": {"tz": {"type": "static_select", "selected_option": {"value": "Europe/Paris"}}},
        "lang": {"lang": {"type": "static_select", "selected_option": {"value": "fr"}}},
        "receives": {"receives": {"type": "radio_buttons", "selected_option": {"value": "all"}}},
        "topics": {"topics": {"type": "checkboxes", "selected_options": [{"value": "bletchley"}]}},
        "always": {"always": {"type": "checkboxes", "selected_options": []}},
    }
    chosen = forms.read_submission({"state": {"values": state}, "private_metadata": "{}"})
    assert chosen.words() == ["mon,thu", "08:30", "Europe/Paris", "lang:fr", "topics:bletchley"]
    assert chosen.problem() is None
    state["days"]["days"]["selected_options"] = []
    assert forms.read_submission({"state": {"values": state}}).problem() == Problem(
        "days", "no_day"
    )
    state["receives"]["receives"]["selected_option"] = {"value": "reminders"}
    assert forms.read_submission({"state": {"values": state}}).problem() is None
    del state["channel"]
    assert forms.read_submission({"state": {"values": state}}).problem() == Problem(
        "channel", "no_channel"
    )
    edited = forms.read_submission(
        {"state": {"values": state}, "private_metadata": '{"channel": "C7"}'}
    )
    assert edited.channel == "C7"


def test_errors_go_under_the_field(library: Library) -> None:
    problem = parse("topics:bletchly", library)
    assert isinstance(problem, Problem)
    errors = forms.errors(problem, "en")
    assert list(errors) == ["topics"] and "bletchley" in errors["topics"]
    hidden = forms.errors(Problem("channel", "channel_hidden"), "fr")
    assert list(hidden) == ["channel"] and "/invite @declaration-bot" in hidden["channel"]
    # editing: the channel is not an input, so its errors go under the days
    assert list(forms.errors(Problem("channel", "channel_hidden"), "en", channel_fixed=True)) == [
        "days"
    ]


def view_of(
    channel: str,
    digest_days: frozenset[int] = EVERY_DAY,
    *,
    receives: str = "all",
    topics: set[str] | None = None,
    always: bool = False,
    lang: str = "en",
    paused: bool = False,
) -> SubscriptionView:
    return SubscriptionView(
        id=1,
        team_id="T1",
        enterprise_id=None,
        channel_id=channel,
        schedule=Schedule(digest_days, time(8, 30), "Europe/Paris"),
        lang=lang,
        next_wake_at=None,
        paused=paused,
        paused_reason="paused by <@U1>" if paused else None,
        created_by="U1",
        last_digest_for=None,
        last_delivery_at=None,
        last_result=None,
        digests_sent=0,
        always=always,
        receives=receives,
        topics=frozenset(topics or ()),
    )


def runtime(library: Library) -> Facts:
    """What the Home tab is drawn from besides the subscriptions (plain values)."""
    from datetime import UTC, datetime

    return Facts(library, datetime(2026, 11, 27, 12, tzinfo=UTC))


def actions_of(payload: dict[str, Any]) -> list[list[str]]:
    return [
        [e["action_id"] for e in b["elements"]] for b in payload["blocks"] if b["type"] == "actions"
    ]


@pytest.mark.parametrize("lang", LANGS)
def test_the_home_tab_manages_subscriptions(library: Library, lang: str) -> None:
    subs = [
        view_of("C1", days("mon thu")),
        view_of("C2", receives="reminders", topics={"bletchley"}, paused=True),
    ]
    blocks = home_blocks(runtime(library), REVIEWED, subs, lang)
    payload = round_trip(View(type="home", blocks=blocks))
    text = json.dumps(payload, ensure_ascii=False)
    assert actions_of(payload) == [
        [EDIT, PAUSE, PREVIEW, UNSUBSCRIBE],
        [EDIT, RESUME, PREVIEW, UNSUBSCRIBE],
    ]
    assert SUBSCRIBE in text
    said = {"en": "Mondays and Thursdays", "fr": "lundi et jeudi", "zh": "每周一、周四"}[lang]
    assert said in text
    unsubscribe = next(
        e
        for b in payload["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == UNSUBSCRIBE
    )
    assert unsubscribe["confirm"]["style"] == "danger" and unsubscribe["value"] == "C1"
    # the subscriptions come before the topics and summits
    kinds = [b["type"] for b in payload["blocks"]]
    first_sub = next(i for i, b in enumerate(payload["blocks"]) if "<#C1>" in json.dumps(b))
    assert first_sub < kinds.index("divider")


def test_the_home_tab_for_someone_who_may_not_change_subscriptions(library: Library) -> None:
    blocks = home_blocks(runtime(library), REVIEWED, [view_of("C1")], "en", manage=False, hidden=2)
    payload = round_trip(View(type="home", blocks=blocks))
    assert actions_of(payload) == [[PREVIEW]]
    text = json.dumps(payload)
    assert (
        SUBSCRIBE not in text and "Only admins and owners" in text and "2 more in channels" in text
    )


def test_the_home_tab_stays_within_100_blocks(library: Library) -> None:
    subs = [view_of(f"C{n:03d}") for n in range(80)]
    blocks = home_blocks(runtime(library), REVIEWED, subs, "en")
    payload = round_trip(View(type="home", blocks=blocks))
    assert len(payload["blocks"]) <= 100
    assert "more subscriptions not shown" in json.dumps(payload)
    assert "AI summits" in json.dumps(payload)  # the reference part is still there


async def test_the_same_words_work_without_slack(library: Library, tmp_path: Any) -> None:
    """As the local shell runs them: no Slack profile, the store on disk, the same parser."""
    from datetime import UTC, datetime

    from bot import commands
    from bot.clock import FixedClock
    from bot.content.source import ContentSource
    from bot.delivery.deliverer import DeliverySettings
    from bot.store.store import Store
    from bot.subscriptions.replies import Invocation
    from bot.subscriptions.service import Channels

    store = Store.open(f"sqlite:///{tmp_path / 'shell.sqlite3'}")
    clock = FixedClock(datetime(2026, 11, 30, 12, tzinfo=UTC))
    channels = Channels(store, ContentSource(library), clock, DeliverySettings())
    inv = Invocation("local", "shell", "you")

    async def nobody() -> None:
        return None

    try:
        reply = await channels.handle(commands.parse("subscribe mon thu 08:30"), inv, nobody)
        assert "digests Mondays and Thursdays at 08:30 (UTC, by default)" in reply.text
        reply = await channels.handle(commands.parse("subscribe topics:bletchly"), inv, nobody)
        assert "Did you mean `bletchley`?" in reply.text
        reply = await channels.handle(commands.parse("status"), inv, nobody)
        assert "Mondays and Thursdays" in reply.text
    finally:
        store.close()


def test_the_manifest_asks_for_the_scopes_the_oauth_flow_asks_for() -> None:
    import yaml

    from bot.app import BOT_SCOPES
    from tests.conftest import ROOT

    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text())
    scopes = manifest["oauth_config"]["scopes"]["bot"]
    assert sorted(scopes) == sorted(BOT_SCOPES)
    assert {"channels:read", "groups:read"} <= set(scopes)  # conversations.info and .members
