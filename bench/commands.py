"""Benchmark: signed ``/declaration`` requests over HTTP to ``declaration-bot serve``.

Throughput and p50/p99 latency at 1, 8 and 64 concurrent requests, measured with ``wrk`` against
the bot and, in the same run and on the same server stack, against a bare Bolt app that acks a
constant (``bench/bare_app.py``). Both servers and a fake Slack Web API (``tests/fakeslack.py``,
which answers the one ``auth.test`` call Bolt makes) listen on 127.0.0.1 only.

    .venv/bin/python bench/commands.py [--duration 8] [--connections 1,8,64] [--text bletchley]
        [--extra-texts "summits,search ceasefire"] [--extra-connections 8] [--warmup 2]

Every request is signed like Slack signs it (re-signed before each wrk run: the signature is only
valid for five minutes). Before measuring, one request to each server must answer 200 with the
expected reply; during the runs a Lua ``response`` hook counts answers that are not 200 or do not
contain the expected text, and any such answer aborts the benchmark (exit 1), so a fast benchmark
of 401s cannot happen. Missing a target is reported, not an error: the exit status is 0.

Targets (from the issue): bot throughput at least 0.8 of the bare app's at every concurrency
level, and bot p99 latency under 100 ms at 8 concurrent requests, on a 2-core machine.

Results are printed as Markdown and written to ``bench/results/commands.json`` (git-ignored).
Needs Debian's ``wrk`` (``apt-get install -y wrk``).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from slack_sdk.signature import SignatureVerifier  # noqa: E402

from tests.fakeslack import FakeSlack  # noqa: E402

SECRET = "bench-signing-secret-0123456789"
BOT_TOKEN = "xoxb-bench-token"
EVENTS_PATH = "/slack/events"
RESULTS = ROOT / "bench" / "results" / "commands.json"
BARE_REPLY = "bare ack"  # bench/bare_app.py REPLY

# Text that must be in the raw (JSON) reply body for a known command text.
NEEDLES: dict[str, str] = {
    "bletchley": "28 countries",
    "summits": "AI summits",
    "search ceasefire": "Middle East",
    "topics": "show_topic:bletchley",
    "help": "/declaration summits",
}
# The bot's reply when a listener failed (handlers/commands.py FAILED): never a valid answer.
FAILED_MARK = "something went wrong on our side"

RATIO_TARGET = 0.8
P99_TARGET_MS = 100.0
P99_TARGET_CONNECTIONS = 8


class BenchError(Exception):
    """The benchmark cannot produce trustworthy figures (bad reply, server died, ...)."""


# ---------------------------------------------------------------------------------- servers


@dataclass
class Server:
    name: str
    proc: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server process so far (Linux /proc)."""
        try:
            stat = Path(f"/proc/{self.proc.pid}/stat").read_text()
        except OSError:
            return float("nan")
        fields = stat[stat.rindex(")") + 2 :].split()
        ticks = int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
        return ticks / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU seconds all CPUs spent not idle since boot (Linux /proc/stat; nan elsewhere)."""
    try:
        with open("/proc/stat") as f:
            fields = [int(v) for v in f.readline().split()[1:]]
    except (OSError, ValueError):
        return float("nan")
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")  # guest time is in user


def git_state() -> dict[str, Any]:
    """Which code was measured: HEAD and whether the work tree differs from it."""

    def git(*args: str) -> str:
        proc = subprocess.run(
            ["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=False
        )
        return proc.stdout.strip() if proc.returncode == 0 else ""

    head = git("rev-parse", "--short", "HEAD")
    changed = git("status", "--porcelain", "--untracked-files=no")
    return {"head": head or None, "dirty": bool(changed) if head else None}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_env(api_url: str, workdir: Path) -> dict[str, str]:
    """A clean environment: no developer ``.env`` or LOG_LEVEL leaks into the figures."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(workdir),
        "LANG": "C.UTF-8",
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": api_url,
        "CONTENT_DIR": str(ROOT / "content"),
        "LOG_LEVEL": "INFO",
    }


def start_server(
    name: str, argv: list[str], port: int, env: dict[str, str], workdir: Path
) -> Server:
    log = workdir / f"{name}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            argv,
            env=env,
            cwd=workdir,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    return Server(name, proc, port, log)


