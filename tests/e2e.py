"""Helpers for end-to-end tests, in one place: signed Slack requests and their bodies, the bot
in-process (its real ASGI app on an event loop of its own) or as a subprocess (the real entry
point over real HTTP), the command line's ``main()`` in-process with its output captured, and
waiting for what the fake Slack receives.

Both kinds of bot answer the same calls (``get``, ``signed``, ``command``, ``interactive``,
``event``, ``logs``), so a test reads the same whichever runs it. The in-process bot is built as
``declaration-bot serve --no-clock`` builds it, from the same environment variables, and talks to
the fake Slack over loopback HTTP like the real one; nothing of ours is replaced."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import io
import json
import logging
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Coroutine, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from tests.conftest import ROOT, free_port
from tests.fakeslack import FakeSlack, new_trigger_id

SECRET = "e2e-signing-secret-0123456789"
BOT_TOKEN = "xoxb-e2e-token"
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"

_T = TypeVar("_T")


# --- requests as Slack signs and shapes them ----------------------------------------------------


def signature(body: bytes | str, timestamp: str, secret: str = SECRET) -> str:
    """Slack's ``X-Slack-Signature``: ``v0=`` HMAC-SHA256 of ``v0:{timestamp}:{body}``."""
    raw = body.encode() if isinstance(body, str) else body
    base = b"v0:" + timestamp.encode() + b":" + raw
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signed_headers(
    body: bytes | str, *, secret: str = SECRET, timestamp: int | None = None
) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature(body, ts, secret)}


def command_fields(text: str, **extra: str) -> dict[str, str]:
    """The fields Slack sends for `/declaration <text>` (form-encoded, or a Socket Mode payload)."""
    return {
        "token": "deprecated",
        "team_id": "T1",
        "team_domain": "fake",
        "channel_id": "C1",
        "channel_name": "general",
        "user_id": "U1",
        "user_name": "ada",
        "command": "/declaration",
        "text": text,
        "api_app_id": "A1",
        "response_url": "http://127.0.0.1:9/none",
        "trigger_id": new_trigger_id(),
        **extra,
    }


def button_press(action_id: str, value: str, response_url: str) -> dict[str, Any]:
    """The block_actions payload Slack sends when a user presses one of our buttons."""
    return {
        "type": "block_actions",
        "team": {"id": "T1"},
        "user": {"id": "U1"},
        "channel": {"id": "C1"},
        "api_app_id": "A1",
        "trigger_id": new_trigger_id(),
        "container": {"type": "message", "channel_id": "C1", "is_ephemeral": True},
        "response_url": response_url,
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": "b",
                "value": value,
                "action_ts": "1",
            }
        ],
    }


def event_body(event: dict[str, Any], team_id: str = "T1") -> dict[str, Any]:
    """The Events API envelope around ``event``."""
    return {
        "token": "x",
        "team_id": team_id,
        "api_app_id": "A1",
        "type": "event_callback",
        "event_id": f"Ev{time.monotonic_ns()}",
        "event_time": int(time.time()),
        "event": event,
    }


def mention(
    text: str, *, channel: str = "C1", user: str = "U1", ts: str = "1700000000.000100", **extra: str
) -> dict[str, Any]:
    """An ``app_mention`` event: ``text`` after a mention of the bot (UBOT), as Slack sends it."""
    return {
        "type": "app_mention",
        "user": user,
        "text": f"<@UBOT> {text}",
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
        **extra,
    }


def direct_message(
    text: str, *, channel: str = "D1", user: str = "U1", ts: str = "1700000000.000200", **extra: Any
) -> dict[str, Any]:
    """A ``message.im`` event: ``text`` sent to the bot in its DM (``extra``: a subtype, a
    bot_id…)."""
    return {
        "type": "message",
        "channel_type": "im",
        "user": user,
        "text": text,
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
        **extra,
    }


@dataclass
class HttpReply:
    status: int
    body: bytes
    headers: Mapping[str, str]

    def json(self) -> Any:
        return json.loads(self.body)


