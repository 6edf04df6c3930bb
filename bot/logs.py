"""Logging: one line per event, secrets redacted from every line (tracebacks included).

Two formats: plain text (the default) and JSON (``LOG_FORMAT=json``), one object per line with
the same fields. Log calls write ``event key=value …`` (``command sub=Show team=T1 channel=C1``);
the JSON formatter turns that into ``{"event": "command", "sub": "Show", "team": "T1", …}``.
"""

from __future__ import annotations

import errno
import json
import logging
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Literal

# Every Slack token shape: bot, user, app-configuration, refresh (xoxe-, xoxe.xoxp-) and app-level.
_SECRET = re.compile(r"\b(?:xoxe\.)?(?:xox[a-z]|xapp)-[A-Za-z0-9-]+")
_FIELD = re.compile(r"(?:^|\s)([a-z_]+)=(\S*)")
REDACTED = "[redacted]"


# What slack_sdk and Bolt write at DEBUG that is as good as a token for a while: a command's or a
# button's response_url (anyone holding it can post to the channel for 30 minutes), an incoming
# webhook URL, an OAuth code and state. As a quoted key (``'code': 'x'``, ``"response_url": "x"``,
# ``'code': ['x']``) or in a query string (``?code=x``, ``&state=x``), and any hooks.slack.com URL
# whatever its encoding (``/``, ``%2F``, ``\/`` in JSON).
_PARAM = re.compile(
    r"""((?:['"](?:code|state|response_url)['"]\s*:\s*\[?\s*['"])"""  # 'code': 'x', 'code': ['x']
    r"""|(?:[?&](?:code|state)=)|(?:\bresponse_url=))"""  # ?code=x &state=x response_url=x
    r"""[^'"&\s\]]+"""
)
_HOOK = re.compile(r"""(hooks\.slack(?:-gov)?\.com)(?:/|%2[Ff]|\\/)[^\s'"&,;)\]}]+""")
# slack_sdk's webhook client posts only to response URLs and incoming webhooks: every URL in its
# lines is one, whatever its host
_WEBHOOK_URL = re.compile(r"""(https?://[^/\s'"]+)/[^\s'",]+""")
_WEBHOOK_LOGGER = "slack_sdk.webhook"


class Redactor:
    """Removes Slack tokens, the configured secrets, response URLs and OAuth codes from text."""

    def __init__(self, extra: list[str] | None = None) -> None:
        # short values (a port, "true") would redact ordinary words: only real secrets
        self.extra = sorted({s for s in (extra or []) if len(s) >= 8}, key=len, reverse=True)

    def __call__(self, text: str, logger: str = "") -> str:
        # every token shape starts with "xox" or "xapp": most lines have neither, and a substring
        # search costs a tenth of the regular expression's scan (the same for the others)
        cleaned = _SECRET.sub(REDACTED, text) if "xox" in text or "xapp" in text else text
        if "code" in cleaned or "state" in cleaned or "response_url" in cleaned:
            cleaned = _PARAM.sub(rf"\1{REDACTED}", cleaned)
        if "hooks.slack" in cleaned:
            cleaned = _HOOK.sub(rf"\1/{REDACTED}", cleaned)
        if logger.startswith(_WEBHOOK_LOGGER):
            cleaned = _WEBHOOK_URL.sub(rf"\1/{REDACTED}", cleaned)
        for secret in self.extra:
            if secret in cleaned:
                cleaned = cleaned.replace(secret, REDACTED)
        return cleaned


