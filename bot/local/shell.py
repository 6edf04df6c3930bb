"""The local shell: the whole bot in a terminal, no Slack needed.

The terminal is one channel (``#local``) of one workspace, against the local database: the same
commands, the same code paths as in Slack (``bot.answers.core`` for answers,
``bot.subscriptions.service`` for subscriptions, ``bot.delivery.deliverer`` for posts); a
question in plain words is answered as in Slack, and an @mention (``@declaration-bot when is
waic?``) is simply its text.
``tick <date> <time>`` runs the real delivery pass at
that instant with a Web API client whose ``chat.postMessage`` prints the post here instead of
sending it, and records the delivery like any other, so it is posted once. Replies are rendered
as terminal text (``bot.local.terminal``), dates and "today" in the terminal's time zone.
"""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import logging
import os
import shutil
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse
from sqlalchemy import select

from bot import commands as c
from bot.answers import core, replies
from bot.answers.buttons import button_for
from bot.clock import Clock, FixedClock
from bot.config import Settings
from bot.content.library import Library
from bot.content.source import ContentSource
from bot.delivery import digest, planner
from bot.delivery.deliverer import Deliverer, DeliverySettings
from bot.i18n import pause_reason, slack_datetime, t
from bot.local.terminal import (
    RULE,
    Choice,
    history_file,
    look_for,
    render_blocks,
    terminal_lang,
    wrap,
    zone_name,
)
from bot.slack import blocks as block_kit
from bot.slack.ids import COMMAND
from bot.slack.mrkdwn import quote_user_text
from bot.slack.payloads import Reply
from bot.slack.plaintext import Look, mrkdwn
from bot.store.engine import StoreError
from bot.store.store import Store
from bot.store.tables import subscriptions
from bot.subscriptions.replies import Invocation
from bot.subscriptions.schedule import zone
from bot.subscriptions.service import Channels

log = logging.getLogger("declaration_bot.shell")

LOCAL_TEAM = "T-LOCAL"
LOCAL_CHANNEL = "C-LOCAL"
LOCAL_USER = "U-LOCAL"
CHANNEL_NAME = "local"
EXIT_WORDS = {"exit", "quit", ":q"}
EXIT_CONFIG = 2


class ShellClock:
    """The shell's clock: the real time, until ``tick`` moves it to an instant."""

    def __init__(self, real: Clock) -> None:
        self.real = real
        self.at: datetime | None = None

    def now(self) -> datetime:
        return self.at or self.real.now()


@dataclass(frozen=True)
class Post:
    channel: str
    text: str
    blocks: list[dict[str, Any]]
    thread_ts: str | None = None  # a reply in the thread of that post


class LocalSlack(AsyncWebClient):
    """Slack's Web API client as the delivery pass uses it, for the local channel:
    ``chat.postMessage`` keeps the post (for the shell to print) instead of sending it."""

    def __init__(self) -> None:
        super().__init__(token=None)
        self.posts: list[Post] = []

    async def chat_postMessage(self, **kwargs: Any) -> AsyncSlackResponse:
        channel = str(kwargs.get("channel") or "")
        blocks = kwargs.get("blocks") or []
        thread = kwargs.get("thread_ts")
        text = str(kwargs.get("text") or "")
        self.posts.append(Post(channel, text, list(blocks), str(thread) if thread else None))
        return AsyncSlackResponse(
            client=self,
            http_verb="POST",
            api_url="local:chat.postMessage",
            req_args={},
            data={"ok": True, "channel": channel, "ts": f"{time.time():.6f}"},
            headers={},
            status_code=200,
        )


@dataclass
class Answer:
    """What the shell prints for one line, and the buttons it offers."""

    text: str
    choices: tuple[Choice, ...] | None = None  # None: keep the previous reply's buttons
    error: bool = False  # an operator problem (the database): printed on stderr
    extra: list[str] = field(default_factory=list)


