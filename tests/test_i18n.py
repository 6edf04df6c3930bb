"""French and Chinese: the phrase catalog is complete, content is in every language, and a reader
gets the bot in their language (lang:xx, or their Slack locale end to end)."""

from __future__ import annotations

import json
import re
import string
from datetime import date
from pathlib import Path

import pytest

from bot.answers import core
from bot.content.library import Library
from bot.content.loading import load_library
from bot.content.problems import ContentError
from bot.i18n import LANGS, catalog, from_locale, human_date, split_lang
from tests.replyhelp import TODAY, texts, within_limits


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_phrase_has_every_language_with_the_same_placeholders() -> None:
    for key, entry in catalog().items():
        assert set(entry) == set(LANGS), key
        expected = _fields(entry["en"])
        for lang in LANGS:
            assert entry[lang].strip(), (key, lang)
            assert _fields(entry[lang]) == expected, (key, lang)


def test_every_phrase_used_in_code_exists() -> None:
    used: set[str] = set()
    for path in Path("bot").rglob("*.py"):
        used |= set(
            re.findall(r"""\bt\(\s*[\w.]+,\s*["']([a-z_]+\.[a-z_]+)["']""", path.read_text())
        )
    missing = used - set(catalog())
    assert not missing and len(used) > 60


@pytest.mark.parametrize(
    ("locale", "lang"),
    [
        ("fr-FR", "fr"),
        ("fr-CA", "fr"),
        ("zh-CN", "zh"),
        ("zh-TW", "zh"),
        ("en-US", "en"),
        ("de-DE", None),
        (None, None),
        ("", None),
    ],
)
def test_slack_locales(locale: str | None, lang: str | None) -> None:
    assert from_locale(locale) == lang


def test_lang_word() -> None:
    assert split_lang("bletchley lang:fr") == ("bletchley", "fr")
    assert split_lang("lang:zh search 停火") == ("search 停火", "zh")
    assert split_lang("lang:de bletchley") == ("lang:de bletchley", None)


def test_dates_are_written_for_the_language() -> None:
    d = date(2024, 5, 6)
    assert human_date(d, "en") == "6 May 2024"
    assert human_date(d, "fr") == "6 mai 2024"
    assert human_date(d, "zh") == "2024年5月6日"


def test_the_first_of_the_month_is_an_ordinal_in_french() -> None:
    first = date(2023, 11, 1)
    assert human_date(first, "fr") == "1er novembre 2023"
    assert human_date(first, "en") == "1 November 2023"
    assert human_date(date(2023, 11, 11), "fr") == "11 novembre 2023"


def test_every_topic_and_summit_has_all_three_languages(library: Library) -> None:
    assert set(library.languages) == set(LANGS)
    for lang in LANGS:
        lib = library.for_lang(lang)
        assert [t.id for t in lib.topics] == [t.id for t in library.topics]
        assert [s.id for s in lib.summits] == [s.id for s in library.summits]
    fr, zh = library.for_lang("fr"), library.for_lang("zh")
    assert fr.topic("bletchley").title.startswith("La Déclaration de Bletchley")  # type: ignore[union-attr]
    assert "布莱切利" in zh.topic("bletchley").title  # type: ignore[union-attr]

    # dates and sources come from English, whatever the language (a publisher may have its
    # official name in the language: translations/<lang>/publishers.yml)
    def cited(lib: Library) -> list[tuple[str, str, str, str]]:
        topic = lib.topic("bletchley")
        assert topic is not None
        return [(s.url, s.title, str(s.date), s.grade) for s in topic.sources]

    assert cited(fr) == cited(zh) == cited(library)


@pytest.mark.parametrize(
    ("text", "needles"),
    [
        ("lang:fr", ["*Commandes*", "la liste des sujets"]),
        ("lang:zh", ["*命令*", "列出所有主题"]),
        (
            "bletchley lang:fr",
            ["*Points clés*", "28 pays", "Partager dans le canal", "1er novembre 2023"],
        ),
        ("bletchley lang:zh", ["*要点*", "2023年11月1日", "分享到频道"]),
        ("summits lang:fr", ["Sommets sur l'IA", "*Dates non annoncées*", "prévu : juillet 2027"]),
        ("summits lang:zh", ["人工智能峰会", "*日期未公布*"]),
        ("proche-orient lang:fr", ["Proche-Orient", "cessez-le-feu"]),
        ("中东", ["Middle East"]),  # a Chinese alias works for every reader
        ("search 停火 lang:zh", ["*停火*"]),
        ("search ceasefire lang:fr", ["Proche-Orient"]),  # found through the English text
        ("bletchly lang:fr", ["Vouliez-vous dire *Déclaration de Bletchley*"]),
        ("<!channel> lang:zh", ["没有名为", "&lt;!channel&gt;"]),
    ],
)
def test_replies_in_french_and_chinese(library: Library, text: str, needles: list[str]) -> None:
    reply = core.reply_to(text, library, TODAY)
    within_limits(reply)
    body = "\n".join(texts(reply))
    for needle in needles:
        assert needle in body, (needle, body[:500])
    assert "<!channel>" not in body


