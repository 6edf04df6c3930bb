"""What a client with no credentials can do to a running bot, and what it can no longer do (issue
24; docs/security.md has the table). Each test attacks the app as `serve` serves it: in-process
where the point is what the app reads or answers, and a real `serve` process over loopback where
the point is the server (connections, open files, the log).

Nothing here asserts a time: the figures come from bench/attacks.py."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from bot.web import MAX_BODY_BYTES
from tests.contenthelp import add_summit
from tests.e2e import (
    Bot,
    HttpReply,
    InProcessBot,
    asgi_request,
    bot_env,
    in_process,
    running,
    signed_headers,
)
from tests.fakeslack import FakeSlack

COMMAND = "command=%2Fdeclaration&text=topics&team_id=T1&channel_id=C1&user_id=U1"


@pytest.fixture(scope="module")
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture(scope="module")
def bot(slack: FakeSlack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessBot]:
    tmp = tmp_path_factory.mktemp("attacked")
    db = f"sqlite:///{tmp / 'bot.sqlite3'}"
    with in_process(bot_env(slack.base_url, DATABASE_URL=db), tmp) as b:
        yield b


@pytest.fixture(scope="module")
def served(slack: FakeSlack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bot]:
    tmp = tmp_path_factory.mktemp("served")
    db = f"sqlite:///{tmp / 'bot.sqlite3'}"
    with running(["serve", "--no-clock"], bot_env(slack.base_url, DATABASE_URL=db), tmp) as b:
        yield b


# --- a body streamed to the app, counting what the app pulls ------------------------------------


class Upload:
    """An ASGI request whose body the app pulls chunk by chunk, as uvicorn hands it over: how
    many bytes the app asked for is what it read."""

    def __init__(self, size: int, chunk: int = 64 * 1024, data: bytes | None = None) -> None:
        self.data = data
        self.size = len(data) if data is not None else size
        self.chunk = chunk
        self.pulled = 0
        self.reply = b""

    async def send_to(
        self,
        app: Any,
        headers: dict[str, str],
        *,
        declare_length: bool,
        method: str = "POST",
        path: str = "/slack/events",
    ) -> tuple[int, dict[str, str]]:
        raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
        raw.append((b"host", b"127.0.0.1"))
        if declare_length:
            raw.append((b"content-length", str(self.size).encode()))
        else:
            raw.append((b"transfer-encoding", b"chunked"))
        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": raw,
            "client": ("127.0.0.1", 40000),
            "server": ("127.0.0.1", 80),
        }
        status = 0
        reply_headers: dict[str, str] = {}
        done = asyncio.Event()

        async def receive() -> dict[str, Any]:
            if self.pulled < self.size:
                part = min(self.chunk, self.size - self.pulled)
                start, self.pulled = self.pulled, self.pulled + part
                chunk = self.data[start : self.pulled] if self.data is not None else b"x" * part
                return {"type": "http.request", "body": chunk, "more_body": True}
            if self.pulled == self.size:
                self.pulled += 1  # the last, empty message
                return {"type": "http.request", "body": b"", "more_body": False}
            await done.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                for k, v in message.get("headers", []):
                    reply_headers[k.decode()] = v.decode()
            else:
                self.reply += message.get("body", b"")
                if not message.get("more_body"):
                    done.set()

        await app(scope, receive, send)
        return status, reply_headers


def upload(bot: InProcessBot, size: int, headers: dict[str, str], *, declare_length: bool) -> Any:
    body = Upload(size)
    status, reply_headers = bot._run(body.send_to(bot._web, headers, declare_length=declare_length))
    return status, reply_headers, body.pulled


FIFTY_MB = 50 * 1024 * 1024


@pytest.mark.parametrize("declare_length", [True, False])
def test_an_unsigned_body_is_refused_before_a_byte_of_it_is_read(
    bot: InProcessBot, declare_length: bool
) -> None:
    for headers in (
        {},
        {"X-Slack-Signature": "v0=00"},  # no timestamp
        {"X-Slack-Request-Timestamp": str(int(time.time()))},  # no signature
        {"X-Slack-Request-Timestamp": "12e3", "X-Slack-Signature": "v0=00"},
        {"X-Slack-Request-Timestamp": str(int(time.time()) - 3600), "X-Slack-Signature": "v0=0"},
    ):
        status, reply_headers, pulled = upload(
            bot, FIFTY_MB, headers, declare_length=declare_length
        )
        assert status == 401
        assert pulled == 0
        assert reply_headers.get("connection") == "close"


def test_a_declared_length_over_the_cap_is_refused_unread(bot: InProcessBot) -> None:
    headers = signed_headers(b"whatever")  # fresh headers: the signature cannot be known yet
    status, _, pulled = upload(bot, FIFTY_MB, headers, declare_length=True)
    assert status == 413 and pulled == 0
    # at the cap exactly, the body is read (and its signature, wrong here, refused)
    status, _, pulled = upload(bot, MAX_BODY_BYTES, headers, declare_length=True)
    assert status == 401 and pulled == MAX_BODY_BYTES + 1


def test_a_streamed_body_is_read_only_up_to_the_cap(bot: InProcessBot) -> None:
    headers = signed_headers(b"whatever")
    status, reply_headers, pulled = upload(bot, FIFTY_MB, headers, declare_length=False)
    assert status == 413 and reply_headers.get("connection") == "close"
    assert MAX_BODY_BYTES < pulled <= MAX_BODY_BYTES + 64 * 1024


def test_the_bytes_checked_are_the_bytes_handled(bot: InProcessBot) -> None:
    """A signed command streamed in 7-byte chunks is answered: the body Bolt parses is the one
    read (chunk by chunk) and checked here; the request's body is not read a second time."""
    raw = COMMAND.replace("text=topics", "text=bletchley").encode()
    body = Upload(0, chunk=7, data=raw)
    headers = {"Content-Type": "application/x-www-form-urlencoded", **signed_headers(raw)}
    status, _ = bot._run(body.send_to(bot._web, headers, declare_length=True))
    assert status == 200 and b"28 countries" in body.reply