class Client:
    """Signed requests to a running bot; subclasses say how a request reaches it."""

    def request(self, method: str, path: str, body: bytes, headers: Mapping[str, str]) -> HttpReply:
        raise NotImplementedError

    def logs(self) -> str:
        raise NotImplementedError

    def get(self, path: str, headers: Mapping[str, str] | None = None) -> HttpReply:
        return self.request("GET", path, b"", headers or {})

    def post(self, body: str | bytes, headers: Mapping[str, str]) -> HttpReply:
        raw = body.encode() if isinstance(body, str) else body
        return self.request("POST", "/slack/events", raw, headers)

    def signed(
        self,
        body: str | bytes,
        *,
        content_type: str = FORM,
        secret: str = SECRET,
        timestamp: int | None = None,
    ) -> HttpReply:
        headers = signed_headers(body, secret=secret, timestamp=timestamp)
        return self.post(body, {"Content-Type": content_type, **headers})

    def command(self, text: str, **extra: str) -> HttpReply:
        return self.signed(urllib.parse.urlencode(command_fields(text, **extra)))

    def interactive(self, payload: dict[str, Any]) -> HttpReply:
        return self.signed(urllib.parse.urlencode({"payload": json.dumps(payload)}))

    def event(self, event: dict[str, Any], team_id: str = "T1") -> HttpReply:
        return self.signed(json.dumps(event_body(event, team_id)), content_type=JSON)


# --- what a user sees ---------------------------------------------------------------------------


def say(bot: Client, slack: FakeSlack, text: str, **fields: str) -> str:
    """Type a channel command; return what the user sees, as JSON text: the reply in the
    acknowledgement, or (an answer that took longer) the one reply posted to its response_url."""
    key = f"r{time.monotonic_ns()}"
    r = bot.command(text, response_url=slack.response_url(key), **fields)
    assert r.status == 200, r.body
    if r.body:
        return json.dumps(r.json(), ensure_ascii=False)
    slack.wait_for(lambda: bool(slack.responses.get(key)))
    (reply,) = slack.responses[key]
    return json.dumps(reply, ensure_ascii=False)


def wait_logged(bot: Client, needle: str, timeout: float = 5.0) -> None:
    """Until the bot has logged ``needle`` (or ``timeout``: the caller's assertion then says)."""
    deadline = time.monotonic() + timeout
    while needle not in bot.logs() and time.monotonic() < deadline:
        time.sleep(0.02)


# --- the environment a bot reads ----------------------------------------------------------------


def bot_env(api_url: str, **extra: str) -> dict[str, str]:
    return {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),
        "PYTHONPATH": str(ROOT),
        "SLACK_API_URL": api_url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "LOG_LEVEL": "INFO",
        **extra,
    }


_environment_lock = threading.Lock()


@contextmanager
def environment(env: Mapping[str, str], cwd: Path) -> Iterator[None]:
    """Exactly ``env`` as the process environment, and ``cwd`` as its working folder, as a new
    process started with them would have (settings, ``.env`` and ``./content`` are read from
    there); both are put back afterwards."""
    with _environment_lock:
        saved, here = dict(os.environ), Path.cwd()
        os.environ.clear()
        os.environ.update(env)
        os.chdir(cwd)
        try:
            yield
        finally:
            os.chdir(here)
            os.environ.clear()
            os.environ.update(saved)


@contextmanager
def _logging_kept() -> Iterator[None]:
    """Whatever the code inside sets up for logging (``setup_logging`` replaces the root
    handlers and sets levels) is undone afterwards."""
    root = logging.getLogger()
    names = (
        "uvicorn.access",
        "uvicorn.error",
        "asyncio",
        "apscheduler",
        "alembic",
        "alembic.runtime.migration",
    )
    loggers = [logging.getLogger(n) for n in names]
    saved = (root.handlers[:], root.level, [(lg.level, lg.filters[:]) for lg in loggers])
    flags = (logging._srcfile, logging.logThreads, logging.logProcesses)  # type: ignore[attr-defined]
    try:
        yield
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        for lg, (level, filters) in zip(loggers, saved[2], strict=True):
            lg.setLevel(level)
            lg.filters[:] = filters
        logging._srcfile, logging.logThreads, logging.logProcesses = flags  # type: ignore[attr-defined]


# --- the command line in-process ----------------------------------------------------------------


