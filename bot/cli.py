"""The ``declaration-bot`` command line: run, serve, socket, shell, clock, tick, check-content."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import socket
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import SecretStr

from bot.clock import Clock, FixedClock, SystemClock, today
from bot.config import ConfigError, Settings, chosen_mode, load_settings, require
from bot.content.loading import load_library
from bot.content.problems import ContentError
from bot.logs import setup_logging

if TYPE_CHECKING:
    from bot.app import Runtime
    from bot.content.library import Library
    from bot.store.store import Store

log = logging.getLogger("declaration_bot")

EXIT_CONTENT = 1
EXIT_CONFIG = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report Ctrl-C


def version() -> str:
    """The installed distribution's version; the source's when run from a checkout."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("declaration-bot")
    except PackageNotFoundError:
        from bot import __version__

        return __version__


def _port(value: str) -> int:
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= 65535:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port: give 1 to 65535, e.g. 3000")
    return int(value)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="declaration-bot",
        description="Sourced summaries of AI-governance declarations and summits, for Slack.",
    )
    p.add_argument("--version", action="version", version=f"%(prog)s {version()}")
    # what `run` (or no command) needs when it picks a mode
    p.set_defaults(port=None, host="0.0.0.0", no_clock=False, no_migrate=False, at=None, dir=None)
    sub = p.add_subparsers(dest="mode", metavar="COMMAND")
    sub.add_parser(
        "run",
        help="start the bot (the default): Socket Mode if SLACK_APP_TOKEN is set, HTTP if "
        "SLACK_BOT_TOKEN is, the local shell when no Slack credentials are set",
    )
    serve = sub.add_parser("serve", help="HTTP mode on 0.0.0.0:$PORT (production)")
    serve.add_argument("--port", type=_port, help="override $PORT")
    serve.add_argument("--host", default="0.0.0.0", help="address to listen on")
    serve.add_argument("--no-clock", action="store_true", help="do not deliver digests here")
    socket = sub.add_parser("socket", help="Socket Mode (no public URL needed)")
    socket.add_argument("--no-clock", action="store_true", help="do not deliver digests here")
    sub.add_parser("shell", help="a local shell: no Slack needed")
    clock = sub.add_parser("clock", help="deliver digests and reminders (no web server)")
    for starting in (serve, socket, clock):
        starting.add_argument(
            "--no-migrate",
            action="store_true",
            help="do not migrate the database at start (a release step runs `migrate`)",
        )
    sub.add_parser("migrate", help="bring the database schema up to date, then exit")
    sub.add_parser(
        "rotate-key",
        help="encrypt every stored installation again with the first SLACK_TOKEN_ENCRYPTION_KEY",
    )
    tick = sub.add_parser("tick", help="run one delivery pass, print what it did, exit")
    tick.add_argument(
        "--at",
        type=_instant,
        help="act as if it were this ISO-8601 instant, e.g. 2026-12-01T09:00:30Z (default: now)",
    )
    check = sub.add_parser("check-content", help="validate the content folder and exit")
    check.add_argument("dir", nargs="?", type=Path, help="content folder (default $CONTENT_DIR)")
    check.add_argument("--strict", action="store_true", help="treat every warning as an error")
    check.add_argument("--as-of", type=_as_of, help="judge staleness as of")
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


def _fail(message: str) -> int:
    print(f"declaration-bot: {message}", file=sys.stderr)
    return EXIT_CONFIG


def _content_problem(path: Path, origin: str) -> str | None:
    """One line if ``path`` is not a content folder at all (its files are checked later).

    ``origin``: "DIR" (given to check-content), "CONTENT_DIR" (set), or "" (the default)."""
    what = "does not exist" if not path.exists() else "is not a folder"
    if path.is_dir():
        if (path / "summits.yml").exists() or (path / "topics").is_dir():
            return None
        what = "holds no content (no summits.yml, no topics/)"
    folder = "the content folder (the one with summits.yml and topics/)"
    if origin == "DIR":
        return f"{path} {what}: give check-content {folder}."
    if origin == "CONTENT_DIR":
        return (
            f"CONTENT_DIR names {path}, which {what}: set it to {folder}, or unset it to use "
            "the content shipped with the bot."
        )
    return (
        f"no content: there is no ./content here and the shipped content ({path}) {what}; "
        f"set CONTENT_DIR to {folder}."
    )


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except KeyboardInterrupt:
        if sys.stderr.isatty():
            print(file=sys.stderr)  # end the line the ^C was echoed on
        return EXIT_INTERRUPTED


