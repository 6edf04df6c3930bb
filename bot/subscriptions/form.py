"""The subscription form (a Slack modal): built with ``slack_sdk.models``, read back into the same
:class:`bot.subscriptions.model.Draft` that ``/declaration subscribe`` reads its words into, so
that one validation checks both. Pure: no I/O.

Every input is an input block whose ``block_id`` names the field, built by a function of its own;
a refused submission answers ``response_action: errors`` with the problem said in plain text under
the field it is about.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import time
from functools import lru_cache
from typing import Any
from zoneinfo import available_timezones

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    ContextBlock,
    ConversationFilter,
    ConversationSelectElement,
    InputBlock,
    Option,
    OptionGroup,
    PlainTextObject,
    RadioButtonsElement,
    SectionBlock,
    StaticMultiSelectElement,
    StaticSelectElement,
    TimePickerElement,
)
from slack_sdk.models.views import View

from bot.content.library import Library
from bot.i18n import LANGS, day_name, language_name, t
from bot.slack import plaintext
from bot.slack.ids import (
    FIELD_ALWAYS,
    FIELD_CHANNEL,
    FIELD_DAYS,
    FIELD_LANG,
    FIELD_RECEIVE,
    FIELD_TIME,
    FIELD_TOPICS,
    FIELD_TZ,
    FORM_CALLBACK,
    is_channel,
)
from bot.slack.mrkdwn import md, truncate
from bot.subscriptions.model import Draft, Problem, missing_day
from bot.subscriptions.schedule import DEFAULT_DAYS, DEFAULT_TIME, FALLBACK_TZ, zone
from bot.subscriptions.stored import RECEIVES, Receives, SubscriptionView

_CHECKBOX_LIMIT = 10  # Slack's limit on checkbox options; more topics get a multi-select
_GROUP_LIMIT = 100  # options in one option group
_ZONE_AREAS = re.compile(
    r"(Africa|America|Antarctica|Arctic|Asia|Atlantic|Australia|Europe|Indian|Pacific)/"
)


@dataclass(frozen=True)
class Form:
    """What the form shows when it opens."""

    channel: str | None  # preselected channel
    fixed: bool  # editing: the channel is shown, not chosen
    days: frozenset[int] = DEFAULT_DAYS
    at: time = DEFAULT_TIME
    tz: str = FALLBACK_TZ
    lang: str = "en"
    receives: str = Receives.ALL
    topics: frozenset[str] = frozenset()
    always: bool = False


def form_for(
    sub: SubscriptionView | None, channel: str | None, user_tz: str | None, user_lang: str
) -> Form:
    """The form for editing ``sub``, or for a new subscription (in ``channel`` if known) with
    the defaults of the command: Monday, 09:00, the user's zone, the user's language."""
    if sub is not None:
        return Form(
            channel=sub.channel_id,
            fixed=True,
            days=sub.schedule.days,
            at=sub.schedule.at,
            tz=sub.schedule.tz,
            lang=sub.lang,
            receives=sub.receives,
            topics=sub.topics,
            always=sub.always,
        )
    found = zone(user_tz or "")
    tz = found.key if found is not None else FALLBACK_TZ
    return Form(channel=channel, fixed=False, tz=tz, lang=user_lang)


def _plain(text: str, limit: int = 75) -> PlainTextObject:
    return PlainTextObject(text=truncate(text, limit))


def _option(value: str, text: str) -> Option:
    return Option(value=value, text=_plain(text))


@lru_cache(maxsize=1)
def zone_names() -> tuple[str, ...]:
    """Every IANA zone a form offers: the places (``Area/City``), and UTC."""
    return ("UTC", *sorted(n for n in available_timezones() if _ZONE_AREAS.match(n)))


def _zone_groups(current: str) -> list[OptionGroup]:
    names = list(zone_names())
    if current not in names:
        names.append(current)  # a zone Slack knows by another name (Asia/Calcutta)
    areas: dict[str, list[str]] = {}
    for name in sorted(names):
        areas.setdefault(name.split("/")[0] if "/" in name else name, []).append(name)
    groups = []
    for area, members in areas.items():
        chunks = [members[i : i + _GROUP_LIMIT] for i in range(0, len(members), _GROUP_LIMIT)]
        for chunk in chunks:
            label = area
            if len(chunks) > 1:
                first, last = (n.split("/", 1)[1] for n in (chunk[0], chunk[-1]))
                label = f"{area} ({first}–{last})"
            options = [_option(n, n.replace("_", " ")) for n in chunk]
            groups.append(OptionGroup(label=_plain(label), options=options))
    return groups


def _find(options: Iterable[Option], values: Iterable[str]) -> list[Option]:
    wanted = set(values)
    return [o for o in options if o.value in wanted]


def _channel_block(form: Form, lang: str) -> Block:
    """Editing: the channel, shown. New: a channel to choose, the one asked about first (else
    the conversation the form was opened in)."""
    if form.fixed and form.channel:
        shown = t(lang, "form.channel_fixed", channel=f"<#{form.channel}>")
        return SectionBlock(block_id=FIELD_CHANNEL, text=md(shown))
    select = ConversationSelectElement(
        action_id=FIELD_CHANNEL,
        filter=ConversationFilter(include=["public", "private"], exclude_bot_users=True),
    )
    if form.channel:
        select.initial_conversation = form.channel
    else:
        select.default_to_current_conversation = True
    return InputBlock(
        block_id=FIELD_CHANNEL,
        label=_plain(t(lang, "form.channel")),
        element=select,
        hint=_plain(t(lang, "form.channel_hint"), 2000),
    )


def _days_block(form: Form, lang: str) -> Block:
    days = [_option(str(d), day_name(d, lang)) for d in range(7)]
    element = CheckboxesElement(
        action_id=FIELD_DAYS, options=days, initial_options=_find(days, map(str, form.days)) or None
    )
    # optional: a channel that receives only reminders needs no day
    return InputBlock(
        block_id=FIELD_DAYS, label=_plain(t(lang, "form.days")), element=element, optional=True
    )


def _time_block(form: Form, lang: str) -> Block:
    element = TimePickerElement(action_id=FIELD_TIME, initial_time=f"{form.at:%H:%M}")
    return InputBlock(block_id=FIELD_TIME, label=_plain(t(lang, "form.time")), element=element)


def _zone_block(form: Form, lang: str) -> Block:
    initial = _option(form.tz, form.tz.replace("_", " "))
    element = StaticSelectElement(
        action_id=FIELD_TZ, option_groups=_zone_groups(form.tz), initial_option=initial
    )
    return InputBlock(block_id=FIELD_TZ, label=_plain(t(lang, "form.tz")), element=element)


def _lang_block(form: Form, lang: str) -> Block:
    langs = [_option(code, language_name(code, lang)) for code in LANGS]
    element = StaticSelectElement(
        action_id=FIELD_LANG, options=langs, initial_option=_find(langs, [form.lang])[0]
    )
    return InputBlock(block_id=FIELD_LANG, label=_plain(t(lang, "form.lang")), element=element)


def _receives_block(form: Form, lang: str) -> Block:
    kinds = [_option(kind, t(lang, f"receives.{kind}")) for kind in RECEIVES]
    element = RadioButtonsElement(
        action_id=FIELD_RECEIVE, options=kinds, initial_option=_find(kinds, [form.receives])[0]
    )
    return InputBlock(
        block_id=FIELD_RECEIVE, label=_plain(t(lang, "form.receives")), element=element
    )


def _topics_block(form: Form, library: Library, lang: str) -> Block:
    """Checkboxes for a few topics, a multi-select for more."""
    local = library.for_lang(lang)
    topics = [_option(tp.id, tp.label) for tp in local.topics]  # short: titles are cut at 75
    chosen = _find(topics, form.topics) or None
    element: CheckboxesElement | StaticMultiSelectElement
    if len(topics) <= _CHECKBOX_LIMIT:
        element = CheckboxesElement(action_id=FIELD_TOPICS, options=topics, initial_options=chosen)
    else:
        element = StaticMultiSelectElement(
            action_id=FIELD_TOPICS, options=topics[:100], initial_options=chosen
        )
    return InputBlock(
        block_id=FIELD_TOPICS,
        label=_plain(t(lang, "form.topics")),
        element=element,
        hint=_plain(t(lang, "form.topics_hint"), 2000),
        optional=True,
    )


def _always_block(form: Form, lang: str) -> Block:
    always = [_option(FIELD_ALWAYS, t(lang, "form.always"))]
    element = CheckboxesElement(
        action_id=FIELD_ALWAYS, options=always, initial_options=always if form.always else None
    )
    return InputBlock(
        block_id=FIELD_ALWAYS,
        label=_plain(t(lang, "form.always_label")),
        element=element,
        optional=True,
    )


def form_view(form: Form, library: Library, lang: str) -> View:
    """The modal: channel, days, time, time zone, language, what the channel receives, topics,
    whether every digest is posted."""
    blocks = [
        _channel_block(form, lang),
        _days_block(form, lang),
        _time_block(form, lang),
        _zone_block(form, lang),
        _lang_block(form, lang),
        _receives_block(form, lang),
        _topics_block(form, library, lang),
        _always_block(form, lang),
    ]
    meta = {"channel": form.channel if form.fixed else None, "lang": lang}
    return View(
        type="modal",
        callback_id=FORM_CALLBACK,
        title=_plain(t(lang, "form.title_edit" if form.fixed else "form.title_new"), 24),
        submit=_plain(t(lang, "form.submit"), 24),
        close=_plain(t(lang, "form.close"), 24),
        blocks=blocks,
        private_metadata=json.dumps(meta),
    )


def message_view(title: str, text: str, lang: str) -> View:
    """A modal that only says something (saved, admins only)."""
    return View(
        type="modal",
        title=_plain(title, 24),
        close=_plain(t(lang, "form.done"), 24),
        blocks=[SectionBlock(text=md(text))],
    )


def preview_view(blocks: list[Block], lang: str) -> View:
    """A digest preview shown in a modal (where it cannot be posted to the user in the channel)."""
    return View(
        type="modal",
        title=_plain(t(lang, "form.preview_title"), 24),
        close=_plain(t(lang, "form.done"), 24),
        blocks=blocks[:100] or [ContextBlock(elements=[_plain("…")])],
    )


# --- reading a submission -----------------------------------------------------------------------


@dataclass(frozen=True)
class Submission:
    """What was chosen in the form, as plain values: the channel, and the subscription's
    :meth:`draft`."""

    channel: str | None
    days: frozenset[int]
    at: time
    tz: str
    lang: str
    receives: str
    topics: frozenset[str] = field(default_factory=frozenset)
    always: bool = False

    def draft(self) -> Draft:
        """The subscription chosen, as the command's words would ask for it (the zone is always
        named: it is chosen), for :func:`bot.subscriptions.model.validate`."""
        return Draft(
            days=frozenset(self.days),
            at=self.at,
            tz=self.tz,
            lang=self.lang,
            receives=Receives(self.receives),
            topics=frozenset(self.topics),
            always=self.always,
            zone_given=True,
        )

    def words(self) -> list[str]:
        """The same choice as the words of ``/declaration subscribe``."""
        return self.draft().words()

    def problem(self) -> Problem | None:
        """What can be refused before Slack is asked anything: no channel (only a form can leave
        it out), or no day while digests are wanted (the validation's own rule)."""
        if not self.channel:
            return Problem(FIELD_CHANNEL, "no_channel")
        return missing_day(self.draft())


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _values(view: Mapping[str, Any]) -> dict[str, Any]:
    return _dict(_dict(view.get("state")).get("values"))


def metadata(view: Mapping[str, Any]) -> dict[str, Any]:
    """What the form keeps in the view's ``private_metadata`` (the channel being edited, the
    language); ``{}`` when it is not a JSON object."""
    try:
        return _dict(json.loads(str(view.get("private_metadata") or "{}")))
    except (ValueError, RecursionError):
        return {}


def _state(values: Mapping[str, Any], block: str) -> dict[str, Any]:
    return _dict(_dict(values.get(block)).get(block))


def _selected(values: Mapping[str, Any], block: str) -> list[str]:
    state = _state(values, block)
    chosen = state.get("selected_options") or []
    if state.get("selected_option"):
        chosen = [state["selected_option"]]
    if not isinstance(chosen, list):
        return []
    return [str(o.get("value")) for o in chosen if isinstance(o, dict)]


# the values of the day checkboxes (Monday is 0)
_DAY_VALUES = frozenset(str(d) for d in range(7))
# an option's value as the form builds them: a topic id, a zone name, a language, one word
_OPTION_VALUE = re.compile(r"[A-Za-z0-9_+/:-]{1,64}")
_TIME_VALUE = re.compile(r"[0-2][0-9]:[0-5][0-9]")


def malformed(view: Mapping[str, Any]) -> str | None:
    """The field of a submitted form that Slack could not have sent as it is (a channel that is no
    channel id, a day that is none of the seven, an option value this form never offers), or
    None. What the values mean is checked afterwards, by the command's parser."""
    values = _values(view)
    meta = metadata(view)
    if meta.get("channel") not in (None, "") and not is_channel(meta.get("channel")):
        return "private_metadata.channel"
    chosen = _state(values, FIELD_CHANNEL).get("selected_conversation")
    if chosen is not None and not is_channel(chosen):
        return FIELD_CHANNEL
    if any(v not in _DAY_VALUES for v in _selected(values, FIELD_DAYS)):
        return FIELD_DAYS
    at = _state(values, FIELD_TIME).get("selected_time")
    if at is not None and not (isinstance(at, str) and _TIME_VALUE.fullmatch(at)):
        return FIELD_TIME
    for block in (FIELD_TZ, FIELD_LANG, FIELD_RECEIVE, FIELD_TOPICS, FIELD_ALWAYS):
        if any(not _OPTION_VALUE.fullmatch(v) for v in _selected(values, block)):
            return block
    return None


def read_submission(view: Mapping[str, Any]) -> Submission:
    """The choices in a ``view_submission`` payload's view (anything missing: a default that the
    parser or :meth:`Submission.problem` then refuses or accepts as the command would)."""
    values = _values(view)
    channel = metadata(view).get("channel")
    if not channel:
        channel = _state(values, FIELD_CHANNEL).get("selected_conversation")
    # only the ASCII digits of the seven days ("²" is a digit to str.isdigit, not to int)
    days = frozenset(int(v) for v in _selected(values, FIELD_DAYS) if v in _DAY_VALUES)
    try:
        at = time.fromisoformat(str(_state(values, FIELD_TIME).get("selected_time") or "09:00"))
    except ValueError:
        at = DEFAULT_TIME
    tz = next(iter(_selected(values, FIELD_TZ)), FALLBACK_TZ)
    lang = next(iter(_selected(values, FIELD_LANG)), "en")
    receives = next(iter(_selected(values, FIELD_RECEIVE)), Receives.ALL)
    return Submission(
        channel=str(channel) if channel else None,
        days=days,
        at=at.replace(second=0, microsecond=0),
        tz=tz,
        lang=lang if lang in LANGS else "en",
        receives=Receives(receives) if receives in RECEIVES else Receives.ALL,
        topics=frozenset(_selected(values, FIELD_TOPICS)),
        always=FIELD_ALWAYS in _selected(values, FIELD_ALWAYS),
    )


def errors(problem: Problem, lang: str, *, channel_fixed: bool = False) -> dict[str, str]:
    """``response_action: errors`` for a refused submission: the problem, said in plain text,
    under its field."""
    return _under(problem.say_plain(lang), problem.field, channel_fixed)


def error_at(text: str, *, channel_fixed: bool = False) -> dict[str, str]:
    """A message of ours (mrkdwn: a refusal that is about no field) under the form's first
    input, as plain text: no asterisks, backticks, emoji codes or escapes left."""
    return _under(plaintext.mrkdwn(text), "", channel_fixed)


def _under(plain: str, field: str, channel_fixed: bool) -> dict[str, str]:
    """Plain text under a field of the form; under the first input when the field is not one
    (as the channel of an edited subscription is not)."""
    inputs = {FIELD_DAYS, FIELD_TIME, FIELD_TZ, FIELD_TOPICS, FIELD_RECEIVE} | (
        set() if channel_fixed else {FIELD_CHANNEL}
    )
    first = FIELD_DAYS if channel_fixed else FIELD_CHANNEL
    return {field if field in inputs else first: truncate(plain, 1000)}