def run_cli(
    args: Sequence[str], env: Mapping[str, str], cwd: Path, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    """``declaration-bot <args>`` run in this process through ``bot.cli.main``: its exit code and
    what it wrote, as ``subprocess.run`` would give them. For the commands that end by
    themselves (check-content, migrate, rotate-key, tick, shell with piped input, and every mode
    that refuses to start); the modes that serve run as subprocesses (see ``running``)."""
    from bot.cli import main

    out, err = io.StringIO(), io.StringIO()
    saved_stdin = sys.stdin
    with environment(env, cwd), _logging_kept():
        sys.stdin = io.StringIO(stdin)
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    code = main(list(args))
                except SystemExit as exc:  # argparse: --version, or an argument it refuses
                    code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
        finally:
            sys.stdin = saved_stdin
    return subprocess.CompletedProcess(
        ["declaration-bot", *args], code, out.getvalue(), err.getvalue()
    )


def run_tick(env: Mapping[str, str], cwd: Path, at: datetime | str) -> str:
    """``declaration-bot tick --at <at>`` in-process; what it printed (it must succeed)."""
    when = at if isinstance(at, str) else at.strftime("%Y-%m-%dT%H:%M:%SZ")
    r = run_cli(["tick", "--at", when], env, cwd)
    assert r.returncode == 0, r.stderr
    return r.stdout


def start_tick(env: Mapping[str, str], cwd: Path, at: datetime | str) -> subprocess.Popen[str]:
    """``declaration-bot tick --at <at>`` as its own process (for tests about processes)."""
    when = at if isinstance(at, str) else at.strftime("%Y-%m-%dT%H:%M:%SZ")
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "tick", "--at", when],
        env=dict(env),
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def tick_process(env: Mapping[str, str], cwd: Path, at: datetime | str) -> str:
    """``start_tick`` to its end; what it printed (it must succeed)."""
    proc = start_tick(env, cwd, at)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    return out


# --- the bot in-process -------------------------------------------------------------------------


class InProcessBot(Client):
    """The HTTP app ``declaration-bot serve --no-clock`` serves, built the same way from the same
    environment, called as an ASGI app on an event loop in a thread of its own (so a test can
    wait on the fake Slack while the bot's listeners carry on, as with a real process)."""

    def __init__(self, env: Mapping[str, str], cwd: Path) -> None:
        from bot.cli import _secrets
        from bot.config import load_settings, require
        from bot.content.loading import load_library
        from bot.logs import Redactor, TextFormatter
        from bot.store.store import Store

        with environment(env, cwd):
            settings = load_settings()
            require(settings, "serve")
            library = load_library(settings.content_dir)
        url = settings.database_url
        if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
            # SQLite opens a relative path from wherever this process is when it connects
            raise ValueError(f"give the in-process bot an absolute DATABASE_URL, not {url}")
        self.settings = settings
        self.store = Store.open(settings.database_url)
        self._log = io.StringIO()
        self._handler = logging.StreamHandler(self._log)
        self._handler.setFormatter(TextFormatter(Redactor(_secrets(settings))))
        self._ours = logging.getLogger("declaration_bot")
        self._level = self._ours.level
        self._ours.setLevel(settings.log_level)
        logging.getLogger().addHandler(self._handler)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="bot-under-test", daemon=True
        )
        self._thread.start()
        try:
            self._web = self._run(self._build(env, cwd, library))
        except BaseException:
            self.close()
            raise

    async def _build(self, env: Mapping[str, str], cwd: Path, library: Any) -> Any:
        from bot.app import Runtime, create_app
        from bot.clock import SystemClock
        from bot.web import bot_web_app

        store, settings = self.store, self.settings
        with environment(env, cwd):  # Bolt and slack_sdk look at the environment as they start
            self.rt = rt = Runtime.build(settings, library, SystemClock(), store)
            bolt = create_app(rt)
        return bot_web_app(rt, bolt)

    def _run(self, coro: Coroutine[Any, Any, _T], timeout: float = 30.0) -> _T:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def request(self, method: str, path: str, body: bytes, headers: Mapping[str, str]) -> HttpReply:
        return self._run(asgi_request(self._web, method, path, body, headers))

    def logs(self) -> str:
        return self._log.getvalue()

    def close(self) -> None:
        if self._loop.is_running():
            self._run(self._wind_down())
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
        self._loop.close()
        self.store.close()
        logging.getLogger().removeHandler(self._handler)
        self._ours.setLevel(self._level)

    async def _wind_down(self) -> None:
        """Let the work Bolt does after its acknowledgements end, then close the connections."""
        others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        if others:
            await asyncio.wait(others, timeout=10)
            for task in others:
                task.cancel()
        rt = getattr(self, "rt", None)
        if rt is not None:
            await rt.http.close()
            if rt.clients is not None:
                await rt.clients.close()


