"""Reading a content file once: its data for pydantic, its YAML node tree for line numbers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from bot.content.problems import Problem

Loc = tuple[int | str, ...]  # where a value is: ("summits", 3, "starts")
M = TypeVar("M", bound=BaseModel)


class _Loader(yaml.SafeLoader):
    """SafeLoader that keeps dates as text (so pydantic reports bad ones by field) and refuses
    duplicate keys."""


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

# libyaml parses the shipped content several times faster (start-up of every command). Its error
# messages differ from PyYAML's, so a file it refuses is read again with the Python parser, whose
# message (and line) is the one reported: the same report either way.
_FastLoader: type[Any] | None = None
if getattr(yaml, "__with_libyaml__", False):

    class _CLoader(yaml.CSafeLoader):
        yaml_implicit_resolvers = _Loader.yaml_implicit_resolvers

    _CLoader.add_constructor(
        yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
        _construct_mapping_no_dupes,
    )
    _FastLoader = _CLoader


def display(path: Path) -> str:
    """A file as messages name it: relative to the working folder when it is inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def node_at(node: yaml.Node | None, loc: Iterable[int | str]) -> yaml.Node | None:
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


def line_of(node: yaml.Node | None, loc: Iterable[int | str]) -> int | None:
    """The line (from 1) of the value at ``loc``, or of the nearest one above it."""
    target = node_at(node, loc)
    return target.start_mark.line + 1 if target is not None else None


def field_name(loc: Iterable[int | str]) -> str:
    """``("summits", 3, "starts")`` as a reader writes it: ``summits[3].starts``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _friendly(err: ErrorDetails) -> str:
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


@dataclass(frozen=True)
class Parsed(Generic[M]):
    """A content file read and validated: its model, and the node tree its lines come from."""

    value: M
    shown: str  # the file as messages name it
    node: yaml.Node

    def line(self, loc: Loc) -> int | None:
        return line_of(self.node, loc)

    def problem(self, loc: Loc, message: str, field: str | None = None) -> Problem:
        """A problem at ``loc`` (named ``field``, by default the location itself)."""
        name = field_name(loc) if field is None else field
        return Problem(self.shown, self.line(loc), name, message)


def _parse(path: Path, shown: str, problems: list[Problem]) -> tuple[yaml.Node, Any] | None:
    """The file's node tree and the data built from that same tree: the text is parsed once."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(shown, None, "", f"cannot read the file: {exc}"))
        return None
    if _FastLoader is not None:
        fast = _FastLoader(text)
        try:
            node = fast.get_single_node()
            data = fast.construct_document(node) if node is not None else None
        except yaml.YAMLError:
            pass  # said below, in PyYAML's words
        else:
            if node is not None:
                return node, data
        finally:
            fast.dispose()
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        what = exc.problem or "invalid YAML"
        problems.append(Problem(shown, line, "", f"not valid YAML: {what}"))
        return None
    except yaml.YAMLError as exc:
        problems.append(Problem(shown, None, "", f"not valid YAML: {exc}"))
        return None
    finally:
        loader.dispose()
    if node is None:
        problems.append(Problem(shown, None, "", "the file is empty"))
        return None
    return node, data


def _validate(
    model: type[M], data: Any, node: yaml.Node, shown: str, problems: list[Problem]
) -> M | None:
    if not isinstance(data, dict):
        problems.append(Problem(shown, 1, "", "the file must be a mapping of 'field: value' lines"))
        return None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            # pydantic adds union/constraint tags as extra loc parts; drop non-data parts
            loc = tuple(
                p for p in err["loc"] if isinstance(p, int) or not str(p).startswith("function-")
            )
            problems.append(Problem(shown, line_of(node, loc), field_name(loc), _friendly(err)))
        return None


def read(path: Path, model: type[M], problems: list[Problem]) -> Parsed[M] | None:
    """The file at ``path`` as a ``model``; None (and the reasons added to ``problems``) when it
    cannot be read, is not valid YAML, is empty or does not fit the model."""
    shown = display(path)
    parsed = _parse(path, shown, problems)
    if parsed is None:
        return None
    node, data = parsed
    value = _validate(model, data, node, shown, problems)
    return None if value is None else Parsed(value, shown, node)
