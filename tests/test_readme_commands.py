"""Every command README.md and the guides in docs/ show, run as written (placeholders filled in)
against the fake Slack, through the installed `declaration-bot` command. This is also where each way `run` chooses a mode
is tested: no credentials → the shell; bot token + signing secret → HTTP; an app token → Socket
Mode; the OAuth settings → HTTP with the install pages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from tests.conftest import ROOT, free_port
from tests.e2e import BOT_TOKEN, SECRET, Bot, command_fields, stop
from tests.fakeslack import FakeSlack
from tests.readme import Command, commands

SCRIPT = Path(sys.executable).parent / "declaration-bot"
PROGRAM = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "bot"]

# what stands for each README placeholder (`…`, `$(…)`)
FILLED = {
    "SLACK_BOT_TOKEN": BOT_TOKEN,
    "SLACK_SIGNING_SECRET": SECRET,
    "SLACK_APP_TOKEN": "xapp-1-readme",
    "SLACK_CLIENT_ID": "111.222",
    "SLACK_CLIENT_SECRET": "readme-client-secret",
    "SLACK_TOKEN_ENCRYPTION_KEY": Fernet.generate_key().decode(),
}
# what the command-line table's rows need to start, as docs/slack-setup.md says
NEEDS = {
    "serve": ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"),
    "socket": ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"),
    "clock": ("SLACK_BOT_TOKEN",),
    "tick": ("SLACK_BOT_TOKEN",),
    "rotate-key": ("SLACK_TOKEN_ENCRYPTION_KEY",),
}
SLACK_SETTINGS = {*FILLED, "PUBLIC_URL"}


def test_the_readme_shows_every_mode() -> None:
    """The parser finds what the README promises, so the test below cannot pass on nothing."""
    found = commands()
    runs = {tuple(name for name, _ in c.env) for c in found if c.args == ("run",)}
    assert () in runs
    assert ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "PORT") in runs
    assert ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN") in runs
    assert any(c.args and c.args[0] == "serve" and "SLACK_CLIENT_ID" in dict(c.env) for c in found)
    assert any(c.args[:3] == ("serve", "--host", "127.0.0.1") for c in found)  # docs/operations.md
    assert {c.args[0] for c in found if c.args} >= {
        "[run]", "serve", "socket", "shell", "clock", "tick", "check-content", "--version",
        "migrate", "rotate-key",
    }  # fmt: skip


def _args(command: Command, port: int) -> list[str]:
    fill = {
        "N": str(port),
        "H": "127.0.0.1",
        "DIR": str(ROOT / "content"),
        "YYYY-MM-DD": "2026-12-05",  # the shipped content's review day
    }
    args = [word.strip("[]") for word in command.args]
    return [fill.get(word, word) for word in args]


def _env(command: Command, slack: FakeSlack, tmp: Path, port: int, mode: str) -> dict[str, str]:
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),
        "PYTHONPATH": str(ROOT),
        "SLACK_API_URL": slack.base_url,
        "DATABASE_URL": f"sqlite:///{tmp / 'readme.sqlite3'}",
    }
    given = dict(command.env)
    if not given:
        given = {name: "…" for name in NEEDS.get(mode, ())}
    for name, value in given.items():
        if name == "DATABASE_URL":
            continue  # the README's is a server elsewhere; a local file stands in for it
        env[name] = FILLED[name] if "…" in value or "$(" in value else value
    env["PORT"] = str(port)
    return env


def _mode(args: list[str], env: dict[str, str]) -> str:
    """What the README says this command starts."""
    mode = args[0] if args else "run"
    if mode != "run":
        return mode
    if "SLACK_APP_TOKEN" in env:
        return "socket"
    return "serve" if SLACK_SETTINGS & set(env) else "shell"


def _cases() -> list[Command]:
    """The README's commands, and `run` with the README's OAuth settings (it shows `serve`)."""
    found = commands()
    (oauth,) = [c for c in found if "SLACK_CLIENT_ID" in dict(c.env) and c.args[0] == "serve"]
    return [*found, Command("run with the OAuth settings", oauth.env, ("run",))]


@pytest.mark.parametrize("command", _cases(), ids=lambda c: c.text)
def test_readme_command_works_as_written(
    command: Command, slack: FakeSlack, tmp_path: Path
) -> None:
    port = free_port()
    mode = command.args[0].strip("[]") if command.args else "run"
    args = _args(command, port)
    env = _env(command, slack, tmp_path, port, mode)
    mode = _mode(args, env)
    if "--no-migrate" in args:  # the Procfile's release step runs first
        release = [*PROGRAM, "migrate"]
        r = subprocess.run(release, capture_output=True, text=True, env=env, cwd=tmp_path)
        assert r.returncode == 0, r.stderr
    if mode in ("shell", "tick", "check-content", "--version", "migrate", "rotate-key"):
        stdin = command.stdin if command.stdin is not None else "/declaration topics\n"
        r = subprocess.run(
            [*PROGRAM, *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=60,
        )
        assert r.returncode == 0, r.stderr
        assert "Traceback" not in r.stderr
        expected = {
            "shell": "Topics",
            "tick": "tick at 2026-12-01T09:00:30+00:00: 0 delivered",
            "check-content": "Content OK: 3 topics",
            "--version": "declaration-bot ",
            "migrate": "database schema at revision",
            "rotate-key": "0 installation(s) encrypted again",
        }[mode]
        assert expected in r.stdout
        return
    with _started(args, env, tmp_path, port) as bot:
        if mode == "serve":
            _wait(bot, lambda: _healthy(bot))
            if "SLACK_CLIENT_ID" in env:
                page = bot.get("/slack/install")
                assert page.status == 200 and "Add to Slack" in page.body.decode()
            else:
                reply = bot.command("bletchley")
                assert reply.status == 200 and "28 countries" in json.dumps(reply.json())
        elif mode == "socket":
            _wait(bot, lambda: slack.socket_connections > 0)
            ack = slack.send_envelope("slash_commands", command_fields("bletchley"))
            assert "28 countries" in json.dumps(ack["payload"])
        else:
            assert mode == "clock"
            _wait(bot, lambda: "clock started" in bot.logs())
        logs = bot.logs()
    assert "Traceback" not in logs
    assert "will be unused" not in logs  # Bolt's warning when it is built from two tokens
    assert "apscheduler" not in logs  # the scheduler's lines at every pass


def _healthy(bot: Bot) -> bool:
    try:
        return bot.get("/healthz").status == 200
    except OSError:
        return False


def _wait(bot: Bot, ready: object, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not (callable(ready) and ready()):
        if bot.proc.poll() is not None:
            raise AssertionError(f"exited {bot.proc.returncode}:\n{bot.logs()}")
        if time.monotonic() > deadline:
            raise AssertionError(f"not ready:\n{bot.logs()}")
        time.sleep(0.05)


class _started:
    def __init__(self, args: list[str], env: dict[str, str], tmp: Path, port: int) -> None:
        self.log = tmp / "bot.log"
        with self.log.open("w") as out:
            proc = subprocess.Popen(
                [*PROGRAM, *args],
                env=env,
                cwd=tmp,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                text=True,
            )
        self.bot = Bot(proc, port, self.log)

    def __enter__(self) -> Bot:
        return self.bot

    def __exit__(self, *_: object) -> None:
        stop(self.bot.proc)
