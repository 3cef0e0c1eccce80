"""One home per concept (issue #23): moved names keep working from their old paths, with a warning, for one release.

- the Monte Carlo ``Estimate``: ``thermotheory.result`` -> ``thermotheory.montecarlo.uncertainty``;
- ``Derivation`` and ``Definition``: ``thermotheory.results`` -> ``thermotheory.derivation``;
- the moments: ``thermotheory.core.covariance`` -> ``core.state``, ``.moments``, ``.lyapunov``, ``.expm``,
  ``.protocols``;
- ``thermotheory.quantity`` is the module; the lookup by name is ``tt.lookup_quantity``;
- every deprecated keyword is declared once, in ``thermotheory.core.roles``.
"""

import ast
import importlib
import inspect
import types
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

import thermotheory as tt
from thermotheory.core import _compat, roles

PACKAGE = Path(tt.__file__).parent
#: Old module -> its names' new homes, written out here (not read from the shims).
MOVED = {
    "thermotheory.result": dict.fromkeys(["Estimate", "normal_equivalent_z", "per_path", "ratio", "pooled"],
                                         "thermotheory.montecarlo.uncertainty"),
    "thermotheory.results": dict.fromkeys(["Definition", "Derivation"], "thermotheory.derivation"),
    "thermotheory.core.covariance": {
        "stationary_mean": "thermotheory.core.state", "stationary_covariance": "thermotheory.core.state",
        "require_stable": "thermotheory.core.state", "covariance": "thermotheory.core.moments",
        "mean": "thermotheory.core.moments", "noise_integral": "thermotheory.core.moments",
        "MAX_TRANSIENT_PREDICTED": "thermotheory.core.moments", "switching_times": "thermotheory.core.protocols",
        "expm_symbolic": "thermotheory.core.expm", "solve_fraction_free": "thermotheory.core.lyapunov",
        "digits_lost": "thermotheory.core.lyapunov", "check_conditioning": "thermotheory.core.lyapunov",
        "WARN_DIGITS_LOST": "thermotheory.core.lyapunov", "REFUSE_DIGITS_LOST": "thermotheory.core.lyapunov",
        "MAX_SYMBOLIC_BLOCK": "thermotheory.core.lyapunov", "MAX_SYMBOLIC_UNKNOWNS": "thermotheory.core.lyapunov",
        "MAX_PREDICTED_TERMS": "thermotheory.core.lyapunov"},
}
OLD_NAMES = [(old, name, home) for old, homes in MOVED.items() for name, home in homes.items()]


@pytest.mark.parametrize("old, name, home", OLD_NAMES, ids=lambda p: p if isinstance(p, str) else "")
def test_old_module_gives_the_same_object_with_a_warning(old, name, home):
    module = importlib.import_module(old)  # importing alone is silent (pytest's doctest collection imports it)
    with pytest.warns(DeprecationWarning, match=rf"{old}\.{name} is deprecated.*import it from {home}") as caught:
        got = getattr(module, name)
    assert got is getattr(importlib.import_module(home), name)
    assert caught[0].filename == __file__  # points at the user's line
    assert sorted(module.__all__) == sorted(MOVED[old])


def test_from_import_of_an_old_path_warns_at_the_importing_line():
    with pytest.warns(DeprecationWarning, match="thermotheory.montecarlo.uncertainty") as caught:
        from thermotheory.result import Estimate
    assert caught[0].filename == __file__
    assert Estimate(1.02, 0.01, 100).z(1.0) == pytest.approx(0.02 / 0.01)  # the type itself, working
    with pytest.warns(DeprecationWarning, match="thermotheory.derivation"):
        from thermotheory.results import Derivation
    assert Derivation is tt.Derivation and tt.Derivation.__module__ == "thermotheory.derivation"
    with pytest.raises(AttributeError):
        importlib.import_module("thermotheory.results").not_a_name


def test_old_modules_stay_reachable_as_attributes():
    x = sp.Symbol("x", real=True)
    m = tt.LinearSDE({x: -2 * x + 1}, {x: 1})
    with pytest.warns(DeprecationWarning, match="thermotheory.core.moments"):
        old_mean = tt.core.covariance.mean
    # dx = (1 - 2x) dt from x = 0: mean (1 - exp(-2t)) / 2, by hand
    assert float(old_mean(m, 1.0, {x: 0})[0]) == pytest.approx((1 - np.exp(-2.0)) / 2, rel=1e-12)
    with pytest.warns(DeprecationWarning):
        assert tt.results.Definition is tt.Definition
    with pytest.warns(DeprecationWarning):
        assert tt.result.Estimate.__module__ == "thermotheory.montecarlo.uncertainty"


