"""The command line as a newcomer meets it: the shell, piped (a real process); configuration errors
(the command line's main() in-process); the manifest."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.conftest import ROOT
from tests.e2e import run_cli

BIN = [sys.executable, "-m", "bot"]
SCHEMA = ROOT / "tests" / "data" / "slack" / "manifest.schema.2.0.0.json"


def _env(env: dict[str, str] | None) -> dict[str, str]:
    base = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp")}
    return {**base, "PYTHONPATH": str(ROOT), **(env or {})}


def run_process(
    args: list[str], env: dict[str, str] | None = None, stdin: str = "", cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """`python -m bot <args>` as its own process."""
    return subprocess.run(
        [*BIN, *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env=_env(env),
        cwd=cwd or ROOT,
    )


def run(
    args: list[str], env: dict[str, str] | None = None, stdin: str = "", cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """The same command through the command line's main(), in-process."""
    return run_cli(args, _env(env), cwd or ROOT, stdin=stdin)


def test_shell_piped_answers_each_line_and_exits_zero(tmp_path: Path) -> None:
    lines = "\n".join(
        [
            "/declaration bletchley",
            "/declaration topics",
            "/declaration search ceasefire",
            "/declaration summits",
            "/declaration <!channel>",
            "/remind me",
            "help",
            "",
        ]
    )
    r = run_process(["shell"], stdin=lines, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "The Bletchley Declaration on AI safety" in out
    assert "28 countries" in out and "(https://www.gov.uk/" in out  # sources readable as text
    assert "France–China on the Middle East" in out
    assert "lasting ceasefire" in out and "*ceasefire*" not in out  # terminal text, not mrkdwn
    assert "AI summits" in out and "Recently past" in out
    assert "I don't know a topic or command called “<!channel>”" in out
    assert "This shell knows one command, /declaration" in out
    assert out.count("declaration-bot\n===") == 1
    assert "<!date^" not in out and "&lt;" not in out


def test_run_without_credentials_starts_the_shell(tmp_path: Path) -> None:
    r = run(["run"], stdin="/declaration topics\n", cwd=tmp_path)
    assert r.returncode == 0 and "Topics" in r.stdout
    r = run([], stdin="bletchley\n", cwd=tmp_path)
    assert r.returncode == 0 and "Bletchley" in r.stdout


# every configuration mistake (one line, exit 2) is in tests/test_operator_errors.py


def test_secrets_never_appear_in_errors(tmp_path: Path) -> None:
    r = run(["serve"], env={"SLACK_BOT_TOKEN": "xoxb-supersecret-123", "PORT": "x"}, cwd=tmp_path)
    assert r.returncode == 2 and "supersecret" not in r.stderr


@pytest.mark.parametrize(
    ("name", "bad"),
    [
        ("SLACK_BOT_TOKEN", "xoxb-supersecret with a space"),
        ("SLACK_BOT_TOKEN", "supersecret-not-a-token"),
        ("SLACK_APP_TOKEN", "xapp-supersecreté"),
        ("SLACK_TOKEN_ENCRYPTION_KEY", "supersecret-not-a-fernet-key"),
        ("DATABASE_URL", "postgresql://bot:supersecret@[::1/bot"),
    ],
)
def test_a_malformed_secret_is_named_but_never_shown(tmp_path: Path, name: str, bad: str) -> None:
    """The error is about the secret itself, so echoing the bad value would show it."""
    env = {
        "SLACK_BOT_TOKEN": "xoxb-1-good",
        "SLACK_SIGNING_SECRET": "signing-secret-0123",
        "SLACK_APP_TOKEN": "xapp-1-good",
        name: bad,
    }
    r = run(["serve"], env=env, cwd=tmp_path)
    assert r.returncode == 2 and name in r.stderr, r.stderr
    assert "supersecret" not in r.stderr + r.stdout


def test_dotenv_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("PORT=notaport\n")
    r = run(["serve"], env={"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}, cwd=tmp_path)
    assert r.returncode == 2 and "PORT is malformed" in r.stderr


def test_manifest_is_valid_against_slacks_schema() -> None:
    schema = json.loads(SCHEMA.read_text())
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text())
    errors = [e.message for e in jsonschema.Draft7Validator(schema).iter_errors(manifest)]
    assert errors == []
    (command,) = manifest["features"]["slash_commands"]
    assert command["command"] == "/declaration" and command["usage_hint"]
    assert {"commands", "chat:write"} <= set(manifest["oauth_config"]["scopes"]["bot"])
    assert manifest["settings"]["interactivity"]["is_enabled"]
    assert "app_home_opened" in manifest["settings"]["event_subscriptions"]["bot_events"]


def test_a_broken_manifest_fails_the_schema() -> None:
    schema = json.loads(SCHEMA.read_text())
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text())
    manifest["features"]["slash_commands"][0]["command"] = "declaration"  # no leading slash
    manifest["display_information"]["name"] = "x" * 40
    assert list(jsonschema.Draft7Validator(schema).iter_errors(manifest))


def test_version_is_the_installed_distributions(tmp_path: Path) -> None:
    from importlib.metadata import version

    r = run(["--version"], cwd=tmp_path)
    assert r.returncode == 0 and r.stdout == f"declaration-bot {version('declaration-bot')}\n"
