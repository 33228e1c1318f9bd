"""The benchmarks import the app inside functions (Django is set up first), so nothing but a
`make bench` run notices when a name they use moves. This does, in the suite."""

import ast
import importlib
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
APP_PACKAGES = ("accounts", "demo", "leadreview", "qualification", "review")


def _app_imports():
    for path in sorted(BENCHMARKS.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(APP_PACKAGES):
                for alias in node.names:
                    yield pytest.param(node.module, alias.name, id=f"{path.name}:{alias.name}")


@pytest.mark.parametrize(("module", "name"), list(_app_imports()))
def test_every_name_a_benchmark_imports_from_the_app_exists(module, name):
    assert hasattr(importlib.import_module(module), name), f"{module} has no {name}"