def _main(argv: Sequence[str] | None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
        mode = args.mode or "run"
        if mode == "run":
            mode = chosen_mode(settings)
        require(settings, mode)  # type: ignore[arg-type]
        port = (args.port or settings.listen_port()) if mode == "serve" else 0
    except ConfigError as exc:
        return _fail(str(exc))

    quiet = mode in ("shell", "check-content")
    setup_logging(
        "WARNING" if quiet else settings.log_level, _secrets(settings), settings.log_format
    )
    if mode in ("migrate", "rotate-key"):
        return _database_command(mode, settings)

    content_dir = args.dir or settings.content_dir
    library = _library(content_dir, args, settings)
    if isinstance(library, int):
        return library
    if mode == "check-content":
        from bot.content import check as content_check

        as_of = args.as_of or today(SystemClock())
        return content_check.run(library, content_dir, strict=args.strict, as_of=as_of)
    if mode == "shell":
        from bot.local import shell

        return shell.main(library, SystemClock(), settings)
    return _run_bot(mode, args, settings, library, port)


def _as_of(value: str) -> date:
    """``--as-of`` as a date (the checker is imported only when it is given)."""
    from bot.content.check import as_of_date

    return as_of_date(value)


def _library(content_dir: Path, args: argparse.Namespace, settings: Settings) -> Library | int:
    """The content, loaded and checked; or the exit code when it cannot be (said on stderr)."""
    origin = (
        "DIR" if args.dir else "CONTENT_DIR" if "content_dir" in settings.model_fields_set else ""
    )
    problem = _content_problem(content_dir, origin)
    if problem:
        return _fail(problem)
    try:
        return load_library(content_dir)
    except ContentError as exc:
        print(exc.report(), file=sys.stderr)
        return EXIT_CONTENT


def _run_bot(
    mode: str, args: argparse.Namespace, settings: Settings, library: Library, port: int
) -> int:
    """``serve``, ``socket``, ``clock`` and ``tick``: Slack's token checked, the store opened, the
    bot built; then it answers (over HTTP or Socket Mode), ticks forever or ticks once."""
    clock: Clock = SystemClock()
    if mode == "tick" and args.at is not None:
        clock = FixedClock(args.at)
    with contextlib.ExitStack() as opened:
        sock: socket.socket | None = None
        if mode == "serve":
            from bot.web import ListenError, listen

            try:
                sock = opened.enter_context(listen(args.host, port))
            except ListenError as exc:
                return _fail(str(exc))
        refused = asyncio.run(_refused_credential(settings, mode))
        if refused is not None:
            return _fail(refused)
        store = _open_store(settings, migrate=not args.no_migrate)
        if isinstance(store, int):
            return store
        opened.callback(store.close)

        from bot.app import Runtime

        rt = Runtime.build(settings, library, clock, store)
        if mode == "tick":
            return asyncio.run(_tick(rt))
        stopped_by = "SIGTERM"
        if mode == "clock":
            stopped_by = asyncio.run(_clock_forever(rt))
        elif sock is not None:
            _serve(rt, args, sock)
        else:
            stopped_by = asyncio.run(_socket_mode(rt, clock_on=not args.no_clock))
        # a clean stop either way; Ctrl-C says so the way shells expect
        return EXIT_INTERRUPTED if stopped_by == "SIGINT" else 0


def _open_store(settings: Settings, *, migrate: bool) -> Store | int:
    """The store, migrated (or, with ``--no-migrate``, found current); or the exit code."""
    from bot.store.engine import StoreError
    from bot.store.store import Store

    try:
        store = Store.open(settings.database_url, migrate=migrate)
        if not migrate:
            store.require_current()
    except StoreError as exc:
        return _fail(str(exc))
    return store


def _database_command(mode: str, settings: Settings) -> int:
    """``migrate`` (a release step) and ``rotate-key``: the database only, no content, no Slack."""
    from bot.store.engine import StoreError, head_revision
    from bot.store.store import Store

    try:
        store = Store.open(settings.database_url)
    except StoreError as exc:
        return _fail(str(exc))
    try:
        if mode == "migrate":
            print(f"database schema at revision {head_revision()} (the newest)")
            return 0
        from bot.installations import DbInstallationStore, TokenCipher

        key = settings.slack_token_encryption_key
        assert key is not None  # config.require
        try:
            count = DbInstallationStore(store, TokenCipher(key.get_secret_value())).rotate_keys()
        except ValueError as exc:
            return _fail(f"{exc}; nothing was changed")
        print(f"{count} installation(s) encrypted again with the first SLACK_TOKEN_ENCRYPTION_KEY")
        return 0
    finally:
        store.close()


# Slack's answers that mean the token itself is wrong (anything else may pass: start anyway)
_REFUSED = frozenset(
    {
        "invalid_auth",
        "not_authed",
        "account_inactive",
        "token_revoked",
        "token_expired",
        "not_allowed_token_type",
    }
)


async def _refused_credential(settings: Settings, mode: str) -> str | None:
    """One line if Slack refuses a token this mode starts with, before anything else starts.

    Without this, a wrong app token is retried forever and a wrong bot token only shows at the
    first command or post. Slack being out of reach is logged and does not stop the start.
    """
    from aiohttp import ClientError
    from slack_sdk.errors import SlackApiError
    from slack_sdk.web.async_client import AsyncWebClient

    checks: list[tuple[str, str, SecretStr]] = []
    if settings.slack_bot_token is not None and not settings.oauth:
        checks.append(("SLACK_BOT_TOKEN", "auth.test", settings.slack_bot_token))
    if mode == "socket" and settings.slack_app_token is not None:
        checks.append(("SLACK_APP_TOKEN", "apps.connections.open", settings.slack_app_token))
    for name, method, token in checks:
        # one try: Slack out of reach only warns, and must not hold up the start with retries
        client = AsyncWebClient(
            token=token.get_secret_value(),
            base_url=settings.slack_api_url,
            timeout=10,
            retry_handlers=[],
        )
        try:
            await client.api_call(method)
        except SlackApiError as exc:
            data = exc.response.data
            error = data.get("error") if isinstance(data, dict) else None
            if error in _REFUSED:
                return (
                    f"{name} was refused by Slack ({error}): copy it again from your app's page "
                    "at https://api.slack.com/apps (a reinstalled app has a new token)."
                )
            answer = error or exc.response.status_code
            log.warning("could not check %s: Slack answered %s", name, answer)
        except (OSError, TimeoutError, ClientError) as exc:
            log.warning(
                "cannot reach Slack at %s to check %s (%s); starting anyway",
                settings.slack_api_url,
                name,
                str(exc) or type(exc).__name__,
            )
    return None


async def _tick(rt: Runtime) -> int:
    assert rt.deliverer is not None and rt.clients is not None
    try:
        report = await rt.deliverer.run_pass()
    finally:
        await rt.clients.close()
    print("\n".join(report.lines()))
    return 0


async def _clock_forever(rt: Runtime) -> str:
    from bot.delivery.ticker import Ticker

    assert rt.deliverer is not None and rt.clients is not None
    try:
        return await Ticker(rt.deliverer, rt.settings.tick_seconds).run_until_terminated()
    finally:
        await rt.clients.close()


def _serve(rt: Runtime, args: argparse.Namespace, sock: socket.socket) -> None:
    from bot.app import create_app
    from bot.delivery.ticker import Ticker
    from bot.web import bot_web_app, raise_open_file_limit, serve

    bolt = create_app(rt)
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
        await rt.http.close()

    web = bot_web_app(rt, bolt, on_startup=ticker.start if ticker else None, on_shutdown=shutdown)
    host, port = sock.getsockname()[:2]
    open_files = raise_open_file_limit()
    log.info(
        "serving HTTP on %s:%s clock=%s open_files=%s content=%s",
        host,
        port,
        "on" if ticker else "off",
        open_files,
        rt.library.directory,
    )
    serve(web, port, rt.settings.log_level, host=host, sock=sock)


async def _socket_mode(rt: Runtime, clock_on: bool) -> str:
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    from bot.app import create_app
    from bot.delivery.ticker import Ticker, until_terminated

    bolt = create_app(rt)
    assert rt.settings.slack_app_token is not None
    handler = AsyncSocketModeHandler(bolt, rt.settings.slack_app_token.get_secret_value())
    ticker = Ticker(rt.deliverer, rt.settings.tick_seconds) if clock_on and rt.deliverer else None
    if ticker:
        ticker.start()
    try:
        await handler.connect_async()  # type: ignore[no-untyped-call]
        log.info(
            "Socket Mode connected clock=%s content=%s",
            "on" if ticker else "off",
            rt.library.directory,
        )
        return await until_terminated()
    finally:
        # Ctrl-C cancels us: close the connections, or their sessions complain at exit
        await handler.close_async()  # type: ignore[no-untyped-call]
        if ticker:
            await ticker.shutdown()
        if rt.clients is not None:
            await rt.clients.close()
        await rt.http.close()


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
