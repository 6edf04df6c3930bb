"""The content library: topics, summits and developments, loaded from YAML and validated.

Every file in ``content/topics/*.yml`` is one topic; ``content/summits.yml`` lists the summits and
other events; ``content/developments.yml`` is the dated timeline. English is the source of truth:
:func:`load_library` either returns a complete :class:`Library` or raises :class:`ContentError`
listing every error found, each naming the file, the line (where known) and the field. A French or
Chinese text that is missing or out of step with English is not an error: the item is shown in
English with a note, and the library carries a warning naming the file and the item
(:attr:`Library.warnings`; ``check-content`` prints them, ``--strict`` fails on them).
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
from urllib.parse import urlsplit

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    PrivateAttr,
    StringConstraints,
    ValidationError,
    model_validator,
)

from bot.periods import Period, describe_period, parse_period

_log = logging.getLogger("declaration_bot.content")

ID_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"

Id = Annotated[str, StringConstraints(pattern=ID_PATTERN, max_length=60)]
Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=150)]
Url = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^https?://\S+$", max_length=500)
]
_HOME_PATH = re.compile(
    r"^/?(?:[a-z]{2}(?:[-_][a-z]{2})?/?)?(?:(?:index|default|home)\.\w+)?$", re.IGNORECASE
)


def is_home_page(url: str) -> bool:
    """True for a site's front page: a bare domain, ``/``, ``/en/``, ``/index.html``."""
    parts = urlsplit(url)
    return not parts.query and bool(_HOME_PATH.match(parts.path))


def _document(url: str) -> str:
    if is_home_page(url):
        raise ValueError(
            f"{url} is a home page: give the address of the document itself (the article, "
            "statement or press release), not the site's front page"
        )
    return url


DocUrl = Annotated[Url, AfterValidator(_document)]  # a source: the document, never a home page
PeriodField = Annotated[Period, PlainValidator(parse_period), PlainSerializer(str)]


def _text(max_length: int) -> Any:
    constraints = StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length)
    return Annotated[str, constraints]


Day = date  # for fields declared after a field named "date"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class _Shown(_Strict):
    """An item readers see; in French or Chinese it may be shown in English until translated."""

    _untranslated: bool = PrivateAttr(default=False)

    @property
    def untranslated(self) -> bool:
        """True when this is the English text standing in for a missing translation."""
        return self._untranslated

    def as_fallback(self) -> Any:
        copy = self.model_copy()
        copy._untranslated = True
        return copy


class Source(_Strict):
    title: _text(300)  # type: ignore[valid-type]
    url: DocUrl
    publisher: _text(150)  # type: ignore[valid-type]
    date: date
    # How sure the facts drawn from this source are: C confirmed in a public source, C- official
    # statements seen only through consistent secondary reports, P one weak source, ? unconfirmed.
    grade: Literal["C", "C-", "P", "?"]


class KeyDate(_Strict):
    date: date
    event: _text(200)  # type: ignore[valid-type]


class _TopicWords(_Shown):
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
    reviewed: Day | None = None  # the day an editor last checked the whole file
    key_dates: list[KeyDate] = Field(default_factory=list, max_length=12)
    sources: list[Source] = Field(min_length=1, max_length=10)
    updated: date

    def names(self) -> list[str]:
        """Every name a user may type for this topic: id, title and aliases."""
        return [self.id, self.title, self.label, *self.aliases]


SERIES = ("waic", "ai-summit", "un-global-dialogue", "ai-for-good")


class Summit(_Shown):
    """An event, with what is known of its dates at each precision."""

    id: Id
    name: Line
    series: Literal["waic", "ai-summit", "un-global-dialogue", "ai-for-good"]
    location: _text(150)  # type: ignore[valid-type]
    starts: date | None = None
    ends: date | None = None
    period: PeriodField | None = None  # announced: 2027, 2027-H1, 2027-Q3, 2027-07
    expected: PeriodField | None = None  # not announced, only expected (e.g. from past years)
    tentative: bool = False  # the exact dates come from a single weak source
    held: bool = False  # a report after the event says it took place
    note: _text(300) | None = None  # type: ignore[valid-type]
    summary: _text(500) | None = None  # type: ignore[valid-type]
    url: Url | None = None  # the event's own web site; may be a home page
    topics: list[Id] = Field(default_factory=list)
    sources: list[Source] = Field(min_length=1, max_length=10)
    updated: date | None = None

    @model_validator(mode="after")
    def _dates_in_order(self) -> Summit:
        if self.ends is not None and self.starts is None:
            raise ValueError("'ends' is set but 'starts' is not: give both dates, or neither")
        if self.starts and self.ends and self.ends < self.starts:
            raise ValueError(f"'ends' ({self.ends}) is before 'starts' ({self.starts})")
        if self.period is not None and self.expected is not None:
            raise ValueError("give 'period' (announced) or 'expected' (not announced), not both")
        if self.tentative and self.starts is None:
            raise ValueError("'tentative' says the dates are unconfirmed, but there are no dates")
        return self

    @property
    def last_day(self) -> date | None:
        return self.ends or self.starts

    @property
    def window(self) -> tuple[date, date] | None:
        """The first and last day it may fall on: its dates, else its (announced or expected)
        period."""
        if self.starts is not None:
            return self.starts, self.ends or self.starts
        known = self.period or self.expected
        return (known.first_day, known.last_day) if known is not None else None