def test_public_moments_come_from_their_homes():
    from thermotheory.core import moments, state

    assert tt.stationary_covariance is state.stationary_covariance
    assert tt.stationary_mean is state.stationary_mean
    assert tt.covariance is moments.covariance
    x = sp.Symbol("x", real=True)
    # Ornstein-Uhlenbeck dx = -k x dt + sqrt(2 D) dW: variance D / k, by hand
    assert float(tt.stationary_covariance(tt.LinearSDE({x: -3 * x}, {x: 2}))[0, 0]) == pytest.approx(2 / 3, rel=1e-12)


def _imports(path: Path) -> list[str]:
    """The absolute dotted names that ``path`` imports (relative imports resolved; inside functions too)."""
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    here = parts[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(here[:len(here) - (node.level - 1)] + ([base] if base else []))
            found += [base] + [f"{base}.{a.name}" for a in node.names]
    return found


def test_the_package_imports_no_old_path():
    shims = {PACKAGE / "result.py", PACKAGE / "results.py", PACKAGE / "core" / "covariance.py"}
    used = {str(p.relative_to(PACKAGE)): old for p in PACKAGE.rglob("*.py") if p not in shims
            for old in _imports(p) if old in MOVED}
    assert not used


# -- thermotheory.quantity is the module; the lookup is tt.lookup_quantity ------------------------------------
def test_quantity_is_the_module_and_calling_it_is_deprecated():
    assert isinstance(tt.quantity, types.ModuleType)
    assert importlib.import_module("thermotheory.quantity") is tt.quantity
    assert tt.quantity.QUANTITIES["heat_rate"] is tt.heat_rate
    assert tt.lookup_quantity("heat_rate") is tt.heat_rate and "lookup_quantity" in tt.__all__
    with pytest.warns(DeprecationWarning, match=r"thermotheory.quantity\(...\) is deprecated.*lookup_quantity"):
        assert tt.quantity("information_flow") is tt.information_flow
    with pytest.raises(tt.ModelError, match="does not know"), pytest.warns(DeprecationWarning):
        tt.quantity("nope")


# -- deprecated keywords: one table ---------------------------------------------------------------------------
def _public(name: str):
    """The function that the table's key ``name`` (relative to ``thermotheory``) stands for."""
    obj = tt
    for part in name.split("."):
        obj = getattr(obj, part, None) or importlib.import_module(f"{obj.__name__}.{part}")
    return obj.function if isinstance(obj, tt.Quantity) else obj


@pytest.mark.parametrize("name", sorted(roles.RENAMED_KEYWORDS))
def test_every_renamed_keyword_is_read_from_the_table(name):
    fn = _public(name)
    assert getattr(fn, _compat.RENAMED) == roles.RENAMED_KEYWORDS[name]
    for old, new in roles.RENAMED_KEYWORDS[name].items():
        assert new in inspect.signature(fn).parameters and old not in inspect.signature(fn).parameters
    record = tt.quantity.QUANTITIES.get(name)
    if record is not None:  # the quantity record's aliases are the same declaration
        assert record.aliases == roles.RENAMED_KEYWORDS[name]
        with pytest.warns(DeprecationWarning, match="deprecated"):
            bound = record.of(**{old: "x" for old in roles.RENAMED_KEYWORDS[name]})
        assert bound == record.of(subsystem="x")


def test_quantities_without_a_table_entry_have_no_aliases():
    assert {q.name: q.aliases for q in tt.quantity.QUANTITIES.values() if q.aliases} == roles.DEPRECATED


def test_keyword_only_slots_are_read_from_the_table():
    assert roles.KEYWORD_ONLY["LinearSDE.from_matrices"] == ("b", "variables", "parity", "time")
    with pytest.warns(DeprecationWarning, match="passing b positionally"):
        m = tt.LinearSDE.from_matrices([[-2.0]], [0.5], [1.0])
    assert float(tt.stationary_mean(m)[0]) == pytest.approx(0.5)  # -2 x + 1 = 0
    with pytest.raises(TypeError, match="no deprecated keywords"):
        _compat.deprecated_keywords("entropy")


def test_no_deprecated_keyword_is_declared_outside_the_table():
    declared = []
    for path in PACKAGE.rglob("*.py"):
        if path.name == "_compat.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("renamed_keywords",
                                                                              "keyword_only_after"):
                declared.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
            if isinstance(node, ast.keyword) and node.arg == "aliases" and isinstance(node.value, ast.Dict):
                declared.append(f"{path.relative_to(PACKAGE)}:{node.value.lineno}")
    assert not declared
