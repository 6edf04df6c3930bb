"""The nginx block of docs/operations.md, as written: `nginx -t` accepts it, and requests reach a
running `serve` through it (HTTPS on loopback with a self-signed certificate; only the ports and
the certificate's paths are changed). Skipped where nginx is not installed, except in CI, where
.ci/run installs it."""

from __future__ import annotations

import http.client
import os
import re
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import ROOT, free_port
from tests.e2e import Bot, bot_env, command_fields, running, signed_headers, stop
from tests.fakeslack import FakeSlack

OPERATIONS = ROOT / "docs" / "operations.md"


def nginx() -> str:
    found = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(p).exists()), None
    )
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("nginx not installed (.ci/run installs it)")
        pytest.skip("nginx not installed")
    return found


def snippet() -> str:
    (block,) = re.findall(r"```nginx\n(.*?)```", OPERATIONS.read_text(), re.S)
    return str(block)


def self_signed(folder: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bot.example.org")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def site(bot_port: int, listen_port: int, cert: Path, key: Path) -> str:
    """The snippet with this test's ports and certificate: nothing else changed."""
    text = snippet()
    for old, new in (
        ("server 127.0.0.1:3000;", f"server 127.0.0.1:{bot_port};"),
        ("listen 443 ssl;", f"listen 127.0.0.1:{listen_port} ssl;"),
        ("/etc/letsencrypt/live/bot.example.org/fullchain.pem", str(cert)),
        ("/etc/letsencrypt/live/bot.example.org/privkey.pem", str(key)),
    ):
        assert old in text, old
        text = text.replace(old, new)
    return text


def main_conf(folder: Path, site_path: Path) -> str:
    """An nginx.conf of its own (pid, logs and temporary files in ``folder``) including the site."""
    temp = "\n".join(
        f"    {kind}_temp_path {folder / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""daemon off;
worker_processes 1;
pid {folder / "nginx.pid"};
error_log {folder / "error.log"} warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
{temp}
    include {site_path};
}}
"""


@pytest.fixture
def folder() -> Iterator[Path]:
    # nginx's workers run as another user when the tests run as root: a folder they can enter
    path = Path(tempfile.mkdtemp(prefix="declaration-bot-nginx-"))
    path.chmod(0o755)
    for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (path / kind).mkdir(mode=0o777)
        (path / kind).chmod(0o777)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def https(
    port: int, method: str, path: str, body: bytes = b"", **headers: str
) -> tuple[int, bytes]:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # our own certificate, on loopback
    conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=10, context=context)
    try:
        conn.request(
            method, path, body=body or None, headers={"Host": "bot.example.org", **headers}
        )
        reply = conn.getresponse()
        return reply.status, reply.read()
    finally:
        conn.close()


def wait_listening(port: int, proc: subprocess.Popen[str], log: Path) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"nginx exited {proc.returncode}: {log.read_text()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"nginx did not listen: {log.read_text()}")


def test_the_nginx_snippet_is_valid_and_proxies_to_serve(
    slack: FakeSlack, tmp_path: Path, folder: Path
) -> None:
    program = nginx()
    cert, key = self_signed(folder)
    listen_port = free_port()
    db = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    with running(
        ["serve", "--no-clock", "--host", "127.0.0.1"],
        bot_env(slack.base_url, DATABASE_URL=db),
        tmp_path,
    ) as bot:
        site_path = folder / "declaration-bot.conf"
        site_path.write_text(site(bot.port, listen_port, cert, key))
        conf = folder / "nginx.conf"
        conf.write_text(main_conf(folder, site_path))
        check = subprocess.run(
            [program, "-t", "-p", str(folder), "-c", str(conf)],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert check.returncode == 0, check.stderr
        assert "syntax is ok" in check.stderr and "test is successful" in check.stderr
        log = folder / "stderr.log"
        with log.open("w") as out:
            proxy = subprocess.Popen(
                [program, "-p", str(folder), "-c", str(conf)],
                stdout=out,
                stderr=subprocess.STDOUT,
                text=True,
            )
        try:
            wait_listening(listen_port, proxy, log)
            through(bot, listen_port)
        finally:
            stop(proxy)


def through(bot: Bot, port: int) -> None:
    """What a client gets through the proxy."""
    assert https(port, "GET", "/healthz") == (200, b"ok\n")
    body = urllib.parse.urlencode(command_fields("bletchley")).encode()
    status, answer = https(
        port,
        "POST",
        "/slack/events",
        body,
        **{"Content-Type": "application/x-www-form-urlencoded", **signed_headers(body)},
    )
    assert status == 200 and b"28 countries" in answer  # the signature holds through the proxy
    # over the proxy's own cap: refused there, the bot never sees it
    status, _ = https(port, "POST", "/slack/events", b"x" * (2 * 1024 * 1024))
    assert status == 413
    assert "status=413" not in bot.logs() and "over the limit" not in bot.logs()
