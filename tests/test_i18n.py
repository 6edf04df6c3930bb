"""French and Chinese: the phrase catalog is complete, content is in every language, and a reader
gets the bot in their language (lang:xx, or their Slack locale end to end)."""

from __future__ import annotations

import json
import re
import shutil
import string
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.answers import core
from bot.content.library import Library
from bot.content.loading import load_library
from bot.content.problems import ContentError, Problem
from bot.content.schema import Source
from bot.content.yaml_lines import display
from bot.i18n import LANGS, catalog, from_locale, human_date, split_lang
from tests.conftest import CONTENT
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


# --- every translated field reaches the reader; a broken or missing one is said precisely ------


def _yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _same(shown: str | None, written: Any) -> bool:
    return shown == (None if written is None else str(written).strip())


@pytest.mark.parametrize("lang", ["fr", "zh"])
def test_every_translated_field_reaches_the_reader_and_dates_and_links_stay_english(
    library: Library, lang: str
) -> None:
    """A French or Chinese reader sees each topic, event, development and series in the words of
    its own translation file (not English, not another item's), with the English dates and links,
    and each source's publisher under its official name in that language where it has one. The
    expected texts are read straight from the YAML files."""
    root = CONTENT / "translations" / lang
    shown = library.for_lang(lang)
    publishers = {p["en"]: p["name"] for p in _yaml(root / "publishers.yml")["publishers"]}

    def sources_ok(mine: Sequence[Source], english: Sequence[Source]) -> None:
        assert [(s.url, s.title, s.date, s.grade) for s in mine] == [
            (s.url, s.title, s.date, s.grade) for s in english
        ]
        assert [s.publisher for s in mine] == [
            publishers.get(s.publisher, s.publisher) for s in english
        ]

    every_alias = {
        p.stem: list(_yaml(p).get("aliases", [])) for p in (CONTENT / "topics").glob("*.yml")
    }
    for other in ("fr", "zh"):
        for p in sorted((CONTENT / "translations" / other / "topics").glob("*.yml")):
            every_alias[p.stem] += _yaml(p).get("aliases", [])
    assert len(shown.topics) == 3
    for topic in shown.topics:
        english = library.topic(topic.id)
        assert english is not None and not topic.untranslated
        tx = _yaml(root / "topics" / f"{topic.id}.yml")
        for fld in ("title", "label", "short", "summary"):
            assert _same(getattr(topic, fld), tx[fld]), (topic.id, fld)
        assert topic.key_points == [str(x).strip() for x in tx["key_points"]]
        assert topic.caveats == [str(x).strip() for x in tx.get("caveats", [])]
        assert [(k.date, k.event) for k in topic.key_dates] == [
            (k.date, str(e).strip())
            for k, e in zip(english.key_dates, tx["key_dates"], strict=True)
        ]
        assert len(topic.key_dates) == len(english.key_dates) > 0
        assert (topic.updated, topic.aliases) == (english.updated, every_alias[topic.id])
        assert english.aliases == every_alias[topic.id]  # an alias works whatever the language
        sources_ok(topic.sources, english.sources)

    summits = {s["id"]: s for s in _yaml(root / "summits.yml")["summits"]}
    assert len(shown.summits) == len(library.summits) == len(summits)
    for summit in shown.summits:
        english = library.summit(summit.id)
        assert english is not None and not summit.untranslated
        sx = summits[summit.id]
        for fld in ("name", "location", "note", "summary"):
            assert _same(getattr(summit, fld), sx.get(fld)), (summit.id, fld)
        assert summit.aliases == sx.get("aliases", [])
        assert (summit.starts, summit.ends, summit.period, summit.series, summit.url) == (
            english.starts,
            english.ends,
            english.period,
            english.series,
            english.url,
        )
        sources_ok(summit.sources, english.sources)

    devs = {d["id"]: d for d in _yaml(root / "developments.yml")["developments"]}
    english_devs = {d.id: d for d in library.developments}
    assert len(shown.developments) == len(english_devs) == len(devs)
    for dev in shown.developments:
        assert not dev.untranslated
        assert _same(dev.title, devs[dev.id]["title"]) and _same(
            dev.summary, devs[dev.id]["summary"]
        )
        assert (dev.date, dev.topics) == (english_devs[dev.id].date, english_devs[dev.id].topics)
        sources_ok(dev.sources, english_devs[dev.id].sources)

    series = {x["id"]: x for x in _yaml(root / "summits.yml")["series"]}
    assert {x.id for x in shown.series} == set(series) and len(series) == 4
    for x in shown.series:
        assert not x.untranslated
        assert (x.name, x.aliases) == (series[x.id]["name"], series[x.id].get("aliases", []))