def test_caller_language_is_the_default_and_lang_word_wins(library: Library) -> None:
    body = "\n".join(texts(core.reply_to("topics", library, TODAY, "zh")))
    assert "主题" in body
    body = "\n".join(texts(core.reply_to("topics lang:en", library, TODAY, "zh")))
    assert "Topics" in body


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_a_missing_translation_is_a_warning_and_the_topic_shows_in_english(
    content_copy: Path,
) -> None:
    (content_copy / "translations" / "zh" / "topics" / "bletchley.yml").unlink()
    library = load_library(content_copy)
    (warning,) = [str(w) for w in library.warnings]
    assert "zh/topics/bletchley.yml" in warning
    assert "missing: topic 'bletchley' has no Chinese text yet" in warning
    shown = library.for_lang("zh").topic("bletchley")
    assert shown is not None and shown.untranslated
    assert shown.title == library.topic("bletchley").title  # type: ignore[union-attr]
    body = "\n".join(texts(core.reply_to("bletchley lang:zh", library, TODAY)))
    assert "尚未翻译：以英文显示。" in body and "*要点*" in body
    assert "Bletchley" in body


def test_a_translation_with_other_items_is_a_warning(content_copy: Path) -> None:
    f = content_copy / "translations" / "fr" / "topics" / "bletchley.yml"
    text = f.read_text()
    start = text.index("key_points:")
    first = text.index("\n  - ", start)
    second = text.index("\n  - ", first + 1)
    f.write_text(text[:first] + text[second:])  # drop the first key point
    library = load_library(content_copy)
    assert re.search(
        r"fr/topics/bletchley.yml:\d+: key_points: has \d+ items; the English file has",
        "\n".join(str(w) for w in library.warnings),
    )
    assert library.for_lang("fr").topic("bletchley").untranslated  # type: ignore[union-attr]
    assert not library.for_lang("fr").topic("france-china-ai").untranslated  # type: ignore[union-attr]


def test_a_summit_translation_must_have_the_same_fields(content_copy: Path) -> None:
    f = content_copy / "translations" / "fr" / "summits.yml"
    text = f.read_text()
    f.write_text(re.sub(r"\n    note: [^\n]*(\n      [^\n]*)*", "", text, count=1))
    library = load_library(content_copy)
    warnings = "\n".join(str(w) for w in library.warnings)
    assert "the English entry has 'note': give the same fields" in warnings
    untranslated = [s.id for s in library.for_lang("fr").summits if s.untranslated]
    assert untranslated == ["waic-2024"]


def test_translated_aliases_must_be_unique_too(content_copy: Path) -> None:
    f = content_copy / "translations" / "fr" / "topics" / "france-china-middle-east.yml"
    _edit(f, "aliases:\n", "aliases:\n  - bletchley park\n")
    with pytest.raises(ContentError) as info:
        load_library(content_copy)
    assert "'bletchley park' is already a name of topic 'bletchley'" in str(info.value)


def test_json_round_trip_of_chinese_reply(library: Library) -> None:
    reply = core.reply_to("france china lang:zh", library, TODAY)
    assert "中法" in json.dumps(reply.blocks_json(), ensure_ascii=False)


@pytest.mark.parametrize(
    "words", ["25:99", "Mars/Olympus", "every blue moon", "daily fri", "9:00 10:00"]
)
def test_schedule_mistakes_are_said_in_each_language(words: str) -> None:
    from bot.subscriptions.model import schedule_error
    from bot.subscriptions.schedule import ScheduleError, parse_schedule

    err = parse_schedule(words.split())
    assert isinstance(err, ScheduleError)
    assert schedule_error(err, "en") == err.message
    fr, zh = schedule_error(err, "fr"), schedule_error(err, "zh")
    assert fr != err.message and zh != err.message
    first = words.split()[0]
    assert f"“{first}”" in fr and f"“{first}”" in zh and "`subscribe " in zh


def test_pause_reasons_are_said_in_each_language() -> None:
    from bot.delivery.faults import PAUSING
    from bot.i18n import pause_reason

    for code in {*PAUSING, "not_installed"}:
        en, fr, zh = (pause_reason(f"slack:{code}", lang) for lang in ("en", "fr", "zh"))
        assert en.endswith(f"({code})") and fr != en and zh != en
    assert pause_reason("paused by <@U1>", "fr") == "paused by <@U1>"
    assert pause_reason("slack:something_new", "fr") == "something_new"
