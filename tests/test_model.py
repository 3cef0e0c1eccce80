"""LinearSDE: construction, validation, immutability, substitution, display."""

import numpy as np
import pytest
import sympy as sp

import thermotheory as tt

v, r, x = sp.symbols("v r x", real=True)
tau, tau_r, lam, D_v, D_r = sp.symbols("tau tau_r lambda D_v D_r", positive=True)


def sensor():
    return tt.LinearSDE({v: -v / tau, r: (lam * v - r) / tau_r}, {v: D_v, r: D_r})


def test_matrices_and_parameters():
    m = sensor()
    assert m.variables == (v, r)
    assert m.A == sp.Matrix([[-1 / tau, 0], [lam / tau_r, -1 / tau_r]])
    assert m.b == sp.zeros(2, 1)
    assert m.D == sp.diag(D_v, D_r)
    assert m.parameters == (D_r, D_v, lam, tau, tau_r)
    assert m.parity == (1, 1)
    assert not m.is_numeric


def test_constant_drift_term_goes_to_b():
    F, k = sp.symbols("F k", positive=True)
    m = tt.LinearSDE({x: F - k * x}, {x: 1})
    assert m.A == sp.Matrix([[-k]]) and m.b == sp.Matrix([F])


def test_from_matrices_matches_mapping_form():
    A = sp.Matrix([[-1 / tau, 0], [lam / tau_r, -1 / tau_r]])
    m = tt.LinearSDE.from_matrices(A, sp.diag(D_v, D_r), variables=[v, r])
    assert m == sensor()
    assert hash(m) == hash(sensor())


def test_from_matrices_numeric_keeps_arrays_and_builds_sympy_lazily():
    A = np.array([[-1.0, 0.0], [2.0, -3.0]])
    m = tt.LinearSDE.from_matrices(A, [1.0, 0.5], b=[0.1, 0.0], parity=[1, -1])
    Am, bm, Dm = m.arrays()
    np.testing.assert_array_equal(Am, A)
    np.testing.assert_array_equal(np.diag(Dm), [1.0, 0.5])
    assert m.A == sp.Matrix(A.tolist()) and m.parity == (1, -1)
    with pytest.raises(ValueError):
        Am[0, 0] = 5.0  # read-only


def test_numeric_model_from_mapping_has_arrays():
    m = sensor().subs({tau: 1, tau_r: 2, lam: 3, D_v: 1, D_r: sp.Rational(1, 2)})
    assert m.is_numeric
    A, b, D = m.arrays()
    np.testing.assert_allclose(A, [[-1, 0], [1.5, -0.5]])


def test_immutable():
    m = sensor()
    with pytest.raises(AttributeError):
        m.foo = 1
    with pytest.raises(AttributeError):
        m._A = None


def test_subs_returns_new_model_and_accepts_names():
    m = sensor()
    m2 = m.subs({"tau": 2, lam: 3 * tau_r})
    assert m.A[0, 0] == -1 / tau  # unchanged
    assert m2.A[0, 0] == sp.Rational(-1, 2)
    assert m2.A[1, 0] == 3
    assert set(m2.parameters) == {D_r, D_v, tau_r}


@pytest.mark.parametrize(
    "mapping, message",
    [({"nope": 1}, "not a parameter"), ({v: 1}, "state variable"), ({sp.Symbol("q"): 1}, "not a parameter")],
)
def test_subs_rejects_unknown_keys(mapping, message):
    with pytest.raises(tt.ModelError, match=message):
        sensor().subs(mapping)


def test_nonlinear_drift_names_the_term():
    with pytest.raises(tt.NonlinearDrift, match=r"r\*v"):
        tt.LinearSDE({v: -v, r: v * r - r}, {v: 1, r: 1})
    with pytest.raises(tt.NonlinearDrift, match=r"sin\(v\)"):
        tt.LinearSDE({v: -sp.sin(v)}, {v: 1})
    with pytest.raises(tt.NonlinearDrift, match=r"v\*\*2"):
        tt.LinearSDE({v: -(v**2)}, {v: 1})


def test_expanded_linear_drift_is_accepted():
    m = tt.LinearSDE({v: -(v + 2 * r) / tau, r: (v - r) * lam}, {v: 1, r: 1})
    assert m.A == sp.Matrix([[-1 / tau, -2 / tau], [lam, -lam]])


@pytest.mark.parametrize(
    "diffusion, error, message",
    [
        ({v: -1, r: 1}, tt.InvalidDiffusion, "negative diffusion"),
        ({v: -D_v, r: 1}, tt.InvalidDiffusion, "negative diffusion"),
        ({v: 1, x: 1}, tt.UnknownVariable, "not a state variable"),
        ({v: v, r: 1}, tt.InvalidDiffusion, "depends on the state"),
        (sp.Matrix([[1, 0.5], [0.2, 1]]), tt.InvalidDiffusion, "not symmetric"),
        (sp.Matrix([[1, 2], [2, 1]]), tt.InvalidDiffusion, "positive semi-definite"),
        (sp.Matrix([[D_v, 0], [1, D_r]]), tt.InvalidDiffusion, "not symmetric"),
        (sp.Matrix([[1, 0, 0], [0, 1, 0], [0, 0, 1]]), tt.InvalidDiffusion, "shape"),
    ],
)
def test_bad_diffusion(diffusion, error, message):
    with pytest.raises(error, match=message):
        tt.LinearSDE({v: -v, r: v - r}, diffusion)


