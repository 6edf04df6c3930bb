"""French and Chinese text: loading ``content/translations/<lang>/`` and merging it into English.

English is the source of truth. A broken translation file (bad YAML, unknown fields, a wrong id) is
an error; a missing file or item, or an item whose lists or fields differ from English, is only a
warning: that item is shown in English, marked ``untranslated``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, TypeVar

from bot.content.problems import Findings, Problem
from bot.content.schema import (
    LANGUAGE_NAMES,
    LANGUAGES,
    Development,
    DevelopmentText,
    DevelopmentTexts,
    KeyDate,
    PublisherNames,
    Series,
    SeriesText,
    Source,
    Summit,
    SummitText,
    SummitTexts,
    Topic,
    TopicText,
)
from bot.content.yaml_lines import Parsed, display, read

F = TypeVar("F", SummitTexts, DevelopmentTexts)
E = TypeVar("E", SummitText, DevelopmentText)


@dataclass
class Texts:
    """One language's translations that are complete and in step with English, by id."""

    topics: dict[str, Parsed[TopicText]] = field(default_factory=dict)  # in English's order
    summits: dict[str, SummitText] = field(default_factory=dict)
    series: dict[str, SeriesText] = field(default_factory=dict)
    # the summits file as read (its lines name the aliases a clash is reported at)
    summits_file: Parsed[SummitTexts] | None = None
    developments: dict[str, DevelopmentText] = field(default_factory=dict)
    # a publisher's English name, as sources give it -> its official name in this language
    publishers: dict[str, str] = field(default_factory=dict)


def _untranslated(lang: str, what: str) -> str:
    name = LANGUAGE_NAMES.get(lang, lang)
    return f"until then {name} readers see {what} in English"


def load_translations(
    root: Path,
    topics: Sequence[Topic],
    summits: Sequence[Summit],
    developments: Sequence[Development],
    found: Findings,
) -> dict[str, Texts]:
    """Each translated language's usable texts, in the order of :data:`LANGUAGES`."""
    base = root / "translations"
    return {
        lang: _load_language(base / lang, lang, topics, summits, developments, found)
        for lang in LANGUAGES[1:]
    }


def _load_language(
    base: Path,
    lang: str,
    topics: Sequence[Topic],
    summits: Sequence[Summit],
    developments: Sequence[Development],
    found: Findings,
) -> Texts:
    texts = Texts()
    for topic in topics:
        text = _topic_text(base, lang, topic, found)
        if text is not None:
            texts.topics[topic.id] = text
    extra = {p.stem for p in (base / "topics").glob("*.yml")} - {t.id for t in topics}
    for stem in sorted(extra):
        found.warnings.append(
            Problem(
                display(base / "topics" / f"{stem}.yml"),
                None,
                "",
                f"no English topic '{stem}' to translate: remove this file, or rename it "
                "after the English topic it translates",
            )
        )
    texts.summits, texts.summits_file = _entries(
        base, lang, _SUMMITS, {s.id: s for s in summits}, found
    )
    if texts.summits_file is not None:
        texts.series = {x.id: x for x in texts.summits_file.value.series}
    if developments or (base / "developments.yml").exists():
        by_id = {d.id: d for d in developments}
        texts.developments, _ = _entries(base, lang, _DEVELOPMENTS, by_id, found)
    groups: list[Sequence[Source]] = [t.sources for t in topics]
    groups += [s.sources for s in summits] + [d.sources for d in developments]
    cited = {source.publisher for group in groups for source in group}
    texts.publishers = _publishers(base / "publishers.yml", cited, found)
    return texts


def _publishers(path: Path, cited: set[str], found: Findings) -> dict[str, str]:
    """``publishers.yml`` (optional): the official names of publishers in this language. A
    publisher without one is shown as the English sources give it."""
    if not path.exists():
        return {}
    file = read(path, PublisherNames, found.errors)
    if file is None:
        return {}
    names: dict[str, str] = {}
    for i, entry in enumerate(file.value.publishers):
        if entry.en in names:
            found.errors.append(
                file.problem(("publishers", i, "en"), f"'{entry.en}' is already named above")
            )
            continue
        if entry.en not in cited:
            found.warnings.append(
                file.problem(
                    ("publishers", i, "en"),
                    f"no source has the publisher '{entry.en}': write the publisher exactly as "
                    "the English sources give it, or remove this entry",
                )
            )
        names[entry.en] = entry.name
    return names


def _topic_text(base: Path, lang: str, topic: Topic, found: Findings) -> Parsed[TopicText] | None:
    """The topic's text in ``lang`` if its file exists, is valid and has English's items."""
    path = base / "topics" / f"{topic.id}.yml"
    if not path.exists():
        found.warnings.append(
            Problem(
                display(path),
                None,
                "",
                f"missing: topic '{topic.id}' has no {LANGUAGE_NAMES[lang]} text yet "
                f"({_untranslated(lang, 'it')}); translate content/topics/{topic.id}.yml into "
                "this file",
            )
        )
        return None
    file = read(path, TopicText, found.errors)
    if file is None:
        return None
    text = file.value
    if text.id != topic.id:
        found.errors.append(file.problem(("id",), f"must be '{topic.id}'"))
        return None
    in_step = True
    for fld in ("key_points", "key_dates", "caveats"):
        mine, theirs = len(getattr(text, fld)), len(getattr(topic, fld))
        if mine != theirs:
            in_step = False
            found.warnings.append(
                file.problem(
                    (fld,),
                    f"has {mine} items; the English file has {theirs}: keep the same items in "
                    f"the same order ({_untranslated(lang, f'topic {topic.id!r}')})",
                )
            )
    return file if in_step else None