@pytest.mark.parametrize("digits", [11, 13, 309, 400, 4301, 10_000])
def test_a_timestamp_of_any_length_is_401_without_a_traceback(
    bot: InProcessBot, digits: int
) -> None:
    before = len(bot.logs())
    timestamp = "9" * digits
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signed_headers(COMMAND)["X-Slack-Signature"],
    }
    assert bot.post(COMMAND, headers).status == 401
    logged = bot.logs()[before:]
    assert "Traceback" not in logged and "Error" not in logged
    assert logged.count("\n") == 1  # one line: refused


# --- the same against a real `serve`: uvicorn hands the body over as it arrives -----------------


def raw_exchange(port: int, head: bytes, body: bytes = b"", timeout: float = 10) -> bytes:
    """Send ``head`` (and ``body``) on a fresh loopback connection; what the server answers
    before it closes the connection (or ``timeout``)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as conn:
        conn.sendall(head + body)
        answer = b""
        while b"\r\n\r\n" not in answer:
            part = conn.recv(65536)
            if not part:
                break
            answer += part
        return answer


def post_head(port: int, length: int, headers: dict[str, str]) -> bytes:
    lines = [
        "POST /slack/events HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "Content-Type: application/x-www-form-urlencoded",
        f"Content-Length: {length}",
        *(f"{k}: {v}" for k, v in headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def test_serve_answers_a_huge_upload_before_it_is_sent(served: Bot) -> None:
    """The client sends only the headers of a 50 MB request: `serve` answers without waiting
    for the body (401 unsigned, 413 signed-looking), and closes the connection."""
    unsigned = raw_exchange(served.port, post_head(served.port, FIFTY_MB, {}))
    assert unsigned.startswith(b"HTTP/1.1 401"), unsigned
    assert b"connection: close" in unsigned.lower()
    looks_signed = raw_exchange(served.port, post_head(served.port, FIFTY_MB, signed_headers("x")))
    assert looks_signed.startswith(b"HTTP/1.1 413"), looks_signed
    assert served.get("/healthz").status == 200


def test_serve_answers_a_309_digit_timestamp_with_401(served: Bot) -> None:
    body = COMMAND.encode()
    head = post_head(
        served.port,
        len(body),
        {"X-Slack-Request-Timestamp": "1" * 309, "X-Slack-Signature": "v0=" + "0" * 64},
    )
    assert raw_exchange(served.port, head, body).startswith(b"HTTP/1.1 401")
    time.sleep(0.2)
    assert "Traceback" not in served.logs() and " 500" not in served.logs()


def test_a_get_with_a_body_is_not_read(bot: InProcessBot) -> None:
    """No route but the events URL reads a body: a GET with a declared 50 MB body is answered
    without a byte of it read."""
    for path in ("/healthz", "/summits.ics", "/readyz", "/metrics"):
        body = Upload(FIFTY_MB)
        sent = body.send_to(bot._web, {}, declare_length=True, method="GET", path=path)
        status, _ = bot._run(sent)
        assert status == 200 and body.pulled == 0


# --- connections --------------------------------------------------------------------------------


@contextmanager
def idle_connections(port: int, count: int) -> Iterator[list[socket.socket]]:
    """``count`` loopback connections that never send a byte."""
    conns: list[socket.socket] = []
    try:
        for _ in range(count):
            conns.append(socket.create_connection(("127.0.0.1", port), timeout=5))
        yield conns
    finally:
        for conn in conns:
            conn.close()


def healthz(port: int, timeout: float = 5.0) -> int:
    """The status ``/healthz`` answers, or 0 if it does not within ``timeout``."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as conn:
            conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            answer = conn.recv(1024)
    except OSError:
        return 0
    return int(answer.split()[1]) if answer.startswith(b"HTTP/") else 0


