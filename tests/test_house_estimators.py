"""One function per quantity and method family: the estimator table points at them, no switch on names."""

import ast
import inspect
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

import thermotheory as tt
from thermotheory.core.lattice import LatticeField
from thermotheory.montecarlo import jump as jump_mc
from thermotheory.montecarlo import lattice as lattice_mc
from thermotheory.montecarlo import nonlinear as nonlinear_mc
from thermotheory.montecarlo import stationary as stationary_mc
from thermotheory.montecarlo import transient as transient_mc
from thermotheory.montecarlo.estimators import ESTIMATORS, estimator_for
from thermotheory.montecarlo.stationary import Run

FAMILIES = [stationary_mc, transient_mc, nonlinear_mc, lattice_mc]


def _name_switches(module) -> list[str]:
    """Comparisons of a quantity's name with a constant (``name == ...``, ``name in (...)``)."""
    found = []
    tree = ast.parse(Path(module.__file__).read_text())
    for fn in tree.body:
        for node in ast.walk(fn):
            if isinstance(node, ast.Compare):
                names = [n for n in [node.left, *node.comparators] if isinstance(n, (ast.Name, ast.Attribute))]
                for n in names:
                    ident = n.id if isinstance(n, ast.Name) else n.attr
                    if ident in ("name", "which", "kind") and any(isinstance(c, (ast.Constant, ast.Tuple, ast.Set))
                                                                    for c in node.comparators):
                        found.append(f"{module.__name__}:{node.lineno}")
    return found


def test_no_estimator_family_switches_on_the_quantity_name():
    assert not [hit for m in FAMILIES for hit in _name_switches(m)]


def test_the_table_rows_point_at_the_per_quantity_functions():
    for (name, kind, regime), row in ESTIMATORS.items():
        family = {("linear", "stationary"): stationary_mc, ("nonlinear", "stationary"): nonlinear_mc,
                  ("lattice", "stationary"): lattice_mc, ("jump", "stationary"): jump_mc,
                  ("jump", "transient"): jump_mc}.get((kind, regime), transient_mc)
        fn = getattr(family, name, None)
        if fn is None:  # currents and spectral rates: adapters over their own families
            continue
        assert row.fn is fn, (name, kind, regime)
        # the roles of the quantity are the function's parameters, by name
        params = inspect.signature(fn).parameters
        roles = [r for r in tt.lookup_quantity(name).role_names
                 if regime == "transient" or r not in ("t", "initial", "initial_mean")]
        assert roles and all(r in params for r in roles), (name, kind, regime)


def test_the_sizing_is_the_functions_method_family():
    for name in ("entropy", "heat_rate", "efficiency", "transfer_entropy_rate", "filter_error"):
        row = estimator_for(tt.lookup_quantity(name), "linear", "stationary")
        assert row.sizing == getattr(stationary_mc, name).method


def test_a_per_quantity_function_is_the_estimate_verify_makes():
    m = tt.LinearSDE.from_matrices([[-1.0, 0.0], [1.0, -2.0]], [1.0, 0.5])
    x, y = m.variables
    e, dt, dur = stationary_mc.heat_rate(m, y, paths=512, seed=3)
    same = tt.estimate(m, tt.heat_rate.of(y), paths=512, seed=3)
    assert (e.value, e.stderr) == (same.value, same.stderr)
    # and it estimates the closed form (independent: -<f_y dy>/D_y for this model, from the Lyapunov solution)
    A = np.array([[-1.0, 0.0], [1.0, -2.0]])
    from scipy.linalg import solve_continuous_lyapunov

    C = solve_continuous_lyapunov(A, -np.diag([2.0, 1.0]))
    # heat rate of y: <(A_y z)^2>/D_y - ... as -(A_yy + <f_y^2>/D_y); the Sekimoto form tr over y
    heat = (A[1] @ C @ A[1]) / 0.5 + A[1, 1]
    assert abs(e.value - heat) < 5 * e.stderr + 1e-3