@dataclass(frozen=True)
class _Entries(Generic[F, E]):
    """A translated file of entries with ids: ``summits.yml`` or ``developments.yml``."""

    key: str  # the file's name and its list's: "summits", "developments"
    model: type[F]
    entries_of: Callable[[F], Sequence[E]]
    optional: tuple[str, ...]  # fields a translation gives exactly when English does


_SUMMITS = _Entries("summits", SummitTexts, lambda f: f.summits, ("note", "summary"))
_DEVELOPMENTS = _Entries("developments", DevelopmentTexts, lambda f: f.developments, ())


def _entries(
    base: Path,
    lang: str,
    kind_of: _Entries[F, E],
    english: Mapping[str, Summit | Development],
    found: Findings,
) -> tuple[dict[str, E], Parsed[F] | None]:
    """The translated entries of summits.yml or developments.yml that match English, by id, and
    the file as read (None when there is none, or it is broken)."""
    key = kind_of.key
    kind = key[:-1]  # "summit", "development"
    path = base / f"{key}.yml"
    if not path.exists():
        if english:
            found.warnings.append(
                Problem(
                    display(path),
                    None,
                    "",
                    f"missing: no {LANGUAGE_NAMES[lang]} text for the {key} yet "
                    f"({_untranslated(lang, 'them')}); create this file with the same ids as "
                    f"content/{key}.yml",
                )
            )
        return {}, None
    file = read(path, kind_of.model, found.errors)
    if file is None:
        return {}, None
    by_id = {e.id: (i, e) for i, e in enumerate(kind_of.entries_of(file.value))}
    usable: dict[str, E] = {}
    for item_id, item in english.items():
        if item_id not in by_id:
            found.warnings.append(
                Problem(
                    file.shown,
                    None,
                    key,
                    f"missing: {kind} '{item_id}' has no {LANGUAGE_NAMES[lang]} text yet "
                    f"({_untranslated(lang, 'it')}); add an entry with id: {item_id}",
                )
            )
            continue
        i, text = by_id[item_id]
        in_step = True
        for fld in kind_of.optional:
            if (getattr(item, fld) is None) != (getattr(text, fld) is None):
                in_step = False
                has = "has" if getattr(item, fld) is not None else "has no"
                found.warnings.append(
                    file.problem(
                        (key, i),
                        f"the English entry {has} '{fld}': give the same fields "
                        f"({_untranslated(lang, f'{kind} {item_id!r}')})",
                        field=f"{key}[{i}].{fld}",
                    )
                )
        if in_step:
            usable[item_id] = text
    for other in sorted(set(by_id) - set(english)):
        i = by_id[other][0]
        found.warnings.append(
            file.problem(
                (key, i, "id"),
                f"no English {kind} '{other}' to translate: remove this entry, or correct its id",
            )
        )
    return usable, file


# --- the merge: one language's items, English where there is no usable text ------------------


def with_every_alias(topics: Sequence[Topic], texts: Mapping[str, Texts]) -> list[Topic]:
    """The English topics, each answering to its aliases in every language."""
    aliases: dict[str, list[str]] = {t.id: list(t.aliases) for t in topics}
    for lang_texts in texts.values():
        for tid, file in lang_texts.topics.items():
            aliases[tid] += file.value.aliases
    return [t.model_copy(update={"aliases": aliases[t.id]}) for t in topics]


def _sources(sources: Sequence[Source], texts: Texts) -> list[Source]:
    """The sources with each publisher's official name in this language, where it has one."""
    return [
        s.model_copy(update={"publisher": texts.publishers[s.publisher]})
        if s.publisher in texts.publishers
        else s
        for s in sources
    ]


def translate_topic(topic: Topic, texts: Texts) -> Topic:
    found = texts.topics.get(topic.id)
    if found is None:
        return topic.model_copy(update={"sources": _sources(topic.sources, texts)}).as_fallback()
    tx = found.value
    return topic.model_copy(
        update={
            "sources": _sources(topic.sources, texts),
            "title": tx.title,
            "label": tx.label,
            "short": tx.short,
            "summary": tx.summary,
            "key_points": list(tx.key_points),
            "key_dates": [
                KeyDate(date=d.date, event=e)
                for d, e in zip(topic.key_dates, tx.key_dates, strict=True)
            ],
            "caveats": list(tx.caveats),
        }
    )


def translate_summit(summit: Summit, texts: Texts) -> Summit:
    sources = _sources(summit.sources, texts)
    sx = texts.summits.get(summit.id)
    if sx is None:
        return summit.model_copy(update={"sources": sources}).as_fallback()
    return summit.model_copy(
        update={
            "name": sx.name,
            "aliases": list(sx.aliases),
            "location": sx.location,
            "note": sx.note,
            "summary": sx.summary,
            "sources": sources,
        }
    )


def translate_development(development: Development, texts: Texts) -> Development:
    sources = _sources(development.sources, texts)
    dx = texts.developments.get(development.id)
    if dx is None:
        return development.model_copy(update={"sources": sources}).as_fallback()
    return development.model_copy(
        update={"title": dx.title, "summary": dx.summary, "sources": sources}
    )


def translate_series(series: Series, texts: Texts) -> Series:
    sx = texts.series.get(series.id)
    if sx is None:
        return series.as_fallback()
    return series.model_copy(update={"name": sx.name, "aliases": list(sx.aliases)})
