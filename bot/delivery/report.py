"""What one pass did: its outcomes by status, and the lines ``tick`` prints."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.delivery.outcomes import Status
from bot.store.deliveries import Outcome
from bot.subscriptions.stored import SubscriptionView


@dataclass
class PassReport:
    at: datetime
    sent: list[Outcome] = field(default_factory=list)
    failed: list[Outcome] = field(default_factory=list)
    retrying: list[Outcome] = field(default_factory=list)
    skipped: list[tuple[SubscriptionView, datetime, str]] = field(default_factory=list)
    quiet: list[Outcome] = field(default_factory=list)  # digests with nothing new: not posted
    uncertain: list[Outcome] = field(default_factory=list)  # may have landed; not sent again
    claimed: int = 0
    handed_back: int = 0  # claims left for the next pass (stopping, or taken over)

    def file(self, outcome: Outcome) -> None:
        """Count ``outcome`` under its status."""
        {
            Status.SENT: self.sent,
            Status.FAILED: self.failed,
            Status.RETRY: self.retrying,
            Status.NOTHING_NEW: self.quiet,
            Status.UNCERTAIN: self.uncertain,
        }[outcome.status].append(outcome)

    def counts(self) -> dict[Status, int]:
        """How many slots ended in each status (for ``declaration_posts_total``)."""
        return {
            Status.SENT: len(self.sent),
            Status.FAILED: len(self.failed),
            Status.RETRY: len(self.retrying),
            Status.SKIPPED: len(self.skipped),
            Status.NOTHING_NEW: len(self.quiet),
            Status.UNCERTAIN: len(self.uncertain),
        }

    def lines(self) -> list[str]:
        first = (
            f"tick at {self.at.isoformat()}: {len(self.sent)} delivered, {len(self.failed)} failed,"
            f" {len(self.retrying)} to retry, {len(self.skipped)} skipped,"
            f" {len(self.quiet)} with nothing new"
        )
        if self.uncertain:
            first += f", {len(self.uncertain)} uncertain"
        if self.handed_back:
            first += f", {self.handed_back} handed back"
        out = [first]
        out += [
            f"  delivered {o.kinds} -> sub {o.subscription_id} ts={o.message_ts}" for o in self.sent
        ]
        out += [f"  failed {o.kinds} -> sub {o.subscription_id}: {o.error}" for o in self.failed]
        out += [f"  retry {o.kinds} -> sub {o.subscription_id}: {o.error}" for o in self.retrying]
        out += [
            f"  uncertain {o.kinds} -> sub {o.subscription_id}: {o.error}" for o in self.uncertain
        ]
        out += [
            f"  skipped {kinds} -> {v.team_id}/{v.channel_id} due {slot.isoformat()} (too late)"
            for v, slot, kinds in self.skipped
        ]
        out += [
            f"  nothing new {o.kinds} -> sub {o.subscription_id} due {o.scheduled_for.isoformat()}"
            " (not posted)"
            for o in self.quiet
        ]
        return out
