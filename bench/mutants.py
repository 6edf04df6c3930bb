"""`make mutants`: mutation testing (mutmut) of the modules where a bug costs most, one module at a
time, and the score of each with its surviving mutants.

mutmut copies the tree into mutants/, makes every small change it knows in the modules named in
pyproject.toml's [tool.mutmut] (a `<` for a `<=`, a string emptied, a condition dropped), and for
each one runs only the tests that execute the changed function (it records which do, once, from
the fast in-process test files listed there). A mutant no test notices "survived": either the
tests miss a bug there, or the change makes no difference (docs/mutation.md says which).

    make mutants                           every module below, one after the other
    make mutants MODULES="bot.slack.mrkdwn bot.web"   only these
    MUTANTS_JOBS=2 make mutants            mutants tried at once (default: four per core; the
                                           delivery tests spend most of their time waiting)

Results are kept in mutants/ (ignored by git): a second run tries again the mutants whose code
changed and every mutant not killed yet (a test added since may kill it: mutmut itself would keep
its old verdict); a change to the test selection or pytest options in [tool.mutmut] tries all. mutmut decides whether its copy of a file is current by the files' times, which a
checkout, a copied mutants/ folder or a restored cache can get wrong (its copy then looks newer
than the source, and the tests run against old code); so before each run, every copy in mutants/
whose source changed or went away is removed, and mutmut makes it again from the source (the
results of the functions that did not change are kept: mutmut compares each function's hash).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tomllib
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MUTMUT = str(Path(sys.executable).parent / "mutmut")

# what is measured: a name, and the mutmut names of its functions (globs)
MODULES: dict[str, list[str]] = {
    "bot.web": ["bot.web.xǁRequestSigningǁ*"],  # the signature check only
    "bot.slack.mrkdwn": ["bot.slack.mrkdwn.*"],
    "bot.store.teams": ["bot.store.teams.*"],
    "bot.store.subscriptions": ["bot.store.subscriptions.*"],
    "bot.store.deliveries": ["bot.store.deliveries.*"],
    "bot.slack.reach": ["bot.slack.reach.*"],
    # the Home tab's visibility rules: who may see and act on which subscription, and that a
    # person's own subscription is shown to that person alone (publish)
    "bot.subscriptions.home": [
        "bot.subscriptions.home.x_publish__mutmut_*",
        "bot.subscriptions.home.x_access__mutmut_*",
        "bot.subscriptions.home.x_refusal__mutmut_*",
        "bot.subscriptions.home.x__visible__mutmut_*",
        "bot.subscriptions.home.x_rows_that_fit__mutmut_*",
    ],
    "bot.content.translations": ["bot.content.translations.*"],
    "bot.content.loading": ["bot.content.loading.*"],
    "bot.content.schema": ["bot.content.schema.*"],
    # the schedule's clock: when a subscription wakes, on which local day (time zones, DST)
    "bot.subscriptions.schedule": [
        f"bot.subscriptions.schedule.{name}__mutmut_*"
        for name in (
            "x_wake_after",
            "x_local_day",
            "x_next_digest",
            "x_latest_slot_at_or_before",
            "x__slot",
            "x__require_aware",
            "x_zone",
            "x__zone_of",
            "x_days_key",
            "x_days_from_key",
            "xǁScheduleǁ__post_init__",
            "xǁScheduleǁis_digest_day",
        )
    ],
    # the whole schedule module: its clock, and its reading of what people type (1,264 mutants)
    "bot.subscriptions.schedule:all": ["bot.subscriptions.schedule.*"],
    "bot.delivery.planner": ["bot.delivery.planner.*"],
    "bot.delivery.deliverer": ["bot.delivery.deliverer.*"],
    "bot.delivery.faults": ["bot.delivery.faults.*"],
    "bot.delivery.outcomes": ["bot.delivery.outcomes.*"],
    "bot.delivery.transport": ["bot.delivery.transport.*"],
    "bot.delivery.history": ["bot.delivery.history.*"],
    "bot.delivery.leases": ["bot.delivery.leases.*"],
    "bot.answers.replies": ["bot.answers.replies.*"],
    "bot.slack.payloads": ["bot.slack.payloads.*"],
    "bot.slack.blocks": ["bot.slack.blocks.*"],
}
# Functions that run while their module is imported (the content models' field types are built
# then): mutmut imports the tree once, before it switches any mutant on, so the tests it runs
# never meet these mutants. Each of their mutants not killed is tried again here in a fresh
# process that imports the tree with the mutant on, against the module's test files.
AT_IMPORT: dict[str, tuple[list[str], list[str]]] = {
    "bot.content.schema": (
        ["bot.content.schema.x__text__mutmut_*"],
        ["tests/content/test_validation.py", "tests/content/test_loading.py"],
    ),
}
KILLED = {"killed", "timeout"}  # a mutant that hangs the tests is caught too
COUNTED = KILLED | {"survived", "no tests", "suspicious"}


MUTANTS = ROOT / "mutants"
SOURCES = MUTANTS / "bench-sources.json"  # the hash of each source file mutants/ was made from


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def refresh_copies() -> None:
    """Remove every copy in mutants/ that no longer matches its source (see the module's text):
    mutmut makes them again. Its own records (``.meta``, ``.spans``) are kept."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mutmut"]
    sources = {
        p.relative_to(ROOT).as_posix(): digest(p)
        for folder in config["source_paths"]
        for p in sorted((ROOT / folder).rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }
    made_from = json.loads(SOURCES.read_text()) if SOURCES.exists() else {}
    for folder in config["source_paths"]:
        for copy in sorted((MUTANTS / folder).rglob("*")) if (MUTANTS / folder).exists() else []:
            rel = copy.relative_to(MUTANTS).as_posix()
            if not copy.is_file() or copy.suffix in (".meta", ".spans") or "__pycache__" in rel:
                continue
            if rel not in sources or made_from.get(rel) != sources[rel]:
                copy.unlink()
    MUTANTS.mkdir(exist_ok=True)
    SOURCES.write_text(json.dumps(sources, indent=0, sort_keys=True))


def judge_not_killed(patterns: list[str], verdict: Callable[[str], int | None]) -> None:
    """Give every mutant of ``patterns`` that no test killed yet (or not tried yet) the verdict
    ``verdict(name)`` (an exit code, or None: not tried), where mutmut keeps its own."""
    from mutmut.stats import status_by_exit_code

    for meta in MUTANTS.rglob("*.py.meta"):
        data = json.loads(meta.read_text())
        verdicts = data["exit_code_by_key"]
        mine = [
            name
            for name, code in verdicts.items()
            if belongs(name, patterns) and status_by_exit_code[code] not in KILLED
        ]
        if mine:
            verdicts.update({name: verdict(name) for name in mine})
            meta.write_text(json.dumps(data, indent=4))


def retry_not_killed(patterns: list[str]) -> None:
    """Forget the verdict of every mutant of ``patterns`` that no test killed, so that mutmut
    tries it again (with the tests added since)."""
    judge_not_killed(patterns, lambda name: None)


def try_at_import(module: str) -> None:
    """Try each mutant of ``module``'s import-time functions (``AT_IMPORT``) not killed yet in a
    fresh pytest process that imports the mutated tree with the mutant on (mutmut's trampoline
    reads ``MUTANT_UNDER_TEST`` at each call); record its verdict where mutmut keeps its own."""
    if module not in AT_IMPORT:
        return
    patterns, tests = AT_IMPORT[module]
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mutmut"]
    command = [sys.executable, "-m", "pytest", "-x", "-q", *config["pytest_add_cli_args"], *tests]

    def run(name: str) -> int:
        env = {**os.environ, "MUTANT_UNDER_TEST": name}
        done = subprocess.run(
            command, cwd=MUTANTS, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        return done.returncode  # pytest's: 1 a test failed, 0 none did

    judge_not_killed(patterns, run)


def results() -> dict[str, str]:
    out = subprocess.run(
        [MUTMUT, "results", "--all", "true"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    found: dict[str, str] = {}
    for line in out.splitlines():
        name, sep, status = line.strip().rpartition(": ")
        if sep:
            found[name] = status
    return found


def belongs(name: str, patterns: list[str]) -> bool:
    from fnmatch import fnmatchcase

    return any(fnmatchcase(name, p) for p in patterns)


def main(argv: list[str]) -> int:
    chosen = argv or list(MODULES)
    unknown = [m for m in chosen if m not in MODULES]
    if unknown:
        print(f"unknown module(s): {' '.join(unknown)}; known: {' '.join(MODULES)}")
        return 2
    jobs = os.environ.get("MUTANTS_JOBS") or str(4 * (os.cpu_count() or 1))
    refresh_copies()
    for module in chosen:
        print(f"--- {module}", flush=True)
        retry_not_killed(MODULES[module])
        run = subprocess.run(
            [MUTMUT, "run", "--max-children", jobs, *MODULES[module]],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
        if run.returncode != 0:
            print(f"mutmut stopped on {module} (exit {run.returncode})")
            return run.returncode
        try_at_import(module)
    found = results()
    print(f"\n{'module':28} {'killed':>7} {'total':>6} {'score':>6}")
    survivors: list[str] = []
    for module in chosen:
        mine = {n: s for n, s in found.items() if belongs(n, MODULES[module])}
        counts = Counter(s for s in mine.values() if s in COUNTED)
        total = sum(counts.values())
        killed = sum(counts[s] for s in KILLED)
        score = f"{100 * killed / total:.0f} %" if total else "-"
        print(f"{module:28} {killed:>7} {total:>6} {score:>6}")
        survivors += sorted(f"{s:10} {n}" for n, s in mine.items() if s in COUNTED - KILLED)
    if survivors:
        print(f"\n{len(survivors)} not killed (`.venv/bin/mutmut show NAME` shows one):")
        print("\n".join(survivors))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
