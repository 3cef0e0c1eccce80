"""Structured closed forms (ClosedForm) and the form= argument of the closed-form functions.

Every structured result is checked against an independent numeric computation (scipy's
Lyapunov solver and slogdet at random parameter points, rtol 1e-9), and the structured,
rational and factored forms of one quantity against each other: exactly (the cancelled
difference of the log arguments is 0) where that is cheap, at random points otherwise.
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
import scipy.linalg as sla
import sympy as sp

import thermotheory as tt
from thermotheory.core.closedform import ClosedForm, STRUCTURED_ABOVE, apply_form
from thermotheory.errors import ModelError
from thermotheory.models import decoder


def population(n: int):
    g = sp.symbols(f"g_1:{n + 1}", positive=True)
    tau = sp.symbols(f"tau_1:{n + 1}", positive=True)
    sig = sp.symbols(f"sigma_1:{n + 1}", positive=True)
    return decoder.heterogeneous_population(g, tau, sig)


def random_values(symbols, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    return {s: float(rng.uniform(0.4, 2.5)) for s in sorted(symbols, key=lambda s: s.name)}


def reference_state(model, values):
    """Stationary covariance by scipy from the model's numeric matrices (no thermotheory closed form)."""
    A, _, D = model.subs(values).arrays()
    S = sla.solve_continuous_lyapunov(A, -2 * D)
    return A, D, (S + S.T) / 2


def logdet(S, idx):
    return np.linalg.slogdet(S[np.ix_(idx, idx)])[1]


@pytest.fixture(scope="module")
def pop3():
    return population(3)


@pytest.fixture(scope="module")
def pop2():
    return population(2)


def test_three_neuron_information_is_structured_by_default_and_right(pop3):
    m = pop3
    xs = list(m.variables[1:])
    info = tt.mutual_information(m, decoder.v, xs)
    assert isinstance(info, ClosedForm)
    assert info.count_ops() < 400  # readable: the one quotient has about 26,600 operations
    for seed in range(3):
        vals = random_values(info.free_symbols, seed)
        _, _, S = reference_state(m, vals)
        ref = 0.5 * (logdet(S, [0]) + logdet(S, [1, 2, 3]) - logdet(S, [0, 1, 2, 3]))
        assert float(info.evaluate(vals)) == pytest.approx(ref, rel=1e-9)
        assert float(tt.evaluate(info, vals)) == pytest.approx(ref, rel=1e-9)


def test_three_neuron_rates_structured(pop3):
    m = pop3
    x1 = m.variables[1]
    flow = tt.information_flow(m, x1)
    flow_all = tt.information_flow(m, list(m.variables[1:]), form="structured")
    heat = tt.heat_rate(m, x1, form="structured")
    ep = tt.entropy_production_rate(m, x1)
    eff = tt.efficiency(m, x1)
    for q in (flow, flow_all, heat, ep, eff):
        assert isinstance(q, ClosedForm)
    vals = random_values(flow_all.free_symbols | heat.free_symbols, 7)
    A, D, S = reference_state(m, vals)
    P = np.linalg.inv(S)
    # l_Y = -tr A_YY - tr(D_YY P_YY); Phi_Y from the mean square of the drift of Y, <f f^T>/D - A_YY
    ref_flow = -A[1, 1] - D[1, 1] * P[1, 1]
    ref_flow_all = -np.trace(A[1:, 1:]) - np.trace(D[1:, 1:] @ P[1:, 1:])
    ref_heat = (A[1] @ S @ A[1]) / D[1, 1] + A[1, 1]
    ref_ep = ref_heat - ref_flow
    assert float(flow.evaluate(vals)) == pytest.approx(ref_flow, rel=1e-9)
    assert float(flow_all.evaluate(vals)) == pytest.approx(ref_flow_all, rel=1e-9)
    assert float(heat.evaluate(vals)) == pytest.approx(ref_heat, rel=1e-9)
    assert float(ep.evaluate(vals)) == pytest.approx(ref_ep, rel=1e-9)
    assert float(eff.evaluate(vals)) == pytest.approx(ref_flow / ref_heat, rel=1e-9)