class Shell:
    """One terminal session: answers lines of input as the bot would in Slack."""

    def __init__(
        self,
        library: Library,
        clock: Clock,
        settings: Settings,
        env: Mapping[str, str],
        stdout: TextIO,
    ) -> None:
        self.content = ContentSource(library)
        self.clock = ShellClock(clock)
        self.settings = settings
        self.zone_name = zone_name(env)
        self.zone = ZoneInfo(self.zone_name)
        self.lang = terminal_lang(env)
        self.names = {LOCAL_CHANNEL: CHANNEL_NAME, LOCAL_USER: _user_name(env)}
        self.look = look_for(stdout, env, self.zone, self.lang, self.names)
        self.choices: tuple[Choice, ...] = ()
        self.delivery = _delivery_settings(settings)
        self._store: Store | None = None
        self.store_failed = False

    # --- the pieces ---------------------------------------------------------------------------

    def look_in(self, lang: str) -> Look:
        return Look(self.look.ansi, self.look.links, self.zone, lang, self.names)

    def today(self) -> date:
        """Today in the terminal's time zone, the day countdowns count from."""
        return self.clock.now().astimezone(self.zone).date()

    def store(self) -> Store:
        """The database, opened (and migrated) the first time a command needs it."""
        if self._store is None:
            try:
                self._store = Store.open(self.settings.database_url)
            except StoreError:
                raise
            except Exception as exc:  # an unusable URL or file: one line, like any setting
                raise StoreError(
                    f"cannot use the database at DATABASE_URL: {str(exc).splitlines()[0]}"
                ) from None
        return self._store

    def channels(self) -> Channels:
        return Channels(
            self.store(),
            self.content,
            self.clock,
            self.delivery,
            self.settings.subscription_managers,
        )

    def close(self) -> None:
        if self._store is not None:
            self._store.close()

    def prompt(self) -> str:
        if self.clock.at is None:
            return "declaration> "
        return f"declaration {self.clock.at.astimezone(self.zone):%Y-%m-%d %H:%M}> "

    def banner(self) -> str:
        return mrkdwn(t(self.lang, "shell.banner", channel=f"<#{LOCAL_CHANNEL}>"), self.look)

    # --- one line -------------------------------------------------------------------------------

    def answer(self, line: str) -> Answer | None:
        """The answer to one line of input; None for a blank line."""
        line = line.strip()
        if not line:
            return None
        text = line
        if line.startswith("/"):
            slash, _, text = line.partition(" ")
            if slash.lower() != COMMAND:
                return self._show(
                    replies.error_reply(t(self.lang, "shell.unknown_command", command=COMMAND)),
                    self.lang,
                )
        elif line.isascii() and line.isdigit() and len(line) <= 6:
            # a button's number ("²" is a digit to str.isdigit, not to int; a number of
            # thousands of digits is not one int() reads)
            return self.press(int(line))
        # once: the command, and the language a ``lang:`` asks for; an @mention is the text
        parsed = c.read(c.unmentioned(text))
        lang = parsed.lang or self.lang
        command = parsed.command
        if isinstance(command, c.ShowTopic) and command.query.split(" ", 1)[0].casefold() == "tick":
            try:
                return self.tick(command.query[4:].strip(), parsed.lang_unknown, lang)
            except StoreError as exc:
                return self._store_error(exc)
        if isinstance(command, c.CHANNEL_COMMANDS):
            try:
                reply = asyncio.run(self._channel_command(parsed, lang))
            except StoreError as exc:
                return self._store_error(exc)
            return self._show(reply, lang)
        reply = core.reply_to(
            parsed, self.content.current(), self.today(), self.lang, zone=self.zone_name
        )
        if isinstance(command, c.Help):
            reply = _with_shell_help(reply, lang)
        return self._show(reply, lang)

    async def _channel_command(self, parsed: c.Parsed, lang: str) -> Reply:
        inv = Invocation(
            team_id=LOCAL_TEAM,
            channel_id=LOCAL_CHANNEL,
            user_id=LOCAL_USER,
            channel_name=CHANNEL_NAME,
            lang=lang,
            local=True,
        )
        profile = {"tz": self.zone_name, "is_admin": True, "locale": lang}
        await self.content.refresh()  # the latest content, as a Slack request sees it

        async def user_info() -> dict[str, Any] | None:
            return profile

        return await self.channels().answer(parsed, inv, user_info)

    def press(self, number: int) -> Answer:
        """Press button ``number`` of the last reply: its answer from the table Slack's button
        listener uses (bot.answers.buttons)."""
        found = next((ch for ch in self.choices if ch.number == number), None)
        button = button_for(found.action_id) if found is not None else None
        if found is None or button is None:
            msg = t(self.lang, "shell.no_choice", number=number)
            return Answer(mrkdwn(msg, self.look))
        feed = self.delivery.calendar_url
        reply = button.reply(self.content.current(), found.value, self.today, lambda: feed)
        return self._show(reply, button.lang(found.value))

    def _show(self, reply: Reply, lang: str) -> Answer:
        look = self.look_in(lang)
        shown = render_blocks(reply.blocks_json(), reply.text, look)
        lines = []
        if reply.response_type == "in_channel":
            lines.append(mrkdwn(t(lang, "shell.shared", channel=f"<#{LOCAL_CHANNEL}>"), look))
        lines.append(shown.text)
        if shown.choices:
            lines.append(mrkdwn(f"_{t(lang, 'shell.choices', last=len(shown.choices))}_", look))
        self.choices = shown.choices
        return Answer("\n".join(lines), shown.choices)

    def _store_error(self, exc: StoreError) -> Answer:
        self.store_failed = True
        return Answer(f"declaration-bot: {exc}", error=True)

    # --- tick -----------------------------------------------------------------------------------

    def tick(self, when: str, lang_unknown: str | None, lang: str) -> Answer:
        """Run the delivery pass at ``when`` and show what the local channel is posted."""
        look = self.look_in(lang)
        store = self.store()
        at = self._instant(when, store)
        if at is None:
            word = quote_user_text(when or "tick", 40)
            return self._show(replies.error_reply(t(lang, "shell.tick_bad", word=word)), lang)
        if _other_workspaces(store):
            return self._show(replies.error_reply(t(lang, "shell.tick_shared_db")), lang)
        if when:
            self.clock.at = None if when.casefold() == "now" else at
        poster = LocalSlack()

        async def client_for(team_id: str, enterprise_id: str | None) -> AsyncWebClient | None:
            return poster if team_id == LOCAL_TEAM else None

        deliverer = Deliverer(store, self.content, client_for, FixedClock(at), self.delivery)
        report = asyncio.run(deliverer.run_pass(at))
        channel = f"<#{LOCAL_CHANNEL}>"
        out = [mrkdwn(t(lang, "shell.tick_head", when=slack_datetime(at, lang)), look)]
        note = core.lang_note(lang_unknown, lang)
        if note:
            out.insert(0, mrkdwn(f":warning: {note}", look))
        for _view, slot, k in report.skipped:
            hours = f"{self.delivery.max_late.total_seconds() / 3600:g}"
            msg = t(
                lang,
                "shell.tick_skipped",
                kinds=digest.describe_kinds(k, lang),
                when=slack_datetime(slot, lang),
                hours=hours,
            )
            out.append(mrkdwn(f":double_vertical_bar: {msg}", look))
        kinds = [o.kinds for o in report.sent]
        post_look = self.look_in(_post_lang(store) or lang)
        tops = iter(kinds)
        choices: list[Choice] = []  # the posts' buttons, numbered across them, as in a reply
        for post in poster.posts:
            if post.thread_ts:
                head = t(lang, "shell.tick_thread")
            else:
                head = t(
                    lang,
                    "shell.tick_posted",
                    channel=channel,
                    kinds=digest.describe_kinds(next(tops, ""), lang),
                )
            body = render_blocks(post.blocks, post.text, post_look, first=len(choices) + 1)
            choices += body.choices
            # a reply follows its post, under the same rule
            out += [*([] if post.thread_ts else [RULE]), mrkdwn(head, look), body.text, RULE]
        for o in [*report.failed, *report.retrying]:
            msg = t(
                lang,
                "shell.tick_failed",
                kinds=digest.describe_kinds(o.kinds, lang),
                error=o.error or "?",
            )
            out.append(mrkdwn(f":x: {msg}", look))
        if not (poster.posts or report.skipped or report.failed or report.retrying):
            out.append(mrkdwn(t(lang, "shell.tick_nothing", channel=channel), look))
        sub = store.get(LOCAL_TEAM, LOCAL_CHANNEL)
        if sub is None:
            out.append(mrkdwn(t(lang, "channels.none_local", command=COMMAND), look))
        elif sub.paused:
            reason = pause_reason(sub.paused_reason, lang)
            out.append(mrkdwn(t(lang, "channels.paused_line", reason=reason), look))
        else:
            # within what the channel receives and its topics, as `status` says it
            found = planner.next_post(self.content.current(), sub, at, self.delivery.lead_days)
            if found is not None:
                line = t(lang, "channels.next_post", when=digest.describe_next(*found, lang))
                out.append(mrkdwn(line, look))
        if choices:
            out.append(mrkdwn(f"_{t(lang, 'shell.choices', last=len(choices))}_", look))
        self.choices = tuple(choices)
        return Answer("\n".join(out), self.choices)

    def _instant(self, when: str, store: Store) -> datetime | None:
        """``now``, an ISO date and time (the terminal's zone unless it says Z or an offset), or a
        date alone: the channel's delivery time that day (midnight without a subscription)."""
        if not when or when.casefold() == "now":
            return self.clock.real.now() if when else self.clock.now()
        value = " ".join(when.split())
        if value[-1:] in "zZ":
            value = value[:-1] + "+00:00"
        try:
            at = datetime.fromisoformat(value)
        except ValueError:
            return None
        if len(value) == 10:  # a date alone
            sub = store.get(LOCAL_TEAM, LOCAL_CHANNEL)
            if sub is not None:
                tz = zone(sub.schedule.tz) or self.zone
                return datetime.combine(at.date(), sub.schedule.at, tzinfo=tz)
        if at.tzinfo is None:
            at = at.replace(tzinfo=self.zone)
        return at


