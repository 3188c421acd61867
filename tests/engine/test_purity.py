"""The engine imports only the standard library and itself."""

import ast
import subprocess
import sys
from pathlib import Path

import exchange.engine

ENGINE_DIR = Path(exchange.engine.__file__).parent


def _imports(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                yield "exchange.engine"  # relative imports stay inside the package
            elif node.module:
                yield node.module


def _allowed(module):
    return (
        module.split(".")[0] in sys.stdlib_module_names
        or module == "exchange.engine"
        or module.startswith("exchange.engine.")
    )


def test_engine_files_found():
    """The walk sees the engine's modules (guards against a vacuous pass)."""
    names = {p.name for p in ENGINE_DIR.glob("*.py")}
    assert {"book.py", "matching.py", "orders.py", "events.py", "fees.py", "units.py"} <= names


def test_engine_imports_only_stdlib():
    """Every import in exchange/engine/*.py is standard library or exchange.engine."""
    bad = [
        f"{path.name}: {module}"
        for path in sorted(ENGINE_DIR.glob("*.py"))
        for module in _imports(path)
        if not _allowed(module)
    ]
    assert bad == []


def test_checker_rejects_third_party_and_django():
    """The rule itself flags Django and the rest of the project."""
    assert not _allowed("django.db")
    assert not _allowed("exchange.models")
    assert not _allowed("exchange.engineering")
    assert _allowed("collections.abc")


def test_importing_engine_loads_nothing_else():
    """At run time, importing the engine pulls in no third-party or Django module."""
    code = (
        "import sys; before = set(sys.modules); import exchange.engine; "
        "print('\\n'.join(sorted(set(sys.modules) - before)))"
    )
    root = ENGINE_DIR.parent.parent
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True).stdout
    loaded = [m for m in out.split() if m.split(".")[0] not in sys.stdlib_module_names]
    assert [m for m in loaded if m != "exchange" and not _allowed(m)] == []
