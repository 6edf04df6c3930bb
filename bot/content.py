"""The content library: topics and summits, loaded from YAML and validated.

Every file in ``content/topics/*.yml`` is one topic; ``content/summits.yml`` lists the summits.
Loading is all-or-nothing: :func:`load_library` either returns a complete :class:`Library` or raises
:class:`ContentError` listing every problem found, each naming the file, the line (where known) and
the field.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

_log = logging.getLogger("declaration_bot.content")

ID_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"

Id = Annotated[str, StringConstraints(pattern=ID_PATTERN, max_length=60)]
Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=150)]
Url = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^https?://\S+$", max_length=500)
]


def _text(max_length: int) -> Any:
    constraints = StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length)
    return Annotated[str, constraints]


Day = date  # for fields declared after a field named "date"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Source(_Strict):
    title: _text(300)  # type: ignore[valid-type]
    url: Url
    publisher: _text(150)  # type: ignore[valid-type]
    date: date
    # How sure the facts drawn from this source are: C confirmed in a public source, C- official
    # statements seen only through consistent secondary reports, P one weak source, ? unconfirmed.
    grade: Literal["C", "C-", "P", "?"]


class KeyDate(_Strict):
    date: date
    event: _text(200)  # type: ignore[valid-type]


class _TopicWords(_Strict):
    """What a topic says, in any language."""

    id: Id
    title: Line
    label: _text(40)  # type: ignore[valid-type]
    short: Line
    aliases: list[_text(80)] = Field(default_factory=list)  # type: ignore[valid-type]
    summary: _text(1200)  # type: ignore[valid-type]
    key_points: list[_text(300)] = Field(min_length=1, max_length=10)  # type: ignore[valid-type]
    caveats: list[_text(300)] = Field(default_factory=list, max_length=6)  # type: ignore[valid-type]


class Topic(_TopicWords):
    key_dates: list[KeyDate] = Field(default_factory=list, max_length=12)
    sources: list[Source] = Field(min_length=1, max_length=10)
    updated: date

    def names(self) -> list[str]:
        """Every name a user may type for this topic: id, title and aliases."""
        return [self.id, self.title, self.label, *self.aliases]


class Summit(_Strict):
    id: Id
    name: Line
    series: Literal["waic", "ai-summit"]
    location: _text(150)  # type: ignore[valid-type]
    starts: date | None = None
    ends: date | None = None
    tentative: bool = False
    expected: _text(80) | None = None  # type: ignore[valid-type]
    note: _text(300) | None = None  # type: ignore[valid-type]
    summary: _text(500) | None = None  # type: ignore[valid-type]
    url: Url | None = None
    topics: list[Id] = Field(default_factory=list)
    sources: list[Source] = Field(min_length=1, max_length=10)
    updated: date | None = None

    @model_validator(mode="after")
    def _dates_in_order(self) -> Summit:
        if self.ends is not None and self.starts is None:
            raise ValueError("'ends' is set but 'starts' is not: give both dates, or neither")
        if self.starts and self.ends and self.ends < self.starts:
            raise ValueError(f"'ends' ({self.ends}) is before 'starts' ({self.starts})")
        return self

    @property
    def last_day(self) -> date | None:
        return self.ends or self.starts


class _SummitsFile(_Strict):
    summits: list[Summit]


class Development(_Strict):
    """Something that happened after the texts, dated and sourced, linked to topics and events."""

    id: Id
    date: date  # the day it happened
    title: Line
    summary: _text(600)  # type: ignore[valid-type]
    topics: list[Id] = Field(min_length=1)
    events: list[Id] = Field(default_factory=list)  # ids of the summits it concerns
    sources: list[Source] = Field(min_length=1, max_length=10)
    added: Day  # the day an editor added it: the next digest of every channel lists it as new


class _DevelopmentsFile(_Strict):
    reviewed: date | None = None
    developments: list[Development]


LANGUAGES = ("en", "fr", "zh")  # every topic and summit has text in each of these


class TopicText(_TopicWords):
    """A topic's text in another language; dates, links and sources come from English."""

    key_dates: list[_text(200)] = Field(default_factory=list)  # type: ignore[valid-type]


class SummitText(_Strict):
    id: Id
    name: Line
    location: _text(150)  # type: ignore[valid-type]
    expected: _text(80) | None = None  # type: ignore[valid-type]
    note: _text(300) | None = None  # type: ignore[valid-type]
    summary: _text(500) | None = None  # type: ignore[valid-type]


