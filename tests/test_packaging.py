"""The package as pip builds it: no setuptools warnings, and a wheel installed outside the
repository runs with the content it ships (no network: the build uses the installed setuptools,
the new environment borrows the dependencies already installed)."""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from bot import __version__
from tests.conftest import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_every_content_folder_is_a_shipped_package() -> None:
    """Setuptools ships a folder's files only if the folder is listed: a new language or kind of
    content must be added to pyproject.toml, or an installed bot would miss it."""
    setuptools = PYPROJECT["tool"]["setuptools"]
    assert setuptools["package-dir"] == {"bot._content": "content"}
    listed = {p for p in setuptools["packages"] if p.startswith("bot._content")}
    content = ROOT / "content"
    folders = [content, *(p for p in content.rglob("*") if p.is_dir())]
    assert listed == {".".join(["bot._content", *p.relative_to(content).parts]) for p in folders}


@pytest.mark.slow
def test_wheel_installed_elsewhere_runs_with_its_content(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    for name in ("bot", "handlers", "content"):
        shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    pip = [sys.executable, "-m", "pip"]
    offline = ["--no-deps", "--no-index"]
    build = subprocess.run(
        [
            *pip,
            "wheel",
            "-v",
            *offline,
            "--no-build-isolation",
            "-w",
            str(tmp_path / "dist"),
            str(src),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    log = build.stdout + build.stderr
    for warning in ("SetuptoolsDeprecationWarning", "is absent from the `packages`", "_Warning"):
        assert warning not in log
    (wheel,) = (tmp_path / "dist").glob("declaration_bot-*.whl")

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    install = subprocess.run(
        [*pip, "--python", str(venv / "bin" / "python"), "install", *offline, str(wheel)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    # the dependencies this environment already has (its own bot stays out: no .pth runs there)
    (site_dir,) = (venv / "lib").glob("python3*/site-packages")
    deps = [p for p in site.getsitepackages() if Path(p).is_dir()]
    (site_dir / "deps.pth").write_text("\n".join(deps) + "\n")

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {"PATH": f"{venv / 'bin'}:{os.environ['PATH']}", "HOME": str(tmp_path)}

    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            args, input=stdin, capture_output=True, text=True, env=env, cwd=elsewhere, timeout=60
        )

    where = run(str(venv / "bin" / "python"), "-c", "import bot; print(bot.__file__)")
    assert where.stdout.startswith(str(site_dir)), where.stdout + where.stderr
    bot = str(venv / "bin" / "declaration-bot")
    check = run(bot, "check-content")
    assert check.returncode == 0, check.stderr
    assert (
        "Content OK: 3 topics" in check.stdout
        and str(site_dir / "bot" / "_content") in check.stdout
    )
    shell = run(bot, "shell", stdin="/declaration bletchley\n/declaration topics lang:fr\n")
    assert shell.returncode == 0, shell.stderr
    assert "28 countries" in shell.stdout and "Sujets" in shell.stdout
    version = run(bot, "--version")
    assert version.stdout == f"declaration-bot {__version__}\n"
