"""Logging: one line per event, secrets redacted from every record."""

from __future__ import annotations

import logging
import re

_SECRET = re.compile(r"\b(xox[abposr]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+)")


class RedactSecrets(logging.Filter):
    """Replace anything shaped like a Slack token in a log line with a placeholder."""

    def __init__(self, extra: list[str] | None = None) -> None:
        super().__init__()
        self.extra = [s for s in (extra or []) if len(s) >= 8]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = _SECRET.sub("[redacted]", message)
        for secret in self.extra:
            cleaned = cleaned.replace(secret, "[redacted]")
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class _MigrationChatter(logging.Filter):
    """Alembic says which SQL dialect it uses at every start; only upgrades are worth a line."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno > logging.INFO or str(record.msg).startswith("Running ")


def setup_logging(level: str, secrets: list[str] | None = None) -> None:
    # our format names no source file, thread or process: skip collecting them for every record
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    handler = logging.StreamHandler()
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s", "%Y-%m-%dT%H:%M:%S")
    )
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # the HTTP server's own per-request lines would double ours
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
    # the scheduler's "Running job"/"executed successfully" pair at every tick is noise
    debug = level.upper() == "DEBUG"
    logging.getLogger("apscheduler").setLevel(logging.NOTSET if debug else logging.WARNING)
    # alembic: its plugins' set-up and dialect lines are noise, its upgrades are news
    logging.getLogger("alembic").setLevel(logging.NOTSET if debug else logging.WARNING)
    migration = logging.getLogger("alembic.runtime.migration")
    migration.setLevel(root.level)
    migration.filters[:] = [] if debug else [_MigrationChatter()]
