"""A wire-level test double of Slack: Web API over HTTP plus a Socket Mode WebSocket server.

The server is an aiohttp application running on its own asyncio event loop in a daemon thread,
bound to 127.0.0.1 on an ephemeral port. Because it has its own loop it can be driven from sync
tests (``slack_sdk.WebClient``, Bolt's builtin ``SocketModeHandler``) and from async tests
(``AsyncWebClient``, ``AsyncSocketModeHandler``) alike, and it serves many concurrent slow
requests cheaply (the per-call ``delay`` is an ``asyncio.sleep``).

Typical use::

    with FakeSlack() as fake:
        client = WebClient(token="xoxb-test", base_url=fake.base_url)
        client.chat_postMessage(channel="C1", text="hi")
        assert fake.posts()[0].params["text"] == "hi"

In an ``async def`` test whose event loop also runs the code under test, use the ``*_async``
variants (``send_envelope_async``, ``wait_for_async``, ``wait_socket_connected_async``): the plain
ones block the calling thread, which would stall that loop.

Channels keep what was posted to them, message metadata included: ``messages(channel)`` lists it
and ``conversations.history`` answers from it (``oldest``, ``latest``, ``inclusive``, ``limit``,
``cursor``; metadata only with ``include_all_metadata``). A post with ``thread_ts`` is a reply in
that message's thread: ``conversations.history`` leaves it out, ``conversations.replies`` lists
the thread (the parent, then its replies). ``accept_but`` scripts the faults where
Slack posted the message but the client never learns it (a timeout, an HTTP 500, a dropped
connection). Message timestamps come from ``clock`` when one is given (seconds since the epoch,
e.g. the bot's own clock in a test), so ``oldest`` means what it means against real Slack.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import socket
import threading
import time
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from aiohttp import WSMsgType, web

from tests import slackrules

__all__ = ["Call", "FakeSlack"]

_T = TypeVar("_T")

_HELLO: dict[str, Any] = {
    "type": "hello",
    "num_connections": 1,
    "debug_info": {"host": "fake"},
    "connection_info": {"app_id": "A1"},
}

_AUTH_TEST: dict[str, Any] = {
    "ok": True,
    "url": "https://fake.slack.com/",
    "team": "Fake",
    "user": "bot",
    "team_id": "T1",
    "user_id": "UBOT",
    "bot_id": "BBOT",
}


# a conversation id as Slack shapes them (C public, G private, D direct message); Slack answers
# channel_not_found for anything else
_CONVERSATION = re.compile(r"[CGD][A-Za-z0-9_-]{1,31}")


@dataclass
class Call:
    """One Web API call as the fake received and answered it."""

    method: str
    params: dict[str, Any]
    token: str | None
    at: float
    status: int
    response: dict[str, Any]


@dataclass
class _Fault:
    method: str
    error: str
    status: int
    times: int | None  # None: forever
    channel: str | None
    retry_after: int | None

    def matches(self, method: str, params: dict[str, Any]) -> bool:
        if self.method != method:
            return False
        return self.channel is None or params.get("channel") == self.channel


@dataclass
class _Accepted:
    """Posts that are stored (they show in the channel's history) while the client sees a
    failure: ``timeout`` (the answer comes after ``hang`` seconds), ``500`` (HTTP 500
    ``internal_error``), ``drop`` (the connection is closed without an answer) or
    ``error:<code>`` (HTTP 200 with ``{"ok": false, "error": code}``)."""

    method: str
    failure: str
    times: int | None
    channel: str | None
    hang: float

    def matches(self, method: str, params: dict[str, Any]) -> bool:
        if self.method != method:
            return False
        return self.channel is None or params.get("channel") == self.channel


ACCEPTED_FAILURES = ("timeout", "500", "drop")


@dataclass
class _User:
    user_id: str
    tz: str
    locale: str
    is_admin: bool
    is_owner: bool
    team_id: str


@dataclass
class _Channel:
    """A channel registered with add_channel (see "channels and views" in FakeSlack)."""

    channel_id: str
    name: str
    is_private: bool
    members: tuple[str, ...]
    archived: bool
    visible: bool  # False: the bot cannot see it (a private channel it was not invited to)
    bot_member: bool = True  # False: the bot has not joined (or been invited to) it


@dataclass
class _Answer:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


class FakeSlack:
    """Fake Slack Web API + Socket Mode server on 127.0.0.1 (see module docstring)."""

    def __init__(
        self,
        *,
        delay: float = 0.0,
        socket_ping_interval: float | None = 0.1,
        clock: Callable[[], float] | None = None,
    ) -> None:
        """``delay``: seconds every Web API call waits before it is answered.

        ``clock``: where message timestamps come from (seconds since the epoch; each ts is still
        unique and increasing). Without it they count up from 1700000000.000100.

        ``socket_ping_interval``: the server pings each Socket Mode connection this often (Slack
        pings too). Besides realism, it wakes slack_sdk's builtin client out of its blocking
        ``recv`` (3 s socket timeout), so ``SocketModeHandler.close()`` and reconnects take
        ~0.1 s instead of ~3 s. ``None`` disables it. Pongs are not required.
        """
        self.delay = delay
        self.socket_ping_interval = socket_ping_interval
        self.port = 0
        self.calls: list[Call] = []
        self.responses: dict[str, list[dict[str, Any]]] = {}
        self.socket_connections = 0
        # Every JSON message a Socket Mode client sent (acks included), in arrival order.
        self.socket_messages: list[dict[str, Any]] = []
        self._lock = threading.RLock()
        self._faults: list[_Fault] = []
        self._users: dict[str, _User] = {}
        self._deactivated: set[str] = set()  # users who left (conversations.open refuses them)
        self._channels: dict[str, _Channel] = {}  # see "channels and views" below
        # the workspace of each token oauth.v2.access issued (auth.test names it, as Slack's)
        self._token_teams: dict[str, str] = {}
        self._ts_counter = 99
        self.clock = clock
        self._last_ts = 0.0
        self._accepted: list[_Accepted] = []
        self._drop_responses = 0  # response_url posts to close without an answer (nor a record)
        # channel -> messages posted there, oldest first (each with its ts and any metadata)
        self._history: dict[str, list[dict[str, Any]]] = {}
        self._stopping: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        # Loop-thread-only state.
        self._current_ws: web.WebSocketResponse | None = None
        self._open_ws: set[web.WebSocketResponse] = set()
        self._ack_waiters: dict[str, asyncio.Future[dict[str, Any]]] = {}
        # Slack's rules (see "what Slack refuses" below): what the lint found in payloads that
        # Slack accepts but renders wrongly (raised when the fake stops), trigger_ids exchanged,
        # and each response_url's first use and use count
        self.problems: list[str] = []
        self._triggers_used: set[str] = set()
        self._response_uses: dict[str, tuple[float, int]] = {}
        self._slow: dict[str, float] = {}  # method -> extra seconds (slow_down)

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> FakeSlack:
        if self._loop is not None:
            raise RuntimeError("FakeSlack already started")
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._thread = threading.Thread(
            target=self._run_loop, args=(loop,), name="FakeSlack", daemon=True
        )
        self._thread.start()
        try:
            asyncio.run_coroutine_threadsafe(self._astart(), loop).result(timeout=10)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None:
            return
        try:
            if loop.is_running():
                asyncio.run_coroutine_threadsafe(self._astop(), loop).result(timeout=15)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            if thread is not None:
                thread.join(timeout=10)
            self._loop = None
            self._thread = None

    def check_rendering(self) -> None:
        """Fail if any payload the fake received would render wrongly in Slack (the mrkdwn lint
        of tests/slackrules.py); ``__exit__`` calls it when the test body passed."""
        with self._lock:
            problems, self.problems = list(self.problems), []
        if problems:
            raise AssertionError("Slack would render these wrongly:\n" + "\n".join(problems))

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
        if exc_type is None:
            self.check_rendering()

    @staticmethod
    def _run_loop(loop: asyncio.AbstractEventLoop) -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_forever()
        finally:
            try:
                pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
                for task in pending:
                    task.cancel()
                if pending:
                    loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
                loop.run_until_complete(loop.shutdown_asyncgens())
            finally:
                loop.close()

    async def _astart(self) -> None:
        self._stopping = asyncio.Event()
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/api/{method}", self._handle_api)
        app.router.add_get("/api/{method}", self._handle_api)
        app.router.add_post("/response/{key}", self._handle_response_url)
        app.router.add_get("/socket", self._handle_socket)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        sock.setblocking(False)
        # A deep accept queue: a benchmark may open thousands of connections at once.
        site = web.SockSite(runner, sock, backlog=4096)
        await site.start()
        self._runner = runner
        self.port = int(sock.getsockname()[1])

    async def _astop(self) -> None:
        if self._stopping is not None:
            self._stopping.set()  # hanging answers end now
        for fut in self._ack_waiters.values():
            if not fut.done():
                fut.cancel()
        self._ack_waiters.clear()
        for ws in list(self._open_ws):
            with contextlib.suppress(TimeoutError, OSError, RuntimeError):
                await asyncio.wait_for(ws.close(code=1001, message=b"server stopping"), 2.0)
        self._current_ws = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def _require_loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            raise RuntimeError(
                "FakeSlack is not started (call start() or use it as a context manager)"
            )
        return self._loop

    def _submit(self, coro: Coroutine[Any, Any, _T]) -> asyncio.Future[_T]:
        """Run ``coro`` on the server loop; return an asyncio future for the caller's loop."""
        fut = asyncio.run_coroutine_threadsafe(coro, self._require_loop())
        return asyncio.wrap_future(fut)

    def _run_sync(self, coro: Coroutine[Any, Any, _T], timeout: float) -> _T:
        loop = self._require_loop()
        if threading.current_thread() is self._thread:
            coro.close()
            raise RuntimeError("blocking FakeSlack call made from the fake's own event loop")
        return asyncio.run_coroutine_threadsafe(coro, loop).result(timeout=timeout)

    # ------------------------------------------------------------------ addresses

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    @property
    def socket_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/socket"

    def response_url(self, key: str) -> str:
        return f"http://127.0.0.1:{self.port}/response/{key}"

    # ------------------------------------------------------------------ recorded calls

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def posts(self) -> list[Call]:
        """chat.postMessage calls that were answered with HTTP 200 and ``"ok": true``: the
        posts in the channels (top level); the replies in their threads are
        :meth:`thread_posts`."""
        return [c for c in self._posted() if not c.params.get("thread_ts")]

    def thread_posts(self) -> list[Call]:
        """The chat.postMessage calls answered OK that were replies in a thread."""
        return [c for c in self._posted() if c.params.get("thread_ts")]

    def _posted(self) -> list[Call]:
        with self._lock:
            return [
                c
                for c in self.calls
                if c.method == "chat.postMessage" and c.status == 200 and c.response.get("ok")
            ]

    def messages(self, channel: str | None = None) -> list[dict[str, Any]]:
        """What the channel shows (every channel's when ``channel`` is None), oldest first: each
        message Slack stored, ``channel`` and ``metadata`` included, whatever its client saw."""
        with self._lock:
            if channel is not None:
                return [dict(m) for m in self._history.get(channel, [])]
            found = [dict(m) for msgs in self._history.values() for m in msgs]
        return sorted(found, key=lambda m: float(m["ts"]))

    def top_level(self, channel: str | None = None) -> list[dict[str, Any]]:
        """The messages of :meth:`messages` that are not replies in a thread."""
        return [m for m in self.messages(channel) if m.get("thread_ts", m["ts"]) == m["ts"]]

    def thread(self, channel: str, ts: str) -> list[dict[str, Any]]:
        """The replies in the thread of message ``ts``, oldest first."""
        return [m for m in self.messages(channel) if m.get("thread_ts") == ts and m["ts"] != ts]

    def reset(self) -> None:
        """Forget calls, scripted faults, response_url posts, channel history and Socket Mode
        messages.

        Registered users, the ts counter and socket connections are kept.
        """
        with self._lock:
            self.calls.clear()
            self._faults.clear()
            self._accepted.clear()
            self._drop_responses = 0
            self._history.clear()
            self.responses.clear()
            self.socket_messages.clear()

    def clear_faults(self) -> None:
        """Forget scripted faults (``fail``, ``fail_always``, ``accept_but``); keep the rest."""
        with self._lock:
            self._faults.clear()
            self._accepted.clear()

    # ------------------------------------------------------------------ scripting

    def fail(
        self,
        method: str,
        error: str,
        *,
        status: int = 200,
        times: int = 1,
        channel: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        """Answer the next ``times`` calls to ``method`` (optionally only for ``channel``) with
        ``{"ok": false, "error": error}`` and HTTP ``status``; 429 adds ``Retry-After``."""
        if times < 1:
            raise ValueError("times must be >= 1")
        with self._lock:
            self._faults.append(_Fault(method, error, status, times, channel, retry_after))

    def slow_down(self, method: str, seconds: float) -> None:
        """Answer every call to ``method`` ``seconds`` later (on top of ``delay``)."""
        with self._lock:
            self._slow[method] = seconds

    def fail_always(
        self,
        method: str,
        error: str,
        *,
        channel: str | None = None,
        status: int = 200,
        retry_after: int | None = None,
    ) -> None:
        """Like :meth:`fail` but forever (until :meth:`reset` or :meth:`clear_faults`)."""
        with self._lock:
            self._faults.append(_Fault(method, error, status, None, channel, retry_after))

    def accept_but(
        self,
        failure: str,
        *,
        method: str = "chat.postMessage",
        times: int | None = 1,
        channel: str | None = None,
        hang: float = 5.0,
    ) -> None:
        """Store the next ``times`` calls (None: all) to ``method`` (optionally only for
        ``channel``) as Slack would, yet let the client see a failure: ``"timeout"`` (answered
        only after ``hang`` seconds), ``"500"`` (HTTP 500 ``internal_error``), ``"drop"`` (the
        connection closed without an answer) or ``"error:<code>"`` (HTTP 200, ``ok: false``).

        The call is recorded with status 0 when no answer reached the client (so ``posts()``,
        which lists the posts the client saw succeed, leaves it out); ``messages()`` has it."""
        if failure not in ACCEPTED_FAILURES and not failure.startswith("error:"):
            raise ValueError(f"unknown failure {failure!r}")
        if times is not None and times < 1:
            raise ValueError("times must be >= 1")
        with self._lock:
            self._accepted.append(_Accepted(method, failure, times, channel, hang))

    def drop_responses(self, times: int = 1) -> None:
        """Close the next ``times`` posts to a response_url without an answer and without
        recording them, as a kept-alive connection Slack had already closed would."""
        if times < 1:
            raise ValueError("times must be >= 1")
        with self._lock:
            self._drop_responses += times

    def add_user(
        self,
        user_id: str,
        *,
        tz: str = "UTC",
        locale: str = "en-US",
        is_admin: bool = False,
        is_owner: bool = False,
        team_id: str = "T1",
    ) -> None:
        ZoneInfo(tz)  # fail early on a bad zone name
        with self._lock:
            self._users[user_id] = _User(user_id, tz, locale, is_admin, is_owner, team_id)

    # ------------------------------------------------------------------ waiting

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        """Poll ``predicate`` until it is true; on timeout raise AssertionError with a dump."""
        deadline = time.monotonic() + timeout
        while True:
            if predicate():
                return
            if time.monotonic() >= deadline:
                raise AssertionError(f"condition not met within {timeout}s\n{self.dump()}")
            time.sleep(0.01)

    async def wait_for_async(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        """:meth:`wait_for` for async tests: yields to the caller's event loop while polling."""
        deadline = time.monotonic() + timeout
        while True:
            if predicate():
                return
            if time.monotonic() >= deadline:
                raise AssertionError(f"condition not met within {timeout}s\n{self.dump()}")
            await asyncio.sleep(0.01)

    def dump(self, last: int = 50) -> str:
        """Human-readable summary of what the fake has seen (used in assertion messages)."""
        with self._lock:
            calls = list(self.calls)
            responses = {k: list(v) for k, v in self.responses.items()}
            messages = list(self.socket_messages)
            faults = [*self._faults, *self._accepted]
        lines = [f"FakeSlack on port {self.port}: {len(calls)} Web API call(s)"]
        if len(calls) > last:
            lines.append(f"  ... {len(calls) - last} earlier call(s) omitted")
        for c in calls[-last:]:
            lines.append(
                f"  {c.method} token={c.token!r} status={c.status} "
                f"params={_short(c.params)} -> {_short(c.response)}"
            )
        lines.append(f"pending faults: {faults}")
        lines.append(f"response_url posts: {_short(responses)}")
        lines.append(
            f"socket connections: {self.socket_connections}; "
            f"client messages: {_short(messages[-last:])}"
        )
        return "\n".join(lines)

    # ------------------------------------------------------------------ Socket Mode

    def wait_socket_connected(self, timeout: float = 10.0) -> None:
        """Block until a Socket Mode client is connected and has been sent "hello"."""
        self._run_sync(self._await_socket(timeout), timeout + 5)

    async def wait_socket_connected_async(self, timeout: float = 10.0) -> None:
        await self._submit(self._await_socket(timeout))

    def send_envelope(
        self,
        type: str,
        payload: dict[str, Any],
        *,
        timeout: float = 5.0,
        retry_attempt: int | None = None,
    ) -> dict[str, Any]:
        """Send an envelope to the latest Socket Mode connection and return the client's ack.
        ``retry_attempt``: an Events API delivery sent again, as Slack numbers it
        (https://api.slack.com/apis/socket-mode: ``retry_attempt`` and ``retry_reason`` in the
        envelope, the same payload and event_id)."""
        sent = self._send_envelope(type, payload, timeout, retry_attempt)
        return self._run_sync(sent, timeout * 2 + 5)

    async def send_envelope_async(
        self, type: str, payload: dict[str, Any], *, timeout: float = 5.0
    ) -> dict[str, Any]:
        """:meth:`send_envelope` for async tests (does not block the caller's event loop)."""
        return await self._submit(self._send_envelope(type, payload, timeout))

    def disconnect_socket(self, reason: str = "refresh_requested") -> None:
        """Send ``{"type": "disconnect"}`` to the latest connection, as Slack does before it
        rotates connections; clients are expected to open a new connection."""
        self._run_sync(self._send_disconnect(reason), 10)

    async def _await_socket(self, timeout: float) -> web.WebSocketResponse:
        deadline = time.monotonic() + timeout
        while True:
            ws = self._current_ws
            if ws is not None and not ws.closed:
                return ws
            if time.monotonic() >= deadline:
                raise AssertionError(
                    f"no Socket Mode client connected within {timeout}s\n{self.dump()}"
                )
            await asyncio.sleep(0.01)

    async def _send_envelope(
        self, type: str, payload: dict[str, Any], timeout: float, retry: int | None = None
    ) -> dict[str, Any]:
        ws = await self._await_socket(timeout)
        envelope_id = str(uuid.uuid4())
        envelope: dict[str, Any] = {
            "envelope_id": envelope_id,
            "type": type,
            "accepts_response_payload": type != "events_api",
            "payload": payload,
        }
        if retry is not None:
            envelope.update(retry_attempt=retry, retry_reason="timeout")
        waiter: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._ack_waiters[envelope_id] = waiter
        try:
            await ws.send_str(json.dumps(envelope))
            return await asyncio.wait_for(waiter, timeout)
        except TimeoutError:
            raise AssertionError(
                f"no ack for {type} envelope {envelope_id} within {timeout}s\n{self.dump()}"
            ) from None
        finally:
            self._ack_waiters.pop(envelope_id, None)

    async def _send_disconnect(self, reason: str) -> None:
        ws = await self._await_socket(5.0)
        await ws.send_str(
            json.dumps({"type": "disconnect", "reason": reason, "debug_info": {"host": "fake"}})
        )

    async def _handle_socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True, compress=False, timeout=2.0)
        await ws.prepare(request)
        with self._lock:
            self.socket_connections += 1
        self._open_ws.add(ws)
        pinger = asyncio.create_task(self._ping_forever(ws))
        try:
            await ws.send_str(json.dumps(_HELLO))
            self._current_ws = ws
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                try:
                    data = json.loads(msg.data)
                except ValueError:
                    continue
                if not isinstance(data, dict):
                    continue
                with self._lock:
                    self.socket_messages.append(data)
                    answer = data.get("payload")
                    if isinstance(answer, dict) and ("blocks" in answer or "text" in answer):
                        self._lint("socket ack", answer)  # an answer in the ack, as a reply
                envelope_id = data.get("envelope_id")
                if isinstance(envelope_id, str):
                    waiter = self._ack_waiters.get(envelope_id)
                    if waiter is not None and not waiter.done():
                        waiter.set_result(data)
        finally:
            pinger.cancel()
            self._open_ws.discard(ws)
            if self._current_ws is ws:
                self._current_ws = None
        return ws

    async def _ping_forever(self, ws: web.WebSocketResponse) -> None:
        interval = self.socket_ping_interval
        if interval is None or interval <= 0:
            return
        n = 0
        while not ws.closed:
            await asyncio.sleep(interval)
            n += 1
            try:
                await ws.ping(f"fake-ping:{n}".encode())
            except (ConnectionError, RuntimeError):
                return

    # ------------------------------------------------------------------ HTTP handlers

    async def _handle_response_url(self, request: web.Request) -> web.Response:
        key = request.match_info["key"]
        with self._lock:
            drop = self._drop_responses > 0
            self._drop_responses -= drop
        if drop:
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=500)
        body: dict[str, Any]
        if request.content_type == "application/json":
            try:
                parsed = await request.json()
            except ValueError:
                parsed = None
            body = parsed if isinstance(parsed, dict) else {"_raw": parsed}
        else:
            form = await request.post()
            body = {k: v for k, v in form.items() if isinstance(v, str)}
        with self._lock:
            refused = self._response_url_refusal(key, body)
            if refused is not None:
                return web.json_response({"ok": False, "error": refused[1]}, status=refused[0])
            self.responses.setdefault(key, []).append(body)
        return web.json_response({"ok": True})

    async def _handle_api(self, request: web.Request) -> web.Response:
        at = time.monotonic()
        method = request.match_info["method"]
        params: dict[str, Any] = dict(request.query)
        answer: _Answer | None = None
        if request.method == "POST":
            if request.content_type == "application/json":
                try:
                    parsed = await request.json()
                except ValueError:
                    parsed = None
                if isinstance(parsed, dict):
                    params.update(parsed)
                else:
                    answer = _Answer(200, {"ok": False, "error": "invalid_json"})
            else:
                form = await request.post()
                for k, v in form.items():
                    params[k] = v.file.read() if isinstance(v, web.FileField) else v

        token: str | None = None
        auth = request.headers.get("Authorization", "")
        if auth.lower().startswith("bearer "):
            token = auth[7:].strip() or None
        if token is None and isinstance(params.get("token"), str):
            token = params["token"]

        accepted: _Accepted | None = None
        with self._lock:
            if answer is None:
                answer = self._fault_for(method, params)
                if answer is None:
                    answer = self._answer(method, params, token)
                    if answer.body.get("ok"):
                        accepted = self._accepted_for(method, params)

        delay = self.delay + self._slow.get(method, 0.0)
        if delay > 0:
            await asyncio.sleep(delay)

        if accepted is not None:
            return await self._fail_after_accepting(request, accepted, method, params, token, at)
        with self._lock:
            self.calls.append(Call(method, params, token, at, answer.status, answer.body))
        return web.json_response(answer.body, status=answer.status, headers=answer.headers)

    async def _fail_after_accepting(
        self,
        request: web.Request,
        accepted: _Accepted,
        method: str,
        params: dict[str, Any],
        token: str | None,
        at: float,
    ) -> web.Response:
        failure = accepted.failure
        if failure.startswith("error:"):
            body = {"ok": False, "error": failure.removeprefix("error:")}
            with self._lock:
                self.calls.append(Call(method, params, token, at, 200, body))
            return web.json_response(body)
        if failure == "500":
            body = {"ok": False, "error": "internal_error"}
            with self._lock:
                self.calls.append(Call(method, params, token, at, 500, body))
            return web.json_response(body, status=500)
        with self._lock:
            self.calls.append(Call(method, params, token, at, 0, {"ok": False, "error": failure}))
        if failure == "drop":
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=500)
        # timeout: answer (ok) only after the client has given up, or when the fake stops
        if self._stopping is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), accepted.hang)
        return web.json_response({"ok": True})

    def _accepted_for(self, method: str, params: dict[str, Any]) -> _Accepted | None:
        # Called with self._lock held.
        for i, acc in enumerate(self._accepted):
            if not acc.matches(method, params):
                continue
            if acc.times is not None:
                acc.times -= 1
                if acc.times <= 0:
                    del self._accepted[i]
            return acc
        return None

    def _fault_for(self, method: str, params: dict[str, Any]) -> _Answer | None:
        # Called with self._lock held.
        for i, fault in enumerate(self._faults):
            if not fault.matches(method, params):
                continue
            if fault.times is not None:
                fault.times -= 1
                if fault.times <= 0:
                    del self._faults[i]
            headers: dict[str, str] = {}
            if fault.status == 429:
                headers["Retry-After"] = str(fault.retry_after if fault.retry_after else 1)
            elif fault.retry_after is not None:
                headers["Retry-After"] = str(fault.retry_after)
            return _Answer(fault.status, {"ok": False, "error": fault.error}, headers)
        return None

    def _next_ts(self) -> str:
        # Called with self._lock held.
        if self.clock is not None:
            now = max(round(self.clock(), 6), round(self._last_ts + 0.000001, 6))
            self._last_ts = now
            return f"{now:.6f}"
        self._ts_counter += 1
        n = self._ts_counter
        return f"{1_700_000_000 + n // 1_000_000}.{n % 1_000_000:06d}"

    def _history_page(self, params: dict[str, Any]) -> dict[str, Any]:
        # Called with self._lock held. Newest first, as Slack answers; a reply in a thread is
        # listed only by conversations.replies.
        channel = str(params.get("channel") or "")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        top = [
            m
            for m in reversed(self._history.get(channel, []))
            if m.get("thread_ts", m["ts"]) == m["ts"]
        ]
        return _page(top, params, max_limit=999, default_limit=100)

    # https://api.slack.com/methods/chat.postMessage#arg_thread_ts: a reply names its parent
    # message's ts ("avoid using a reply's ts value; use its parent instead"). A thread_ts that
    # names no message of the channel is refused here (thread_not_found), never posted top-level.
    def _parent(self, channel: str, thread_ts: Any) -> dict[str, Any] | None:
        # Called with self._lock held.
        if not thread_ts:
            return None
        for m in self._history.get(channel, []):
            if m["ts"] == str(thread_ts):
                return m
        return None

    # https://api.slack.com/methods/conversations.replies: `channel` and `ts` are required, `ts`
    # must be the ts of an existing message (thread_not_found otherwise); the answer is the
    # parent, then its replies, oldest first (a reply's ts gives its whole thread), paged with
    # limit and cursor, bounded by oldest/latest/inclusive; metadata only with
    # include_all_metadata. The same membership rule as conversations.history (_refusal).
    def _replies_page(self, params: dict[str, Any]) -> dict[str, Any]:
        # Called with self._lock held.
        channel = str(params.get("channel") or "")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        asked = self._parent(channel, params.get("ts"))
        if asked is None:
            return {"ok": False, "error": "thread_not_found"}
        root = str(asked.get("thread_ts") or asked["ts"])
        thread = [
            m
            for m in self._history.get(channel, [])
            if m["ts"] == root or m.get("thread_ts") == root
        ]
        return _page(thread, params, max_limit=1000, default_limit=1000)

    def _answer(self, method: str, params: dict[str, Any], token: str | None = None) -> _Answer:
        # Called with self._lock held.
        refused = self._refusal(method, params)
        if refused is not None:
            return _Answer(200, {"ok": False, "error": refused})
        extra = self._answer_channels_and_views(method, params)
        if extra is not None:
            return _Answer(200, extra)
        body: dict[str, Any]
        if method == "auth.test":
            # the token's own workspace: one oauth.v2.access issued, else T1
            body = dict(_AUTH_TEST)
            team = self._token_teams.get(token or "")
            if team is not None:
                body.update(team_id=team, team=f"Team {team}")
        elif method == "chat.postMessage":
            ts = self._next_ts()
            message: dict[str, Any] = {
                "type": "message",
                "text": params.get("text"),
                "ts": ts,
                "user": "UBOT",
                "bot_id": "BBOT",
            }
            if "blocks" in params:
                message["blocks"] = params["blocks"]
            metadata = params.get("metadata")
            if isinstance(metadata, str):
                try:
                    metadata = json.loads(metadata)
                except ValueError:
                    metadata = None
            if isinstance(metadata, dict):
                message["metadata"] = metadata
            channel = str(params.get("channel") or "")
            parent = self._parent(channel, params.get("thread_ts"))
            if parent is not None:  # a reply's ts stands for its thread's parent
                parent = self._parent(channel, parent.get("thread_ts") or parent["ts"]) or parent
                message["thread_ts"] = parent["ts"]
                parent["thread_ts"] = parent["ts"]
                parent["reply_count"] = int(parent.get("reply_count", 0)) + 1
                parent["latest_reply"] = ts
            self._history.setdefault(channel, []).append({**message, "channel": channel})
            body = {"ok": True, "channel": params.get("channel"), "ts": ts, "message": message}
        elif method == "conversations.history":
            body = self._history_page(params)
        elif method == "conversations.replies":
            body = self._replies_page(params)
        elif method == "conversations.join":
            body = self._join(params)
        elif method == "conversations.open":
            body = self._open(params)
        elif method == "chat.postEphemeral":
            body = {"ok": True, "message_ts": self._next_ts()}
        elif method == "users.info":
            user = self._users.get(str(params.get("user")))
            if user is None:
                body = {"ok": False, "error": "user_not_found"}
            else:
                body = {"ok": True, "user": _user_json(user)}
        elif method == "views.publish":
            view = params.get("view")
            if isinstance(view, str):
                try:
                    view = json.loads(view)
                except ValueError:
                    view = None
            view_body = dict(view) if isinstance(view, dict) else {}
            view_body["id"] = "V1"
            body = {"ok": True, "view": view_body}
        elif method == "conversations.info":
            body = {"ok": True, "channel": {"id": params.get("channel"), "name": "general"}}
        elif method == "apps.connections.open":
            body = {"ok": True, "url": self.socket_url}
        elif method == "oauth.v2.access":
            code = str(params.get("code", ""))
            self._token_teams["xoxb-" + code] = "T-" + code
            body = {
                "ok": True,
                "access_token": "xoxb-" + code,
                "token_type": "bot",
                "scope": "commands,chat:write",
                "bot_user_id": "UBOT",
                "app_id": "A1",
                "team": {"id": "T-" + code, "name": "Team " + code},
                "enterprise": None,
                "is_enterprise_install": False,
                "authed_user": {"id": "U1"},
            }
        else:
            body = {"ok": True}
        return _Answer(200, body)

    # ------------------------------------------------------------------ channels and views
    # Channels the bot may or may not see (conversations.info, conversations.members; an ephemeral
    # message there reaches only a member, as Slack's), and the modal methods (views.open,
    # views.update, views.push) answered with the view and an id. A conversation id not shaped
    # as Slack's gets channel_not_found. A 429 on demand: fail(..., status=429) or fail_always.

    def add_channel(
        self,
        channel_id: str,
        *,
        name: str = "general",
        is_private: bool = False,
        members: tuple[str, ...] = (),
        archived: bool = False,
        visible: bool = True,
        bot_member: bool = True,
    ) -> None:
        """A channel the bot may see. ``bot_member=False``: the bot has not joined it (a public
        channel it posts to through chat:write.public) or was not invited (a private one)."""
        with self._lock:
            self._channels[channel_id] = _Channel(
                channel_id, name, is_private, members, archived, visible, bot_member
            )

    def said(self, event: dict[str, Any]) -> None:
        """A person's message, as the channel's history holds it before Slack sends the event
        (``app_mention``, ``message.im``) that tells the app of it: a reply in its thread then
        finds its parent, as on Slack (chat.postMessage refuses a thread_ts naming no message
        with thread_not_found, see _parent)."""
        message = {k: event[k] for k in ("type", "user", "text", "ts", "thread_ts") if k in event}
        channel = str(event["channel"])
        with self._lock:
            parent = self._parent(channel, event.get("thread_ts"))
            if parent is None and event.get("thread_ts"):  # its thread's parent, said before it
                start = {"type": "message", "user": event.get("user"), "text": "…"}
                start["ts"] = str(event["thread_ts"])
                self._history.setdefault(channel, []).append({**start, "channel": channel})
            self._history.setdefault(channel, []).append({**message, "channel": channel})

    # ------------------------------------------------------------------ conversations.join
    # https://api.slack.com/methods/conversations.join (docs.slack.dev/reference/methods/
    # conversations.join): a bot token needs channels:join (else missing_scope, naming it in
    # `needed`); a public channel is joined and returned (is_member: true), with the warning
    # already_in_channel when the bot was in it; is_archived for an archived channel;
    # method_not_supported_for_channel_type for a private channel, a DM or a group DM;
    # channel_not_found for an id that names no channel the bot can see. Joined, the bot reads the
    # channel's history (see conversations.history below). A channel not registered with
    # add_channel is a public one the bot is in, as for the other methods.

    # the scopes the bot token lacks (e.g. frozenset({"channels:join"}): an install made before
    # the manifest asked for it)
    missing_scopes: frozenset[str] = frozenset()

    def _join(self, params: dict[str, Any]) -> dict[str, Any]:
        # Called with self._lock held.
        if "channels:join" in self.missing_scopes:
            return {"ok": False, "error": "missing_scope", "needed": "channels:join"}
        channel_id = str(params.get("channel") or "")
        if not _CONVERSATION.fullmatch(channel_id):
            return {"ok": False, "error": "channel_not_found"}
        channel = self._channels.get(channel_id)
        if channel is None:
            if channel_id[0] in "DG":  # a DM, a group DM or a (legacy) private channel
                return {"ok": False, "error": "method_not_supported_for_channel_type"}
            channel = _Channel(channel_id, "general", False, (), False, True)
        if not channel.visible:
            return {"ok": False, "error": "channel_not_found"}
        if channel.is_private:
            return {"ok": False, "error": "method_not_supported_for_channel_type"}
        if channel.archived:
            return {"ok": False, "error": "is_archived"}
        was_member, channel.bot_member = channel.bot_member, True
        body: dict[str, Any] = {
            "ok": True,
            "channel": {
                "id": channel.channel_id,
                "name": channel.name,
                "is_channel": True,
                "is_private": False,
                "is_archived": False,
                "is_member": True,
            },
        }
        if was_member:
            body["warning"] = "already_in_channel"
            body["response_metadata"] = {"warnings": ["already_in_channel"]}
        return body

    # ------------------------------------------------------------------ conversations.open
    # https://api.slack.com/methods/conversations.open (docs.slack.dev/reference/methods/
    # conversations.open): a bot token needs im:write (else missing_scope, naming it in
    # `needed`); `users` names one user for a 1:1 DM (several: a group DM, which this fake does
    # not open: method_not_supported_for_channel_type stands in); neither `users` nor `channel`:
    # users_list_not_supplied; a user the workspace does not have: user_not_found; a deactivated
    # one: user_disabled. The same user always gets the same DM id (`D` and the user id's tail).
    # A user added with add_user, then deactivated with deactivate_user.

    def deactivate_user(self, user_id: str) -> None:
        """The user leaves the workspace: conversations.open answers user_disabled for them."""
        with self._lock:
            self._deactivated.add(user_id)

    def dm_of(self, user_id: str) -> str:
        """The id of the bot's direct message with a user, as conversations.open returns it."""
        return "D" + user_id[1:]

    def _open(self, params: dict[str, Any]) -> dict[str, Any]:
        # Called with self._lock held.
        if "im:write" in self.missing_scopes:
            return {"ok": False, "error": "missing_scope", "needed": "im:write"}
        users = [u for u in str(params.get("users") or "").split(",") if u]
        if not users:
            return {"ok": False, "error": "users_list_not_supplied"}
        if len(users) > 1:
            return {"ok": False, "error": "method_not_supported_for_channel_type"}
        (user,) = users
        if user not in self._users:
            return {"ok": False, "error": "user_not_found"}
        if user in self._deactivated:
            return {"ok": False, "error": "user_disabled"}
        return {"ok": True, "channel": {"id": self.dm_of(user)}}

    # ------------------------------------------------------------------ what Slack refuses
    # Each rule cites its source: Slack's page for the method, or SLACK.md (the platform facts
    # the project shares). Block Kit and the mrkdwn lint are in tests/slackrules.py.

    def _refusal(self, method: str, params: dict[str, Any]) -> str | None:
        # Called with self._lock held. The error Slack answers, or None; lint problems of an
        # accepted payload are kept in self.problems.
        if method in ("chat.postMessage", "chat.postEphemeral", "chat.update"):
            return self._message_refusal(method, params)
        if method in ("views.open", "views.push", "views.update", "views.publish"):
            view = _json_param(params.get("view"))
            # https://api.slack.com/methods/views.publish: user_id (whose Home tab) is a required
            # argument; a call without it is refused (invalid_arguments), nobody's tab changes
            if method == "views.publish" and not params.get("user_id"):
                return "invalid_arguments"
            # https://api.slack.com/methods/views.open: a trigger_id is good for 3 seconds
            # (expired_trigger_id) and for one modal (exchanged_trigger_id)
            trigger = params.get("trigger_id")
            if method in ("views.open", "views.push") and isinstance(trigger, str) and trigger:
                if trigger in self._triggers_used:
                    return "exchanged_trigger_id"
                self._triggers_used.add(trigger)
                issued = trigger_issued_at(trigger)
                if issued is not None and time.monotonic() - issued > TRIGGER_SECONDS:
                    return "expired_trigger_id"
            if isinstance(view, dict):
                # https://api.slack.com/reference/surfaces/views: a view Slack cannot build is
                # refused with invalid_arguments (100 blocks at most, SLACK.md)
                if slackrules.view_errors(view):
                    return "invalid_arguments"
                self._lint(method, {"view": view})
            return None
        if method in ("conversations.history", "conversations.replies"):
            # https://api.slack.com/methods/conversations.history: not_in_channel when the bot
            # has not joined the channel (chat:write.public posts without joining)
            channel = self._channels.get(str(params.get("channel")))
            if channel is not None and not channel.bot_member:
                return "channel_not_found" if channel.is_private else "not_in_channel"
        return None

    def _message_refusal(self, method: str, params: dict[str, Any]) -> str | None:
        # https://api.slack.com/methods/chat.postMessage#errors (and chat.postEphemeral's):
        # channel_not_found for a private channel the bot is not in (SLACK.md "Posting and rate
        # limits": private channels need the bot invited), msg_too_long, invalid_blocks
        channel = self._channels.get(str(params.get("channel")))
        if channel is not None and channel.is_private and not channel.bot_member:
            return "channel_not_found"
        text = params.get("text")
        if isinstance(text, str) and len(text) > slackrules.MESSAGE_TEXT:
            return "msg_too_long"
        blocks = _json_param(params.get("blocks"))
        if blocks is not None and slackrules.block_errors(blocks):
            return "invalid_blocks"
        if not text and not blocks:
            return "no_text"
        thread_ts = params.get("thread_ts")
        channel_id = str(params.get("channel") or "")
        if method == "chat.postMessage" and thread_ts and not self._parent(channel_id, thread_ts):
            return "thread_not_found"
        self._lint(method, {"text": text, "blocks": blocks})
        return None

    def _response_url_refusal(self, key: str, body: dict[str, Any]) -> tuple[int, str] | None:
        # Called with self._lock held. https://api.slack.com/interactivity/handling#message_responses:
        # a response_url takes up to 5 responses within 30 minutes (SLACK.md "Slash commands")
        now = self.clock() if self.clock is not None else time.time()
        first, uses = self._response_uses.get(key, (now, 0))
        if uses >= RESPONSE_URL_USES:
            return 404, "used_url"
        if now - first > RESPONSE_URL_SECONDS:
            return 404, "expired_url"
        self._response_uses[key] = (first, uses + 1)
        blocks = body.get("blocks")
        if blocks is not None and slackrules.block_errors(blocks):
            return 400, "invalid_blocks"
        self._lint(f"response_url {key}", body)
        return None

    def _lint(self, where: str, payload: dict[str, Any]) -> None:
        # Called with self._lock held.
        self.problems += [f"{where}: {p}" for p in slackrules.lint(payload)]

    def _answer_channels_and_views(
        self, method: str, params: dict[str, Any]
    ) -> dict[str, Any] | None:
        # Called with self._lock held. None: not a registered channel or a modal method.
        if method in ("views.open", "views.update", "views.push"):
            view = params.get("view")
            if isinstance(view, str):
                try:
                    view = json.loads(view)
                except ValueError:
                    view = None
            if not isinstance(view, dict):
                return {"ok": False, "error": "invalid_arguments"}
            if method == "views.open" and not params.get("trigger_id"):
                return {"ok": False, "error": "invalid_trigger_id"}
            return {"ok": True, "view": {**view, "id": f"VM{len(self.calls)}"}}
        if method not in ("conversations.info", "conversations.members", "chat.postEphemeral"):
            return None
        if not _CONVERSATION.fullmatch(str(params.get("channel") or "")):
            return {"ok": False, "error": "channel_not_found"}  # "<!channel>", "#general", ""
        channel = self._channels.get(str(params.get("channel")))
        if channel is None:
            return None
        if not channel.visible:
            return {"ok": False, "error": "channel_not_found"}
        if channel.is_private and not channel.bot_member and method != "chat.postEphemeral":
            # https://api.slack.com/methods/conversations.info: a bot token sees a private
            # channel only once the bot is in it (channel_not_found before)
            return {"ok": False, "error": "channel_not_found"}
        if method == "chat.postEphemeral":
            if str(params.get("user")) not in channel.members:
                return {"ok": False, "error": "user_not_in_channel"}
            return None
        if method == "conversations.members":
            return {"ok": True, "members": list(channel.members), "response_metadata": {}}
        return {
            "ok": True,
            "channel": {
                "id": channel.channel_id,
                "name": channel.name,
                "is_channel": not channel.is_private,
                "is_private": channel.is_private,
                "is_archived": channel.archived,
            },
        }