@pytest.mark.parametrize("quantity", ["entropy", "mi", "cmi", "flow", "heat", "ep"])
def test_three_forms_agree_exactly(pop2, quantity):
    m = pop2
    v, x1, x2 = m.variables
    calls = {
        "entropy": lambda f: tt.entropy(m, [v, x2], form=f),
        "mi": lambda f: tt.mutual_information(m, v, [x1, x2], form=f),
        "cmi": lambda f: tt.conditional_mutual_information(m, v, x2, x1, form=f),
        "flow": lambda f: tt.information_flow(m, x1, form=f),
        "heat": lambda f: tt.heat_rate(m, x2, form=f),
        "ep": lambda f: tt.entropy_production_rate(m, x2, form=f),
    }
    structured, rational, factored = (calls[quantity](f) for f in ("structured", "rational", "factored"))
    assert isinstance(structured, ClosedForm)
    assert not isinstance(rational, ClosedForm) and not isinstance(factored, ClosedForm)
    expanded = structured.rational()
    for other in (rational, factored):
        diff = sp.expand_log(expanded - other, force=True)
        assert sp.cancel(sp.together(diff)) == 0 or _zero_at_points(expanded - other)
    vals = random_values(structured.free_symbols, 11)
    ref = float(tt.evaluate(rational, vals))
    assert float(structured.evaluate(vals)) == pytest.approx(ref, rel=1e-12)


def _zero_at_points(expr) -> bool:
    return all(abs(float(tt.evaluate(expr, random_values(expr.free_symbols, s)))) < 1e-12 for s in range(4))


def test_default_form_by_size(pop2, pop3):
    small = tt.mutual_information(pop2, decoder.v, list(pop2.variables[1:]))
    assert isinstance(small, sp.Expr)
    assert isinstance(tt.mutual_information(pop3, decoder.v, list(pop3.variables[1:])), ClosedForm)
    assert STRUCTURED_ABOVE > 0


def test_lambdify_broadcasts_and_matches_evaluate(pop3):
    info = tt.mutual_information(pop3, decoder.v, list(pop3.variables[1:]))
    args = sorted(info.free_symbols, key=lambda s: s.name)
    f = info.lambdify(args)
    rng = np.random.default_rng(3)
    grid = [rng.uniform(0.5, 2.0, size=5) for _ in args]
    out = f(*grid)
    assert out.shape == (5,)
    for k in range(5):
        vals = {s: float(g[k]) for s, g in zip(args, grid)}
        assert out[k] == pytest.approx(float(info.evaluate(vals)), rel=1e-10)
    with pytest.raises(ModelError, match="no argument"):
        info.lambdify(args[:-1])


def test_high_precision_evaluation_agrees_with_rational(pop2):
    info = tt.mutual_information(pop2, decoder.v, list(pop2.variables[1:]), form="structured")
    vals = {s: sp.Rational(k + 2, 3) for k, s in enumerate(sorted(info.free_symbols, key=lambda s: s.name))}
    with mpmath.workdps(60):
        a = info.evaluate(vals, dps=50)
        b = tt.evaluate(info.rational(), vals, dps=50)
        assert abs(a - b) < mpmath.mpf(10) ** -45 * abs(b)