@contextmanager
def in_process(env: Mapping[str, str], cwd: Path) -> Iterator[InProcessBot]:
    """The bot of ``declaration-bot serve --no-clock`` with ``env``, in this process."""
    bot = InProcessBot(env, cwd)
    try:
        yield bot
    finally:
        bot.close()


async def asgi_request(
    app: Any, method: str, path: str, body: bytes, headers: Mapping[str, str]
) -> HttpReply:
    """One HTTP request to an ASGI ``app``, as a server would hand it over."""
    path, _, query = path.partition("?")
    raw_headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
    raw_headers += [(b"host", b"127.0.0.1"), (b"content-length", str(len(body)).encode())]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": urllib.parse.unquote(path),
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": raw_headers,
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 80),
    }
    delivered = False
    finished = asyncio.Event()
    status = 0
    reply_headers: dict[str, str] = {}
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        await finished.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])
            for name, value in message.get("headers", []):
                reply_headers[name.decode("latin-1")] = value.decode("latin-1")
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                finished.set()

    await app(scope, receive, send)
    finished.set()
    return HttpReply(status, b"".join(chunks), reply_headers)


# --- the bot as a subprocess --------------------------------------------------------------------


@dataclass
class Bot(Client):
    """``python -m bot …`` as its own process, answering over real HTTP on loopback."""

    proc: subprocess.Popen[str]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def logs(self) -> str:
        return self.log.read_text(errors="replace")

    def request(self, method: str, path: str, body: bytes, headers: Mapping[str, str]) -> HttpReply:
        req = urllib.request.Request(
            self.url + path, data=body if method != "GET" else None, method=method
        )
        for name, value in headers.items():
            req.add_header(name, value)
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:  # loopback only
                return HttpReply(resp.status, resp.read(), dict(resp.headers))
        except urllib.error.HTTPError as err:
            return HttpReply(err.code, err.read(), dict(err.headers))


def spawn(
    args: list[str],
    env: Mapping[str, str],
    cwd: Path,
    log: Path,
    open_files: tuple[int, int] | None = None,
) -> subprocess.Popen[str]:
    """``declaration-bot ARGS`` as its own process, its output (both streams) in ``log``; with
    ``open_files``, started with that (soft, hard) limit on open files."""

    def limit() -> None:
        if open_files is not None:
            import resource

            resource.setrlimit(resource.RLIMIT_NOFILE, open_files)

    with log.open("w") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "bot", *args],
            env=dict(env),
            cwd=cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
            preexec_fn=limit if open_files is not None else None,
        )


@contextmanager
def running(
    args: list[str],
    env: dict[str, str],
    tmp: Path,
    wait_http: bool = True,
    open_files: tuple[int, int] | None = None,
) -> Iterator[Bot]:
    port = free_port()
    env = {"PORT": str(port), **env}
    log = tmp / f"bot-{port}.log"
    proc = spawn(args, env, tmp, log, open_files)
    bot = Bot(proc, port, log)
    try:
        if wait_http:
            deadline = time.monotonic() + 30
            while True:
                if proc.poll() is not None:
                    raise AssertionError(f"bot exited {proc.returncode}:\n{bot.logs()}")
                try:
                    if bot.get("/healthz").status == 200:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise AssertionError(f"bot did not start:\n{bot.logs()}")
                time.sleep(0.1)
        yield bot
    finally:
        stop(proc)


def stop(proc: subprocess.Popen[Any], timeout: float = 10) -> None:
    """SIGTERM, then SIGKILL if it has not ended within ``timeout`` seconds."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
