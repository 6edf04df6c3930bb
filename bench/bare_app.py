"""The baseline for ``bench/commands.py``: a bare Bolt app on the bot's own HTTP stack.

Its ``/declaration`` listener acks a constant text and does nothing else. Everything around the
listener is the bot's: the same ``AsyncApp`` settings (the same Slack client wiring),
``bot.web.create_web_app`` (Starlette, the signature checked on the raw bytes,
``AsyncSlackRequestHandler`` on ``/slack/events``, ``/healthz``), ``bot.web.serve`` (uvicorn, access log off) and
``bot.logs.setup_logging``. So the difference between the two is what the bot does per command.
Keep ``create_bare_app``'s ``AsyncApp`` arguments in step with ``bot.app.create_app`` (for
instance ``process_before_response``, which decides whether Bolt polls for the ack every 10 ms).

    SLACK_SIGNING_SECRET=... SLACK_BOT_TOKEN=xoxb-... SLACK_API_URL=http://127.0.0.1:N/api/ \\
        [BARE_REPLY_BYTES=10500] [BARE_IN_MIDDLEWARE=1] .venv/bin/python bench/bare_app.py PORT
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from slack_bolt import BoltResponse  # noqa: E402
from slack_bolt.async_app import AsyncAck, AsyncApp  # noqa: E402
from slack_sdk.web.async_client import AsyncWebClient  # noqa: E402

from bot.logs import setup_logging  # noqa: E402
from bot.web import create_web_app, serve  # noqa: E402

REPLY = "bare ack"


def reply_text(size: int) -> str:
    """``REPLY``, padded with spaces to ``size`` bytes of text when ``size`` is larger: a
    baseline that acks as much as the bot answers (``bench/commands.py --bare-reply-bytes``)."""
    return REPLY + " " * max(0, size - len(REPLY))


def create_bare_app(
    token: str,
    signing_secret: str,
    api_url: str,
    reply_bytes: int = 0,
    in_middleware: bool = False,
) -> AsyncApp:
    """The same ``AsyncApp`` settings as ``bot.app.create_app`` in HTTP mode. With
    ``in_middleware``, the constant is answered by a middleware, before Bolt's listener machinery,
    as the bot answers questions about its content (handlers.commands.ContentAnswers)."""
    text = reply_text(reply_bytes)
    app = AsyncApp(
        client=AsyncWebClient(token=token, base_url=api_url),
        signing_secret=signing_secret,
        request_verification_enabled=False,  # bot.web.create_web_app verifies every request
        raise_error_for_unhandled_request=False,
    )

    if in_middleware:
        encoded = json.dumps({"text": text, "response_type": "ephemeral"}, separators=(",", ":"))

        @app.middleware
        async def answer(body: dict[str, Any], next: Callable[[], Awaitable[None]]) -> Any:
            if body.get("command") != "/declaration":
                return await next()
            return BoltResponse(status=200, body=encoded)

    if not reply_bytes:

        @app.command("/declaration")
        async def on_declaration(ack: AsyncAck) -> None:
            await ack(text=text, response_type="ephemeral")

    else:
        # a padded ack is encoded once, as the bot's answers are (bot.answers.cache): encoding 10 KB
        # of JSON at every request would weigh on the baseline, not on the wire
        body = json.dumps({"text": text, "response_type": "ephemeral"}, separators=(",", ":"))

        @app.command("/declaration")
        async def on_padded(ack: AsyncAck) -> None:
            ack.response = BoltResponse(status=200, body=body)

    return app


def main(argv: list[str]) -> int:
    if len(argv) != 2 or not argv[1].isdigit():
        print("usage: bare_app.py PORT", file=sys.stderr)
        return 2
    port = int(argv[1])
    token = os.environ["SLACK_BOT_TOKEN"]
    secret = os.environ["SLACK_SIGNING_SECRET"]
    api_url = os.environ.get("SLACK_API_URL", "https://slack.com/api/")
    if not api_url.endswith("/"):
        api_url += "/"
    level = os.environ.get("LOG_LEVEL", "INFO").upper()
    host = os.environ.get("BENCH_HOST", "127.0.0.1")
    setup_logging(level, [token, secret])
    reply_bytes = int(os.environ.get("BARE_REPLY_BYTES") or 0)
    in_middleware = os.environ.get("BARE_IN_MIDDLEWARE") == "1"
    web = create_web_app(
        create_bare_app(token, secret, api_url, reply_bytes, in_middleware), signing_secret=secret
    )
    serve(web, port, level, host=host)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