def serve_env(slack: FakeSlack, tmp: Path) -> dict[str, str]:
    return bot_env(slack.base_url, DATABASE_URL=f"sqlite:///{tmp / 'bot.sqlite3'}")


def test_serve_raises_its_soft_open_file_limit(slack: FakeSlack, tmp_path: Path) -> None:
    """Started with a soft limit of 100 open files (hard 4096), `serve` keeps answering with
    300 idle connections open: it raised its soft limit to the hard one at start."""
    args = ["serve", "--no-clock"]
    with running(args, serve_env(slack, tmp_path), tmp_path, open_files=(100, 4096)) as served:
        assert "open_files=4096" in served.logs()
        with idle_connections(served.port, 300):
            time.sleep(0.5)
            assert healthz(served.port) == 200
        assert "not accepted" not in served.logs()


def test_running_out_of_open_files_is_logged_once_per_interval(
    slack: FakeSlack, tmp_path: Path
) -> None:
    """With a hard limit of 100 open files, 300 idle connections exhaust them: asyncio's accept
    loop fails thousands of times a second; the log says so in one line (not one traceback per
    failed accept), and `serve` answers again once the connections go."""
    args = ["serve", "--no-clock"]
    with running(args, serve_env(slack, tmp_path), tmp_path, open_files=(100, 100)) as served:
        with idle_connections(served.port, 300):
            time.sleep(3.5)  # three retries of the accept loop (once a second)
        logs = served.logs()
        assert logs.count("connections not accepted: Too many open files errno=EMFILE") == 1
        assert "out of system resource" not in logs and "Traceback" not in logs
        assert len(logs) < 10_000
        deadline = time.monotonic() + 10
        while healthz(served.port, 1.0) != 200 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert healthz(served.port) == 200


def test_uvicorn_limits_connections_and_keep_alive(monkeypatch: pytest.MonkeyPatch) -> None:
    """`serve` gives uvicorn a concurrency limit and an idle keep-alive timeout (uvicorn has
    no concurrency limit by default)."""
    import uvicorn

    from bot import web

    started: list[uvicorn.Config] = []
    monkeypatch.setattr(
        uvicorn.Server, "run", lambda self, sockets=None: started.append(self.config)
    )
    monkeypatch.setattr(web.signal, "signal", lambda *a: None)
    web.serve(web.Starlette(), 0, "INFO", host="127.0.0.1")
    (config,) = started
    assert config.limit_concurrency == web.LIMIT_CONCURRENCY
    assert config.timeout_keep_alive == web.KEEP_ALIVE_SECONDS
    assert web.LIMIT_CONCURRENCY > 2_000  # 2,000 idle connections do not turn /healthz into 503s


# --- expensive pages ----------------------------------------------------------------------------