def wait_healthy(server: Server, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise BenchError(
                f"{server.name} exited with {server.proc.returncode} before serving:\n"
                f"{server.log_tail()}"
            )
        try:
            with urllib.request.urlopen(server.url + "/healthz", timeout=2) as resp:
                if resp.status == 200:
                    return
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.1)
    raise BenchError(f"{server.name} not healthy within {timeout:.0f}s:\n{server.log_tail()}")


def stop_server(server: Server) -> None:
    if server.proc.poll() is None:
        server.proc.terminate()
        try:
            server.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.proc.kill()
            server.proc.wait()


@contextlib.contextmanager
def running_servers(workdir: Path, api_url: str) -> Iterator[dict[str, Server]]:
    env = server_env(api_url, workdir)
    bot_cli = Path(sys.executable).parent / "declaration-bot"
    bot_argv = (
        [str(bot_cli)]
        if bot_cli.exists()
        else [sys.executable, "-c", "import sys; from bot.cli import main; sys.exit(main())"]
    )
    servers: dict[str, Server] = {}
    try:
        port = free_port()
        servers["bare"] = start_server(
            "bare",
            [sys.executable, str(ROOT / "bench" / "bare_app.py"), str(port)],
            port,
            env,
            workdir,
        )
        port = free_port()
        servers["bot"] = start_server(
            "bot",
            [*bot_argv, "serve", "--port", str(port), "--host", "127.0.0.1"],
            port,
            env,
            workdir,
        )
        for server in servers.values():
            wait_healthy(server)
        yield servers
    finally:
        for server in servers.values():
            stop_server(server)


# ---------------------------------------------------------------------------------- requests


def command_body(text: str) -> str:
    """The form body Slack POSTs for ``/declaration <text>``."""
    return urllib.parse.urlencode(
        {
            "token": "deprecated-verification-token",
            "team_id": "T1",
            "team_domain": "bench",
            "channel_id": "C1",
            "channel_name": "general",
            "user_id": "U1",
            "user_name": "ada",
            "command": "/declaration",
            "text": text,
            "api_app_id": "A1",
            "is_enterprise_install": "false",
            "response_url": "http://127.0.0.1:9/commands/T1/1/none",
            "trigger_id": "1.2.3",
        }
    )


@dataclass(frozen=True)
class Signed:
    body: str
    timestamp: str
    signature: str

    def headers(self) -> dict[str, str]:
        return {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": self.timestamp,
            "X-Slack-Signature": self.signature,
        }


def sign(body: str) -> Signed:
    timestamp = str(int(time.time()))
    signature = SignatureVerifier(SECRET).generate_signature(timestamp=timestamp, body=body)
    if signature is None:  # only when timestamp or body is None
        raise BenchError("slack_sdk produced no signature")
    return Signed(body, timestamp, signature)