TRIGGER_SECONDS = 3.0
RESPONSE_URL_USES = 5
RESPONSE_URL_SECONDS = 30 * 60
_trigger_count = 0


def new_trigger_id() -> str:
    """A trigger_id as Slack sends with a command or a button press, stamped with when it was
    issued (the fake's clock for the 3-second rule; Slack's are opaque)."""
    global _trigger_count
    _trigger_count += 1
    return f"trigger-{time.monotonic_ns()}-{_trigger_count}"


def trigger_issued_at(trigger: str) -> float | None:
    """When a trigger_id from new_trigger_id was issued (time.monotonic), else None."""
    parts = trigger.split("-")
    if len(parts) >= 2 and parts[0] == "trigger" and parts[1].isdigit():
        return int(parts[1]) / 1e9
    return None


def _json_param(value: Any) -> Any:
    # form-encoded calls carry blocks and views as JSON strings
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _user_json(user: _User) -> dict[str, Any]:
    now = datetime.now(ZoneInfo(user.tz))
    offset = now.utcoffset()
    return {
        "id": user.user_id,
        "team_id": user.team_id,
        "name": user.user_id.lower(),
        "deleted": False,
        "is_bot": False,
        "tz": user.tz,
        "tz_label": now.tzname() or user.tz,
        "tz_offset": int(offset.total_seconds()) if offset is not None else 0,
        "is_admin": user.is_admin,
        "is_owner": user.is_owner,
        "locale": user.locale,
    }


