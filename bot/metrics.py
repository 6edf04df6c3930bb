"""Prometheus metrics, served at ``GET /metrics`` in the text format.

Counters and histograms live in each process. With ``PROMETHEUS_MULTIPROC_DIR`` set to an empty
folder shared by the processes of one machine (several web workers, the clock), each process writes
its values there and ``/metrics`` of any of them reports the sum over all (prometheus-client's
multiprocess mode). Database facts (subscriptions, paused, due backlog) are read at scrape time (at
most once in 5 s: ``bot.web.GAUGES_SECONDS``), so every process reports the same truth.

Labels are bounded sets chosen by the bot (subcommand names, outcomes): never a token, a team or
channel name, or anything a user typed.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

CONTENT_TYPE = CONTENT_TYPE_LATEST

COMMANDS = Counter(
    "declaration_commands",
    "Slash commands handled, by subcommand and outcome (ok, error)",
    ["subcommand", "outcome"],
)
COMMAND_SECONDS = Histogram(
    "declaration_command_seconds",
    "Time from receiving a slash command to acknowledging it",
    ["subcommand"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0),
)
POSTS = Counter(
    "declaration_posts",
    "Digest and reminder slots by outcome: sent, retried, failed, skipped (too late), nothing_new,"
    " uncertain",
    ["outcome"],
)
PASS_SECONDS = Histogram(
    "declaration_delivery_pass_seconds",
    "Duration of one delivery pass (claim, post, record)",
    buckets=(0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 900.0),
)
RATE_LIMIT_WAITS = Counter(
    "declaration_rate_limit_waits", "Times Slack answered 429 and a workspace was held back"
)
RATE_LIMIT_WAIT_SECONDS = Counter(
    "declaration_rate_limit_wait_seconds", "Seconds of Retry-After a workspace was held back for"
)
HISTORY_CHECKS = Counter(
    "declaration_history_checks",
    "Channel histories searched for a post whose outcome was unknown, by result"
    " (found, not_found, unreadable, unknown)",
    ["result"],
)


@functools.cache
def command_seconds(subcommand: str) -> Histogram:
    """``COMMAND_SECONDS`` for one subcommand, looked up once (``labels`` takes a lock and builds
    a key at every call; a command's own work is a few times that)."""
    return COMMAND_SECONDS.labels(subcommand)


@functools.cache
def commands(subcommand: str, outcome: str) -> Counter:
    """``COMMANDS`` for one subcommand and outcome, looked up once."""
    return COMMANDS.labels(subcommand, outcome)


class _DatabaseGauges:
    """Gauges read from the database when scraped."""

    def __init__(self, read: Callable[[], dict[str, int]]) -> None:
        self.read = read

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            values = self.read()
        except Exception:  # the database is down: say so rather than fail the scrape
            yield GaugeMetricFamily(
                "declaration_database_up", "1 when the database answered this scrape", value=0
            )
            return
        yield GaugeMetricFamily(
            "declaration_database_up", "1 when the database answered this scrape", value=1
        )
        yield GaugeMetricFamily(
            "declaration_subscriptions", "Channel subscriptions", value=values["subscriptions"]
        )
        yield GaugeMetricFamily(
            "declaration_subscriptions_paused",
            "Subscriptions paused (by a user, or by a Slack error)",
            value=values["paused"],
        )
        yield GaugeMetricFamily(
            "declaration_due_backlog",
            "Subscriptions whose next post is due and not yet claimed by a pass",
            value=values["due"],
        )


def exposition(gauges: Callable[[], dict[str, int]] | None = None) -> bytes:
    """The text a scrape gets: this process's (or every process's) metrics and the database's."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry: Any = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry = REGISTRY
    out = generate_latest(registry)
    if gauges is not None:
        db = CollectorRegistry()
        db.register(_DatabaseGauges(gauges))
        out += generate_latest(db)
    return out


def record_pass(report: Any, seconds: float) -> None:
    """Count one delivery pass's outcomes (a ``bot.delivery.report.PassReport``) and its
    duration; each outcome is labelled with its ``bot.delivery.outcomes.Status.metric``."""
    PASS_SECONDS.observe(seconds)
    for status, count in report.counts().items():
        if count:
            POSTS.labels(status.metric).inc(count)
