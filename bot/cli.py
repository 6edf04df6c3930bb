"""The ``declaration-bot`` command line: run, serve, socket, shell, check-content."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot.clock import SystemClock
from bot.config import ConfigError, Settings, load_settings, require
from bot.content import ContentError, Library, load_library
from bot.logs import setup_logging

if TYPE_CHECKING:
    from slack_bolt.async_app import AsyncApp

log = logging.getLogger("declaration_bot")

EXIT_CONTENT = 1
EXIT_CONFIG = 2


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="declaration-bot",
        description="Sourced summaries of AI-governance declarations and summits, for Slack.",
    )
    sub = p.add_subparsers(dest="mode", metavar="COMMAND")
    sub.add_parser(
        "run",
        help="start the bot: Socket Mode if SLACK_APP_TOKEN is set, HTTP if SLACK_SIGNING_SECRET "
        "is, the local shell when no Slack credentials are set (the default)",
    )
    serve = sub.add_parser("serve", help="HTTP mode on 0.0.0.0:$PORT (production)")
    serve.add_argument("--port", type=int, help="override $PORT")
    serve.add_argument("--host", default="0.0.0.0", help="address to listen on")
    sub.add_parser("socket", help="Socket Mode (no public URL needed)")
    sub.add_parser("shell", help="a local shell: no Slack needed")
    check = sub.add_parser("check-content", help="validate the content folder and exit")
    check.add_argument("dir", nargs="?", type=Path, help="content folder (default $CONTENT_DIR)")
    return p


def _library(directory: Path) -> Library:
    return load_library(directory)


def _secrets(settings: Settings) -> list[str]:
    values = [settings.slack_bot_token, settings.slack_signing_secret, settings.slack_app_token]
    return [v.get_secret_value() for v in values if v is not None]


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    mode = args.mode or "run"
    try:
        settings = load_settings()
        if mode == "run":
            if settings.slack_app_token is not None:
                mode = "socket"
            elif settings.slack_signing_secret is not None or settings.slack_bot_token:
                mode = "serve"
            else:
                mode = "shell"
        if mode in ("serve", "socket"):
            require(settings, mode)  # type: ignore[arg-type]
    except ConfigError as exc:
        print(f"declaration-bot: {exc}", file=sys.stderr)
        return EXIT_CONFIG

    setup_logging(
        "WARNING" if mode in ("shell", "check-content") else settings.log_level, _secrets(settings)
    )

    content_dir = getattr(args, "dir", None) or settings.content_dir
    try:
        library = _library(content_dir)
    except ContentError as exc:
        print(exc.report(), file=sys.stderr)
        return EXIT_CONTENT

    if mode == "check-content":
        print(
            f"Content OK: {len(library.topics)} topics, {len(library.summits)} summits "
            f"in {content_dir}"
        )
        return 0

    clock = SystemClock()
    if mode == "shell":
        from bot import shell

        return shell.main(library, clock)

    from bot.app import create_app

    if mode == "serve":
        from bot.web import create_web_app, serve

        bolt = create_app(settings, library, clock)
        port = args.port or settings.port
        log.info("serving HTTP on %s:%s content=%s", args.host, port, content_dir)
        serve(create_web_app(bolt), port, settings.log_level, host=args.host)
        return 0

    # socket
    bolt = create_app(settings, library, clock, socket_mode=True)
    assert settings.slack_app_token is not None
    app_token = settings.slack_app_token.get_secret_value()
    log.info("starting Socket Mode content=%s", content_dir)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_socket_mode(bolt, app_token))
    return 0


async def _socket_mode(bolt: AsyncApp, app_token: str) -> None:
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    handler = AsyncSocketModeHandler(bolt, app_token)  # needs a running event loop
    await handler.start_async()  # type: ignore[no-untyped-call]
