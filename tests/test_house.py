"""The house's size limits (issue 12): no module over 600 lines outside migrations and tests,
no view function over 40 lines. A view that grows past that wants a selector or a service."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("accounts", "benchmarks", "demo", "leadreview", "qualification", "review")
MAX_MODULE_LINES = 600
MAX_VIEW_LINES = 40


def _modules():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def _view_modules():
    for path in _modules():
        if path.name in {"views.py", "api.py"}:
            yield path


def _functions(path: Path):
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node.name, node.end_lineno - node.lineno + 1  # from `def`, decorators not counted


def test_no_module_is_over_600_lines():
    long = {
        str(path.relative_to(ROOT)): len(path.read_text().splitlines())
        for path in _modules()
        if len(path.read_text().splitlines()) > MAX_MODULE_LINES
    }
    assert not long, long


def test_no_view_function_is_over_40_lines():
    long = {
        (str(path.relative_to(ROOT)), name): lines
        for path in _view_modules()
        for name, lines in _functions(path)
        if lines > MAX_VIEW_LINES
    }
    assert not long, long
