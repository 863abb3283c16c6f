"""The shape of the code, read statically: every module is named in its package's notes and
every named module exists; notes and modules stay short; the top levels stay small; imports run
one way with no circle; each package's ``__all__`` is its public surface (as httpx tests)."""

import ast
import importlib
import re
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("collection", "aimi", "baselines", "benchmark")
ROW = re.compile(r"^\|\s*`([\w/]+\.py)`", re.M)
ALLOWED = {"collection": set(), "baselines": set(), "aimi": {"collection"},
           "benchmark": {"collection", "aimi", "baselines"}}


def _modules(package: str) -> list[Path]:
    return sorted(p for p in (ROOT / package).rglob("*.py") if p.name not in ("__init__.py", "__main__.py"))


def _notes(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("ARCHITECTURE.md"))


def _name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@pytest.mark.parametrize("package", PACKAGES)
def test_every_module_is_in_a_note_and_every_note_names_real_modules(package):
    named = set()
    for note in _notes(package):
        for relative in ROW.findall(note.read_text()):
            path = note.parent / relative
            assert path.is_file(), f"{note.relative_to(ROOT)} names {relative}, which is gone"
            named.add(path)
    missing = [str(p.relative_to(ROOT)) for p in _modules(package) if p not in named]
    assert not missing, f"modules missing from {package}'s ARCHITECTURE notes: {missing}"


@pytest.mark.parametrize("package", PACKAGES)
def test_notes_and_modules_are_short(package):
    for note in _notes(package):
        assert len(note.read_text().splitlines()) <= 60, f"{note.relative_to(ROOT)} is over 60 lines"
    for module in _modules(package):
        assert len(module.read_text().splitlines()) <= 400, f"{module.relative_to(ROOT)} is over 400 lines"


def test_top_levels_stay_small():
    def top(package):
        return [p for p in (ROOT / package).glob("*.py") if p.name not in ("__init__.py", "__main__.py")]

    assert len(top("collection")) <= 12 and len(top("benchmark")) <= 8


def _imports(path: Path) -> set[str]:
    """Every module of ours ``path`` imports, at any depth of the code (lazy imports count)."""
    here = _name(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package[:len(package) - node.level + 1] + ([base] if base else []))
            names = [base] + [f"{base}.{a.name}" for a in node.names]
        else:
            continue
        for name in names:
            if name.split(".")[0] in PACKAGES:
                found.add(name)
    return found


def _graph() -> dict[str, set[str]]:
    files = {_name(p): p for package in PACKAGES for p in (ROOT / package).rglob("*.py")}
    graph = {}
    for name, path in files.items():
        targets = set()
        for imported in _imports(path):
            while imported and imported not in files:      # ``from pkg import name``: the module is pkg
                imported = imported.rpartition(".")[0]
            if imported and imported != name:
                targets.add(imported)
        graph[name] = targets
    return graph


def test_imports_run_one_way_between_packages():
    for module, targets in _graph().items():
        package = module.split(".")[0]
        others = {t.split(".")[0] for t in targets} - {package}
        assert others <= ALLOWED[package], f"{module} imports {sorted(others - ALLOWED[package])}"


def test_no_import_circle():
    graph = _graph()
    # a package's __init__ re-exports its modules; the circle that matters is between modules
    edges = {m: {t for t in ts if not (ROOT / t.replace(".", "/") / "__init__.py").is_file()}
             for m, ts in graph.items()}
    state: dict[str, int] = {}

    def visit(node, trail):
        state[node] = 1
        for target in sorted(edges.get(node, ())):
            if state.get(target) == 1:
                circle = trail[trail.index(target):] + [target]
                pytest.fail("import circle: " + " -> ".join(circle))
            if not state.get(target):
                visit(target, trail + [target])
        state[node] = 2

    for node in sorted(edges):
        if not state.get(node):
            visit(node, [node])


def _packages() -> list[str]:
    return sorted(_name(p) for package in PACKAGES for p in (ROOT / package).rglob("__init__.py"))


@pytest.mark.parametrize("name", _packages())
def test_all_is_the_public_surface(name):
    module = importlib.import_module(name)
    members = {n for n, v in vars(module).items() if not n.startswith("_") and not isinstance(v, types.ModuleType)}
    assert hasattr(module, "__all__"), f"{name} has no __all__"
    exported = set(module.__all__)
    assert all(hasattr(module, n) for n in exported), f"{name}: __all__ names what it does not have"
    modules = {n for n in exported if isinstance(getattr(module, n), types.ModuleType)}
    assert exported - modules - {"__version__"} == members, f"{name}: __all__ differs from its public names"