def _shown(problems: Sequence[Problem], content: Path) -> list[str]:
    """Problems as check-content prints them, with the content folder left out."""
    return [str(p).replace(f"{display(content)}/", "") for p in problems]


def _said(library: Library, content: Path) -> list[str]:
    """The warnings as check-content prints them, with the content folder left out."""
    return _shown(library.warnings, content)


def test_missing_translation_files_show_english_with_official_publisher_names(
    content_copy: Path,
) -> None:
    """With French files missing, French readers see those items in English, marked
    untranslated (topic, events, series, developments), but each source's publisher still under
    its official French name; the editor is told which file to create from which English one."""
    fr = content_copy / "translations" / "fr"
    for name in ("topics/bletchley.yml", "summits.yml", "developments.yml"):
        (fr / name).unlink()
    library = load_library(content_copy)
    assert _said(library, content_copy) == [
        "translations/fr/topics/bletchley.yml: missing: topic 'bletchley' has no French text yet "
        "(until then French readers see it in English); translate content/topics/bletchley.yml "
        "into this file",
        "translations/fr/summits.yml: missing: no French text for the summits yet (until then "
        "French readers see them in English); create this file with the same ids as "
        "content/summits.yml",
        "translations/fr/developments.yml: missing: no French text for the developments yet "
        "(until then French readers see them in English); create this file with the same ids as "
        "content/developments.yml",
    ]
    shown = library.for_lang("fr")
    uk = "Gouvernement britannique (GOV.UK)"
    topic = shown.topic("bletchley")
    assert topic is not None and topic.untranslated
    assert topic.title == library.topic("bletchley").title  # type: ignore[union-attr]
    assert uk in [s.publisher for s in topic.sources]
    assert not shown.topic("france-china-ai").untranslated  # type: ignore[union-attr]
    assert all(s.untranslated for s in shown.summits)
    assert [s.name for s in shown.summits] == [s.name for s in library.summits]
    assert uk in [src.publisher for s in shown.summits for src in s.sources]
    assert all(x.untranslated for x in shown.series)
    assert [x.name for x in shown.series] == [x.name for x in library.series]
    assert all(d.untranslated for d in shown.developments)
    assert [d.title for d in shown.developments] == [d.title for d in library.developments]
    un = "Nations Unies, couverture des réunions et communiqués de presse"
    assert un in [src.publisher for d in shown.developments for src in d.sources]
    # Chinese readers are not affected
    zh = library.for_lang("zh")
    assert not any(s.untranslated for s in zh.summits)
    assert not any(d.untranslated for d in zh.developments)


def _line(path: Path, text: str) -> int:
    """The line (from 1) of the first line of ``path`` that is ``text``."""
    return path.read_text().splitlines().index(text) + 1


