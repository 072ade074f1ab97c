"""The house keeps its floors: imports point down only, and no module needs itself back.

The import graph is read from the source (every `import`, at module level or
inside a function), so a shortcut upward fails here instead of in review.
Floors, bottom to top, as README and docs/architecture.md draw them:
the vocabulary, the store, the stages in the order a message travels,
replies and reports, the orchestration that runs them, the console, and the
entry points. A module may import its own floor and the floors below.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("intake", "store", "notifier", "console", "samples")

# Bottom to top. A module belongs to the floor of its longest matching prefix.
FLOORS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("vocabulary", ("intake.base",)),
    ("store", ("store",)),
    ("1 fetch", ("intake.mailbox", "intake.fetch")),
    ("2 MIME and archives", ("intake.mime",)),
    ("3 extractors", ("intake.extractors",)),
    ("4 assembling and classifying", ("intake.sort",)),
    ("5 validators", ("intake.validators",)),
    ("the experts' preparation", ("intake.review",)),
    ("6 recording", ("intake.record",)),
    ("replies and reports", ("notifier",)),
    ("orchestration", ("intake.run",)),
    ("console", ("console",)),
    ("sample data", ("samples",)),
    ("entry points", ("intake.cli", "intake.demo", "intake.progress", "intake")),
)


def module_name(path: Path) -> str:
    name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    return name.removesuffix(".__init__")


def product_modules() -> dict[str, Path]:
    return {module_name(p): p for package in PACKAGES for p in (ROOT / package).rglob("*.py")}


def floor_of(module: str) -> int:
    best = max(((len(prefix), i) for i, (_, prefixes) in enumerate(FLOORS) for prefix in prefixes
                if module == prefix or module.startswith(prefix + ".")), default=None)
    assert best is not None, f"{module} belongs to no floor: add it to FLOORS"
    return best[1]


def imports_of(module: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The product modules `module` imports, wherever the import statement stands."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in known)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1] + ([base] if base else []))
            for alias in node.names:
                target = f"{base}.{alias.name}"
                found.add(target if target in known else base)
    return {name for name in found if name in known and name != module}


def graph() -> dict[str, set[str]]:
    known = product_modules()
    return {name: imports_of(name, path, known) for name, path in known.items()}


def test_every_import_points_down_or_level():
    upward = []
    for module, targets in graph().items():
        for target in targets:
            if floor_of(target) > floor_of(module):
                upward.append(f"{module} ({FLOORS[floor_of(module)][0]}) imports {target} "
                              f"({FLOORS[floor_of(target)][0]})")
    assert not upward, "imports that point up a floor:\n" + "\n".join(sorted(upward))


def test_no_module_imports_itself_back():
    edges = graph()
    cycles, state = [], {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = "open"
        for target in sorted(edges[node]):
            if state.get(target) == "open":
                cycles.append(" → ".join(trail[trail.index(target):] + [target]))
            elif target not in state:
                visit(target, trail + [target])
        state[node] = "done"

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_the_floors_know_every_module():
    assert all(floor_of(module) >= 0 for module in product_modules())