class _SummitsFile(_Strict):
    reviewed: date | None = None
    summits: list[Summit]


class Development(_Shown):
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


LANGUAGES = ("en", "fr", "zh")  # English, and the languages it is translated into
LANGUAGE_NAMES = {"fr": "French", "zh": "Chinese"}


class TopicText(_TopicWords):
    """A topic's text in another language; dates, links and sources come from English."""

    reviewed: Day | None = None
    key_dates: list[_text(200)] = Field(default_factory=list)  # type: ignore[valid-type]


class SummitText(_Strict):
    id: Id
    name: Line
    location: _text(150)  # type: ignore[valid-type]
    note: _text(300) | None = None  # type: ignore[valid-type]
    summary: _text(500) | None = None  # type: ignore[valid-type]


class _SummitTexts(_Strict):
    reviewed: date | None = None
    summits: list[SummitText]


class DevelopmentText(_Strict):
    id: Id
    title: Line
    summary: _text(600)  # type: ignore[valid-type]


class _DevelopmentTexts(_Strict):
    reviewed: date | None = None
    developments: list[DevelopmentText]


@dataclass(frozen=True)
class Library:
    """A complete, validated content library."""

    topics: tuple[Topic, ...]
    summits: tuple[Summit, ...]
    directory: Path
    lang: str = "en"
    localized: Mapping[str, Library] = field(default_factory=dict)
    developments: tuple[Development, ...] = ()  # newest first
    # what check-content reports; a running bot only logs them
    warnings: tuple[Problem, ...] = ()
    # each English file as shown in messages -> its `reviewed:` date (None when it has none)
    reviewed: Mapping[str, date | None] = field(default_factory=dict)
    # where each summit starts in summits.yml: (file as shown, line)
    summit_places: Mapping[str, tuple[str, int | None]] = field(default_factory=dict)

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

    def summit(self, summit_id: str) -> Summit | None:
        return next((s for s in self.summits if s.id == summit_id), None)


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
    return msg.removeprefix("Value error, ")


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
    """Load and validate every content file in ``directory``; raise ContentError on any error.

    A missing or out-of-step translation is not an error: the item is shown in English in that
    language, and the returned library's ``warnings`` say which file and item to translate.
    """
    root = Path(directory)
    problems: list[Problem] = []
    warnings: list[Problem] = []
    reviewed: dict[str, date | None] = {}
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
        reviewed[shown] = topic.reviewed

    summits: list[Summit] = []
    summit_places: dict[str, tuple[str, int | None]] = {}
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
                reviewed[shown] = parsed.reviewed
                _check_summits(
                    summits,
                    {t.id for t in topics} if topics_complete else None,
                    shown,
                    node,
                    problems,
                    warnings,
                )
                summit_places = {
                    s.id: (shown, _line_of(node, ("summits", i))) for i, s in enumerate(summits)
                }

    developments = _load_developments(
        root,
        {t.id for t in topics} if topics_complete else None,
        {s.id for s in summits} if summits_complete else None,
        problems,
        reviewed,
    )

    translated_names: list[tuple[TopicText, str, yaml.Node | None]] = []
    texts: dict[str, _Texts] = {}
    if topics_complete and not problems:
        texts, translated_names = _load_translations(
            root, topics, summits, developments, problems, warnings
        )

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
    return _assemble(
        root,
        topics,
        summits,
        texts,
        developments,
        extras={
            "warnings": tuple(warnings),
            "reviewed": reviewed,
            "summit_places": summit_places,
        },
    )


