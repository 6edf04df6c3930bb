"""The ``declaration-bot`` command line: run, serve, socket, shell, clock, tick, check-content."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot import content_check
from bot.clock import Clock, FixedClock, SystemClock, today
from bot.config import ConfigError, Settings, load_settings, require
from bot.content import ContentError, load_library
from bot.logs import setup_logging
from bot.store import Store, StoreError

if TYPE_CHECKING:
    from bot.app import Runtime

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
        help="start the bot (the default): Socket Mode if SLACK_APP_TOKEN is set, HTTP if "
        "SLACK_BOT_TOKEN is, the local shell when no Slack credentials are set",
    )
    serve = sub.add_parser("serve", help="HTTP mode on 0.0.0.0:$PORT (production)")
    serve.add_argument("--port", type=int, help="override $PORT")
    serve.add_argument("--host", default="0.0.0.0", help="address to listen on")
    serve.add_argument("--no-clock", action="store_true", help="do not deliver digests here")
    socket = sub.add_parser("socket", help="Socket Mode (no public URL needed)")
    socket.add_argument("--no-clock", action="store_true", help="do not deliver digests here")
    sub.add_parser("shell", help="a local shell: no Slack needed")
    sub.add_parser("clock", help="deliver digests and reminders (no web server)")
    tick = sub.add_parser("tick", help="run one delivery pass, print what it did, exit")
    tick.add_argument(
        "--at",
        type=_instant,
        help="act as if it were this ISO-8601 instant, e.g. 2026-12-01T09:00:30Z (default: now)",
    )
    check = sub.add_parser("check-content", help="validate the content folder and exit")
    check.add_argument("dir", nargs="?", type=Path, help="content folder (default $CONTENT_DIR)")
    check.add_argument("--strict", action="store_true", help="treat every warning as an error")
    check.add_argument("--as-of", type=content_check.as_of_date, help="judge staleness as of")
    return p


def _instant(value: str) -> datetime:
    try:
        at = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not an ISO-8601 instant; e.g. 2026-12-01T09:00:30Z"
        ) from None
    if at.tzinfo is None:
        raise argparse.ArgumentTypeError(
            f"{value!r} has no time zone; add Z or an offset, e.g. 2026-12-01T09:00:30Z"
        )
    return at.astimezone(UTC)


def _secrets(settings: Settings) -> list[str]:
    values = [
        settings.slack_bot_token,
        settings.slack_signing_secret,
        settings.slack_app_token,
        settings.slack_client_secret,
        settings.slack_token_encryption_key,
    ]
    return [v.get_secret_value() for v in values if v is not None]


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    mode = args.mode or "run"
    try:
        settings = load_settings()
        if mode == "run":
            if settings.slack_app_token is not None:
                mode = "socket"
            elif settings.slack_bot_token is not None or settings.oauth:
                mode = "serve"
            else:
                mode = "shell"
        require(settings, mode)  # type: ignore[arg-type]
    except ConfigError as exc:
        print(f"declaration-bot: {exc}", file=sys.stderr)
        return EXIT_CONFIG

    quiet = mode in ("shell", "check-content")
    setup_logging(
        "WARNING" if quiet else settings.log_level, _secrets(settings), settings.log_format
    )

    content_dir = getattr(args, "dir", None) or settings.content_dir
    try:
        library = load_library(content_dir)
    except ContentError as exc:
        print(exc.report(), file=sys.stderr)
        return EXIT_CONTENT

    if mode == "check-content":
        as_of = args.as_of or today(SystemClock())
        return content_check.run(library, content_dir, strict=args.strict, as_of=as_of)

    clock: Clock = SystemClock()
    if mode == "shell":
        from bot import shell

        return shell.main(library, clock)

    if mode == "tick" and args.at is not None:
        clock = FixedClock(args.at)
    try:
        store = Store.open(settings.database_url)
    except StoreError as exc:
        print(f"declaration-bot: {exc}", file=sys.stderr)
        return EXIT_CONFIG

    from bot.app import Runtime

    rt = Runtime.build(settings, library, clock, store)
    try:
        if mode == "tick":
            return asyncio.run(_tick(rt))
        if mode == "clock":
            with contextlib.suppress(KeyboardInterrupt):
                asyncio.run(_clock_forever(rt))
            return 0
        if mode == "serve":
            _serve(rt, args)
            return 0
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(_socket_mode(rt, clock_on=not args.no_clock))
        return 0
    finally:
        store.close()


async def _tick(rt: Runtime) -> int:
    assert rt.deliverer is not None and rt.clients is not None
    try:
        report = await rt.deliverer.run_pass()
    finally:
        await rt.clients.close()
    print("\n".join(report.lines()))
    return 0


async def _clock_forever(rt: Runtime) -> None:
    from bot.ticker import Ticker

    assert rt.deliverer is not None and rt.clients is not None
    try:
        await Ticker(rt.deliverer, rt.settings.tick_seconds).run_until_terminated()
    finally:
        await rt.clients.close()


def _serve(rt: Runtime, args: argparse.Namespace) -> None:
    from bot.app import create_app
    from bot.ticker import Ticker
    from bot.web import calendar_route, create_web_app, ops_routes, serve

    bolt = create_app(rt)
    store = rt.store
    ticker = (
        None
        if args.no_clock or rt.deliverer is None
        else Ticker(rt.deliverer, rt.settings.tick_seconds)
    )

    async def shutdown() -> None:
        if ticker is not None:
            await ticker.shutdown()
        if rt.clients is not None:
            await rt.clients.close()

    secret = rt.settings.slack_signing_secret
    assert secret is not None  # required for serve (config.require)
    web = create_web_app(
        bolt,
        signing_secret=secret.get_secret_value(),
        on_startup=ticker.start if ticker else None,
        on_shutdown=shutdown,
        extra_routes=[
            calendar_route(lambda: rt.library),
            *ops_routes(
                ping_database=store.ping if store else None,
                gauges=(lambda: store.gauges(rt.clock.now())) if store else None,
                library=lambda: rt.library,
                metrics_on=rt.settings.metrics,
            ),
        ],
    )
    port = args.port or rt.settings.port
    log.info(
        "serving HTTP on %s:%s clock=%s content=%s",
        args.host,
        port,
        "on" if ticker else "off",
        rt.library.directory,
    )
    serve(web, port, rt.settings.log_level, host=args.host)


async def _socket_mode(rt: Runtime, clock_on: bool) -> None:
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    from bot.app import create_app
    from bot.ticker import Ticker, until_terminated

    bolt = create_app(rt, socket_mode=True)
    assert rt.settings.slack_app_token is not None
    handler = AsyncSocketModeHandler(bolt, rt.settings.slack_app_token.get_secret_value())
    ticker = Ticker(rt.deliverer, rt.settings.tick_seconds) if clock_on and rt.deliverer else None
    if ticker:
        ticker.start()
    log.info(
        "starting Socket Mode clock=%s content=%s", "on" if ticker else "off", rt.library.directory
    )
    try:
        await handler.connect_async()  # type: ignore[no-untyped-call]
        await until_terminated()
    finally:
        await handler.close_async()  # type: ignore[no-untyped-call]
        if ticker:
            await ticker.shutdown()
        if rt.clients is not None:
            await rt.clients.close()


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