def test_each_stray_or_out_of_step_translation_is_warned_at_its_own_line(
    content_copy: Path,
) -> None:
    """What a content editor is told for translations that do not match English: the file, the
    line and the field of each, what to do, and which item French readers see in English; the
    items that do match are still shown in French."""
    fr = content_copy / "translations" / "fr"
    shutil.copy(fr / "topics" / "bletchley.yml", fr / "topics" / "seoul.yml")
    topic = fr / "topics" / "bletchley.yml"
    text = topic.read_text()
    dates = text.index("key_dates:")
    first = text.index("\n  - ", dates)
    second = text.index("\n  - ", first + 1)
    caveats = text.index("caveats:")
    c1 = text.index("\n  - ", caveats)
    c2 = text.index("\n  - ", c1 + 1)
    topic.write_text(text[:first] + text[second:c1] + text[c2:])  # one key date, one caveat less
    summits = fr / "summits.yml"
    _edit(summits, "  - id: waic-2023\n", "  - id: waic-2023\n    note: Une note.\n")
    _edit(
        summits, "summits:\n", "summits:\n  - id: ghost-2030\n    name: Fantôme\n    location: X\n"
    )
    devs = fr / "developments.yml"
    _edit(devs, "developments:\n", "developments:\n  - id: ghost\n    title: T\n    summary: S\n")
    pubs = fr / "publishers.yml"
    _edit(pubs, "publishers:\n", "publishers:\n  - en: Le Monde\n    name: Le Monde\n")
    library = load_library(content_copy)
    key_dates_line = _line(topic, "key_dates:") + 1
    caveats_line = _line(topic, "caveats:") + 1
    see = "until then French readers see"
    assert _said(library, content_copy) == [
        f"translations/fr/topics/bletchley.yml:{key_dates_line}: key_dates: has 10 items; the "
        f"English file has 11: keep the same items in the same order ({see} topic 'bletchley' in "
        "English)",
        f"translations/fr/topics/bletchley.yml:{caveats_line}: caveats: has 3 items; the English "
        f"file has 4: keep the same items in the same order ({see} topic 'bletchley' in English)",
        "translations/fr/topics/seoul.yml: no English topic 'seoul' to translate: remove this "
        "file, or rename it after the English topic it translates",
        f"translations/fr/summits.yml:{_line(summits, '  - id: waic-2023')}: summits[1].note: "
        f"the English entry has no 'note': give the same fields ({see} summit 'waic-2023' in "
        "English)",
        f"translations/fr/summits.yml:{_line(summits, '  - id: ghost-2030') + 0}: summits[0].id: "
        "no English summit 'ghost-2030' to translate: remove this entry, or correct its id",
        f"translations/fr/developments.yml:{_line(devs, '  - id: ghost')}: developments[0].id: "
        "no English development 'ghost' to translate: remove this entry, or correct its id",
        f"translations/fr/publishers.yml:{_line(pubs, '  - en: Le Monde')}: publishers[0].en: no "
        "source has the publisher 'Le Monde': write the publisher exactly as the English sources "
        "give it, or remove this entry",
    ]
    shown = library.for_lang("fr")
    assert shown.topic("bletchley").untranslated  # type: ignore[union-attr]
    assert not shown.topic("france-china-ai").untranslated  # type: ignore[union-attr]
    assert [s.id for s in shown.summits if s.untranslated] == ["waic-2023"]
    assert not any(d.untranslated for d in shown.developments)
    sources = [src.publisher for t in shown.topics for src in t.sources]
    assert "Gouvernement britannique (GOV.UK)" in sources


