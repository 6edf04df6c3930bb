"""The words for what became of a delivery, one set from the database to the metrics to the
channel's status line.

A :class:`Status` is stored as is in ``deliveries.status`` (and counted by
``declaration_posts_total``); a subscription's ``last_result`` stores it with its detail, written
by :func:`last_result` and read back by :func:`read_last_result` (the stored texts are the ones
the bot has always written: no migration).
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """A delivery's status."""

    CLAIMED = "claimed"  # a pass holds it under a lease
    SENT = "sent"
    RETRY = "retry"  # not stored in deliveries.status: the row stays claimed until the retry
    FAILED = "failed"
    SKIPPED = "skipped"  # too late: not posted
    NOTHING_NEW = "nothing_new"  # a quiet digest: recorded, not posted
    UNCERTAIN = "uncertain"  # may have been posted; Slack did not say and the history could not

    @property
    def metric(self) -> str:
        """Its label in ``declaration_posts_total{outcome}``."""
        return "retried" if self is Status.RETRY else self.value


# how a subscription's last_result says each status: the word, then ": <detail>" when it has one
_SHOWN: dict[Status, str] = {
    Status.SENT: "sent",
    Status.NOTHING_NEW: "nothing new",
    Status.RETRY: "retrying",
    Status.FAILED: "failed",
    Status.SKIPPED: "skipped",
    Status.UNCERTAIN: "uncertain",
}
_WITHOUT_DETAIL = (Status.SENT, Status.NOTHING_NEW)


def last_result(status: Status, detail: str | None = None) -> str:
    """What a subscription's ``last_result`` stores for a delivery that ended so."""
    word = _SHOWN[status]
    return word if status in _WITHOUT_DETAIL else f"{word}: {detail}"


def read_last_result(text: str | None) -> tuple[Status | None, str]:
    """A stored ``last_result`` read back: its status (None when it is none of ours) and detail."""
    for status, word in _SHOWN.items():
        if status in _WITHOUT_DETAIL and text == word:
            return status, ""
        if status not in _WITHOUT_DETAIL and text and text.startswith(f"{word}:"):
            return status, text.removeprefix(f"{word}:").lstrip()
    return None, text or ""