def test_the_calendar_is_built_once_per_content_version(
    slack: FakeSlack, tmp_path: Path, content_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A flood of /summits.ics builds the feed once; a content reload builds it once more."""
    from bot.answers import calendar

    builds: list[object] = []
    build = calendar.summits_ics

    def counted(library: Any, now: Any = None) -> bytes:
        builds.append(library)
        return build(library, now)

    monkeypatch.setattr(calendar, "summits_ics", counted)
    env = bot_env(slack.base_url, DATABASE_URL=f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    env["CONTENT_DIR"] = str(content_copy)
    with in_process(env, tmp_path) as b:

        async def flood() -> list[HttpReply]:
            gets = (asgi_request(b._web, "GET", "/summits.ics", b"", {}) for _ in range(40))
            return list(await asyncio.gather(*gets))

        replies = b._run(flood())
        assert {r.status for r in replies} == {200}
        assert len({r.body for r in replies}) == 1
        assert len(builds) == 1
        add_summit(content_copy, "flood-summit-2031", "2031-03-03", "2031-03-04")
        b._run(b.rt.content.refresh(now=True))
        after = [b.get("/summits.ics") for _ in range(5)]
        assert len(builds) == 2
        assert all(b"flood-summit-2031@" in r.body for r in after)


def test_metrics_read_the_database_once_in_a_few_seconds(bot: InProcessBot) -> None:
    reads: list[object] = []
    read = bot.store.gauges

    def counted(now: Any) -> dict[str, int]:
        reads.append(now)
        return read(now)

    bot.store.gauges = counted  # type: ignore[method-assign]
    try:
        for _ in range(20):
            assert bot.get("/metrics").status == 200
    finally:
        del bot.store.gauges
    assert len(reads) <= 1  # none when an earlier scrape of this module is still fresh


def test_cached_reads_again_once_old_and_keeps_failures_briefly() -> None:
    from bot.web import Cached

    now = [0.0]
    answers: list[int | Exception] = [1, RuntimeError("database down"), 3]

    def read() -> int:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    cached = Cached(read, 5.0, clock=lambda: now[0])
    assert cached() == 1
    now[0] = 4.9
    assert cached() == 1
    now[0] = 5.0
    for _ in range(3):  # a failure is kept too: a scrape flood does not hammer a sick database
        with pytest.raises(RuntimeError, match="database down") as raised:
            cached()
        assert len(list(_frames(raised.value.__traceback__))) < 5  # not growing
    now[0] = 10.0
    assert cached() == 3


def _frames(tb: Any) -> Iterator[Any]:
    while tb is not None:
        yield tb
        tb = tb.tb_next


# --- the install page ---------------------------------------------------------------------------


def oauth_bot(slack: FakeSlack, db: str, tmp: Path) -> Any:
    from tests.oauthhelp import oauth_env

    return in_process(oauth_env(slack, db), tmp)


@pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning")
def test_the_install_page_writes_nothing_and_reads_no_body(
    slack: FakeSlack, tmp_path: Path
) -> None:
    from tests.oauthhelp import install, state_rows

    db = f"sqlite:///{tmp_path / 'oauth.sqlite3'}"
    with oauth_bot(slack, db, tmp_path) as b:
        for _ in range(200):
            assert b.get("/slack/install").status == 200
        assert state_rows(b.store) == 0
        body = Upload(FIFTY_MB)
        sent = body.send_to(b._web, {}, declare_length=True, method="GET", path="/slack/install")
        assert b._run(sent)[0] == 200 and body.pulled == 0
        # a junk code with a genuine state writes nothing either; an installation writes one row
        assert install(b, "junk-but-accepted-by-the-fake").status == 200
        assert state_rows(b.store) == 1


def test_the_install_page_works_with_the_database_down_and_nothing_is_a_5xx(
    slack: FakeSlack, tmp_path: Path, postgres_url: str
) -> None:
    from sqlalchemy import create_engine, text

    from tests.oauthhelp import start_install

    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    name = f"install_down_{time.monotonic_ns()}"
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    url = postgres_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        with oauth_bot(slack, url, tmp_path) as b:
            state, cookie = start_install(b)
            with admin.connect() as conn:
                conn.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))
            assert b.get("/slack/install").status == 200
            back = b.get(f"/slack/oauth_redirect?code=c1&state={state}", {"Cookie": cookie})
            assert 400 <= back.status < 500
            assert "Traceback" not in b.logs()
            assert "refused an OAuth state: database error=OperationalError" in b.logs()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()