def _page(
    messages: list[dict[str, Any]], params: dict[str, Any], *, max_limit: int, default_limit: int
) -> dict[str, Any]:
    """One page of ``messages`` (in the order given) as conversations.history and
    conversations.replies answer it: within ``oldest``/``latest`` (``inclusive``), ``limit`` at
    a time from ``cursor`` (invalid_cursor for one that is not ours), metadata only with
    ``include_all_metadata``."""

    def number(name: str, default: float) -> float:
        try:
            return float(params.get(name) or default)
        except (TypeError, ValueError):
            return default

    oldest, latest = number("oldest", 0.0), number("latest", float("inf"))
    inclusive = _truthy(params.get("inclusive"))
    limit = max(1, min(max_limit, int(number("limit", default_limit))))
    try:
        start = int(str(params.get("cursor") or "0"))
    except ValueError:
        return {"ok": False, "error": "invalid_cursor"}
    with_metadata = _truthy(params.get("include_all_metadata"))
    found = []
    for m in messages:
        ts = float(m["ts"])
        if (oldest < ts or (inclusive and ts == oldest)) and (
            ts < latest or (inclusive and ts == latest)
        ):
            shown = {k: v for k, v in m.items() if k != "channel"}
            if not with_metadata:
                shown.pop("metadata", None)
            found.append(shown)
    page = found[start : start + limit]
    more = start + limit < len(found)
    body: dict[str, Any] = {"ok": True, "messages": page, "has_more": more}
    body["response_metadata"] = {"next_cursor": str(start + limit) if more else ""}
    return body


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() in ("true", "1")


def _short(value: Any, limit: int = 300) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