class _SummitTexts(_Strict):
    summits: list[SummitText]


@dataclass(frozen=True)
class Library:
    """A complete, validated content library."""

    topics: tuple[Topic, ...]
    summits: tuple[Summit, ...]
    directory: Path
    lang: str = "en"
    localized: Mapping[str, Library] = field(default_factory=dict)
    developments: tuple[Development, ...] = ()  # newest first

    def for_lang(self, lang: str) -> Library:
        """The same library with its text in ``lang`` (English where there is none)."""
        if lang == self.lang:
            return self
        return self.localized.get(lang, self.localized.get("en", self))

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(sorted(self.localized)) if self.localized else (self.lang,)

    def topic(self, topic_id: str) -> Topic | None:
        for t in self.topics:
            if t.id == topic_id:
                return t
        return None


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        field = f" {self.field}:" if self.field else ""
        return f"{where}:{field} {self.message}"


class ContentError(Exception):
    """Raised when the content folder is invalid; carries every problem found."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__(self.report())

    def report(self) -> str:
        n = len(self.problems)
        head = f"Content is invalid ({n} problem{'s' if n != 1 else ''}):"
        return "\n".join([head, *(f"  {p}" for p in self.problems)])


class _Loader(yaml.SafeLoader):
    """SafeLoader that keeps dates as text (so pydantic reports bad ones by field)."""


_Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_mapping_no_dupes(loader: _Loader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node)


_Loader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_mapping_no_dupes,
)


def _node_at(node: yaml.Node | None, loc: Iterable[int | str]) -> yaml.Node | None:
    """The YAML node at a pydantic error location, or the deepest one found on the way."""
    current = node
    for part in loc:
        if isinstance(current, yaml.MappingNode):
            nxt = next((v for k, v in current.value if k.value == part), None)
            if nxt is None:
                return current
            current = nxt
        elif isinstance(current, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(current.value):
                return current
            current = current.value[part]
        else:
            return current
    return current


def _field_name(loc: Iterable[int | str]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _friendly(err: Any) -> str:
    kind = err.get("type", "")
    if kind == "missing":
        return "this field is required"
    if kind == "extra_forbidden":
        return "unknown field (check the spelling; see the comment at the top of the file)"
    msg = str(err.get("msg", "invalid value"))
    if kind.startswith("date"):
        return f"{msg} (write dates as YYYY-MM-DD, e.g. 2024-05-06)"
    if kind == "string_pattern_mismatch" and "a-z0-9" in msg:
        return "must be lowercase letters, digits and single hyphens (e.g. waic-2027)"
    if kind == "string_pattern_mismatch":
        return "must be a web address starting with https://"
    return msg


def _parse(path: Path, shown: str, problems: list[Problem]) -> tuple[Any, yaml.Node | None]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(shown, None, "", f"cannot read the file: {exc}"))
        return None, None
    try:
        node = yaml.compose(text, Loader=_Loader)
        data = yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        what = exc.problem or "invalid YAML"
        problems.append(Problem(shown, line, "", f"not valid YAML: {what}"))
        return None, None
    except yaml.YAMLError as exc:
        problems.append(Problem(shown, None, "", f"not valid YAML: {exc}"))
        return None, None
    if node is None:
        problems.append(Problem(shown, None, "", "the file is empty"))
    return data, node


def _validate(
    model: type[_Strict], data: Any, node: yaml.Node | None, shown: str, problems: list[Problem]
) -> Any:
    if not isinstance(data, dict):
        problems.append(Problem(shown, 1, "", "the file must be a mapping of 'field: value' lines"))
        return None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(err["loc"])
            # pydantic adds union/constraint tags as extra loc parts; drop non-data parts
            loc = tuple(p for p in loc if isinstance(p, int) or not str(p).startswith("function-"))
            target = _node_at(node, loc)
            line = target.start_mark.line + 1 if target is not None else None
            problems.append(Problem(shown, line, _field_name(loc), _friendly(err)))
        return None


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _line_of(node: yaml.Node | None, loc: tuple[int | str, ...]) -> int | None:
    target = _node_at(node, loc)
    return target.start_mark.line + 1 if target is not None else None


def normalize(text: str) -> str:
    """Lowercase, punctuation to spaces, collapsed: the form names are matched in."""
    text = text.casefold().replace("–", " ").replace("—", " ")
    text = re.sub(r"[^\w]+", " ", text)
    return " ".join(text.split())


def load_library(directory: Path | str) -> Library:
    """Load and validate every content file in ``directory``; raise ContentError on any problem."""
    root = Path(directory)
    problems: list[Problem] = []
    if not root.is_dir():
        raise ContentError([Problem(str(root), None, "", "content folder not found")])

    topics_dir = root / "topics"
    topic_files = sorted(topics_dir.glob("*.yml")) + sorted(topics_dir.glob("*.yaml"))
    if not topic_files:
        problems.append(Problem(_display(topics_dir), None, "", "no topic files (*.yml) found"))

    topics: list[Topic] = []
    topics_complete = True  # cross-file checks only make sense when every topic loaded
    topic_nodes: dict[str, tuple[str, yaml.Node | None]] = {}
    for path in topic_files:
        shown = _display(path)
        data, node = _parse(path, shown, problems)
        topic = _validate(Topic, data, node, shown, problems) if node is not None else None
        if topic is None:
            topics_complete = False
            continue
        if topic.id != path.stem:
            problems.append(
                Problem(
                    shown,
                    _line_of(node, ("id",)),
                    "id",
                    f"id '{topic.id}' must match the file name '{path.stem}'",
                )
            )
        topics.append(topic)
        topic_nodes[topic.id] = (shown, node)

    summits: list[Summit] = []
    summits_complete = False
    summits_path = root / "summits.yml"
    if not summits_path.exists():
        problems.append(Problem(_display(summits_path), None, "", "file not found"))
    else:
        shown = _display(summits_path)
        data, node = _parse(summits_path, shown, problems)
        if data is not None or node is not None:
            parsed = _validate(_SummitsFile, data, node, shown, problems)
            if parsed is not None:
                summits = list(parsed.summits)
                summits_complete = True
                known = {t.id for t in topics}
                seen: set[str] = set()
                for i, summit in enumerate(summits):
                    if summit.id in seen:
                        problems.append(
                            Problem(
                                shown,
                                _line_of(node, ("summits", i, "id")),
                                f"summits[{i}].id",
                                f"duplicate summit id '{summit.id}'",
                            )
                        )
                    seen.add(summit.id)
                    for j, ref in enumerate(summit.topics):
                        if topics_complete and ref not in known:
                            problems.append(
                                Problem(
                                    shown,
                                    _line_of(node, ("summits", i, "topics", j)),
                                    f"summits[{i}].topics[{j}]",
                                    f"no topic with id '{ref}' (known: {', '.join(sorted(known))})",
                                )
                            )

    developments = _load_developments(
        root,
        {t.id for t in topics} if topics_complete else None,
        {s.id for s in summits} if summits_complete else None,
        problems,
    )

    translated_names: list[tuple[TopicText, str, yaml.Node | None]] = []
    texts: dict[str, tuple[dict[str, TopicText], dict[str, SummitText]]] = {}
    if topics_complete and not problems:
        texts, translated_names = _load_translations(root, topics, summits, problems)

    # Every name a user can type, in any language, must lead to exactly one topic.
    sources_of_names: list[tuple[Topic | TopicText, str, yaml.Node | None]] = [
        (t, *topic_nodes[t.id]) for t in topics
    ]
    sources_of_names += [(tr, shown, node) for tr, shown, node in translated_names]
    owner: dict[str, str] = {}
    for topic, shown, node in sources_of_names:
        names: list[tuple[str, tuple[int | str, ...]]] = [
            (topic.id, ("id",)),
            (topic.title, ("title",)),
        ]
        names += [(alias, ("aliases", i)) for i, alias in enumerate(topic.aliases)]
        mine: set[str] = set()
        for name, loc in names:
            key = normalize(name)
            if not key:
                problems.append(Problem(shown, _line_of(node, loc), _field_name(loc), "is empty"))
                continue
            other = owner.get(key)
            if other is not None and other != topic.id:
                problems.append(
                    Problem(
                        shown,
                        _line_of(node, loc),
                        _field_name(loc),
                        f"'{name}' is already a name of topic '{other}': names must be unique",
                    )
                )
            elif loc[0] == "aliases" and name.casefold() in mine:
                problems.append(
                    Problem(
                        shown, _line_of(node, loc), _field_name(loc), f"duplicate alias '{name}'"
                    )
                )
            owner.setdefault(key, topic.id)
            if loc[0] == "aliases":
                mine.add(name.casefold())

    if problems:
        raise ContentError(problems)
    return _assemble(root, topics, summits, texts, developments)


def _load_developments(
    root: Path, topic_ids: set[str] | None, summit_ids: set[str] | None, problems: list[Problem]
) -> list[Development]:
    """``developments.yml`` (optional): the dated timeline, newest first."""
    path = root / "developments.yml"
    if not path.exists():
        return []
    shown = _display(path)
    data, node = _parse(path, shown, problems)
    if data is None and node is None:
        return []
    parsed = _validate(_DevelopmentsFile, data, node, shown, problems)
    if parsed is None:
        return []
    seen: set[str] = set()
    for i, dev in enumerate(parsed.developments):
        if dev.id in seen:
            problems.append(
                Problem(
                    shown,
                    _line_of(node, ("developments", i, "id")),
                    f"developments[{i}].id",
                    f"duplicate development id '{dev.id}'",
                )
            )
        seen.add(dev.id)
        refs = [("topics", ref, topic_ids) for ref in dev.topics]
        refs += [("events", ref, summit_ids) for ref in dev.events]
        for j, (kind, ref, known) in enumerate(refs):
            if known is not None and ref not in known:
                k = j if kind == "topics" else j - len(dev.topics)
                problems.append(
                    Problem(
                        shown,
                        _line_of(node, ("developments", i, kind, k)),
                        f"developments[{i}].{kind}[{k}]",
                        f"no {'topic' if kind == 'topics' else 'summit'} with id '{ref}' "
                        f"(known: {', '.join(sorted(known))})",
                    )
                )
    return sorted(parsed.developments, key=lambda d: (d.date, d.id), reverse=True)


def _load_translations(
    root: Path, topics: list[Topic], summits: list[Summit], problems: list[Problem]
) -> tuple[
    dict[str, tuple[dict[str, TopicText], dict[str, SummitText]]],
    list[tuple[TopicText, str, yaml.Node | None]],
]:
    """Load content/translations/<lang>/: every topic and summit, the same shape as English."""
    out: dict[str, tuple[dict[str, TopicText], dict[str, SummitText]]] = {}
    names: list[tuple[TopicText, str, yaml.Node | None]] = []
    for lang in LANGUAGES[1:]:
        base = root / "translations" / lang
        topic_texts: dict[str, TopicText] = {}
        for topic in topics:
            path = base / "topics" / f"{topic.id}.yml"
            shown = _display(path)
            if not path.exists():
                problems.append(
                    Problem(shown, None, "", f"missing: topic '{topic.id}' needs its {lang} text")
                )
                continue
            data, node = _parse(path, shown, problems)
            text = _validate(TopicText, data, node, shown, problems) if node is not None else None
            if text is None:
                continue
            if text.id != topic.id:
                problems.append(
                    Problem(shown, _line_of(node, ("id",)), "id", f"must be '{topic.id}'")
                )
            for fld in ("key_points", "key_dates", "caveats"):
                mine, theirs = len(getattr(text, fld)), len(getattr(topic, fld))
                if mine != theirs:
                    problems.append(
                        Problem(
                            shown,
                            _line_of(node, (fld,)),
                            fld,
                            f"has {mine} items; the English file has {theirs}: keep the same "
                            "items in the same order",
                        )
                    )
            topic_texts[topic.id] = text
            names.append((text, shown, node))
        extra = {p.stem for p in (base / "topics").glob("*.yml")} - {t.id for t in topics}
        for stem in sorted(extra):
            problems.append(
                Problem(
                    _display(base / "topics" / f"{stem}.yml"),
                    None,
                    "",
                    f"no English topic '{stem}' to translate",
                )
            )
        summit_texts: dict[str, SummitText] = {}
        path = base / "summits.yml"
        shown = _display(path)
        if not path.exists():
            problems.append(
                Problem(shown, None, "", f"missing: the summits need their {lang} text")
            )
        else:
            data, node = _parse(path, shown, problems)
            parsed = _validate(_SummitTexts, data, node, shown, problems) if node else None
            if parsed is not None:
                by_id = {t.id: (i, t) for i, t in enumerate(parsed.summits)}
                for summit in summits:
                    if summit.id not in by_id:
                        problems.append(
                            Problem(
                                shown,
                                None,
                                "summits",
                                f"missing: summit '{summit.id}' needs its {lang} text",
                            )
                        )
                        continue
                    i, text = by_id[summit.id]
                    for fld in ("expected", "note", "summary"):
                        if (getattr(summit, fld) is None) != (getattr(text, fld) is None):
                            has = "has" if getattr(summit, fld) is not None else "has no"
                            problems.append(
                                Problem(
                                    shown,
                                    _line_of(node, ("summits", i)),
                                    f"summits[{i}].{fld}",
                                    f"the English entry {has} '{fld}': give the same fields",
                                )
                            )
                    summit_texts[summit.id] = text
                for sid in sorted(set(by_id) - {s.id for s in summits}):
                    i = by_id[sid][0]
                    problems.append(
                        Problem(
                            shown,
                            _line_of(node, ("summits", i, "id")),
                            f"summits[{i}].id",
                            f"no English summit '{sid}' to translate",
                        )
                    )
        out[lang] = (topic_texts, summit_texts)
    return out, names


def _assemble(
    root: Path,
    topics: list[Topic],
    summits: list[Summit],
    texts: dict[str, tuple[dict[str, TopicText], dict[str, SummitText]]],
    developments: list[Development],
) -> Library:
    """One Library per language; every version knows every language's aliases."""
    aliases: dict[str, list[str]] = {t.id: list(t.aliases) for t in topics}
    for topic_texts, _ in texts.values():
        for tid, text in topic_texts.items():
            aliases[tid] += text.aliases
    english = [t.model_copy(update={"aliases": aliases[t.id]}) for t in topics]
    versions: dict[str, Library] = {}
    devs = tuple(developments)
    versions["en"] = Library(tuple(english), tuple(summits), root, "en", developments=devs)
    for lang, (topic_texts, summit_texts) in texts.items():
        local_topics = []
        for t in english:
            tx = topic_texts[t.id]
            local_topics.append(
                t.model_copy(
                    update={
                        "title": tx.title,
                        "label": tx.label,
                        "short": tx.short,
                        "summary": tx.summary,
                        "key_points": list(tx.key_points),
                        "key_dates": [
                            KeyDate(date=d.date, event=e)
                            for d, e in zip(t.key_dates, tx.key_dates, strict=True)
                        ],
                        "caveats": list(tx.caveats),
                    }
                )
            )
        local_summits = []
        for s in summits:
            sx = summit_texts[s.id]
            local_summits.append(
                s.model_copy(
                    update={
                        "name": sx.name,
                        "location": sx.location,
                        "expected": sx.expected,
                        "note": sx.note,
                        "summary": sx.summary,
                    }
                )
            )
        versions[lang] = Library(
            tuple(local_topics), tuple(local_summits), root, lang, developments=devs
        )
    for lib in versions.values():
        object.__setattr__(lib, "localized", versions)
    return versions["en"]


