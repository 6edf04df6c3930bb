"""Loading the content folder: every file read and validated, every cross-file rule checked.

:func:`load_library` either returns a complete :class:`Library` or raises :class:`ContentError`
listing every error found, each naming the file, the line (where known) and the field.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from bot.content.library import Library
from bot.content.problems import ContentError, Findings, Problem
from bot.content.schema import (
    Development,
    DevelopmentsFile,
    Series,
    Summit,
    SummitsFile,
    Topic,
    normalize,
)
from bot.content.translations import (
    Texts,
    load_translations,
    translate_development,
    translate_series,
    translate_summit,
    translate_topic,
    with_every_alias,
)
from bot.content.yaml_lines import Loc, Parsed, display, read
from bot.periods import describe_period


@dataclass
class _Loaded:
    """The English files loaded so far, and what was found wrong with them."""

    found: Findings = field(default_factory=Findings)
    # each English file as shown in messages -> its `reviewed:` date, in the order loaded
    reviewed: dict[str, date | None] = field(default_factory=dict)
    topic_files: list[Parsed[Topic]] = field(default_factory=list)
    topics_complete: bool = True  # every topic file loaded: only then are references checked
    summits: list[Summit] = field(default_factory=list)
    summits_complete: bool = False
    summits_file: Parsed[SummitsFile] | None = None
    series: list[Series] = field(default_factory=list)
    # where each summit starts in summits.yml: (file as shown, line)
    summit_places: dict[str, tuple[str, int | None]] = field(default_factory=dict)
    developments: list[Development] = field(default_factory=list)  # newest first

    @property
    def topics(self) -> list[Topic]:
        return [file.value for file in self.topic_files]

    def topic_ids(self) -> set[str] | None:
        """The ids a reference may name; None when a topic file failed (nothing is checked)."""
        return {t.id for t in self.topics} if self.topics_complete else None

    def summit_ids(self) -> set[str] | None:
        return {s.id for s in self.summits} if self.summits_complete else None


def load_library(directory: Path | str) -> Library:
    """Load and validate every content file in ``directory``; raise ContentError on any error.

    A missing or out-of-step translation is not an error: the item is shown in English in that
    language, and the returned library's ``warnings`` say which file and item to translate.
    """
    root = Path(directory)
    if not root.is_dir():
        raise ContentError([Problem(str(root), None, "", "content folder not found")])
    loaded = _Loaded()
    _load_topics(root, loaded)
    _load_summits(root, loaded)
    _load_developments(root, loaded)
    texts: dict[str, Texts] = {}
    if loaded.topics_complete and not loaded.found.errors:
        texts = load_translations(
            root, loaded.topics, loaded.summits, loaded.developments, loaded.found
        )
    _check_names(_named(loaded, texts), loaded.found)
    if loaded.found.errors:
        raise ContentError(loaded.found.errors)
    return _assemble(root, loaded, texts)


def _load_topics(root: Path, loaded: _Loaded) -> None:
    """``topics/*.yml``: one topic a file, its id the file's name."""
    topics_dir = root / "topics"
    paths = sorted(topics_dir.glob("*.yml")) + sorted(topics_dir.glob("*.yaml"))
    errors = loaded.found.errors
    if not paths:
        errors.append(Problem(display(topics_dir), None, "", "no topic files (*.yml) found"))
    for path in paths:
        file = read(path, Topic, errors)
        if file is None:
            loaded.topics_complete = False
            continue
        if file.value.id != path.stem:
            errors.append(
                file.problem(
                    ("id",), f"id '{file.value.id}' must match the file name '{path.stem}'"
                )
            )
        loaded.topic_files.append(file)
        loaded.reviewed[file.shown] = file.value.reviewed


def _load_summits(root: Path, loaded: _Loaded) -> None:
    """``summits.yml``: ids unique, topics known (errors); dates inside their announced period
    (a warning)."""
    path = root / "summits.yml"
    if not path.exists():
        loaded.found.errors.append(Problem(display(path), None, "", "file not found"))
        return
    file = read(path, SummitsFile, loaded.found.errors)
    if file is None:
        return
    loaded.summits = list(file.value.summits)
    loaded.summits_complete = True
    loaded.summits_file = file
    loaded.series = list(file.value.series)
    series_seen: set[str] = set()
    for i, series in enumerate(loaded.series):
        if series.id in series_seen:
            loaded.found.errors.append(
                file.problem(("series", i, "id"), f"duplicate series id '{series.id}'")
            )
        series_seen.add(series.id)
    loaded.reviewed[file.shown] = file.value.reviewed
    known_topics = loaded.topic_ids()
    seen: set[str] = set()
    for i, summit in enumerate(loaded.summits):
        if summit.id in seen:
            loaded.found.errors.append(
                file.problem(("summits", i, "id"), f"duplicate summit id '{summit.id}'")
            )
        seen.add(summit.id)
        for j, ref in enumerate(summit.topics):
            if known_topics is not None and ref not in known_topics:
                loaded.found.errors.append(
                    file.problem(
                        ("summits", i, "topics", j),
                        f"no topic with id '{ref}' (known: {', '.join(sorted(known_topics))})",
                    )
                )
        _check_period(file, i, summit, loaded.found)
        _check_held(file, i, summit, loaded.found)
    loaded.summit_places = {
        s.id: (file.shown, file.line(("summits", i))) for i, s in enumerate(loaded.summits)
    }


def _check_period(file: Parsed[SummitsFile], i: int, summit: Summit, found: Findings) -> None:
    """A summit's dates fall inside the period it was announced for (a warning)."""
    period, window = summit.period, summit.window
    if summit.starts is None or period is None or window is None:
        return
    if period.contains(window[0]) and period.contains(window[1]):
        return
    found.warnings.append(
        file.problem(
            ("summits", i, "starts"),
            f"'{summit.id}': its dates ({summit.starts} to {window[1]}) fall outside its "
            f"announced period {period} ({describe_period(period)}): correct the "
            "dates, or change 'period' if the event was moved",
        )
    )


def _check_held(file: Parsed[SummitsFile], i: int, summit: Summit, found: Findings) -> None:
    """An event marked as held cites at least one source dated on or after its first day (an
    error): a piece published before the event cannot say that it took place."""
    window = summit.window
    if not summit.held or window is None:
        return
    first = window[0]
    if any(source.date >= first for source in summit.sources):
        return
    found.errors.append(
        file.problem(
            ("summits", i, "held"),
            f"'{summit.id}' is marked 'held: true', but none of its sources is dated on or after "
            f"its first day ({first}): cite a report of the event published after it began (the "
            "document itself, or a named outlet reporting it; not an aggregator, an AI-written "
            "blog or a piece from before the event), or remove 'held: true'",
        )
    )


def _load_developments(root: Path, loaded: _Loaded) -> None:
    """``developments.yml`` (optional): the dated timeline, newest first."""
    path = root / "developments.yml"
    if not path.exists():
        return
    file = read(path, DevelopmentsFile, loaded.found.errors)
    if file is None:
        return
    loaded.reviewed[file.shown] = file.value.reviewed
    known = {"topics": loaded.topic_ids(), "events": loaded.summit_ids()}
    seen: set[str] = set()
    for i, dev in enumerate(file.value.developments):
        if dev.id in seen:
            loaded.found.errors.append(
                file.problem(("developments", i, "id"), f"duplicate development id '{dev.id}'")
            )
        seen.add(dev.id)
        for kind, refs in (("topics", dev.topics), ("events", dev.events)):
            ids = known[kind]
            for k, ref in enumerate(refs):
                if ids is not None and ref not in ids:
                    loaded.found.errors.append(
                        file.problem(
                            ("developments", i, kind, k),
                            f"no {'topic' if kind == 'topics' else 'summit'} with id '{ref}' "
                            f"(known: {', '.join(sorted(ids))})",
                        )
                    )
    loaded.developments = sorted(
        file.value.developments, key=lambda d: (d.date, d.id), reverse=True
    )


# what a name leads to, as a clash names it: "topic 'bletchley'", "event 'waic-2026'"
_Owner = tuple[str, str]
# one file's names of one item: the file, the item, and each name with where it is written
_Names = tuple[Parsed[Any], _Owner, list[tuple[str, Loc]]]


def _listed(names: Iterable[str], where: Loc) -> list[tuple[str, Loc]]:
    return [(name, (*where, i)) for i, name in enumerate(names)]


def _named(loaded: _Loaded, texts: Mapping[str, Texts]) -> list[_Names]:
    """Every name a user can type, in every file that gives one: topics (id, title, aliases),
    events (id, name, aliases) and series (id, name, aliases), English and translated."""
    out: list[_Names] = []
    topic_files: list[Parsed[Any]] = [*loaded.topic_files]
    topic_files += [file for lang in texts.values() for file in lang.topics.values()]
    for tf in topic_files:
        tp = tf.value
        names = [(tp.id, ("id",)), (tp.title, ("title",)), *_listed(tp.aliases, ("aliases",))]
        out.append((tf, ("topic", tp.id), names))
    summit_files: list[Parsed[Any]] = [loaded.summits_file] if loaded.summits_file else []
    summit_files += [lang.summits_file for lang in texts.values() if lang.summits_file]
    for sf in summit_files:
        english = sf is loaded.summits_file
        for i, x in enumerate(sf.value.series):
            names = [(x.id, ("series", i, "id")), (x.name, ("series", i, "name"))]
            out.append((sf, ("series", x.id), names + _listed(x.aliases, ("series", i, "aliases"))))
        for i, ev in enumerate(sf.value.summits):
            names = [(ev.id, ("summits", i, "id"))] if english else []
            names.append((ev.name, ("summits", i, "name")))
            names += _listed(ev.aliases, ("summits", i, "aliases"))
            out.append((sf, ("event", ev.id), names))
    if loaded.summits_file is not None:  # a series without an entry answers to its id
        listed = {x.id for x in loaded.series}
        for ev in loaded.summits:
            if ev.series not in listed:
                listed.add(ev.series)
                where = ("summits", loaded.summits.index(ev), "series")
                out.append((loaded.summits_file, ("series", ev.series), [(ev.series, where)]))
    return out


def _check_names(named: Sequence[_Names], found: Findings) -> None:
    """Every name a user can type, in any language, must lead to exactly one topic, event or
    series: a name two of them share is an error, at the file, line and field of the second."""
    owner: dict[str, _Owner] = {}
    for file, mine_owner, names in named:
        mine: set[str] = set()  # this item's aliases in this file, as typed
        for name, loc in names:
            key = normalize(name)
            alias = "aliases" in loc
            if not key:
                found.errors.append(file.problem(loc, "is empty"))
                continue
            other = owner.get(key)
            if other is not None and other != mine_owner:
                found.errors.append(
                    file.problem(
                        loc,
                        f"'{name}' is already a name of {other[0]} '{other[1]}': names must be "
                        "unique across topics, events and series",
                    )
                )
            elif alias and name.casefold() in mine:
                found.errors.append(file.problem(loc, f"duplicate alias '{name}'"))
            owner.setdefault(key, mine_owner)
            if alias:
                mine.add(name.casefold())


def _assemble(root: Path, loaded: _Loaded, texts: Mapping[str, Texts]) -> Library:
    """One Library per language; every version knows every language's aliases.

    An item without a usable translation is the English item, marked ``untranslated``.
    """
    warnings = tuple(loaded.found.warnings)

    def version(
        lang: str,
        topics: Sequence[Topic],
        summits: Sequence[Summit],
        developments: Sequence[Development],
        series: Sequence[Series],
    ) -> Library:
        return Library(
            tuple(topics),
            tuple(summits),
            root,
            lang,
            developments=tuple(developments),
            warnings=warnings,
            reviewed=loaded.reviewed,
            summit_places=loaded.summit_places,
            series=tuple(series),
        )

    english = with_every_alias(loaded.topics, texts)
    versions = {"en": version("en", english, loaded.summits, loaded.developments, loaded.series)}
    for lang, lang_texts in texts.items():
        versions[lang] = version(
            lang,
            [translate_topic(t, lang_texts) for t in english],
            [translate_summit(s, lang_texts) for s in loaded.summits],
            [translate_development(d, lang_texts) for d in loaded.developments],
            [translate_series(x, lang_texts) for x in loaded.series],
        )
    for lib in versions.values():
        object.__setattr__(lib, "localized", versions)
    return versions["en"]
