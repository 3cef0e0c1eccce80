"""The stationary state is cached per model, outside the model: no module writes into a model."""

import ast
import gc
import pathlib
import pickle
import weakref

import numpy as np
import pytest
import scipy.linalg as sla
import sympy as sp

import thermotheory as tt
from thermotheory.core import filtering, gaussian, lyapunov, state, thermo
from thermotheory.core.model import LinearSDE

v, r, x = sp.symbols("v r x", real=True)
tau, lam, F = sp.symbols("tau lambda F", positive=True)

#: The keys a model may hold in its own cache (written by model.py only).
MODEL_OWN = {"stable", "routh_hurwitz", "hash", "drive"}


def numeric_model(seed=3):
    rng = np.random.default_rng(seed)
    A = -np.eye(3) * 2.0 + 0.4 * rng.standard_normal((3, 3))
    return LinearSDE.from_matrices(A, np.array([1.0, 0.7, 0.4]), b=rng.standard_normal(3))


def test_state_is_made_once_and_matches_scipy():
    m = numeric_model()
    st = state.stationary_state(m)
    assert state.stationary_state(m) is st
    A, b, D = m.arrays()
    S = sla.solve_continuous_lyapunov(A, -2 * D)
    np.testing.assert_allclose(st.covariance, S, rtol=1e-10)
    np.testing.assert_allclose(st.mean, np.linalg.solve(A, -b), rtol=1e-12)
    np.testing.assert_allclose(st.precision @ S, np.eye(3), atol=1e-9)
    assert st.digits_lost == pytest.approx(lyapunov.digits_lost(A, S))
    assert st.numeric and not st.precision.flags.writeable
    assert tt.stationary_covariance(m) is st.covariance and tt.stationary_mean(m) is st.mean


def test_the_conditioning_warning_points_at_the_caller():
    from thermotheory.errors import ConditioningWarning

    from thermotheory.core.lyapunov import MAX_REFINED_VARIABLES

    # too large to be solved in extended precision or refined: the float solve warns (a 2-variable one does not)
    m = LinearSDE.from_matrices(np.diag([-1e5, -1e-4] + [-1.0] * (MAX_REFINED_VARIABLES - 1)),
                                [1.0] * (MAX_REFINED_VARIABLES + 1))
    with pytest.warns(ConditioningWarning, match="about 9 of 16 digits") as caught:
        tt.heat_rate(m, m.variables[0])
    assert caught[0].filename == __file__
    assert state.stationary_state(m).digits_lost == pytest.approx(9.0, abs=0.01)


def test_equal_models_share_their_state():
    assert state.stationary_state(numeric_model()) is state.stationary_state(numeric_model())


def test_symbolic_state_parts_are_computed_only_when_asked():
    m = LinearSDE({v: -v / tau + F, r: lam * v - r}, {v: 1, r: 1})
    st = state.stationary_state(m)
    assert st.mean == sp.Array([F * tau, F * lam * tau])
    assert "covariance" not in st._parts  # the mean did not need the Lyapunov solve
    S = sp.Matrix(st.covariance)
    assert sp.simplify(sp.Matrix(st.precision) * S - sp.eye(2)) == sp.zeros(2, 2)
    assert st.digits_lost == 0.0 and not st.numeric


def test_quantities_leave_the_model_alone():
    m = numeric_model()
    sym = LinearSDE({v: -v / tau, r: lam * v - r}, {v: 1, r: 1})
    for model in (m, sym):
        zs = model.variables
        thermo.entropy_production_rate(model)
        thermo.heat_rate(model, zs[1])
        thermo.information_flow(model, zs[1])
        gaussian.mutual_information(model, zs[0], zs[1])
        filtering.filter_error(model, zs[0], zs[1])
        filtering.transfer_entropy_rate(model, zs[0], zs[1])
        tt.covariance(model, 1.0 if model is m else sp.Symbol("t", positive=True), np.eye(model.dimension))
        hash(model)
        assert set(model._cache) <= MODEL_OWN, set(model._cache) - MODEL_OWN


def test_filter_solutions_are_cached_per_model():
    m = LinearSDE({v: -v / tau, r: lam * v - r}, {v: 1, r: 1})
    first = filtering._riccati(m, r)[3]
    assert filtering._riccati(m, r)[3] is first


def test_the_cache_does_not_keep_models_alive():
    m = numeric_model(7)
    tt.entropy_production_rate(m)
    filtering.filter_error(m, m.variables[0], m.variables[1:])
    ref = weakref.ref(m)
    gc.collect()  # models of earlier tests that are already unreachable go first: the count below is this one's
    before = len(state._STATES)
    del m
    gc.collect()
    assert ref() is None
    assert len(state._STATES) == before - 1


