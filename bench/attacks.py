"""Attacks without credentials against a running `declaration-bot serve` (issue 24), measured.

Starts `serve` (HTTP mode, SQLite, the fake Slack of tests/fakeslack.py on loopback), runs each
attack with a fixed count and a time limit, prints what it measured, and stops everything. Every
address is 127.0.0.1.

    .venv/bin/python bench/attacks.py [--tree PATH] [--attacks body,timestamp,idle,idle-hard,ics,install]

``--tree`` runs `serve` from another copy of the sources (e.g. an earlier commit, extracted with
``git archive <commit> | tar -x -C /tmp/before``), for a before/after comparison; the attacks, the
fake Slack and this interpreter's packages are the same.

- body: one 50 MB unsigned POST to /slack/events (the client sends as fast as the server reads),
  then one 50 MB POST with fresh-looking signature headers, sent chunked (no Content-Length).
  Status, how much the client could send before the answer, and the server's peak RSS growth
  (VmHWM, reset through /proc/PID/clear_refs where allowed).
- timestamp: signed-looking requests with a 309-digit and a 5,000-digit timestamp: status, and the
  log bytes each wrote.
- idle: `serve` started with a soft open-file limit of 1024 (hard: this machine's); 2,000 loopback
  connections that send nothing, held 10 s: /healthz latency meanwhile, log bytes, RSS growth;
  then /healthz again once they are closed.
- idle-hard: the same with a hard limit of 1024 too (the limit cannot be raised): the files run
  out, and what the log says about it.
- ics: a `status` command's latency (time to its acknowledgement) alone, then during a flood of
  GET /summits.ics from 256 connections for 10 s (the flood runs in a process of its own); the
  flood's requests per second.
- install: OAuth mode; 2,000 GET /slack/install from 16 connections: requests per second and
  rows left in oauth_states; a `subscribe` command's latency alone and during the flood.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import resource
import select
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.e2e import BOT_TOKEN, SECRET, command_fields, signed_headers  # noqa: E402
from tests.fakeslack import FakeSlack  # noqa: E402

MB = 1024 * 1024
HOST = "127.0.0.1"


# --- the server under attack --------------------------------------------------------------------


@dataclass
class Served:
    proc: subprocess.Popen[bytes]
    port: int
    log: Path
    db: Path

    def status(self) -> dict[str, int]:
        """VmRSS and VmHWM in KB."""
        out = {}
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                out[name] = int(value.split()[0])
        return out

    def reset_peak(self) -> bool:
        """Reset the peak RSS to the current RSS (Linux: 5 > /proc/PID/clear_refs)."""
        try:
            Path(f"/proc/{self.proc.pid}/clear_refs").write_text("5")
        except OSError:
            return False
        return True

    def log_bytes(self) -> int:
        return self.log.stat().st_size


@contextlib.contextmanager
def serve(
    tree: Path,
    slack: FakeSlack,
    tmp: Path,
    *,
    oauth: bool = False,
    open_files: tuple[int, int] | None = None,
) -> Iterator[Served]:
    with socket.socket() as s:
        s.bind((HOST, 0))
        port = int(s.getsockname()[1])
    db = tmp / f"bot-{port}.sqlite3"
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp),
        "PYTHONPATH": str(tree),
        "SLACK_API_URL": slack.base_url,
        "SLACK_SIGNING_SECRET": SECRET,
        "DATABASE_URL": f"sqlite:///{db}",
        "CONTENT_DIR": str(tree / "content"),
        "LOG_LEVEL": "INFO",
        "PORT": str(port),
    }
    if oauth:
        from cryptography.fernet import Fernet

        env |= {
            "SLACK_CLIENT_ID": "111.222",
            "SLACK_CLIENT_SECRET": "bench-client-secret",
            "SLACK_TOKEN_ENCRYPTION_KEY": Fernet.generate_key().decode(),
            "PUBLIC_URL": f"http://{HOST}:{port}",
        }
    else:
        env["SLACK_BOT_TOKEN"] = BOT_TOKEN

    def limit() -> None:
        if open_files is not None:
            resource.setrlimit(resource.RLIMIT_NOFILE, open_files)

    log = tmp / f"serve-{port}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve", "--no-clock", "--host", HOST],
            env=env,
            cwd=tmp,
            stdout=out,
            stderr=subprocess.STDOUT,
            preexec_fn=limit,
        )
    served = Served(proc, port, log, db)
    try:
        deadline = time.monotonic() + 60
        while get(port, "/healthz", timeout=1)[0] != 200:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"serve did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.1)
        yield served
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# --- clients ------------------------------------------------------------------------------------


def get(port: int, path: str, timeout: float = 5.0, **headers: str) -> tuple[int, float]:
    """Status and seconds of one GET on a fresh connection; status 0 when it did not answer."""
    started = time.perf_counter()
    req = urllib.request.Request(f"http://{HOST}:{port}{path}", headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as reply:
            reply.read()
            status = reply.status
    except urllib.error.HTTPError as err:
        status = err.code
    except OSError:
        status = 0
    return status, time.perf_counter() - started


def command(port: int, text: str, timeout: float = 10.0, **fields: str) -> tuple[int, float]:
    body = urllib.parse.urlencode(command_fields(text, **fields)).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", **signed_headers(body)}
    req = urllib.request.Request(
        f"http://{HOST}:{port}/slack/events", data=body, headers=headers, method="POST"
    )
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=timeout) as reply:
            reply.read()
            status = reply.status
    except urllib.error.HTTPError as err:
        status = err.code
    except OSError:
        status = 0
    return status, time.perf_counter() - started


def upload(port: int, size: int, headers: dict[str, str], chunked: bool) -> tuple[int, int]:
    """POST a ``size``-byte body as fast as the server takes it; the status and how many body
    bytes were sent before the answer came (or the server closed)."""
    lines = ["POST /slack/events HTTP/1.1", f"Host: {HOST}:{port}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    lines.append("Transfer-Encoding: chunked" if chunked else f"Content-Length: {size}")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode()
    piece = b"x" * (256 * 1024)
    frame = f"{len(piece):x}\r\n".encode() + piece + b"\r\n" if chunked else piece
    answer = b""
    sent = 0
    with socket.create_connection((HOST, port), timeout=30) as conn:
        conn.sendall(head)
        conn.setblocking(False)
        deadline = time.monotonic() + 120
        pending = memoryview(b"")
        ended = not chunked  # the last, empty chunk sent
        while time.monotonic() < deadline:
            want_write = sent < size or bool(pending) or not ended
            readable, writable, _ = select.select([conn], [conn] if want_write else [], [], 1)
            if readable:
                try:
                    part = conn.recv(65536)
                except (BlockingIOError, ConnectionResetError):
                    part = b""
                answer += part
                if not part or b"\r\n\r\n" in answer:
                    break
            if writable:
                if not pending:
                    if sent >= size:
                        if ended:
                            continue
                        pending, ended = memoryview(b"0\r\n\r\n"), True
                    else:
                        pending = memoryview(frame)
                        sent += len(piece)
                try:
                    n = conn.send(pending)
                    pending = pending[n:]
                except BlockingIOError:
                    pass
                except (BrokenPipeError, ConnectionResetError):
                    break
        if b"\r\n\r\n" not in answer:  # the answer may have come with the reset
            conn.setblocking(True)
            conn.settimeout(2)
            with contextlib.suppress(OSError):
                answer += conn.recv(65536)
    match = re.match(rb"HTTP/1\.[01] (\d{3})", answer)
    return (int(match.group(1)) if match else 0), min(sent, size)


def raw_post(port: int, headers: dict[str, str], body: bytes) -> int:
    lines = ["POST /slack/events HTTP/1.1", f"Host: {HOST}:{port}", f"Content-Length: {len(body)}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    with socket.create_connection((HOST, port), timeout=10) as conn:
        conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        answer = conn.recv(65536)
    match = re.match(rb"HTTP/1\.[01] (\d{3})", answer)
    return int(match.group(1)) if match else 0


# --- the attacks --------------------------------------------------------------------------------


def mb(kb: int) -> str:
    return f"{kb / 1024:.1f} MB"


def attack_body(tree: Path, slack: FakeSlack, tmp: Path) -> list[tuple[str, str]]:
    out = []
    with serve(tree, slack, tmp) as s:
        for label, headers, chunked in (
            ("50 MB unsigned, Content-Length", {}, False),
            ("50 MB, fresh signature headers, chunked", signed_headers(b"x"), True),
        ):
            before = s.status()
            exact = s.reset_peak()
            started = time.perf_counter()
            status, sent = upload(s.port, 50 * MB, headers, chunked)
            seconds = time.perf_counter() - started
            time.sleep(0.3)
            after = s.status()
            base = before["VmRSS"] if exact else before["VmHWM"]
            peak = after["VmHWM"] - base
            kept = after["VmRSS"] - before["VmRSS"]
            out.append(
                (
                    label,
                    f"{status} after {sent / MB:.1f} MB sent, {seconds:.2f} s; peak RSS growth "
                    f"{mb(peak)}{'' if exact else ' (over the start-up peak)'}, kept {mb(kept)}",
                )
            )
        out.append(("/healthz after", str(get(s.port, "/healthz")[0])))
    return out


def attack_timestamp(tree: Path, slack: FakeSlack, tmp: Path) -> list[tuple[str, str]]:
    out = []
    body = urllib.parse.urlencode(command_fields("topics")).encode()
    with serve(tree, slack, tmp) as s:
        for digits in (309, 5000):
            time.sleep(0.2)
            logged = s.log_bytes()
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Slack-Request-Timestamp": "9" * digits,
                "X-Slack-Signature": "v0=" + "0" * 64,
            }
            status = raw_post(s.port, headers, body)
            time.sleep(0.3)
            out.append(
                (f"{digits}-digit timestamp", f"{status}, {s.log_bytes() - logged} log bytes")
            )
    return out


def attack_idle(tree: Path, slack: FakeSlack, tmp: Path) -> list[tuple[str, str]]:
    return idle(tree, slack, tmp, resource.getrlimit(resource.RLIMIT_NOFILE)[1])


def attack_idle_hard(tree: Path, slack: FakeSlack, tmp: Path) -> list[tuple[str, str]]:
    return idle(tree, slack, tmp, 1024)


def idle(tree: Path, slack: FakeSlack, tmp: Path, hard: int) -> list[tuple[str, str]]:
    """2,000 idle connections to a `serve` started with a soft open-file limit of 1024 and a hard
    limit of ``hard``."""
    out = []
    with serve(tree, slack, tmp, open_files=(1024, hard)) as s:
        time.sleep(0.3)
        logged, rss = s.log_bytes(), s.status()["VmRSS"]
        alone = statistics.median(get(s.port, "/healthz")[1] for _ in range(5))
        conns: list[socket.socket] = []
        failed = 0
        for _ in range(2000):
            try:
                conns.append(socket.create_connection((HOST, s.port), timeout=2))
            except OSError:
                failed += 1
        time.sleep(1.0)
        held_from = time.monotonic()
        samples = []
        while time.monotonic() - held_from < 9.0:
            samples.append(get(s.port, "/healthz", timeout=5.0))
            time.sleep(0.5)
        answered = [t for status, t in samples if status == 200]
        statuses = sorted({status for status, _ in samples})
        log_growth = s.log_bytes() - logged
        rss_growth = s.status()["VmRSS"] - rss
        for conn in conns:
            conn.close()
        time.sleep(1.5)
        recovered = get(s.port, "/healthz", timeout=5.0)
        opened = re.search(r"open_files=(\d+)", s.log.read_text(errors="replace")[:5000])
    out.append(("open-file limit in force", opened.group(1) if opened else "1024 (not raised)"))
    out.append(("/healthz alone", f"{alone * 1000:.1f} ms median"))
    out.append(
        (
            "/healthz with 2,000 idle connections",
            f"{len(answered)}/{len(samples)} answered 200 (statuses {statuses}); "
            + (
                f"median {statistics.median(answered) * 1000:.1f} ms, max "
                f"{max(answered) * 1000:.1f} ms"
                if answered
                else "none within 5 s"
            ),
        )
    )
    out.append(("connections refused to the client", str(failed)))
    out.append(("log written in the 10 s", f"{log_growth / 1024:.1f} KB"))
    out.append(("RSS growth with them open", mb(rss_growth)))
    out.append(("/healthz once they closed", f"{recovered[0]} in {recovered[1] * 1000:.1f} ms"))
    return out


async def _flood(url: str, concurrency: int, seconds: float) -> dict[str, Any]:
    import aiohttp

    done = 0
    errors = 0
    stop = time.monotonic() + seconds
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker() -> None:
            nonlocal done, errors
            while time.monotonic() < stop:
                try:
                    async with session.get(url) as reply:
                        await reply.read()
                        if reply.status == 200:
                            done += 1
                        else:
                            errors += 1
                except aiohttp.ClientError:
                    errors += 1

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return {"requests": done, "errors": errors, "seconds": seconds}


def flood(url: str, concurrency: int, seconds: float) -> subprocess.Popen[str]:
    """GET ``url`` from ``concurrency`` connections for ``seconds``, in a process of its own; it
    prints a JSON line with the counts."""
    return subprocess.Popen(
        [sys.executable, __file__, "--flood", url, str(concurrency), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )


def latencies(
    port: int, text: str, count: int, every: float, until: float | None = None, **fields: str
) -> list[float]:
    """Seconds to each of ``count`` commands' acknowledgement (infinite for one not answered
    200), one every ``every`` seconds; none started after ``until`` (time.monotonic)."""
    out = []
    for i in range(count):
        if until is not None and time.monotonic() >= until:
            break
        status, seconds = command(port, text, **{k: v.format(i=i) for k, v in fields.items()})
        out.append(seconds if status == 200 else float("inf"))
        time.sleep(every)
    return out


def summary(values: list[float]) -> str:
    ms = sorted(v * 1000 for v in values)
    return f"p50 {statistics.median(ms):.0f} ms, max {ms[-1]:.0f} ms ({len(ms)} commands)"


def attack_ics(tree: Path, slack: FakeSlack, tmp: Path) -> list[tuple[str, str]]:
    with serve(tree, slack, tmp) as s:
        get(s.port, "/summits.ics")
        alone = latencies(s.port, "status", 15, 0.2, channel_id="CA{i}")
        proc = flood(f"http://{HOST}:{s.port}/summits.ics", 256, 10.0)
        time.sleep(1.0)  # the flood under way; the last command starts 1 s before it ends
        ends = time.monotonic() + 8.0
        during = latencies(s.port, "status", 100, 0.2, until=ends, channel_id="CB{i}")
        result = json.loads(proc.communicate(timeout=60)[0])
    rate = result["requests"] / result["seconds"]
    return [
        ("`status` alone", summary(alone)),
        ("`status` during the /summits.ics flood", summary(during)),
        ("/summits.ics served", f"{rate:.0f} requests/s ({result['errors']} errors)"),
    ]


def install_once(port: int, code: str) -> int:
    page = urllib.request.urlopen(f"http://{HOST}:{port}/slack/install", timeout=10)
    html = page.read().decode()
    cookie = (page.headers.get("Set-Cookie") or "").split(";")[0]
    found = re.search(r"state=([^&\"]+)", html)
    if not found:
        return 0
    req = urllib.request.Request(
        f"http://{HOST}:{port}/slack/oauth_redirect?code={code}&state={found.group(1)}",
        headers={"Cookie": cookie},
    )
    with urllib.request.urlopen(req, timeout=10) as reply:
        return reply.status


def rows(db: Path) -> int:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return int(conn.execute("SELECT count(*) FROM oauth_states").fetchone()[0])


def attack_install(tree: Path, slack: FakeSlack, tmp: Path) -> list[tuple[str, str]]:
    with serve(tree, slack, tmp, oauth=True) as s:
        assert install_once(s.port, "bench") == 200
        team = {"team_id": "T-bench", "user_id": "U1"}
        alone = latencies(s.port, "subscribe daily 09:00 UTC", 10, 0.2, channel_id="CS{i}", **team)
        before = rows(s.db)
        count, threads = 2000, 16
        done = [0]
        lock = threading.Lock()

        def worker(n: int) -> None:
            for _ in range(n):
                status = get(s.port, "/slack/install", timeout=10)[0]
                with lock:
                    done[0] += status == 200

        pool = [threading.Thread(target=worker, args=(count // threads,)) for _ in range(threads)]
        started = time.perf_counter()
        for t in pool:
            t.start()
        during = latencies(s.port, "subscribe daily 09:00 UTC", 10, 0.1, channel_id="CT{i}", **team)
        for t in pool:
            t.join(timeout=120)
        seconds = time.perf_counter() - started
        after = rows(s.db)
    return [
        ("GET /slack/install", f"{done[0]}/{count} answered 200, {count / seconds:.0f} requests/s"),
        ("oauth_states rows written by them", str(after - before)),
        ("`subscribe` alone", summary(alone)),
        ("`subscribe` during the install flood", summary(during)),
    ]


ATTACKS = {
    "body": attack_body,
    "timestamp": attack_timestamp,
    "idle": attack_idle,
    "idle-hard": attack_idle_hard,
    "ics": attack_ics,
    "install": attack_install,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", type=Path, default=ROOT, help="the sources `serve` runs from")
    parser.add_argument("--attacks", default=",".join(ATTACKS))
    parser.add_argument("--flood", nargs=3, help=argparse.SUPPRESS)
    opts = parser.parse_args(argv)
    if opts.flood:  # the flood's own process
        url, concurrency, seconds = opts.flood
        print(json.dumps(asyncio.run(_flood(url, int(concurrency), float(seconds)))))
        return 0
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < min(hard, 8192):  # this process holds the idle connections' other ends
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 8192), hard))
    tree = opts.tree.resolve()
    print(f"`serve` from {tree}\n")
    print("| attack | measured |\n|---|---|")
    with FakeSlack() as slack, tempfile.TemporaryDirectory(prefix="declaration-bot-attacks-") as t:
        slack.add_user("U1", tz="UTC", team_id="T-bench")
        for name in opts.attacks.split(","):
            for label, figure in ATTACKS[name](tree, slack, Path(t)):
                print(f"| {name}: {label} | {figure} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
