"""The package layout (CONTRIBUTING.md, "Package map"): sub-packages by job, no import circle, small modules.

Imports are read from the source with :mod:`ast`, including imports inside functions (a lazy import still
ties two modules together), so the test needs no import of the package itself.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "notebooks" / "hipcourse"
MAX_LINES = 600  # issue 15: "no module over about 600 lines"
SUB_PACKAGES = {"content", "figures", "learning", "safety", "practice", "topics", "instructor"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _imports(name: str) -> set[str]:
    """The course modules ``name`` imports, anywhere in its source."""
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            candidates = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        found.update(c for c in candidates if c in MODULES and c != name)
    # "from hipcourse.content import data" names a module; "from hipcourse.content.data import X" too
    return {m for m in found if MODULES[m].name != "__init__.py" or m == "hipcourse"} - {"hipcourse"}


GRAPH = {name: _imports(name) for name in MODULES}


def _cycle_from(start: str) -> list[str] | None:
    stack, on_path = [(start, iter(sorted(GRAPH[start])))], [start]
    while stack:
        node, children = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            on_path.pop()
        elif child == start:
            return on_path + [start]
        elif child not in on_path:
            stack.append((child, iter(sorted(GRAPH[child]))))
            on_path.append(child)
    return None


def test_the_reader_parses_imports_inside_functions_too():
    # A check of the checker: lazy imports count (data used to import geometry inside a function).
    assert "hipcourse.content.geometry" in GRAPH["hipcourse.content.check"]
    assert "hipcourse.content.data" in GRAPH["hipcourse.content.geometry"]


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_import_circle(name):
    cycle = _cycle_from(name)
    assert cycle is None, "import circle: " + " -> ".join(cycle)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_module_is_small(name):
    lines = len(MODULES[name].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{MODULES[name].relative_to(PACKAGE.parent)}: {lines} lines (split it by job)"


def test_every_module_lives_in_a_sub_package_named_by_its_job():
    top_level = {path.stem for path in PACKAGE.glob("*.py")}
    assert top_level == {"__init__", "__main__", "cli", "paths"}
    assert {path.name for path in PACKAGE.iterdir() if path.is_dir() and path.name != "__pycache__"} == SUB_PACKAGES
    for sub in SUB_PACKAGES:
        docstring = ast.get_docstring(ast.parse((PACKAGE / sub / "__init__.py").read_text(encoding="utf-8")))
        assert docstring and len(docstring) > 40, f"hipcourse/{sub}/__init__.py needs a docstring saying its job"