def test_broken_translations_are_errors_at_their_line_and_nothing_is_served(
    content_copy: Path,
) -> None:
    """A translation that names the wrong topic, a publisher named twice, or an event or series
    name that another item already answers to is refused, each at its file, line and field: the
    bot would otherwise show a French reader the wrong item's text or publisher."""
    fr = content_copy / "translations" / "fr"
    topic = fr / "topics" / "bletchley.yml"
    _edit(topic, "id: bletchley\n", "id: france-china-ai\n")
    pubs = fr / "publishers.yml"
    twice = "  - en: UK Government (GOV.UK)\n    name: Royaume-Uni\n"
    _edit(
        pubs,
        "  - en: Élysée (French Presidency)\n",
        twice * 2 + "  - en: Élysée (French Presidency)\n",
    )
    summits = fr / "summits.yml"
    _edit(
        summits,
        "    aliases: [sommet ai for good]\n",
        "    aliases: [sommet ai for good, france china]\n",
    )
    _edit(summits, "  - id: waic-2023\n", "  - id: waic-2023\n    aliases: [bletchley park]\n")
    with pytest.raises(ContentError) as info:
        load_library(content_copy)
    shown = _shown(info.value.problems, content_copy)
    uk = "'UK Government (GOV.UK)' is already named above"
    clash = "names must be unique across topics, events and series"
    assert shown == [
        f"translations/fr/topics/bletchley.yml:{_line(topic, 'id: france-china-ai')}: id: must be "
        "'bletchley'",
        f"translations/fr/publishers.yml:{_line(pubs, '  - en: Élysée (French Presidency)') - 4}: "
        f"publishers[1].en: {uk}",
        f"translations/fr/publishers.yml:{_line(pubs, '  - en: Élysée (French Presidency)') - 2}: "
        f"publishers[2].en: {uk}",
        f"translations/fr/summits.yml:{_line(summits, '    aliases: [sommet ai for good, france china]')}"
        f": series[3].aliases[1]: 'france china' is already a name of topic 'france-china-ai': {clash}",
        f"translations/fr/summits.yml:{_line(summits, '    aliases: [bletchley park]')}"
        f": summits[0].aliases[0]: 'bletchley park' is already a name of topic 'bletchley': {clash}",
    ]


@pytest.mark.parametrize(
    "name",
    [
        "fr/topics/bletchley.yml",
        "zh/summits.yml",
        "fr/developments.yml",
        "zh/publishers.yml",
    ],
)
def test_a_translation_file_with_an_unknown_field_is_refused_at_its_line(
    content_copy: Path, name: str
) -> None:
    """A misspelt field in any translation file is an error the editor is shown at its file and
    line (the file is not silently skipped, and the load does not crash)."""
    path = content_copy / "translations" / name
    path.write_text(path.read_text() + "colour: blue\n")
    with pytest.raises(ContentError) as info:
        load_library(content_copy)
    shown = _shown(info.value.problems, content_copy)
    assert shown == [
        f"translations/{name}:{_line(path, 'colour: blue')}: colour: unknown field (check the "
        "spelling; see the comment at the top of the file)"
    ]


def _drop_entry(path: Path, first: str, following: str) -> None:
    """Remove the entry that starts with the line ``first`` (up to the line ``following``)."""
    text = path.read_text()
    start, end = text.index(f"{first}\n"), text.index(f"{following}\n")
    path.write_text(text[:start] + text[end:])


def test_a_missing_event_or_development_entry_is_named_and_only_it_shows_in_english(
    content_copy: Path,
) -> None:
    """An event or development left out of a translation file: the editor is told which one, in
    which file, what readers of that language see meanwhile and which id to add; the entries
    after it are still shown translated."""
    zh = content_copy / "translations" / "zh" / "summits.yml"
    _drop_entry(zh, "  - id: waic-2023", "  - id: waic-2024")
    fr = content_copy / "translations" / "fr" / "developments.yml"
    _drop_entry(fr, "  - id: un-global-dialogue-geneva-session", "  - id: waic-2026-announced")
    library = load_library(content_copy)
    assert _said(library, content_copy) == [
        "translations/fr/developments.yml: developments: missing: development "
        "'un-global-dialogue-geneva-session' has no French text yet (until then French readers "
        "see it in English); add an entry with id: un-global-dialogue-geneva-session",
        "translations/zh/summits.yml: summits: missing: summit 'waic-2023' has no Chinese text "
        "yet (until then Chinese readers see it in English); add an entry with id: waic-2023",
    ]
    assert [s.id for s in library.for_lang("zh").summits if s.untranslated] == ["waic-2023"]
    assert [d.id for d in library.for_lang("fr").developments if d.untranslated] == [
        "un-global-dialogue-geneva-session"
    ]
