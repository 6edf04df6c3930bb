"""The library in force in a running bot, reloaded when a content file changes.

Looking at the files (and reloading them) never runs on an event loop: ``await refresh()`` looks
in a worker thread, and :meth:`ContentSource.current` called on a loop starts a look in the
background when one is due, giving the library in force meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time

from bot.content.library import Library
from bot.content.loading import load_library
from bot.content.problems import ContentError

_log = logging.getLogger("declaration_bot.content")


def _on_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


class ContentSource:
    """The library in force, reloaded when a content file changes (and only if still valid)."""

    def __init__(self, library: Library, check_every: float = 2.0) -> None:
        self.library = library
        self.check_every = check_every
        self._checked = time.monotonic()
        self._stamp = self._fingerprint()
        self._looking = threading.Lock()  # one look at a time

    def _fingerprint(self) -> tuple[tuple[str, float], ...]:
        root = self.library.directory
        files = [
            root / "summits.yml",
            root / "developments.yml",
            *sorted((root / "topics").glob("*.y*ml")),
            *sorted((root / "translations").glob("*/summits.yml")),
            *sorted((root / "translations").glob("*/developments.yml")),
            *sorted((root / "translations").glob("*/publishers.yml")),
            *sorted((root / "translations").glob("*/topics/*.y*ml")),
        ]
        out = []
        for f in files:
            try:
                out.append((str(f), f.stat().st_mtime))
            except OSError:
                out.append((str(f), -1.0))
        return tuple(out)

    def _due(self) -> bool:
        return time.monotonic() - self._checked >= self.check_every

    def current(self) -> Library:
        """The library in force; the files are looked at again every ``check_every`` seconds.

        Off an event loop the look happens here; on one, in a background thread, and the
        library it reloads is in force from the next call.
        """
        if self._due():
            if _on_event_loop():
                self._look_in_background()
            else:
                self.look()
        return self.library

    async def refresh(self, *, now: bool = False) -> Library:
        """The library in force once the files have been looked at, if a look is due (always
        with ``now``): the look runs in a worker thread, never on the event loop."""
        if now or self._due():
            return await asyncio.to_thread(self.look, now=now)
        return self.library

    def look(self, *, now: bool = False) -> Library:
        """Look at the files on this thread, if a look is due (always with ``now``), and reload
        them if one changed; the library in force after."""
        with self._looking:
            return self._look(now)

    def _look_in_background(self) -> None:
        if not self._looking.acquire(blocking=False):
            return  # a look is already under way

        def run() -> None:
            try:
                self._look(False)
            except Exception:
                _log.exception("looking at the content files failed")
            finally:
                self._looking.release()

        try:
            threading.Thread(target=run, name="content-look", daemon=True).start()
        except BaseException:
            self._looking.release()
            raise

    def _look(self, now: bool) -> Library:
        clock = time.monotonic()
        if not now and clock - self._checked < self.check_every:
            return self.library  # another look has just been made
        self._checked = clock
        stamp = self._fingerprint()
        if stamp != self._stamp:
            self._stamp = stamp
            try:
                self.library = load_library(self.library.directory)
                _log.info(
                    "content reloaded from %s (%d warnings)",
                    self.library.directory,
                    len(self.library.warnings),
                )
                for warning in self.library.warnings:
                    _log.warning("content: %s", warning)
            except ContentError as exc:
                _log.error("content changed but is invalid; keeping the previous version\n%s", exc)
        return self.library