@pytest.mark.parametrize("assumptions", [{}, {"real": True}])
def test_diffusion_negative_for_every_real_parameter_is_refused(assumptions):
    # -2 a**2 is negative for every real a but zero: sympy alone cannot say "negative", and the
    # model used to be accepted and print sqrt(-4 a**2) and an entropy ln(-4 pi a**2)
    a = sp.Symbol("a", **assumptions)
    with pytest.raises(tt.InvalidDiffusion, match="negative diffusion"):
        tt.LinearSDE({v: -v, r: v - r}, {v: -2 * a**2, r: 1})
    with pytest.raises(tt.InvalidDiffusion, match="positive semi-definite"):
        tt.LinearSDE({v: -v, r: v - r}, sp.Matrix([[1, 1 + a**2], [1 + a**2, 1]]))


def test_diffusion_that_is_zero_everywhere_but_not_written_as_zero_is_accepted():
    c = sp.Symbol("c")
    zero = sp.cosh(c) ** 2 - sp.sinh(c) ** 2 - 1
    assert tt.LinearSDE({v: -v, r: v - r}, sp.Matrix([[-(zero**2), 0], [0, 1]])).D[0, 0] == -(zero**2)
    assert tt.LinearSDE({v: -v, r: v - r}, sp.Matrix([[0, zero], [zero, 1]])).D[0, 1] == zero


def test_diffusion_that_may_vanish_is_accepted():
    a, b = sp.symbols("a b")
    assert tt.LinearSDE({v: -v, r: v - r}, {v: a**2, r: 0}).D == sp.diag(a**2, 0)
    rank_one = sp.Matrix([[a**2, a * b], [a * b, b**2]])
    assert tt.LinearSDE({v: -v, r: v - r}, rank_one).D == rank_one


def test_numeric_bad_diffusion_from_matrices():
    with pytest.raises(tt.InvalidDiffusion, match="not symmetric"):
        tt.LinearSDE.from_matrices(-np.eye(2), np.array([[1.0, 0.3], [0.0, 1.0]]))
    with pytest.raises(tt.InvalidDiffusion, match="positive semi-definite"):
        tt.LinearSDE.from_matrices(-np.eye(2), np.array([[1.0, 3.0], [3.0, 1.0]]))
    with pytest.raises(tt.InvalidDiffusion, match="negative diffusion"):
        tt.LinearSDE.from_matrices(-np.eye(2), [1.0, -0.1])


def test_zero_diffusion_allowed_for_some_variables():
    k = sp.Symbol("k", positive=True)
    m = tt.LinearSDE({x: v, v: -k * x - v}, {v: 1}, parity={v: -1})
    assert m.D == sp.diag(0, 1)


@pytest.mark.parametrize("parity, error", [({v: 0}, tt.InvalidParity), ({v: 2}, tt.InvalidParity),
                                           ({x: -1}, tt.UnknownVariable), ({v: True}, tt.InvalidParity)])
def test_bad_parity(parity, error):
    with pytest.raises(error):
        tt.LinearSDE({v: -v, r: v - r}, {v: 1, r: 1}, parity=parity)


def test_bad_shapes_and_values():
    with pytest.raises(tt.ModelError, match="square"):
        tt.LinearSDE.from_matrices(np.ones((2, 3)), [1.0, 1.0])
    with pytest.raises(tt.ModelError, match="expected 2 names"):
        tt.LinearSDE.from_matrices(-np.eye(2), [1.0, 1.0], variables=["a"])
    with pytest.raises(tt.ModelError, match="finite"):
        tt.LinearSDE.from_matrices(np.array([[np.nan]]), [1.0])
    with pytest.raises(tt.ModelError, match="non-empty mapping"):
        tt.LinearSDE({}, {})
    with pytest.raises(tt.ModelError, match="Symbols"):
        tt.LinearSDE({"v": -1}, {})


def test_unknown_variable_in_a_function_names_it():
    with pytest.raises(tt.UnknownVariable, match="'q' is not a state variable"):
        tt.mutual_information(sensor(), v, "q")
    with pytest.raises(tt.ModelError, match="disjoint"):
        tt.mutual_information(sensor(), v, [v, r])


def test_is_stable_three_valued():
    k = sp.Symbol("k", real=True)
    kp = sp.Symbol("k", positive=True)
    assert tt.LinearSDE({x: -kp * x}, {x: 1}).is_stable() is True
    assert tt.LinearSDE({x: kp * x}, {x: 1}).is_stable() is False
    assert tt.LinearSDE({x: -k * x}, {x: 1}).is_stable() is None
    assert sensor().is_stable() is True
    assert tt.LinearSDE.from_matrices(np.array([[0.1]]), [1.0]).is_stable() is False


def test_latex_rendering():
    m = tt.LinearSDE({x: v, v: -x - v}, {v: D_v}, parity={v: -1})
    text = m._repr_latex_()
    assert text.startswith("$\\begin{aligned}") and "dW_{v}" in text and "D_{v}" in text
    assert r"\text{odd}" in text
    assert tt.latex(m).startswith(r"\begin{aligned}")
    assert "dW_{x}" not in text  # no noise on x


def test_repr_and_drift():
    m = sensor()
    assert "parameters: D_r, D_v, lambda, tau, tau_r" in repr(m)
    assert sp.simplify(m.drift[r] - (lam * v - r) / tau_r) == 0


def test_large_numeric_model_builds_and_solves():
    rng = np.random.default_rng(1)
    n = 200
    A = -np.eye(n) + 0.3 / np.sqrt(n) * rng.standard_normal((n, n))
    m = tt.LinearSDE.from_matrices(A, rng.uniform(0.5, 1.5, n))
    assert m.dimension == n and m.is_stable()
    S = tt.stationary_covariance(m)
    assert np.linalg.norm(A @ S + S @ A.T + 2 * np.diag(np.diag(m.arrays()[2]))) < 1e-9 * np.linalg.norm(S)
