"""``python -m bot`` and the ``declaration-bot`` command: Ctrl-C at any moment, even while the
program is still loading, ends it quietly with exit code 130."""

from __future__ import annotations


def main() -> int:
    try:
        from bot.cli import main as cli_main

        return cli_main()
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
