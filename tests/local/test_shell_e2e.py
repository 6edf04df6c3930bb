"""The shell as a newcomer runs it: `declaration-bot shell`, piped and on a real terminal (a pty):
line editing, history, Ctrl-C and Ctrl-D, colours only where they belong."""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

BIN = [sys.executable, "-m", "bot", "shell"]


def env_for(tmp: Path, **extra: str) -> dict[str, str]:
    return {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp),
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": f"sqlite:///{tmp / 'local.sqlite3'}",
        "TZ": "Europe/Paris",
        "LANG": "C.UTF-8",
        **extra,
    }


def test_a_piped_session_subscribes_and_sees_its_digest(tmp_path: Path) -> None:
    lines = [
        "tick 2026-06-15 12:00",
        "/declaration subscribe daily 09:00",
        "/declaration status",
        "/declaration tick 2026-06-17 09:00",
        "tick 2026-06-17 09:00",
        "search the",
        "search cessez-le-feu lang:fr",
        "topics",
        "3",
        "unsubscribe",
    ]
    r = subprocess.run(
        BIN,
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        timeout=120,
        env=env_for(tmp_path),
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    out = r.stdout
    assert "\x1b" not in out and "<!date" not in out and "*" not in out and "`" not in out
    assert "Subscribed #local: digests every day at 09:00 (Europe/Paris, this terminal's" in out
    assert "Posted in #local (digest and reminder):" in out  # WAIC 2026 starts 30 days later
    assert out.count("Posted in #local") == 1 and "Nothing was due for #local." in out
    assert "is too common a word to search for" in out
    assert "appellent à un cessez-le-feu immédiat" in out
    assert "France–China joint statement on the situation in the Middle East" in out
    assert "Unsubscribed #local" in out
    assert (tmp_path / "local.sqlite3").exists()


def test_the_piped_shell_writes_nothing_for_reading(tmp_path: Path) -> None:
    r = subprocess.run(
        BIN, input="topics\nsummits\n", capture_output=True, text=True, timeout=60,
        env=env_for(tmp_path), cwd=tmp_path,
    )  # fmt: skip
    assert r.returncode == 0 and "Topics" in r.stdout
    assert list(tmp_path.iterdir()) == []  # no database until a channel command needs one


def test_a_database_that_cannot_be_used_is_one_line_and_exit_2(tmp_path: Path) -> None:
    env = env_for(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'no' / 'such' / 'x.sqlite3'}")
    r = subprocess.run(
        BIN, input="status\nbletchley\n", capture_output=True, text=True, timeout=60,
        env=env, cwd=tmp_path,
    )  # fmt: skip
    assert r.returncode == 2
    assert len(r.stderr.strip().splitlines()) == 1 and "DATABASE_URL" in r.stderr
    assert "Traceback" not in r.stderr and "Bletchley" in r.stdout


class Terminal:
    """The shell on a pseudo-terminal, typed at like a person would."""

    def __init__(self, tmp: Path, **env: str) -> None:
        # pty.fork makes the pty the child's controlling terminal, so Ctrl-C is a real SIGINT
        pid, self.master = pty.fork()
        if pid == 0:  # pragma: no cover - the child
            # a test runner started in the background may ignore SIGINT; a terminal user does not
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            os.chdir(tmp)
            os.execve(BIN[0], BIN, env_for(tmp, TERM="xterm-256color", **env))
        self.pid = pid
        self.seen = ""

    def read_until(self, needle: str, timeout: float = 60.0) -> str:
        """Everything up to the next ``needle`` (what the screen showed), waiting for it."""
        while needle not in self.seen:
            ready, _, _ = select.select([self.master], [], [], timeout)
            if not ready:
                raise AssertionError(f"never saw {needle!r}; saw {self.seen[-2000:]!r}")
            try:
                chunk = os.read(self.master, 65536).decode("utf-8", "replace")
            except OSError:
                chunk = ""
            if not chunk:
                raise AssertionError(f"ended before {needle!r}; saw {self.seen[-2000:]!r}")
            self.seen += chunk
        before, _, self.seen = self.seen.partition(needle)
        return before

    def type(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def interrupt(self) -> None:
        """Ctrl-C, once the shell waits for a key. (A SIGINT landing while readline is still
        echoing the last key is only noticed at the next key: Python's readline checks signals
        when its wait for input is interrupted.)"""
        stat = Path(f"/proc/{self.pid}/stat")
        for _ in range(10_000):
            if not stat.exists():
                break
            state = stat.read_text().rsplit(")", 1)[1].split()[0]
            wchan = Path(f"/proc/{self.pid}/wchan").read_text()
            if state == "S" and ("poll" in wchan or "select" in wchan):
                break
            select.select([], [], [], 0.005)
        self.type("\x03")

    def close(self) -> int:
        while True:  # drain what is left so the child is never blocked writing
            ready, _, _ = select.select([self.master], [], [], 60)
            try:
                if not ready or not os.read(self.master, 65536):
                    break
            except OSError:
                break
        _, status = os.waitpid(self.pid, 0)
        os.close(self.master)
        return os.waitstatus_to_exitcode(status)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX terminals only")
def test_on_a_terminal_line_editing_history_ctrl_c_and_ctrl_d(tmp_path: Path) -> None:
    state = tmp_path / "state"
    term = Terminal(tmp_path, XDG_STATE_HOME=str(state))
    banner = term.read_until("declaration> ")
    assert "no Slack needed" in banner and "#local" in banner
    term.type("search ceasefire\r")
    out = term.read_until("declaration> ")
    assert "\x1b[1mceasefire\x1b[22m" in out  # bold on a terminal
    assert "*ceasefire*" not in out
    term.type("xyzzy")
    term.read_until("xyzzy")  # echoed: readline has it
    term.interrupt()  # Ctrl-C: the line is dropped, a new prompt comes
    term.read_until("declaration> ")
    term.type("\r")  # so Enter runs nothing
    assert "don't know" not in term.read_until("declaration> ")
    term.type("\x1b[A\r")  # up arrow: the last command again
    again = term.read_until("declaration> ")
    assert "search ceasefire" in again and "\x1b[1mceasefire\x1b[22m" in again
    assert "^[[A" not in again
    term.type("\x04")  # Ctrl-D
    assert term.close() == 0
    assert "search ceasefire" in (state / "declaration-bot" / "history").read_text()


def test_on_a_terminal_no_color_and_an_unwritable_history(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    term = Terminal(tmp_path, NO_COLOR="1", XDG_STATE_HOME=str(blocked))
    term.read_until("declaration> ")
    term.type("search ceasefire\r")
    out = term.read_until("declaration> ")
    assert "ceasefire" in out and not re.search(r"\x1b\[[0-9;]*m", out)
    term.type("exit\r")
    assert term.close() == 0