def test_transient_structured_information():
    v, r = sp.symbols("v r", real=True)
    tau, lam = sp.symbols("tau lambda", positive=True)
    t = sp.Symbol("t", positive=True)
    m = tt.LinearSDE({v: -v / tau, r: lam * v - r}, {v: 1, r: 1})
    info = tt.mutual_information(m, v, r, t=t, initial=sp.eye(2), form="structured")
    assert r"\Sigma^{(t)}" in info.latex()
    vals = {tau: 0.7, lam: 1.3, t: 0.9}
    A, _, D = m.subs({tau: 0.7, lam: 1.3}).arrays()
    # transient covariance by integrating the moment ODE with scipy
    from scipy.integrate import solve_ivp

    sol = solve_ivp(lambda s, y: (A @ y.reshape(2, 2) + y.reshape(2, 2) @ A.T + 2 * D).ravel(), (0, 0.9),
                    np.eye(2).ravel(), rtol=1e-12, atol=1e-14)
    S = sol.y[:, -1].reshape(2, 2)
    ref = 0.5 * np.log(S[0, 0] * S[1, 1] / np.linalg.det(S))
    assert float(info.evaluate(vals)) == pytest.approx(ref, rel=1e-8)


def test_latex_names_and_where():
    m = population(2)
    info = tt.mutual_information(m, decoder.v, list(m.variables[1:]), form="structured")
    tex = info.latex()
    assert r"\text{where }" in tex and r"\Sigma_{v x_{1}}" in tex and r"\det \Sigma" in tex
    assert tt.latex(info) == tex
    lines = info.latex_lines(lhs="I")
    assert lines[0].startswith("I &= ") and len(lines) == len(info.definitions) + 2
    assert info._repr_latex_().startswith("$")


def test_numeric_models_return_floats_whatever_the_form():
    v, r = sp.symbols("v r", real=True)
    m = tt.LinearSDE({v: -v, r: v - r}, {v: 1, r: 1})
    for form in ("structured", "rational", "factored", None):
        assert isinstance(tt.mutual_information(m, v, r, form=form), float)
        assert isinstance(tt.information_flow(m, r, form=form), float)


def test_bad_form_is_refused():
    v, r = sp.symbols("v r", real=True)
    m = tt.LinearSDE({v: -v, r: v - r}, {v: 1, r: 1})
    for call in (lambda: tt.mutual_information(m, v, r, form="short"),
                 lambda: tt.heat_rate(m, r, form=3),
                 lambda: tt.efficiency(m, r, form="exact")):
        with pytest.raises(ModelError, match="form: expected one of"):
            call()


def test_closed_form_object_rules():
    a, b = sp.symbols("a b", positive=True)
    r, s = sp.symbols("r s")
    f = ClosedForm(sp.log(r), [(r, a + b)])
    g = ClosedForm(r**2, [(r, a + b)])
    h = ClosedForm(r, [(r, a - b)])
    assert (f + g).definitions == ((r, a + b),)
    assert (f * 2 - 1).rational() == 2 * sp.log(a + b) - 1
    # a name defined differently is renamed in the second form (Correctness III), the values add up
    both = f + h
    assert [n.name for n, _ in both.definitions] == ["r", "r'"]
    assert both.rational() == sp.log(a + b) + a - b
    with pytest.raises(ModelError, match="defined twice"):
        ClosedForm(r, [(r, a), (r, b)])
    with pytest.raises(ModelError, match="Symbol or a MatrixSymbol"):
        ClosedForm(r, [("r", a)])
    with pytest.raises(AttributeError):
        f.expr = a  # type: ignore[misc]
    M = sp.MatrixSymbol("M", 2, 2)
    with pytest.raises(ModelError, match="2x2"):
        ClosedForm(sp.Determinant(M), [(M, sp.Matrix([[a]]))])
    assert ClosedForm(s, [(s, a)]).subs({a: 2}).rational() == 2
    assert f.free_symbols == {a, b}


def test_apply_form_for_quantities_without_structure():
    a, b = sp.symbols("a b", positive=True)
    e = 1 / a + 1 / b
    assert isinstance(apply_form(e, "structured"), ClosedForm)
    assert apply_form(e, "rational") == (a + b) / (a * b)
    assert apply_form(1.5, "structured") == 1.5