def _post_lang(store: Store) -> str | None:
    sub = store.get(LOCAL_TEAM, LOCAL_CHANNEL)
    return sub.lang if sub else None


def _other_workspaces(store: Store) -> bool:
    """Whether the database holds subscriptions of real Slack workspaces too."""
    with store.reader.connect() as conn:
        found = conn.execute(
            select(subscriptions.c.id).where(subscriptions.c.team_id != LOCAL_TEAM).limit(1)
        ).first()
    return found is not None


def _with_shell_help(reply: Reply, lang: str) -> Reply:
    extra = block_kit.section(t(lang, "shell.help", channel=f"<#{LOCAL_CHANNEL}>"))
    blocks = list(reply.blocks)
    blocks.insert(max(0, len(blocks) - 1), extra)  # before the closing "only you see" line
    return Reply(text=reply.text, blocks=blocks, response_type=reply.response_type)


def _user_name(env: Mapping[str, str]) -> str:
    try:
        return env.get("USER") or getpass.getuser()
    except (KeyError, OSError):
        return "you"


def _delivery_settings(settings: Settings) -> DeliverySettings:
    return DeliverySettings(
        lead_days=settings.lead_days,
        max_late=timedelta(hours=settings.max_late_hours),
        retry_base=settings.retry_base_seconds,
        channel_spacing=0.0,  # one channel, one reader: no pacing to wait for
        calendar_url=f"{settings.public_url}/summits.ics" if settings.public_url else None,
    )


