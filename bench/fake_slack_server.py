"""The fake Slack Web API (``tests/fakeslack.py``) in a process of its own, for ``bench/fanout.py``.

Every Web API call is answered after ``--delay`` seconds (default 0.05). The server listens on
127.0.0.1 only, on an ephemeral port, and is driven over its standard input and output, one JSON
object per line:

* at start it prints ``{"port": N, "base_url": "http://127.0.0.1:N/api/"}``;
* ``stats`` prints ``{"posts": [...], "calls": n, "not_ok": n, "first": t, "last": t, "cpu": s}``:
  the channel of every chat.postMessage answered HTTP 200 with ``"ok": true``, in arrival order
  (duplicates kept), the number of Web API calls, how many were not answered ok, when the first
  and the last post arrived (``time.monotonic()``, the system-wide monotonic clock, so comparable
  with the benchmark's; null without posts), and the CPU seconds this process has used so far;
* ``reset`` forgets every recorded call and prints ``{"reset": true}``;
* ``quit`` (or end of input) stops the server.

    .venv/bin/python bench/fake_slack_server.py [--delay 0.05]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.fakeslack import FakeSlack  # noqa: E402


def _say(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def _stats(fake: FakeSlack) -> dict[str, Any]:
    with fake._lock:  # the server thread appends to fake.calls under this lock
        calls = list(fake.calls)
    answered = [
        c
        for c in calls
        if c.method == "chat.postMessage" and c.status == 200 and c.response.get("ok")
    ]
    posts = [c for c in answered if not c.params.get("thread_ts")]  # a digest's reply apart
    not_ok = sum(1 for c in calls if c.status != 200 or not c.response.get("ok"))
    t = os.times()
    return {
        "posts": [str(c.params.get("channel")) for c in posts],
        "replies": [str(c.params.get("channel")) for c in answered if c.params.get("thread_ts")],
        "last_reply": max((c.at for c in answered), default=None),
        "calls": len(calls),
        "not_ok": not_ok,
        "first": min((c.at for c in posts), default=None),
        "last": max((c.at for c in posts), default=None),
        "cpu": t.user + t.system,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delay", type=float, default=0.05, help="seconds before each answer")
    args = parser.parse_args(argv)
    with FakeSlack(delay=args.delay, socket_ping_interval=None) as fake:
        _say({"port": fake.port, "base_url": fake.base_url})
        for line in sys.stdin:
            command = line.strip()
            if command == "stats":
                _say(_stats(fake))
            elif command == "reset":
                fake.reset()
                _say({"reset": True})
            elif command == "quit":
                break
            elif command:
                _say({"error": f"unknown command {command!r}"})
    return 0


if __name__ == "__main__":
    sys.exit(main())