def post(url: str, signed: Signed) -> tuple[int, bytes]:
    req = urllib.request.Request(
        url + EVENTS_PATH, data=signed.body.encode(), method="POST", headers=signed.headers()
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:  # loopback only
            return int(resp.status), resp.read()
    except urllib.error.HTTPError as err:
        return int(err.code), err.read()


def needle_for(app: str, text: str) -> str:
    return BARE_REPLY if app == "bare" else NEEDLES.get(text, '"blocks"')


def verify(server: Server, text: str) -> None:
    """One signed request must answer 200 with the expected reply; a bad signature must not."""
    body = command_body(text)
    status, raw = post(server.url, sign(body))
    needle = needle_for(server.name, text)
    if status != 200:
        raise BenchError(
            f"{server.name}: signed /declaration {text!r} answered {status}: {raw[:300]!r}"
        )
    if needle.encode() not in raw or FAILED_MARK.encode() in raw:
        raise BenchError(
            f"{server.name}: reply to /declaration {text!r} lacks {needle!r}: {raw[:300]!r}"
        )
    try:
        payload = json.loads(raw)
    except ValueError as exc:
        raise BenchError(f"{server.name}: reply is not JSON: {raw[:300]!r}") from exc
    if not isinstance(payload, dict) or not payload.get("text"):
        raise BenchError(f"{server.name}: reply has no text: {raw[:300]!r}")
    forged = Signed(body, str(int(time.time())), "v0=" + "0" * 64)
    status, raw = post(server.url, forged)
    if status != 401:
        raise BenchError(f"{server.name}: a forged signature answered {status}, not 401")


# ---------------------------------------------------------------------------------- wrk


def lua_string(value: str) -> str:
    """A Lua string literal for any text (every byte outside a safe set is escaped)."""
    safe = set(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_.:/=%+,")
    out = "".join(chr(b) if b in safe else f"\\{b:03d}" for b in value.encode())
    return f'"{out}"'


LUA_TEMPLATE = """\
-- generated by bench/commands.py: one pre-signed /declaration request, replies checked
wrk.method = "POST"
wrk.path = {path}
wrk.body = {body}
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["X-Slack-Request-Timestamp"] = {timestamp}
wrk.headers["X-Slack-Signature"] = {signature}

local needle = {needle}
local threads = {{}}

function setup(thread)
  table.insert(threads, thread)
end

good, bad_status, bad_body = 0, 0, 0

function response(status, headers, body)
  if status ~= 200 then
    bad_status = bad_status + 1
  elseif body == nil or not string.find(body, needle, 1, true) then
    bad_body = bad_body + 1
  else
    good = good + 1
  end
end

function done(summary, latency, requests)
  local g, s, b = 0, 0, 0
  for _, t in ipairs(threads) do
    g = g + t:get("good")
    s = s + t:get("bad_status")
    b = b + t:get("bad_body")
  end
  io.write(string.format("BENCH-CHECK good=%d bad_status=%d bad_body=%d\\n", g, s, b))
end
"""


def write_lua(path: Path, signed: Signed, needle: str) -> None:
    path.write_text(
        LUA_TEMPLATE.format(
            path=lua_string(EVENTS_PATH),
            body=lua_string(signed.body),
            timestamp=lua_string(signed.timestamp),
            signature=lua_string(signed.signature),
            needle=lua_string(needle),
        )
    )


@dataclass
class Run:
    app: str
    text: str
    connections: int
    threads: int
    duration_s: float
    requests: int
    rps: float
    p50_ms: float
    p75_ms: float
    p90_ms: float
    p99_ms: float
    good: int
    bad_status: int
    bad_body: int
    non_2xx_3xx: int
    socket_errors: dict[str, int] = field(default_factory=dict)
    server_cpu_pct: float = float("nan")
    wrk_cpu_pct: float = float("nan")
    # CPU used by everything else on the machine during the run (% of one core): noise
    other_cpu_pct: float = float("nan")


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def _ms(value: str, unit: str) -> float:
    return float(value) * _UNITS_MS[unit]


def parse_wrk(output: str) -> dict[str, Any]:
    """The figures we use from ``wrk --latency`` output (plus our BENCH-CHECK line)."""
    out: dict[str, Any] = {}
    m = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M)
    if not m:
        raise BenchError(f"cannot parse wrk output:\n{output}")
    out["rps"] = float(m.group(1))
    m = re.search(r"^\s*(\d+) requests in ([\d.]+)(us|ms|s|m|h)", output, re.M)
    if not m:
        raise BenchError(f"cannot parse wrk request count:\n{output}")
    out["requests"] = int(m.group(1))
    out["duration_s"] = _ms(m.group(2), m.group(3)) / 1000.0
    dist = output.split("Latency Distribution", 1)
    if len(dist) != 2:
        raise BenchError(f"no latency distribution in wrk output (--latency?):\n{output}")
    for pct in (50, 75, 90, 99):
        m = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s|m|h)", dist[1], re.M)
        if not m:
            raise BenchError(f"no {pct}% latency in wrk output:\n{output}")
        out[f"p{pct}_ms"] = _ms(m.group(1), m.group(2))
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    out["non_2xx_3xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    out["socket_errors"] = (
        dict(zip(("connect", "read", "write", "timeout"), map(int, m.groups()), strict=True))
        if m
        else {}
    )
    m = re.search(r"BENCH-CHECK good=(\d+) bad_status=(\d+) bad_body=(\d+)", output)
    if not m:
        raise BenchError(f"the Lua reply check did not report:\n{output}")
    out["good"], out["bad_status"], out["bad_body"] = map(int, m.groups())
    return out