def _check_summits(
    summits: list[Summit],
    known_topics: set[str] | None,
    shown: str,
    node: yaml.Node | None,
    problems: list[Problem],
    warnings: list[Problem],
) -> None:
    """Ids unique, topics known (errors); dates inside their announced period (a warning)."""
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
            if known_topics is not None and ref not in known_topics:
                problems.append(
                    Problem(
                        shown,
                        _line_of(node, ("summits", i, "topics", j)),
                        f"summits[{i}].topics[{j}]",
                        f"no topic with id '{ref}' (known: {', '.join(sorted(known_topics))})",
                    )
                )
        period, window = summit.period, summit.window
        if summit.starts is None or period is None or window is None:
            continue
        if not (period.contains(window[0]) and period.contains(window[1])):
            last = window[1]
            warnings.append(
                Problem(
                    shown,
                    _line_of(node, ("summits", i, "starts")),
                    f"summits[{i}].starts",
                    f"'{summit.id}': its dates ({summit.starts} to {last}) fall outside its "
                    f"announced period {period} ({describe_period(period)}): correct the "
                    "dates, or change 'period' if the event was moved",
                )
            )


def _load_developments(
    root: Path,
    topic_ids: set[str] | None,
    summit_ids: set[str] | None,
    problems: list[Problem],
    reviewed: dict[str, date | None],
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
    reviewed[shown] = parsed.reviewed
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


@dataclass
class _Texts:
    """One language's translations that are complete and in step with English, by id."""

    topics: dict[str, TopicText] = field(default_factory=dict)
    summits: dict[str, SummitText] = field(default_factory=dict)
    developments: dict[str, DevelopmentText] = field(default_factory=dict)


def _untranslated(lang: str, what: str) -> str:
    name = LANGUAGE_NAMES.get(lang, lang)
    return f"until then {name} readers see {what} in English"


def _load_translations(
    root: Path,
    topics: list[Topic],
    summits: list[Summit],
    developments: list[Development],
    problems: list[Problem],
    warnings: list[Problem],
) -> tuple[dict[str, _Texts], list[tuple[TopicText, str, yaml.Node | None]]]:
    """Load content/translations/<lang>/: the same items as English, in that language.

    Broken files (bad YAML, unknown fields, wrong ids) are errors. A missing file or item, or an
    item whose lists or fields differ from English, is a warning: that item stays in English.
    """
    out: dict[str, _Texts] = {}
    names: list[tuple[TopicText, str, yaml.Node | None]] = []
    for lang in LANGUAGES[1:]:
        base = root / "translations" / lang
        texts = _Texts()
        for topic in topics:
            found = _topic_text(base, lang, topic, problems, warnings)
            if found is not None:
                texts.topics[topic.id] = found[0]
                names.append(found)
        extra = {p.stem for p in (base / "topics").glob("*.yml")} - {t.id for t in topics}
        for stem in sorted(extra):
            warnings.append(
                Problem(
                    _display(base / "topics" / f"{stem}.yml"),
                    None,
                    "",
                    f"no English topic '{stem}' to translate: remove this file, or rename it "
                    "after the English topic it translates",
                )
            )
        texts.summits = _item_texts(
            base / "summits.yml",
            lang,
            "summits",
            _SummitTexts,
            {s.id: s for s in summits},
            ("note", "summary"),
            problems,
            warnings,
        )
        if developments or (base / "developments.yml").exists():
            texts.developments = _item_texts(
                base / "developments.yml",
                lang,
                "developments",
                _DevelopmentTexts,
                {d.id: d for d in developments},
                (),
                problems,
                warnings,
            )
        out[lang] = texts
    return out, names


def _topic_text(
    base: Path, lang: str, topic: Topic, problems: list[Problem], warnings: list[Problem]
) -> tuple[TopicText, str, yaml.Node | None] | None:
    path = base / "topics" / f"{topic.id}.yml"
    shown = _display(path)
    if not path.exists():
        warnings.append(
            Problem(
                shown,
                None,
                "",
                f"missing: topic '{topic.id}' has no {LANGUAGE_NAMES[lang]} text yet "
                f"({_untranslated(lang, 'it')}); translate content/topics/{topic.id}.yml into "
                "this file",
            )
        )
        return None
    data, node = _parse(path, shown, problems)
    text = _validate(TopicText, data, node, shown, problems) if node is not None else None
    if text is None:
        return None
    if text.id != topic.id:
        problems.append(Problem(shown, _line_of(node, ("id",)), "id", f"must be '{topic.id}'"))
        return None
    in_step = True
    for fld in ("key_points", "key_dates", "caveats"):
        mine, theirs = len(getattr(text, fld)), len(getattr(topic, fld))
        if mine != theirs:
            in_step = False
            warnings.append(
                Problem(
                    shown,
                    _line_of(node, (fld,)),
                    fld,
                    f"has {mine} items; the English file has {theirs}: keep the same items in "
                    f"the same order ({_untranslated(lang, f'topic {topic.id!r}')})",
                )
            )
    return (text, shown, node) if in_step else None


def _item_texts(
    path: Path,
    lang: str,
    key: str,
    model: type[_Strict],
    english: Mapping[str, Summit | Development],
    optional: tuple[str, ...],
    problems: list[Problem],
    warnings: list[Problem],
) -> dict[str, Any]:
    """The translated entries of summits.yml or developments.yml that match English, by id."""
    shown = _display(path)
    kind = key[:-1]  # "summit", "development"
    if not path.exists():
        if english:
            warnings.append(
                Problem(
                    shown,
                    None,
                    "",
                    f"missing: no {LANGUAGE_NAMES[lang]} text for the {key} yet "
                    f"({_untranslated(lang, 'them')}); create this file with the same ids as "
                    f"content/{key}.yml",
                )
            )
        return {}
    data, node = _parse(path, shown, problems)
    parsed = _validate(model, data, node, shown, problems) if node is not None else None
    if parsed is None:
        return {}
    entries = getattr(parsed, key)
    by_id = {e.id: (i, e) for i, e in enumerate(entries)}
    out: dict[str, Any] = {}
    for item_id, item in english.items():
        if item_id not in by_id:
            warnings.append(
                Problem(
                    shown,
                    None,
                    key,
                    f"missing: {kind} '{item_id}' has no {LANGUAGE_NAMES[lang]} text yet "
                    f"({_untranslated(lang, 'it')}); add an entry with id: {item_id}",
                )
            )
            continue
        i, text = by_id[item_id]
        in_step = True
        for fld in optional:
            if (getattr(item, fld) is None) != (getattr(text, fld) is None):
                in_step = False
                has = "has" if getattr(item, fld) is not None else "has no"
                warnings.append(
                    Problem(
                        shown,
                        _line_of(node, (key, i)),
                        f"{key}[{i}].{fld}",
                        f"the English entry {has} '{fld}': give the same fields "
                        f"({_untranslated(lang, f'{kind} {item_id!r}')})",
                    )
                )
        if in_step:
            out[item_id] = text
    for other in sorted(set(by_id) - set(english)):
        i = by_id[other][0]
        warnings.append(
            Problem(
                shown,
                _line_of(node, (key, i, "id")),
                f"{key}[{i}].id",
                f"no English {kind} '{other}' to translate: remove this entry, or correct its id",
            )
        )
    return out


def _assemble(
    root: Path,
    topics: list[Topic],
    summits: list[Summit],
    texts: dict[str, _Texts],
    developments: list[Development],
    extras: dict[str, Any],
) -> Library:
    """One Library per language; every version knows every language's aliases.

    An item without a usable translation is the English item, marked ``untranslated``.
    """
    aliases: dict[str, list[str]] = {t.id: list(t.aliases) for t in topics}
    for lang_texts in texts.values():
        for tid, text in lang_texts.topics.items():
            aliases[tid] += text.aliases
    english = [t.model_copy(update={"aliases": aliases[t.id]}) for t in topics]
    versions: dict[str, Library] = {}
    devs = tuple(developments)
    versions["en"] = Library(
        tuple(english), tuple(summits), root, "en", developments=devs, **extras
    )
    for lang, lang_texts in texts.items():
        local_topics = []
        for t in english:
            tx = lang_texts.topics.get(t.id)
            if tx is None:
                local_topics.append(t.as_fallback())
                continue
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
            sx = lang_texts.summits.get(s.id)
            if sx is None:
                local_summits.append(s.as_fallback())
                continue
            local_summits.append(
                s.model_copy(
                    update={
                        "name": sx.name,
                        "location": sx.location,
                        "note": sx.note,
                        "summary": sx.summary,
                    }
                )
            )
        local_devs = []
        for d in developments:
            dx = lang_texts.developments.get(d.id)
            local_devs.append(
                d.as_fallback()
                if dx is None
                else d.model_copy(update={"title": dx.title, "summary": dx.summary})
            )
        versions[lang] = Library(
            tuple(local_topics),
            tuple(local_summits),
            root,
            lang,
            developments=tuple(local_devs),
            **extras,
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
            *sorted((root / "translations").glob("*/developments.yml")),
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
                _log.info(
                    "content reloaded from %s (%d warnings)",
                    self.library.directory,
                    len(self.library.warnings),
                )
                for warning in self.library.warnings:
                    _log.warning("content: %s", warning)
            except ContentError as exc:
                _log.error("content changed but is invalid; keeping the previous version\n%s", exc)
        return self.library
