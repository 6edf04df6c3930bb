"""Every operator mistake is one line on stderr naming the setting and what to do, exit code 2,
and never a traceback: configuration, database, port, content folder, .env, tokens Slack refuses.
Ctrl-C ends any mode quietly with 130. The mistakes go through the command line's main()
in-process (its exit code and output captured as a process's would be); Ctrl-C is sent to real
processes."""

from __future__ import annotations

import os
import select
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import ROOT, free_port
from tests.e2e import run_cli
from tests.fakeslack import FakeSlack

OK_KEY = "mFJ1Y5h0tC6gk0-CnUZt0kb4e1o8t5LUbm7cYn8XJ3s="  # a well-formed Fernet key
TOKEN = {"SLACK_BOT_TOKEN": "xoxb-1"}
HTTP = {**TOKEN, "SLACK_SIGNING_SECRET": "s3cret"}


@pytest.fixture(scope="module")
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture(scope="module")
def refuses_bot_token() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        fake.fail_always("auth.test", "invalid_auth")
        yield fake


@pytest.fixture(scope="module")
def refuses_app_token() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        fake.fail_always("apps.connections.open", "invalid_auth")
        yield fake


@pytest.fixture(scope="module")
def busy_port() -> Iterator[int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield int(s.getsockname()[1])


def run(
    args: list[str], env: dict[str, str], cwd: Path, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    base = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp")}
    return run_cli(args, {**base, "PYTHONPATH": str(ROOT), **env}, cwd, stdin=stdin)


# (id, environment, arguments, files to write first, what the one line must say). In values,
# {api} is a fake Slack that accepts every token, {refuses_bot}/{refuses_app} fakes that refuse
# one, {tmp} the working folder, {busy} a port something already listens on.
CASES: list[tuple[str, dict[str, str], list[str], dict[str, bytes], str]] = [
    # the database
    (
        "sqlite-two-slashes",
        {**TOKEN, "DATABASE_URL": "sqlite://relative.sqlite3"},
        ["tick"],
        {},
        "DATABASE_URL is malformed: sqlite://relative.sqlite3 names a host, not a file; "
        "write sqlite:///relative.sqlite3",
    ),
    (
        "sqlite-in-memory",
        {**TOKEN, "DATABASE_URL": "sqlite://"},
        ["tick"],
        {},
        "DATABASE_URL is malformed: an in-memory SQLite database",
    ),
    (
        "sqlite-memory-path",
        {**TOKEN, "DATABASE_URL": "sqlite:///:memory:"},
        ["tick"],
        {},
        "DATABASE_URL is malformed: an in-memory SQLite database",
    ),
    (
        "not-a-database-file",
        {**TOKEN, "DATABASE_URL": "sqlite:///notes.txt"},
        ["tick"],
        {"notes.txt": b"shopping list\n" * 100},
        "DATABASE_URL names notes.txt, which is not a SQLite database",
    ),
    (
        "sqlite-folder-missing",
        {**TOKEN, "DATABASE_URL": "sqlite:///no/such/folder/bot.sqlite3"},
        ["tick"],
        {},
        "DATABASE_URL names a file in a folder that does not exist (no/such/folder)",
    ),
    (
        "sqlite-a-folder",
        {**TOKEN, "DATABASE_URL": "sqlite:///{tmp}"},
        ["tick"],
        {},
        "cannot use the SQLite file DATABASE_URL names",
    ),
    (
        "postgres-nobody-answers",
        {**TOKEN, "DATABASE_URL": "postgresql://bot:hunter2@127.0.0.1:{closed}/bot"},
        ["tick"],
        {},
        "cannot connect to the database at DATABASE_URL (postgresql+psycopg://bot:***@127.0.0.1:",
    ),
    (
        "unknown-scheme",
        {**TOKEN, "DATABASE_URL": "mysql://bot@db/bot"},
        ["tick"],
        {},
        "DATABASE_URL is malformed: the bot cannot use mysql:// databases",
    ),
    (
        "not-a-url",
        {"DATABASE_URL": "declaration-bot.sqlite3"},
        ["shell"],
        {},
        "DATABASE_URL is malformed: not a database URL; use sqlite:///",
    ),
    (
        "newer-schema",
        {**TOKEN, "DATABASE_URL": "sqlite:///other.sqlite3"},
        ["tick"],
        {"other.sqlite3": b"@alembic_version:9999"},
        "was set up by another program or a newer declaration-bot",
    ),
    # the port
    ("port-in-use", {**HTTP, "PORT": "{busy}"}, ["serve"], {}, "cannot listen on 0.0.0.0:"),
    ("port-in-use-run", {**HTTP, "PORT": "{busy}"}, [], {}, "the port is already in use"),
    ("port-not-a-number", {**HTTP, "PORT": "abc"}, ["serve"], {}, "PORT is malformed: 'abc'"),
    ("port-too-big", {**HTTP, "PORT": "70000"}, ["run"], {}, "PORT is malformed: '70000'"),
    ("host-unknown", HTTP, ["serve", "--host", "nowhere.invalid"], {}, "give --host an address"),
    # Slack credentials
    ("no-token-serve", {}, ["serve"], {}, "SLACK_BOT_TOKEN is not set: HTTP mode needs"),
    ("no-secret-serve", TOKEN, ["serve"], {}, "SLACK_SIGNING_SECRET is not set"),
    ("no-app-token-socket", TOKEN, ["socket"], {}, "SLACK_APP_TOKEN is not set"),
    ("no-token-clock", {}, ["clock"], {}, "SLACK_BOT_TOKEN is not set: the clock needs"),
    ("secret-only-run", {"SLACK_SIGNING_SECRET": "s"}, [], {}, "SLACK_BOT_TOKEN is not set"),
    (
        "oauth-no-client-secret",
        {"SLACK_CLIENT_ID": "1.2", "SLACK_SIGNING_SECRET": "s"},
        [],
        {},
        "SLACK_CLIENT_SECRET is not set",
    ),
    (
        "oauth-no-client-id",
        {"SLACK_CLIENT_SECRET": "c", "SLACK_SIGNING_SECRET": "s"},
        ["serve"],
        {},
        "SLACK_CLIENT_ID is not set",
    ),
    (
        "oauth-no-key",
        {"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "c", "SLACK_SIGNING_SECRET": "s"},
        [],
        {},
        "SLACK_TOKEN_ENCRYPTION_KEY is not set",
    ),
    (
        "oauth-bad-key",
        {"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "c", "SLACK_TOKEN_ENCRYPTION_KEY": "k"},
        [],
        {},
        "SLACK_TOKEN_ENCRYPTION_KEY is malformed: must be a Fernet key",
    ),
    (
        "readme-placeholder",
        {"SLACK_BOT_TOKEN": "xoxb-…", "SLACK_SIGNING_SECRET": "…"},
        [],
        {},
        "SLACK_BOT_TOKEN is malformed: still has the … of an example",
    ),
    (
        "user-token",
        {"SLACK_BOT_TOKEN": "xoxp-user"},
        ["shell"],
        {},
        "SLACK_BOT_TOKEN is malformed: must be a bot token starting with xoxb-",
    ),
    (
        "token-with-space",
        {"SLACK_BOT_TOKEN": "xoxb-1 2"},
        [],
        {},
        "SLACK_BOT_TOKEN is malformed: must be ASCII without spaces",
    ),
    ("app-token-shape", {"SLACK_APP_TOKEN": "nope"}, ["shell"], {}, "SLACK_APP_TOKEN is malformed"),
    ("api-url", {"SLACK_API_URL": "ftp://x"}, ["shell"], {}, "SLACK_API_URL is malformed"),
    (
        "bot-token-refused",
        {**HTTP, "SLACK_API_URL": "{refuses_bot}"},
        ["serve"],
        {},
        "SLACK_BOT_TOKEN was refused by Slack (invalid_auth)",
    ),
    (
        "bot-token-refused-tick",
        {**TOKEN, "SLACK_API_URL": "{refuses_bot}"},
        ["tick"],
        {},
        "SLACK_BOT_TOKEN was refused by Slack (invalid_auth)",
    ),
    (
        "app-token-refused",
        {**TOKEN, "SLACK_APP_TOKEN": "xapp-1", "SLACK_API_URL": "{refuses_app}"},
        [],
        {},
        "SLACK_APP_TOKEN was refused by Slack (invalid_auth)",
    ),
    # other settings
    ("log-level", {"LOG_LEVEL": "loud"}, ["shell"], {}, "LOG_LEVEL is malformed"),
    ("tick-seconds", {**TOKEN, "TICK_SECONDS": "0"}, ["clock"], {}, "TICK_SECONDS is malformed"),
    ("lead-days", {"REMINDER_LEAD_DAYS": "soon"}, [], {}, "REMINDER_LEAD_DAYS is malformed"),
    ("managers", {"SUBSCRIPTION_MANAGERS": "bots"}, [], {}, "SUBSCRIPTION_MANAGERS is malformed"),
    ("public-url", {"PUBLIC_URL": "bot.example.org"}, [], {}, "PUBLIC_URL is malformed"),
    # the content folder
    ("content-missing", {"CONTENT_DIR": "nope"}, ["shell"], {}, "CONTENT_DIR names nope, which"),
    (
        "content-empty-folder",
        {"CONTENT_DIR": "{tmp}"},
        [],
        {},
        "which holds no content (no summits.yml, no topics/)",
    ),
    (
        "content-a-file",
        {"CONTENT_DIR": "summits.yml"},
        ["check-content"],
        {"summits.yml": b"summits: []\n"},
        "CONTENT_DIR names summits.yml, which is not a folder",
    ),
    ("check-content-dir", {}, ["check-content", "nope"], {}, "nope does not exist: give"),
    # the .env file
    (
        "dotenv-bad-line",
        {},
        [],
        {".env": b"LOG_LEVEL=INFO\nthis is not a setting\n"},
        ".env line 2 cannot be read",
    ),
    ("dotenv-not-utf8", {}, ["shell"], {".env": b"PORT=\xff\xfe\n"}, ".env cannot be read"),
    ("dotenv-value", {}, ["shell"], {".env": b"LOG_LEVEL=chatty\n"}, "LOG_LEVEL is malformed"),
]


def _fill(value: str, values: dict[str, str]) -> str:
    for key, replacement in values.items():
        value = value.replace("{" + key + "}", replacement)
    return value


@pytest.mark.parametrize(
    ("env", "args", "files", "needle"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_operator_mistake_is_one_line_and_exit_2(
    tmp_path: Path,
    slack: FakeSlack,
    refuses_bot_token: FakeSlack,
    refuses_app_token: FakeSlack,
    busy_port: int,
    env: dict[str, str],
    args: list[str],
    files: dict[str, bytes],
    needle: str,
) -> None:
    values = {
        "api": slack.base_url,
        "refuses_bot": refuses_bot_token.base_url,
        "refuses_app": refuses_app_token.base_url,
        "tmp": str(tmp_path),
        "busy": str(busy_port),
        "closed": str(free_port()),
    }
    for name, data in files.items():
        if data.startswith(b"@alembic_version:"):
            _alembic_version(tmp_path / name, data.split(b":")[1].decode())
        else:
            (tmp_path / name).write_bytes(data)
    full = {"SLACK_API_URL": "{api}", **env}
    r = run(args, {k: _fill(v, values) for k, v in full.items()}, tmp_path)
    assert "Traceback" not in r.stderr + r.stdout
    assert r.returncode == 2, r.stderr
    (line,) = r.stderr.splitlines()
    assert line.startswith("declaration-bot: ")
    assert _fill(needle, values) in line
    assert r.stdout == ""
    assert "hunter2" not in line and "xoxb-1" not in line


def _alembic_version(path: Path, revision: str) -> None:
    import sqlite3

    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
        db.execute("INSERT INTO alembic_version VALUES (?)", (revision,))


def test_port_is_checked_only_where_it_is_used(tmp_path: Path) -> None:
    """PORT is often set for other programs: the shell and check-content never look at it."""
    r = run(["shell"], {"PORT": "abc"}, tmp_path, stdin="topics\n")
    assert r.returncode == 0 and "Topics" in r.stdout, r.stderr
    r = run(["check-content"], {"PORT": "abc"}, tmp_path)
    assert r.returncode == 0 and "Content OK" in r.stdout, r.stderr


@pytest.mark.parametrize(
    ("mode", "ready"),
    [("shell", b"Topics"), ("serve", b"startup complete"), ("socket", b"Socket Mode connected")],
)
def test_ctrl_c_exits_130_without_a_traceback(
    tmp_path: Path, slack: FakeSlack, mode: str, ready: bytes
) -> None:
    env = {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": str(ROOT),
        **HTTP,
        "SLACK_API_URL": slack.base_url,
        "PORT": str(free_port()),
    }
    if mode == "socket":
        env["SLACK_APP_TOKEN"] = "xapp-1"
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", mode],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=tmp_path,
    )
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    # Ctrl-C lands mid-run: once the shell has answered a line, or the server has started
    if mode == "shell":
        proc.stdin.write(b"topics\n")
        proc.stdin.flush()
    _wait_for((proc.stdout if mode == "shell" else proc.stderr).fileno(), ready)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    for noise in (b"Traceback", b"KeyboardInterrupt", b"Unclosed", b"Exception ignored"):
        assert noise not in out + err


def _wait_for(fd: int, needle: bytes, timeout: float = 30) -> None:
    """Read ``fd`` until ``needle`` shows (or the process ends, or ``timeout``)."""
    seen = b""
    deadline = time.monotonic() + timeout
    while needle not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        chunk = os.read(fd, 65536) if ready else b""
        if not chunk:
            break
        seen += chunk
    assert needle in seen, f"never ready ({needle!r} not seen):\n{seen.decode(errors='replace')}"


def test_missing_shipped_content_says_to_set_content_dir(tmp_path: Path) -> None:
    from bot.cli import _content_problem

    line = _content_problem(tmp_path / "_content", "")
    assert line is not None and "there is no ./content here" in line and "set CONTENT_DIR" in line
    assert _content_problem(ROOT / "content", "") is None


URL_SHAPES = ["sqlite:", "sqlite+pysqlite:", "postgres:", "postgresql:", "postgresql+psycopg:"]


def _url_like(scheme: str) -> st.SearchStrategy[str]:
    tail = st.text(alphabet="/:@?=&.abc123-_%", max_size=30)
    return tail.map(lambda rest: scheme + "//" + rest)


@given(st.one_of(st.text(), st.sampled_from(URL_SHAPES).flatmap(_url_like)))
@settings(max_examples=300, deadline=None)
@pytest.mark.filterwarnings("ignore:Query string argument")  # SQLAlchemy's note on odd queries
def test_any_database_url_is_accepted_and_usable_or_refused_with_a_reason(value: str) -> None:
    from bot.config import check_database_url
    from bot.store.engine import make_engine

    try:
        check_database_url(value)
    except ValueError as exc:
        assert "use sqlite:///" in str(exc) or "sqlite:///" in str(exc)
        return
    make_engine(value).dispose()  # accepted: the engine can be built (nothing connects yet)


@given(st.text())
def test_any_port_is_a_port_or_one_clear_line(value: str) -> None:
    from bot.config import ConfigError, Settings

    try:
        port = Settings(port=value).listen_port()
    except ConfigError as exc:
        assert str(exc).startswith("PORT is malformed: ") and "\n" not in str(exc)
        return
    assert 1 <= port <= 65535 and str(port) == value.strip().lstrip("0")