class TextFormatter(logging.Formatter):
    """``2026-11-27T09:00:00 INFO logger message``, redacted after formatting, so an exception's
    text and traceback are covered too."""

    def __init__(self, redact: Redactor) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s", "%Y-%m-%dT%H:%M:%S")
        self.redact = redact
        self._stamp: tuple[int, str] = (-1, "")

    def usesTime(self) -> bool:
        return True

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        # the same text for every line of a second: formatted once (lines come by the thousand)
        second = int(record.created)
        stamp = self._stamp
        if stamp[0] != second:
            stamp = (second, super().formatTime(record, datefmt))
            self._stamp = stamp
        return stamp[1]

    def format(self, record: logging.LogRecord) -> str:
        if record.exc_info or record.exc_text or record.stack_info:
            return self.redact(super().format(record), record.name)
        # the line logging.Formatter would write, without its general machinery (one per event)
        record.message = record.getMessage()
        record.asctime = self.formatTime(record, self.datefmt)
        line = f"{record.asctime} {record.levelname} {record.name} {record.message}"
        return self.redact(line, record.name)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, event, the ``key=value`` fields, message,
    and the redacted traceback if there is one."""

    def __init__(self, redact: Redactor) -> None:
        super().__init__()
        self.redact = redact

    def format(self, record: logging.LogRecord) -> str:
        message = self.redact(record.getMessage(), record.name)
        first = _FIELD.search(message)
        event = (message[: first.start()] if first else message).strip()
        out: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "event": event.split("\n", 1)[0],
        }
        for key, value in _FIELD.findall(message):
            if key not in out:
                out[key] = value
        out["message"] = message
        if record.exc_info:
            out["exception"] = self.redact(self.formatException(record.exc_info), record.name)
        return json.dumps(out, ensure_ascii=False)


class OncePerInterval(logging.Filter):
    """Lets through one record starting with ``MESSAGE`` per ``interval`` seconds, as one line
    (``rewrite``) saying how many were left out since the last; drops the others. For what a
    flood of connections makes a library log once per connection or per try."""

    MESSAGE = ""

    def __init__(self, interval: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.interval = interval
        self.clock = clock
        self._last: float | None = None
        self._dropped = 0

    def filter(self, record: logging.LogRecord) -> bool:
        if not str(record.msg).startswith(self.MESSAGE):
            return True
        now = self.clock()
        if self._last is not None and now - self._last < self.interval:
            self._dropped += 1
            return False
        dropped, self._dropped, self._last = self._dropped, 0, now
        self.rewrite(record, dropped)
        return True

    def rewrite(self, record: logging.LogRecord, dropped: int) -> None:
        raise NotImplementedError


class AcceptErrors(OncePerInterval):
    """A listening socket that cannot accept connections.

    When the process is out of file descriptors (or memory), asyncio's accept loop logs
    "socket.accept() out of system resource" with a traceback for every connection it fails to
    accept, and tries again every second: thousands of lines a second (95 MB of log in 30 s under
    20,000 idle connections). One line a minute instead, with the error, and no traceback."""

    MESSAGE = "socket.accept() out of system resource"

    def rewrite(self, record: logging.LogRecord, dropped: int) -> None:
        error = record.exc_info[1] if record.exc_info else None
        reason = getattr(error, "strerror", None) or type(error).__name__
        code = errno.errorcode.get(getattr(error, "errno", None) or 0, "unknown")
        record.msg = "connections not accepted: %s errno=%s left_out=%d next_line_in=%ds"
        record.args = (reason, code, dropped, round(self.interval))
        record.exc_info = None
        record.exc_text = None


class ConcurrencyRefusals(OncePerInterval):
    """uvicorn answers 503 past its concurrency limit and logs "Exceeded concurrency limit." for
    every request it refuses: one line a minute instead."""

    MESSAGE = "Exceeded concurrency limit"

    def rewrite(self, record: logging.LogRecord, dropped: int) -> None:
        record.msg = (
            "requests refused: concurrency limit reached status=503 left_out=%d next_line_in=%ds"
        )
        record.args = (dropped, round(self.interval))


class _MigrationChatter(logging.Filter):
    """Alembic says which SQL dialect it uses at every start; only upgrades are worth a line."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno > logging.INFO or str(record.msg).startswith("Running ")


def setup_logging(
    level: str, secrets: list[str] | None = None, fmt: Literal["text", "json"] = "text"
) -> None:
    # our formats name no source file, thread or process: skip collecting them for every record
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    redact = Redactor(secrets)
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter(redact) if fmt == "json" else TextFormatter(redact))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # a process out of file descriptors, or past uvicorn's concurrency limit: one line a minute,
    # not one per connection
    for name, throttle in (("asyncio", AcceptErrors), ("uvicorn.error", ConcurrencyRefusals)):
        throttled = logging.getLogger(name)
        throttled.filters[:] = [f for f in throttled.filters if not isinstance(f, throttle)]
        throttled.addFilter(throttle())
    # the HTTP server's own per-request lines would double ours
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
    # the scheduler's "Running job"/"executed successfully" pair at every tick is noise
    debug = level.upper() == "DEBUG"
    logging.getLogger("apscheduler").setLevel(logging.NOTSET if debug else logging.WARNING)
    # alembic: its plugins' set-up and dialect lines are noise, its upgrades are news
    logging.getLogger("alembic").setLevel(logging.NOTSET if debug else logging.WARNING)
    migration = logging.getLogger("alembic.runtime.migration")
    migration.setLevel(root.level)
    migration.filters[:] = [] if debug else [_MigrationChatter()]