def test_equal_rates_are_refused_not_evaluated_into_garbage():
    """Transient closed forms divide by differences of rates: at equal rates the formula is 0/0."""
    a, b, k, D1, D2 = sp.symbols("a b k D1 D2", positive=True)
    t = sp.Symbol("t", positive=True)
    v, x = sp.symbols("v x", real=True)
    m = tt.LinearSDE({v: -a * v, x: k * v - b * x}, {v: D1, x: D2})
    S0 = sp.Matrix([[1, sp.Rational(1, 2)], [sp.Rational(1, 2), 2]])
    vals = {a: 1.3, k: 0.9, D1: 1.1, D2: 0.4, t: 0.7}
    reference = tt.mutual_information(m.subs({a: 1.3, b: 1.3000001, k: 0.9, D1: 1.1, D2: 0.4}), v, x, t=0.7,
                                      initial=[[1, 0.5], [0.5, 2]])
    for form in ("factored", "rational", "structured"):
        e = tt.mutual_information(m, v, x, t=t, initial=S0, form=form)
        with pytest.raises(ModelError, match="vanishes at these values"):
            tt.evaluate(e, {**vals, b: 1.3})
        assert float(tt.evaluate(e, {**vals, b: 1.3000001})) == pytest.approx(reference, rel=1e-7)


def test_structured_forms_refuse_singular_covariances():
    v, x, y = sp.symbols("v x y", real=True)
    a, D, D3 = sp.symbols("a D D_3", positive=True)
    m = tt.LinearSDE.from_matrices(sp.Matrix([[-a, 0, 0], [0, -a, 0], [1, 1, -1]]),
                                   sp.Matrix([[D, D, 0], [D, D, 0], [0, 0, D3]]), variables=[v, x, y])
    with pytest.raises(tt.SingularCovariance):
        tt.mutual_information(m, y, [v, x], form="structured")
    with pytest.raises(tt.SingularCovariance):
        tt.information_flow(m, y, form="structured")


def test_structured_efficiency_at_detailed_balance_is_refused():
    x, y = sp.symbols("x y", real=True)
    a, b, c = sp.symbols("a b c", positive=True)
    m = tt.LinearSDE({x: -a * x + c * y, y: c * x - b * y}, {x: 1, y: 1})
    with pytest.raises(ModelError, match="heat rate of y is zero"):
        tt.efficiency(m, y, form="structured")


def test_float_coefficients_in_a_symbolic_model_are_exact():
    v, x, y = sp.symbols("v x y", real=True)
    a = sp.Symbol("a", positive=True)
    m = tt.LinearSDE({v: -a * v, x: 0.3 * v - 0.7 * x, y: 0.9 * v + 0.2 * x - 1.1 * y}, {v: 1.1, x: 0.4, y: 0.8})
    info = tt.mutual_information(m, v, [x, y], form="rational")
    numeric = tt.mutual_information(m.subs({a: 0.8}), v, [x, y])
    assert float(tt.evaluate(info, {a: 0.8})) == pytest.approx(numeric, rel=1e-10)


def test_closed_form_names_and_argument_counts():
    a, b = sp.symbols("a b", positive=True)
    r = sp.Symbol("r")
    f = ClosedForm(sp.log(r), [(r, a + b)])
    assert float(f.subs({"a": 1, "b": 2})) == pytest.approx(np.log(3.0))
    g = f.lambdify(["a", "b"])
    assert isinstance(g(1.0, 2.0), float) and g(1.0, 2.0) == pytest.approx(np.log(3.0))
    with pytest.raises(ModelError, match="expected 2 values"):
        g(1.0)


def test_closed_form_evaluation_refuses_missing_and_non_finite_values():
    a, b = sp.symbols("a b", positive=True)
    r = sp.Symbol("r")
    f = ClosedForm(sp.log(r), [(r, a + b)])
    with pytest.raises(ModelError, match="no value given"):
        f.evaluate({a: 1.0})
    with pytest.raises(ModelError, match="finite"):
        f.evaluate({a: float("nan"), b: 1.0})
    with pytest.raises(ModelError, match="positive"):
        f.evaluate({a: -1.0, b: 3.0})
