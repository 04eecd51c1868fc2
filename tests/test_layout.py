"""The layout of the Streamlit side, read from the source (nothing is imported or run): pages
import only from ``dashboard`` and ``analytics``; no page or dashboard module calls analytics by
a string name; the modules of ``dashboard`` depend one way."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted((ROOT / "pages").glob("*.py"))
DASHBOARD = sorted((ROOT / "dashboard").glob("*.py"))
# The project's own top-level names: its packages and folders of code, and its top-level modules.
PROJECT = ({p.stem for p in ROOT.glob("*.py")} | {"pages", "tests", "bench"}
           | {d.name for d in ROOT.iterdir() if (d / "__init__.py").is_file()})


def module_name(path: Path) -> str:
    """'dashboard.reads' for dashboard/reads.py, 'dashboard' for dashboard/__init__.py."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path, source: str | None = None) -> list[tuple[int, str]]:
    """(line, module) of every import anywhere in the file, inside functions too; ``from p import
    n`` gives ``p.n`` when ``n`` is a module (a file or package beside ``p``), else ``p``; relative
    imports are resolved against the file's package. ``source``: the file's text, if not read from it."""
    tree = ast.parse(source if source is not None else path.read_text(encoding="utf-8"), filename=str(path))
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)] if package else []
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                folder = ROOT.joinpath(*base.split("."), alias.name)
                is_module = folder.with_suffix(".py").is_file() or (folder / "__init__.py").is_file()
                found.append((node.lineno, f"{base}.{alias.name}" if is_module else base))
    return found


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle of ``graph`` (node: the nodes it imports) as the list of its nodes, or None."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        state[node] = "done"
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def dashboard_graph() -> dict[str, set[str]]:
    """Which modules of ``dashboard`` each module of it imports (anywhere in the module)."""
    return {module_name(path): {m for _, m in imported(path)
                                if (m == "dashboard" or m.startswith("dashboard.")) and m != module_name(path)}
            for path in DASHBOARD}


def test_the_reader_of_imports_counts_imports_inside_functions_and_relative_ones():
    # The checks below rest on this reader: an import hidden in a function must count.
    source = ("from . import base\n"
              "def f():\n    from dashboard import view\n    import analytics.poverty\n"
              "    from .reads import cached_read\n")
    assert [m for _, m in imported(ROOT / "dashboard" / "display.py", source)] == ["dashboard.base", "dashboard.view", "analytics.poverty",
                                              "dashboard.reads"]


def test_the_cycle_finder_finds_a_cycle_and_only_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_the_dashboard_package_and_the_pages_exist():
    names = {module_name(p) for p in DASHBOARD}
    assert {"dashboard", "dashboard.base", "dashboard.reads", "dashboard.session", "dashboard.view",
            "dashboard.display"} <= names
    assert len(PAGES) >= 8
    # The four modules that imported one another in a circle are gone from the top level.
    assert not {"ui", "auth_ui", "landing", "report_ui"} & PROJECT


def is_project_module(top: str) -> bool:
    """Whether the top-level name ``top`` is (or would be) one of the project's modules: one of its
    own names, or nothing installed (e.g. a module since moved into ``dashboard``)."""
    if top in PROJECT or not top:
        return True
    spec = importlib.util.find_spec(top)
    return spec is None or (spec.origin is not None and Path(spec.origin).resolve().is_relative_to(ROOT)
                            and ".venv" not in Path(spec.origin).parts)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_a_page_imports_only_from_dashboard_and_analytics(page):
    own = [(line, m) for line, m in imported(page) if is_project_module(m.split(".")[0])]
    assert own and all(m.split(".")[0] in ("dashboard", "analytics") for _, m in own), \
        [f"{page.name}:{line} imports {m}" for line, m in own if m.split(".")[0] not in ("dashboard", "analytics")]


def _string_names_of_analytics_functions(tree: ast.AST) -> list[tuple[int, str]]:
    """String constants of the form 'module.function' that name a function of ``analytics``."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and re.fullmatch(r"[a-z_]+(\.[a-z_]+)+", node.value):
            module, _, function = node.value.rpartition(".")
            try:
                target = importlib.import_module(f"analytics.{module}")
            except ImportError:
                continue
            if callable(getattr(target, function, None)):
                found.append((node.lineno, node.value))
    return found


@pytest.mark.parametrize("path", PAGES + DASHBOARD, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_analytics_function_is_called_by_a_string_name(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    problems = [f"line {line}: imports {m}" for line, m in imported(path) if m.split(".")[0] == "importlib"]
    # Names bound to analytics modules (``from analytics import poverty``, ``import analytics.x``).
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                full = f"{node.module}.{alias.name}" if isinstance(node, ast.ImportFrom) else alias.name
                if full.startswith("analytics.") and (ROOT.joinpath(*full.split(".")).with_suffix(".py").is_file()
                                                      or (ROOT.joinpath(*full.split(".")) / "__init__.py").is_file()):
                    modules.add(alias.asname or alias.name.split(".")[0])
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id == "__import__":
                problems.append(f"line {node.lineno}: __import__")
            if node.func.id in ("getattr", "vars") and node.args and isinstance(node.args[0], ast.Name) \
                    and node.args[0].id in modules:
                problems.append(f"line {node.lineno}: {node.func.id}({node.args[0].id}, ...)")
    problems += [f"line {line}: the string {text!r}" for line, text in _string_names_of_analytics_functions(tree)]
    assert not problems, problems


def test_the_string_name_check_sees_the_former_dispatch():
    # What the pages used to write: a read by name, and a chart by name.
    tree = ast.parse('fetch("poverty.commune_table", 2024)\nfigure("charts.trend_chart", t)\nst.page_link("pages/data.py")')
    assert _string_names_of_analytics_functions(tree) == [(1, "poverty.commune_table"), (2, "charts.trend_chart")]


def test_the_dashboard_modules_depend_one_way():
    graph = dashboard_graph()
    assert graph["dashboard.base"] == set(), "the base module imports no other module of dashboard"
    assert graph["dashboard.view"] >= {"dashboard.base", "dashboard.reads", "dashboard.session"}  # read as a graph
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph))


@pytest.mark.parametrize("path", PAGES + DASHBOARD, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_module_of_dashboard_is_hidden_by_a_variable_of_the_same_name(path):
    # A page's ``base = frame`` would turn every later ``base.tr(...)`` into an AttributeError.
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules = {alias.asname or alias.name for node in ast.walk(tree)
               if isinstance(node, ast.ImportFrom) and node.module == "dashboard" for alias in node.names}
    bound = [(node.lineno, node.id) for node in ast.walk(tree)
             if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)]
    bound += [(node.lineno, node.arg) for node in ast.walk(tree) if isinstance(node, ast.arg)]
    bound += [(node.lineno, node.name) for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)]
    assert not [(line, name) for line, name in bound if name in modules]