def run_wrk(
    server: Server, text: str, connections: int, duration: int, workdir: Path, *, label: str
) -> Run:
    threads = min(connections, 2)
    script = workdir / f"{server.name}-{connections}.lua"
    write_lua(script, sign(command_body(text)), needle_for(server.name, text))
    argv = [
        "wrk",
        "-t",
        str(threads),
        "-c",
        str(connections),
        "-d",
        f"{duration}s",
        "--latency",
        "-s",
        str(script),
        server.url + EVENTS_PATH,
    ]
    cpu0, wall0, busy0 = server.cpu_seconds(), time.monotonic(), machine_busy_seconds()
    kids0 = os.times()
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    kids1 = os.times()
    cpu1, wall1, busy1 = server.cpu_seconds(), time.monotonic(), machine_busy_seconds()
    if proc.returncode != 0:
        raise BenchError(f"wrk failed ({proc.returncode}): {proc.stderr}{proc.stdout}")
    if server.proc.poll() is not None:
        raise BenchError(f"{server.name} died during the run:\n{server.log_tail()}")
    figures = parse_wrk(proc.stdout)
    wall = wall1 - wall0
    wrk_cpu = (kids1.children_user - kids0.children_user) + (
        kids1.children_system - kids0.children_system
    )
    run = Run(
        app=server.name,
        text=text,
        connections=connections,
        threads=threads,
        server_cpu_pct=100.0 * (cpu1 - cpu0) / wall,
        wrk_cpu_pct=100.0 * wrk_cpu / wall,
        other_cpu_pct=max(0.0, 100.0 * ((busy1 - busy0) - (cpu1 - cpu0) - wrk_cpu) / wall),
        **figures,
    )
    problems = []
    if run.bad_status or run.non_2xx_3xx:
        problems.append(f"{max(run.bad_status, run.non_2xx_3xx)} non-200 answers")
    if run.bad_body:
        problems.append(f"{run.bad_body} answers without {needle_for(server.name, text)!r}")
    if any(run.socket_errors.values()):
        problems.append(f"socket errors {run.socket_errors}")
    if run.good == 0:
        problems.append("no good answers at all")
    if problems:
        raise BenchError(
            f"{label}: {server.name} /declaration {text!r} at {connections} connections: "
            + "; ".join(problems)
            + f"\n{proc.stdout}\n{server.name} log tail:\n{server.log_tail()}"
        )
    print(
        f"  {label:<7} {server.name:<4} c={connections:<3} {run.rps:9.1f} req/s  "
        f"p50 {run.p50_ms:7.2f} ms  p99 {run.p99_ms:7.2f} ms  "
        f"CPU: server {run.server_cpu_pct:3.0f}%  wrk {run.wrk_cpu_pct:3.0f}%  "
        f"other {run.other_cpu_pct:3.0f}%",
        flush=True,
    )
    return run


# ---------------------------------------------------------------------------------- report


@dataclass
class Pair:
    text: str
    connections: int
    bare: Run
    bot: Run

    @property
    def ratio(self) -> float:
        return self.bot.rps / self.bare.rps if self.bare.rps else float("nan")


def measure(
    servers: dict[str, Server],
    text: str,
    connections: int,
    duration: int,
    warmup: int,
    workdir: Path,
) -> Pair:
    if warmup > 0:
        for name in ("bare", "bot"):
            run_wrk(servers[name], text, connections, warmup, workdir, label="warm-up")
    bare = run_wrk(servers["bare"], text, connections, duration, workdir, label="measure")
    bot = run_wrk(servers["bot"], text, connections, duration, workdir, label="measure")
    return Pair(text, connections, bare, bot)


def _f(value: float, digits: int = 1) -> str:
    return f"{value:,.{digits}f}"