class ContentSource:
    """The library in force, reloaded when a content file changes (and only if still valid)."""

    def __init__(self, library: Library, check_every: float = 2.0) -> None:
        self.library = library
        self.check_every = check_every
        self._checked = time.monotonic()
        self._stamp = self._fingerprint()

    def _fingerprint(self) -> tuple[tuple[str, float], ...]:
        root = self.library.directory
        files = [
            root / "summits.yml",
            root / "developments.yml",
            *sorted((root / "topics").glob("*.y*ml")),
            *sorted((root / "translations").glob("*/summits.yml")),
            *sorted((root / "translations").glob("*/topics/*.y*ml")),
        ]
        out = []
        for f in files:
            try:
                out.append((str(f), f.stat().st_mtime))
            except OSError:
                out.append((str(f), -1.0))
        return tuple(out)

    def current(self, *, check: bool = False) -> Library:
        """The library in force; files are looked at again every ``check_every`` seconds."""
        now = time.monotonic()
        if not check and now - self._checked < self.check_every:
            return self.library
        self._checked = now
        stamp = self._fingerprint()
        if stamp != self._stamp:
            self._stamp = stamp
            try:
                self.library = load_library(self.library.directory)
                _log.info("content reloaded from %s", self.library.directory)
            except ContentError as exc:
                _log.error("content changed but is invalid; keeping the previous version\n%s", exc)
        return self.library
