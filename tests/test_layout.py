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


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The groups of modules that import each other, directly or not (Tarjan's strongly connected
    components of more than one module, or a module importing itself)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in sorted(graph.get(module, ())):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1 or module in graph.get(module, ()):
                cycles.append(sorted(group))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return cycles


def test_import_cycles_are_found() -> None:
    assert import_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert import_cycles({"a": {"b"}, "b": set()}) == []


def test_no_module_of_the_bot_imports_itself_back() -> None:
    """No import cycle between the bot's modules, counting imports made inside functions too:
    each module can be read (and tested) with only what is below it."""
    import grimp

    built = grimp.build_graph("bot", "handlers")
    graph = {
        module: set(built.find_modules_directly_imported_by(module)) for module in built.modules
    }
    assert import_cycles(graph) == []


LONGEST = 80  # lines of one function in bot/ and handlers/ (migrations aside)


def test_no_function_of_the_bot_runs_over_80_lines() -> None:
    """A function longer than a screen is split along its decisions (docs/architecture.md)."""
    root = TESTS.parent
    long = []
    for path in sorted([*(root / "bot").rglob("*.py"), *(root / "handlers").rglob("*.py")]):
        if "migrations" in path.relative_to(root).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > LONGEST:
                    long.append(f"{path.relative_to(root)}:{node.lineno} {node.name} ({lines})")
    assert long == []
