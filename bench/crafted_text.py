"""Benchmark: what text made to be expensive costs, against a plain command, in one process.

Each text is read (``bot.commands.read``) and answered (``bot.answers.core.reply_to``, then encoded as the
JSON body Slack gets), as ``/declaration`` answers a question about the content, on the shipped
content, in each language. The figures are the median of ``--runs`` answers after a warm-up, in
milliseconds, and their ratio to the plain text of the same kind in the same run:

- ``bletchley``, against 500 characters of near misses (words of the topics' names with one letter
  changed: none is told apart from a real word by its length);
- ``search frontier risks``, against ``search`` and 124 distinct prefixes of words of the
  summaries (each matches words; the search looks again in the other languages when nothing does).

    .venv/bin/python bench/crafted_text.py [--runs 50] [--code DIR]

``--code DIR`` imports ``bot`` from another tree (e.g. ``git worktree add /tmp/before <commit>``),
to measure the code before a change in the same way. Target (issue 24): any text under a few
milliseconds; a crafted 500-character command answered in under 50 ms end to end.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import date
from pathlib import Path

from bot.slack import payloads

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--code", type=Path, default=ROOT, help="the tree to import bot from")
    opts = parser.parse_args()
    sys.path.insert(0, str(opts.code.resolve()))

    from bot import commands
    from bot.answers import core
    from bot.content.library import Library
    from bot.content.loading import load_library
    from bot.content.schema import normalize

    library = load_library(ROOT / "content")

    def near_misses(length: int = 500, seed: int = 1) -> str:
        rnd = random.Random(seed)
        words = sorted(
            {
                w
                for lang in library.languages
                for tp in library.for_lang(lang).topics
                for n in tp.names()
                for w in normalize(n).split()
                if len(w) >= 6
            }
        )
        out: list[str] = []
        while len(" ".join(out)) < length:
            word = rnd.choice(words)
            i = rnd.randrange(len(word))
            out.append(word[:i] + rnd.choice("qxz") + word[i + 1 :])
        return " ".join(out)[:length]

    def prefixes(count: int = 124) -> str:
        words = sorted({w for tp in library.topics for w in normalize(tp.summary).split()})
        found = list(dict.fromkeys(w[: 3 + i % 3] for i, w in enumerate(words) if len(w) > 5))
        return ("search " + " ".join(found[:count]))[:500]

    def answer_ms(text: str, lib: Library, lang: str) -> float:
        runs = []
        for n in range(opts.runs + 3):
            started = time.perf_counter()
            reply = core.reply_to(commands.read(text), lib, date(2026, 1, 5), lang)
            payloads.response_body(reply, response_type=reply.response_type)
            if n >= 3:  # warm-up
                runs.append((time.perf_counter() - started) * 1000)
        return statistics.median(runs)

    pairs = [
        ("bletchley", near_misses(), "near misses, 500 characters"),
        ("search frontier risks", prefixes(), "search, 124 distinct prefixes"),
    ]
    print(f"code: {opts.code.resolve()}  runs: {opts.runs}  python {sys.version.split()[0]}")
    print()
    print("| lang | text | plain | crafted | crafted / plain |")
    print("|---|---|---:|---:|---:|")
    worst = 0.0
    for lang in ("en", "fr", "zh"):
        lib = library.for_lang(lang)
        for plain, crafted, what in pairs:
            base = answer_ms(plain, lib, lang)
            cost = answer_ms(crafted, lib, lang)
            worst = max(worst, cost)
            print(f"| {lang} | {what} | {base:.2f} ms | {cost:.2f} ms | {cost / base:.1f} |")
    print()
    print(f"most expensive crafted text: {worst:.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