def table(pairs: Sequence[Pair], *, with_text: bool) -> str:
    head = ["concurrency", "bare req/s", "bot req/s", "ratio", "bot p50", "bot p99", "bare p99"]
    if with_text:
        head = ["text", *head]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    for p in pairs:
        row = [
            str(p.connections),
            _f(p.bare.rps),
            _f(p.bot.rps),
            _f(p.ratio, 2),
            f"{_f(p.bot.p50_ms, 2)} ms",
            f"{_f(p.bot.p99_ms, 2)} ms",
            f"{_f(p.bare.p99_ms, 2)} ms",
        ]
        if with_text:
            row = [f"`{p.text}`", *row]
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def verdicts(main: Sequence[Pair], extra: Sequence[Pair]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    worst = min(main, key=lambda p: p.ratio)
    ok = all(p.ratio >= RATIO_TARGET for p in main)
    out["throughput"] = {
        "target": f"bot/bare throughput >= {RATIO_TARGET} at every concurrency level",
        "met": ok,
        "worst_ratio": round(worst.ratio, 3),
        "worst_connections": worst.connections,
    }
    at8 = [p for p in main if p.connections == P99_TARGET_CONNECTIONS]
    if at8:
        p99 = at8[0].bot.p99_ms
        out["latency"] = {
            "target": f"bot p99 < {P99_TARGET_MS:g} ms at {P99_TARGET_CONNECTIONS} concurrent",
            "met": p99 < P99_TARGET_MS,
            "p99_ms": round(p99, 2),
        }
    else:
        out["latency"] = {
            "target": f"bot p99 < {P99_TARGET_MS:g} ms at {P99_TARGET_CONNECTIONS} concurrent",
            "met": None,
            "note": f"{P99_TARGET_CONNECTIONS} concurrent was not measured",
        }
    if extra:
        extra_at8 = [p for p in extra if p.connections == P99_TARGET_CONNECTIONS]
        out["other_texts"] = {
            "met_ratio": all(p.ratio >= RATIO_TARGET for p in extra),
            "met_p99": all(p.bot.p99_ms < P99_TARGET_MS for p in extra_at8) if extra_at8 else None,
        }
    return out


def verdict_lines(v: dict[str, Any], main_text: str) -> list[str]:
    def word(met: bool | None) -> str:
        return "NOT MEASURED" if met is None else ("MET" if met else "MISSED")

    t, lat = v["throughput"], v["latency"]
    lines = [
        f"- Throughput ({t['target']}, `{main_text}`): **{word(t['met'])}** "
        f"(worst ratio {t['worst_ratio']:.2f} at {t['worst_connections']} concurrent)",
        f"- Latency ({lat['target']}, `{main_text}`): **{word(lat['met'])}**"
        + (f" (p99 {lat['p99_ms']:.2f} ms)" if "p99_ms" in lat else f" ({lat.get('note')})"),
    ]
    if "other_texts" in v:
        o = v["other_texts"]
        lines.append(
            f"- Other texts: ratio >= {RATIO_TARGET} **{word(o['met_ratio'])}**, "
            f"p99 < {P99_TARGET_MS:g} ms at {P99_TARGET_CONNECTIONS} **{word(o['met_p99'])}**"
        )
    return lines


NOISE_PCT = 20.0  # other processes using more than this much of a core make figures suspect
BOLT_POLL_MS = 10.0  # slack_bolt's AsyncioListenerRunner polls ack() every 10 ms


def report_notes(pairs: Sequence[Pair]) -> list[str]:
    notes = []
    runs = [r for p in pairs for r in (p.bare, p.bot)]
    noisy = [r for r in runs if r.other_cpu_pct > NOISE_PCT]
    if noisy:
        worst = max(noisy, key=lambda r: r.other_cpu_pct)
        notes.append(
            f"NOISY: other processes used more than {NOISE_PCT:g}% of a core during "
            f"{len(noisy)} of {len(runs)} runs (up to {worst.other_cpu_pct:.0f}%, "
            f"{worst.app} at {worst.connections}); rerun on a quiet machine for README figures."
        )
    single = [p for p in pairs if p.connections == 1]
    if single and single[0].bare.p50_ms >= 0.9 * BOLT_POLL_MS:
        notes.append(
            f"The bare app's p50 at 1 connection is {single[0].bare.p50_ms:.1f} ms: Bolt's "
            f"default (process_before_response=False) waits for ack() by polling every "
            f"{BOLT_POLL_MS:g} ms, so at low concurrency both apps mostly wait on that poll "
            "(server CPU far below 100%) and the ratio there says little about the bot's own "
            "cost; the CPU-bound level (highest concurrency) does."
        )
    return notes


def wrk_version(wrk: str) -> str:
    proc = subprocess.run([wrk, "-v"], capture_output=True, text=True, check=False)
    first = (proc.stdout or proc.stderr).strip().splitlines()
    return first[0] if first else "unknown"


# ---------------------------------------------------------------------------------- main


def _ints(value: str) -> list[int]:
    try:
        levels = [int(v) for v in value.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a comma-separated list of integers: {value}"
        ) from None
    if not levels or any(n < 1 for n in levels):
        raise argparse.ArgumentTypeError("connections must be positive integers")
    return levels


def _texts(value: str) -> list[str]:
    return [t.strip() for t in value.split(",") if t.strip()]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="wrk benchmark: /declaration over signed HTTP, bot vs a bare Bolt app."
    )
    p.add_argument("--duration", type=int, default=8, help="seconds per measured run (8)")
    p.add_argument("--warmup", type=int, default=2, help="seconds of warm-up per app and level (2)")
    p.add_argument(
        "--connections", type=_ints, default=[1, 8, 64], help="concurrency levels (1,8,64)"
    )
    p.add_argument("--text", default="bletchley", help="command text for the main table")
    p.add_argument(
        "--extra-texts",
        type=_texts,
        default=["summits", "search ceasefire"],
        help='more command texts, comma-separated ("summits,search ceasefire"; "" for none)',
    )
    p.add_argument(
        "--extra-connections",
        type=_ints,
        default=[P99_TARGET_CONNECTIONS],
        help="concurrency levels for the extra texts (8)",
    )
    p.add_argument("--output", type=Path, default=RESULTS, help=f"JSON results ({RESULTS})")
    args = p.parse_args(argv)
    if args.duration < 1 or args.warmup < 0:
        p.error("--duration must be >= 1 and --warmup >= 0")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    wrk = shutil.which("wrk")
    if wrk is None:
        print(
            "bench/commands.py: `wrk` is not installed. On Debian/Ubuntu: "
            "`sudo apt-get update && sudo apt-get install -y wrk`, then rerun.",
            file=sys.stderr,
        )
        return 2

    extra_texts = [t for t in args.extra_texts if t != args.text]
    started = dt.datetime.now(dt.UTC)
    load_before = os.getloadavg()
    git = git_state()
    print(
        f"bench/commands: {wrk_version(wrk)}; {os.cpu_count()} CPUs; "
        f"load average {load_before[0]:.2f}; code {git['head']}"
        f"{' + uncommitted changes' if git['dirty'] else ''}\n"
        f"  {args.duration}s per run, {args.warmup}s warm-up; levels {args.connections}; "
        f"text {args.text!r}; extra texts {extra_texts} at {args.extra_connections}",
        flush=True,
    )
    main_pairs: list[Pair] = []
    extra_pairs: list[Pair] = []
    try:
        with (
            FakeSlack() as fake,
            tempfile.TemporaryDirectory(prefix="bench-commands-") as tmp,
            running_servers(Path(tmp), fake.base_url) as servers,
        ):
            workdir = Path(tmp)
            for text in [args.text, *extra_texts]:
                for server in servers.values():
                    verify(server, text)
            print("  verified: signed requests answer 200 with the expected reply; forged get 401")
            for conc in args.connections:
                main_pairs.append(
                    measure(servers, args.text, conc, args.duration, args.warmup, workdir)
                )
            for text in extra_texts:
                for conc in args.extra_connections:
                    extra_pairs.append(
                        measure(servers, text, conc, args.duration, args.warmup, workdir)
                    )
            auth_calls = len(fake.calls_to("auth.test"))
    except BenchError as exc:
        print(f"\nbench/commands.py: ABORTED: {exc}", file=sys.stderr)
        return 1

    v = verdicts(main_pairs, extra_pairs)
    print()
    print(f"### `/declaration {args.text}` ({args.duration} s per run, wrk, loopback)\n")
    print(table(main_pairs, with_text=False))
    if extra_pairs:
        print("\n### Other command texts\n")
        print(table(extra_pairs, with_text=True))
    print("\n### Verdict\n")
    print("\n".join(verdict_lines(v, args.text)))
    notes = report_notes([*main_pairs, *extra_pairs])
    if notes:
        print("\n### Notes\n")
        print("\n".join(f"- {n}" for n in notes))

    result = {
        "benchmark": "bench/commands.py",
        "started": started.isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "cpus_usable": len(os.sched_getaffinity(0)),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "wrk": wrk_version(wrk),
            "load_average_before": [round(x, 2) for x in load_before],
        },
        "code": git,
        "settings": {
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "connections": args.connections,
            "text": args.text,
            "extra_texts": extra_texts,
            "extra_connections": args.extra_connections,
            "wrk_threads": "min(connections, 2)",
            "auth_test_calls": auth_calls,
        },
        "main": [
            {"text": p.text, "connections": p.connections, "ratio": round(p.ratio, 4)}
            | {"bare": asdict(p.bare), "bot": asdict(p.bot)}
            for p in main_pairs
        ],
        "other_texts": [
            {"text": p.text, "connections": p.connections, "ratio": round(p.ratio, 4)}
            | {"bare": asdict(p.bare), "bot": asdict(p.bot)}
            for p in extra_pairs
        ],
        "verdict": v,
        "notes": notes,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    try:
        shown = args.output.relative_to(ROOT)
    except ValueError:
        shown = args.output
    print(f"\nResults written to {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