# --- the loop ----------------------------------------------------------------------------------


def _emit(answer: Answer | None, stdout: TextIO, stderr: TextIO) -> None:
    if answer is None:
        return
    if answer.error:
        stderr.write(answer.text + "\n")
        stderr.flush()
        return
    text = answer.text
    if _isatty(stdout):  # fit the terminal: no word cut at its edge
        text = wrap(text, shutil.get_terminal_size().columns)
    stdout.write(text + "\n\n")
    stdout.flush()


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def run_piped(shell: Shell, stdin: TextIO, stdout: TextIO, stderr: TextIO) -> int:
    """Answer each line of input; exit 0 at the end (2 if the database could not be used)."""
    for line in stdin:
        if line.strip() in EXIT_WORDS:
            break
        _emit(shell.answer(line), stdout, stderr)
    return EXIT_CONFIG if shell.store_failed else 0


def run_interactive(shell: Shell, stdout: TextIO, stderr: TextIO, env: Mapping[str, str]) -> int:
    """A prompt with line editing and history (readline); Ctrl-C clears the line, Ctrl-D quits."""
    history = _start_history(env)
    stdout.write(wrap(shell.banner(), shutil.get_terminal_size().columns) + "\n\n")
    try:
        while True:
            try:
                line = input(shell.prompt())
            except EOFError:
                stdout.write("\n")
                break
            except KeyboardInterrupt:  # like a shell: drop what was typed, prompt again
                stdout.write("\n")
                continue
            if line.strip() in EXIT_WORDS:
                break
            try:
                _emit(shell.answer(line), stdout, stderr)
            except KeyboardInterrupt:
                stdout.write("\n")
    finally:
        _save_history(history)
    return EXIT_CONFIG if shell.store_failed else 0


def _start_history(env: Mapping[str, str]) -> Path | None:
    try:
        import readline
    except ImportError:  # pragma: no cover - some Python builds have no readline
        return None
    path = history_file(env)
    readline.set_history_length(1000)
    with contextlib.suppress(OSError):
        readline.read_history_file(path)
    return path


def _save_history(path: Path | None) -> None:
    """Keep the history for next time; a file that cannot be written is no error."""
    if path is None:
        return
    import readline

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        readline.write_history_file(path)
    except OSError:
        pass


def main(library: Library, clock: Clock, settings: Settings) -> int:
    env = dict(os.environ)
    # the shell says itself what a pass did; the log keeps only errors
    logging.getLogger("declaration_bot").setLevel(logging.ERROR)
    shell = Shell(library, clock, settings, env, sys.stdout)
    try:
        if sys.stdin.isatty():
            return run_interactive(shell, sys.stdout, sys.stderr, env)
        return run_piped(shell, sys.stdin, sys.stdout, sys.stderr)
    except KeyboardInterrupt:  # Ctrl-C while reading piped input
        sys.stdout.write("\n")
        return 130
    finally:
        shell.close()