def test_models_with_a_state_still_pickle():
    m = numeric_model()
    S = tt.stationary_covariance(m)
    back = pickle.loads(pickle.dumps(m))
    assert back == m
    np.testing.assert_array_equal(tt.stationary_covariance(back), S)


def test_state_is_immutable_and_refuses_what_it_cannot_be():
    st = state.stationary_state(numeric_model())
    with pytest.raises(AttributeError):
        st.mean = None
    t = sp.Symbol("t", real=True)
    driven = LinearSDE({x: -(x - t)}, {x: 1}, time=t)
    with pytest.raises(tt.ModelError, match="no stationary state"):
        state.stationary_state(driven).mean
    assert state.stationary_state(driven).covariance[0, 0] == 1  # the long-time covariance
    with pytest.raises(tt.NotStable):
        state.stationary_state(LinearSDE.from_matrices([[0.5]], [1.0]))
    with pytest.raises(tt.ModelError, match="expected a LinearSDE"):
        state.stationary_state(tt.SDE({x: -x**3}, {x: 1}))
    frozen = LinearSDE.from_matrices([[-1.0, 0.0], [0.0, -1.0]], [1.0, 0.0])  # z1 has no noise: S singular
    with pytest.raises(tt.SingularCovariance, match="singular"):
        state.stationary_state(frozen).precision


def test_no_module_outside_model_py_writes_or_reads_model_privates():
    root = pathlib.Path(tt.__file__).parent
    private = {"_cache", "_arrays", "_routh_hurwitz", "_latex_lines", "_substitution"}
    found = []
    for path in sorted(root.rglob("*.py")):
        if path.name == "model.py" and path.parent.name == "core":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr in private and not (
                    isinstance(node.value, ast.Name) and node.value.id == "self"):
                found.append(f"{path.relative_to(root)}:{node.lineno} .{node.attr}")
    assert not found, found


def core_imports():
    """Module-level imports of each core module: (module, imported thermotheory module)."""
    root = pathlib.Path(tt.__file__).parent / "core"
    edges = []
    for path in sorted(root.glob("*.py")):
        tree = ast.parse(path.read_text())
        for node in tree.body:  # module level only: imports inside functions are lazy
            if isinstance(node, ast.ImportFrom) and node.level:
                base = ["core"] if node.level == 1 else []
                target = ".".join(base + ([node.module] if node.module else []))
                names = [a.name for a in node.names] if not node.module else [None]
                for n in names:
                    edges.append((path.stem, target if n is None else f"{target}.{n}"))
    return edges


def test_core_imports_flow_down_and_have_no_cycles():
    edges = core_imports()
    upward = [(a, b) for a, b in edges if b.split(".")[0] in ("export", "montecarlo", "models", "catalog", "cli")]
    assert not upward, upward
    graph: dict[str, set[str]] = {}
    for a, b in edges:
        if b.startswith("core."):
            graph.setdefault(a, set()).add(b.split(".")[1])
    seen, stack = set(), []

    def visit(node):
        if node in stack:
            raise AssertionError(f"import cycle: {stack[stack.index(node):] + [node]}")
        if node in seen:
            return
        stack.append(node)
        for nxt in graph.get(node, ()):
            visit(nxt)
        stack.pop()
        seen.add(node)

    for node in list(graph):
        visit(node)


def test_a_numeric_state_reads_its_stability_from_the_shared_schur_form(monkeypatch):
    """Issue 25 (all stationary quantities within 5 Lyapunov solves): the stability of a numeric drift is read from
    the Schur form the covariance solve uses, not from a separate eigenvalue solve; an unstable or marginal drift
    is still refused, by the eigenvalues, with the reason."""
    import numpy as np

    import thermotheory as tt
    from thermotheory.core import structure
    from thermotheory.core.state import stationary_state
    from thermotheory.errors import NotStable

    rng = np.random.default_rng(3)
    n = 30
    A = -np.eye(n) + 0.3 / np.sqrt(n) * rng.standard_normal((n, n))
    calls = []
    real_eigvals = np.linalg.eigvals
    monkeypatch.setattr(structure.np.linalg, "eigvals", lambda M: calls.append(M.shape) or real_eigvals(M))
    m = tt.LinearSDE.from_matrices(A, np.ones(n))
    S = stationary_state(m).covariance
    assert np.allclose(A @ S + S @ A.T + 2 * np.eye(n), 0, atol=1e-10)
    assert (n, n) not in calls  # no eigenvalue solve of the whole drift
    for bad in (A + 2 * np.eye(n), np.array([[-1.0, 1.0], [1.0, -1.0]])):  # unstable; a conserved mode
        try:
            stationary_state(tt.LinearSDE.from_matrices(bad, np.ones(bad.shape[0])))
        except NotStable as err:
            assert "eigenvalue" in str(err)
        else:
            raise AssertionError("an unstable drift was accepted")
