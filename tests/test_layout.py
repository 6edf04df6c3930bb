"""The tests' own layout: a test module imports helpers, never another test module, so each one can
be read, moved and run on its own."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def is_test_module(dotted: str) -> bool:
    """``tests.test_x``, ``tests.delivery.test_x``, …: a module pytest collects tests from."""
    parts = dotted.split(".")
    return parts[0] == "tests" and any(part.startswith("test_") for part in parts[1:])


def imported_test_modules(path: Path) -> list[str]:
    """The test modules ``path`` imports, anywhere in it (inside functions too)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if is_test_module(alias.name)]
        elif isinstance(node, ast.ImportFrom):
            module = "tests" if node.level else (node.module or "")
            if node.level and node.module:
                module = f"tests.{node.module}"
            found += [
                f"{module}.{alias.name}"
                for alias in node.names
                if is_test_module(module) or is_test_module(f"{module}.{alias.name}")
            ]
    return found


def test_no_test_module_imports_another() -> None:
    offenders = {
        str(path.relative_to(TESTS)): imported
        for path in sorted(TESTS.rglob("*.py"))
        if "data" not in path.relative_to(TESTS).parts and (imported := imported_test_modules(path))
    }
    assert offenders == {}, (
        "move what they share into a helper module (tests/*help.py, tests/e2e.py)"
    )
