"""Helpers for end-to-end tests: the real bot as a subprocess, signed requests over real HTTP."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slack_sdk.signature import SignatureVerifier

from tests.conftest import ROOT, free_port

SECRET = "e2e-signing-secret-0123456789"
BOT_TOKEN = "xoxb-e2e-token"


@dataclass
class HttpReply:
    status: int
    body: bytes
    headers: Mapping[str, str]

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Bot:
    proc: subprocess.Popen[str]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def logs(self) -> str:
        return self.log.read_text(errors="replace")

    def get(self, path: str) -> HttpReply:
        return _send(urllib.request.Request(self.url + path, method="GET"))

    def post(self, body: str, headers: Mapping[str, str]) -> HttpReply:
        req = urllib.request.Request(
            self.url + "/slack/events", data=body.encode(), method="POST", headers=dict(headers)
        )
        return _send(req)

    def signed(
        self,
        body: str,
        *,
        content_type: str = "application/x-www-form-urlencoded",
        secret: str = SECRET,
        timestamp: int | None = None,
    ) -> HttpReply:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        sig = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
        return self.post(
            body,
            {
                "Content-Type": content_type,
                "X-Slack-Request-Timestamp": ts,
                "X-Slack-Signature": sig,
            },
        )

    def command(self, text: str, **extra: str) -> HttpReply:
        return self.signed(urllib.parse.urlencode(command_fields(text, **extra)))

    def interactive(self, payload: dict[str, Any]) -> HttpReply:
        return self.signed(urllib.parse.urlencode({"payload": json.dumps(payload)}))

    def event(self, event: dict[str, Any]) -> HttpReply:
        body = {
            "token": "x",
            "team_id": "T1",
            "api_app_id": "A1",
            "type": "event_callback",
            "event_id": f"Ev{time.monotonic_ns()}",
            "event_time": int(time.time()),
            "event": event,
        }
        return self.signed(json.dumps(body), content_type="application/json")


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
        "trigger_id": "1.2.3",
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
        "trigger_id": "1.2",
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


def _send(req: urllib.request.Request) -> HttpReply:
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:  # loopback only
            return HttpReply(resp.status, resp.read(), dict(resp.headers))
    except urllib.error.HTTPError as err:
        return HttpReply(err.code, err.read(), dict(err.headers))


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


@contextmanager
def running(
    args: list[str], env: dict[str, str], tmp: Path, wait_http: bool = True
) -> Iterator[Bot]:
    port = free_port()
    env = {"PORT": str(port), **env}
    log = tmp / f"bot-{port}.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", *args],
            env=env,
            cwd=tmp,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
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
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
