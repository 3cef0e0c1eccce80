"""The floors of the house plan: imports run downwards only (imports inside functions count).

core -> quantity, registry, derivation -> montecarlo, workers -> models, verify, sweep, estimate ->
catalog, export, plot -> cli. A package's ``__init__`` re-exports names and is not counted.
"""

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "thermotheory"

FLOORS = {
    "errors": 0, "_version": 0,
    "core": 1,
    "quantity": 2, "registry": 2, "derivation": 2, "result": 2, "results": 2,
    "montecarlo": 3, "workers": 3,
    "models": 4, "verify": 4, "sweep": 4, "estimate": 4,
    "catalog": 5, "export": 5, "plot": 5,
    "cli": 6, "__main__": 6,
}


def _modules() -> dict[str, Path]:
    out = {}
    for p in PKG.rglob("*.py"):
        parts = list(p.relative_to(PKG.parent).with_suffix("").parts)
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = p
    return out


def _targets(mod: str, node: ast.AST, files: dict[str, Path]):
    packages = {m for m, p in files.items() if p.name == "__init__.py"}
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names]
    else:
        base = node.module or ""
        if node.level:
            here = mod.split(".") if mod in packages else mod.split(".")[:-1]
            here = here[: len(here) - (node.level - 1)]
            base = ".".join(here + ([base] if base else []))
        names = [base] + [f"{base}.{a.name}" for a in node.names]
    for name in names:
        while name and name not in files:
            name = name.rpartition(".")[0]
        if name and name != mod and files[name].name != "__init__.py":
            yield name


def _floor(mod: str) -> int:
    return FLOORS[mod.split(".")[1]]


def test_every_module_has_a_floor():
    files = _modules()
    assert all(m.split(".")[1] in FLOORS for m in files if m != "thermotheory"), \
        sorted(m for m in files if m != "thermotheory" and m.split(".")[1] not in FLOORS)


def test_no_module_imports_from_a_higher_floor():
    files = _modules()
    upward = []
    for mod, path in files.items():
        if path.name == "__init__.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for target in set(_targets(mod, node, files)):
                    if _floor(target) > _floor(mod):
                        upward.append(f"{path.relative_to(PKG.parent)}:{node.lineno} imports {target}")
    assert not upward, upward