def test_the_deprecated_switches_warn_and_give_the_same_numbers():
    m = tt.LinearSDE.from_matrices([[-1.0]], [1.0])
    (z,) = m.variables
    with pytest.warns(DeprecationWarning):
        old = stationary_mc.estimate(m, tt.entropy.of(z), Run(512, seed=1))
    new = stationary_mc.entropy(m, z, paths=512, seed=1)
    assert old[0].value == new[0].value
    with pytest.warns(DeprecationWarning):
        assert stationary_mc.METHODS["filter_error"] == "regression"
    with pytest.warns(DeprecationWarning):
        assert stationary_mc.method_of("heat_rate") == "rate"
    with pytest.warns(DeprecationWarning), pytest.raises(tt.ModelError):
        stationary_mc.method_of("work")
    with pytest.warns(DeprecationWarning):
        transient_mc.estimate(m, tt.heat.of(0.5, {z: 1.0}), Run(256, seed=1))
    f = LatticeField(4)
    with pytest.warns(DeprecationWarning):
        lattice_mc.estimate(f, tt.entropy.of([0, 1]), Run(512, seed=1))
    x = sp.Symbol("x", real=True)
    with pytest.warns(DeprecationWarning):
        nonlinear_mc.estimate(tt.SDE({x: -x - x**3}, {x: 1}), tt.entropy.of(x), Run(64, seed=1))


def test_the_entropy_of_the_whole_state_is_estimated():
    # was a KeyError (linear) and an IndexError (nonlinear): the entropy's role X defaults to the whole state
    m = tt.LinearSDE.from_matrices([[-1.0, 0.0], [0.5, -1.0]], [1.0, 1.0])
    assert tt.verify(m, tt.entropy, paths=1024, seed=2).passed
    x, y = sp.symbols("x y", real=True)
    sde = tt.SDE({x: -x - x**3 / 10, y: x - y}, {x: 1, y: 1})
    e = tt.estimate(sde, tt.entropy.of(), paths=256, seed=2)
    one = tt.estimate(sde, tt.entropy.of([x, y]), paths=256, seed=2)
    assert e.value == one.value


def test_a_lattice_subsystem_entropy_production_is_refused_not_the_whole_fields():
    # it was the whole field's rate, silently
    with pytest.raises(tt.ModelError, match="whole field"):
        lattice_mc.entropy_production_rate(LatticeField(4, eps=0.5), [0], paths=64)


def test_the_numeric_model_is_asked_of_the_model_kind():
    f = LatticeField(4)
    assert f.numeric() is f and f.numeric({}) is f
    with pytest.raises(tt.ModelError, match="lattice field is numeric"):
        f.numeric({"a": 1})
    k = sp.Symbol("k", positive=True)
    z = sp.Symbol("z", real=True)
    m = tt.LinearSDE({z: -k * z}, {z: 1})
    assert m.numeric({k: 2, "other": 3}).is_numeric
    with pytest.raises(tt.ModelError, match="free parameters"):
        m.numeric({})
    src = Path(tt.__file__).with_name("verify.py").read_text()
    plan = src[src.index("def _plan("):src.index("def _measure(")]
    assert "kind ==" not in plan and "\"lattice\"" not in plan


@pytest.mark.parametrize("name", ["heat", "heat_rate", "information_flow", "entropy_production_rate",
                                  "transfer_entropy_rate", "filter_error"])
def test_the_per_path_estimators_through_tt_estimate_are_deprecated(name):
    """One public path per estimate: tt.estimate(model, bound); the per-path functions live in montecarlo."""
    import importlib

    from thermotheory.estimate import _PER_PATH

    with pytest.warns(DeprecationWarning, match=r"tt\.estimate\(model"):
        old = getattr(tt.estimate, name)
    assert old is getattr(importlib.import_module(_PER_PATH[name]), name)
