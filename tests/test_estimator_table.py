"""One house plan: one estimator table in montecarlo, model kinds as class attributes, imports one way."""

import ast
from pathlib import Path

import pytest

import thermotheory as tt
from thermotheory.core.lattice import LatticeField as CoreLatticeField
from thermotheory.montecarlo import lattice as lattice_mc
from thermotheory.montecarlo import nonlinear as nonlinear_mc
from thermotheory.montecarlo import stationary as stationary_mc
from thermotheory.montecarlo import transient as transient_mc
from thermotheory.montecarlo.estimators import ESTIMATORS, estimator_for
from thermotheory.quantity import MODEL_KINDS, QUANTITIES, Quantity, Role, model_kind

PACKAGE = Path(tt.__file__).parent


def _imports(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside a function, as absolute names."""
    package = "thermotheory." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts[:-1])
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package.rstrip(".").split(".")
            if node.level:
                base = base[:len(base) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module
            out.add(name)
            out |= {f"{name}.{a.name}" for a in node.names}
    return out


@pytest.mark.parametrize("module", ["quantity.py", "registry.py"])
def test_the_quantity_records_import_no_monte_carlo_and_no_seed_model(module):
    imported = _imports(PACKAGE / module)
    assert not {m for m in imported if m.startswith(("thermotheory.montecarlo", "thermotheory.models"))}, imported


def test_model_kind_is_the_class_attribute():
    assert (tt.LinearSDE.kind, tt.SDE.kind, CoreLatticeField.kind) == ("linear", "nonlinear", "lattice")
    from thermotheory.models.lattice import LatticeField

    assert LatticeField is CoreLatticeField  # the seed module re-exports the class

    class Wider(CoreLatticeField):  # a subclass is of its parent's kind
        pass

    assert model_kind(Wider(4)) == "lattice"
    for thing in (3, "linear", tt.heat_rate, tt.heat_rate.of("x"), None):
        with pytest.raises(tt.ModelError):
            model_kind(thing)


def test_every_row_of_the_table_is_a_known_quantity_kind_and_regime():
    assert ESTIMATORS
    for (name, kind, regime), row in ESTIMATORS.items():
        assert name in QUANTITIES and kind in MODEL_KINDS and regime in ("stationary", "transient")
        assert callable(row.fn) and row.paths > 0
        # budget=/rtol= sizing is the stationary family's own method for the quantity, and only there
        expected = getattr(getattr(stationary_mc, name, None), "method", None) if (kind, regime) == ("linear", "stationary") else None
        assert row.sizing == expected, (name, kind, regime)
        assert estimator_for(QUANTITIES[name], kind, regime) is row


def test_the_default_paths_are_the_families_own():
    # the sizes each family declares for its estimators (independent of the table's rows)
    assert estimator_for(tt.heat_rate, "linear", "stationary").paths == stationary_mc.DEFAULT_PATHS["rate"]
    assert estimator_for(tt.entropy, "linear", "stationary").paths == stationary_mc.DEFAULT_PATHS["static"]
    assert estimator_for(tt.filter_error, "linear", "stationary").paths == stationary_mc.DEFAULT_PATHS["regression"]
    assert estimator_for(tt.heat, "nonlinear", "transient").paths == transient_mc.DEFAULT_PATHS
    assert estimator_for(tt.entropy, "nonlinear", "stationary").paths == nonlinear_mc.DEFAULT_PATHS
    assert estimator_for(tt.entropy, "lattice", "stationary").fn is lattice_mc.entropy


def test_quantity_estimators_is_a_view_of_the_table():
    for name, q in QUANTITIES.items():
        rows = {(k, r): row.fn for (n, k, r), row in ESTIMATORS.items() if n == name}
        assert q.estimators == rows, name
    assert tt.entropy_pumping_rate.estimators == {} and estimator_for(tt.efficiency, "lattice", "stationary") is None


def test_a_quantity_built_outside_the_package_keeps_its_own_estimator():
    def closed(model, x):
        return tt.entropy(model, x)

    def estimate(model, bound, run):
        return stationary_mc.entropy(model, bound.arguments["x"], paths=run.paths, seed=run.seed, method=run.method)

    q = Quantity("my_entropy", closed, symbol="h({x})", roles=(Role("x"),), kind="static", units="nats",
                 reference="cover2006", description="entropy", estimators={("linear", "stationary"): estimate})
    assert q.estimators == {("linear", "stationary"): estimate}
    row = estimator_for(q, "linear", "stationary")
    assert row.fn is estimate and row.sizing is None
    m = tt.LinearSDE.from_matrices([[-1.0]], [1.0])
    assert tt.verify(m, q, "z0", seed=1, paths=1024).passed
