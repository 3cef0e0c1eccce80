r"""A stationary covariance's diagonal entry through the other entries of its row (issue #24).

Row ``k`` of the Lyapunov equation :math:`A \Sigma + \Sigma A^T + 2 D = 0` on the diagonal gives
:math:`\Sigma_{k k} = \sum_{m \ne k} c_{k m} \Sigma_{k m} + d_k`. An author writes the tracking
synapse's :math:`\Sigma_{w w} = \kappa \Sigma_{x w} + \sigma_w^2` and the neuron's
:math:`\Sigma_{x x} = g \Sigma_{v x} + \sigma_n^2`; the pages printed each as a fraction over three
factors (95 glyphs). The structured forms are checked here against scipy's Lyapunov solve at random
parameter points, definition by definition.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg as sla
import sympy as sp

import thermotheory as tt
from thermotheory.core.closedform import CovarianceNames, latex_of, stationary_rows
from thermotheory.models import synapse as C


def _numeric_covariance(model: tt.LinearSDE, values: dict) -> np.ndarray:
    A = np.array(model.A.subs(values).tolist(), dtype=float)
    D = np.array(model.D.subs(values).tolist(), dtype=float)
    return sla.solve_continuous_lyapunov(A, -2 * D)


def _definitions_at(form, values: dict) -> dict:
    """Each scalar definition of ``form`` at ``values``, in order (a later one through the earlier ones)."""
    at: dict = dict(values)
    for name, value in form.definitions:
        if not isinstance(value, sp.MatrixBase):
            at[name] = float(value.xreplace(at))
    return at


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_tracking_synapse_entries_through_their_rows_are_the_lyapunov_solution(seed):
    model = C.tracking()
    rng = np.random.default_rng(seed)
    values = {p: float(rng.uniform(0.3, 3.0)) for p in model.parameters}
    form = tt.efficiency(model, model.variables[2], form="structured")
    defs = dict(form.definitions)
    names = {str(n): n for n in defs}
    ww, xw, xx, vx = (names[f"Sigma[{a}]"] for a in ("w,w", "x,w", "x,x", "v,x"))
    assert defs[ww] == C.kappa * xw + C.sigma_w**2 and defs[xx] == C.g * vx + C.sigma_n**2
    at = _definitions_at(form, values)
    S = _numeric_covariance(model, values)
    for name, (i, j) in ((vx, (0, 1)), (xx, (1, 1)), (xw, (1, 2)), (ww, (2, 2))):
        assert abs(at[name] - S[i, j]) < 1e-9 * abs(S[i, j]), name
    numeric = tt.efficiency(model.subs(values), model.variables[2])
    assert abs(float(form.evaluate(values)) - numeric) < 1e-9 * abs(numeric)


def test_an_entry_through_its_row_comes_after_the_entries_it_names():
    # x driven by y and y by x (a feedback): Sigma_xx = a Sigma_xy + D_x, with Sigma_xy after it in the variables'
    # order of the entries (x, x) < (x, y)
    x, y = sp.symbols("x y", real=True)
    a, b, k, dx, dy = sp.symbols("a b k D_x D_y", positive=True)
    model = tt.LinearSDE({x: -x + a * y, y: -k * y - b * x}, {x: dx, y: dy})
    form = tt.mutual_information(model, x, y, form="structured")
    order = [str(n) for n, _ in form.definitions]
    assert order.index("Sigma[x,y]") < order.index("Sigma[x,x]"), order
    assert dict(form.definitions)[sp.Symbol("Sigma[x,x]", positive=True)].has(sp.Symbol("Sigma[x,y]", real=True))
    values = {a: 0.7, b: 1.3, k: 2.1, dx: 0.4, dy: 1.6}
    S = _numeric_covariance(model, values)
    expected = 0.5 * np.log(S[0, 0] * S[1, 1] / np.linalg.det(S))
    assert abs(float(form.evaluate(values)) - expected) < 1e-9


def test_an_entry_whose_row_prints_no_shorter_keeps_its_value():
    v, x = sp.symbols("v x", real=True)
    s, t = sp.symbols("s t", positive=True)
    S = sp.Matrix([[s**2, s**2 * t / (1 + t)], [s**2 * t / (1 + t), s**2 + t]])
    A = sp.Matrix([[-1, 0], [1, -1]])  # (a row that does not give this matrix: refused by the check)
    names = CovarianceNames([v, x], S, rows=stationary_rows(A, sp.diag(s**2, t)))
    names.entry(0, 1)
    assert names.closed(names.entry(1, 1)).definitions[-1][1] == s**2 + t


def test_rows_of_the_lyapunov_equation():
    k, t, s, g = sp.symbols("kappa tau_w sigma_w g", positive=True)
    A = sp.Matrix([[-1, 0, 0], [g, -1, 0], [0, k / t, -1 / t]])
    rows = stationary_rows(A, sp.diag(1, 2, s**2 / t))
    assert rows == {0: ({}, 1), 1: ({0: g}, 2), 2: ({1: k}, s**2)}
    assert stationary_rows(sp.Matrix([[0, 1], [-1, -1]]), sp.eye(2)) == {1: ({0: -1}, 1)}  # (no row where A_kk = 0)


def test_the_tracking_report_prints_the_row_forms():
    from thermotheory.catalog import entry
    from thermotheory.export.report import report_tex

    tex = report_tex(entry("tracking"))
    assert r"\Sigma_{w w} &= \kappa \Sigma_{x w} + \sigma_{w}^{2}" in tex
    assert r"\Sigma_{x x} &= g \Sigma_{v x} + \sigma_{n}^{2}" in tex


def test_a_result_takes_the_row_of_an_entry_where_that_prints_shorter():
    # the synapse's heat rate (Sigma_ww - 2 kappa Sigma_xw + kappa^2 Sigma_xx - sigma_w^2)/(sigma_w^2 tau_w): with
    # Sigma_ww = kappa Sigma_xw + sigma_w^2 it is kappa (kappa Sigma_xx - Sigma_xw)/(sigma_w^2 tau_w), as by hand
    model = C.tracking()
    w = model.variables[2]
    heat = tt.heat_rate(model, w, form="structured")
    xw, xx = (next(n for n, _ in heat.definitions if str(n) == f"Sigma[{a}]") for a in ("x,w", "x,x"))
    assert sp.simplify(heat.expr - C.kappa * (C.kappa * xx - xw) / (C.sigma_w**2 * C.tau_w)) == 0
    assert "Sigma[w,w]" not in {str(n) for n, _ in heat.definitions}
    # the total entropy production, part by part: the synapse's part is the heat rate as written above
    total = tt.entropy_production_rate(model, form="structured")
    assert heat.expr in sp.Add.make_args(total.expr), total.expr
    rng = np.random.default_rng(4)
    for _ in range(3):
        values = {p: float(rng.uniform(0.3, 3.0)) for p in model.parameters}
        numeric = model.subs(values)
        for form, value in ((heat, tt.heat_rate(numeric, w)), (total, tt.entropy_production_rate(numeric))):
            assert abs(float(form.evaluate(values)) - value) < 1e-9 * abs(value)


@pytest.mark.parametrize("A, D, found", [
    (np.eye(2), sp.eye(2), "square drift matrix"), (sp.Matrix([[1, 2]]), sp.eye(1), "square drift matrix"),
    (sp.eye(2), sp.eye(3), "of its shape"),
])
def test_rows_of_a_wrong_matrix_are_refused_by_name(A, D, found):
    from thermotheory.core.closedform import lyapunov_rows
    from thermotheory.errors import ModelError

    for rows in (stationary_rows, lyapunov_rows):
        with pytest.raises(ModelError, match=found):
            rows(A, D)


@pytest.mark.parametrize("rows", [[(0, 1)], {2: ({}, 1)}, {0: ({0: 1}, 1)}, {0: ({5: 1}, 1)}, {0: "x"}, {1.0: ({}, 1)}])
def test_wrong_rows_are_refused_by_name(rows):
    from thermotheory.errors import ModelError

    v, x = sp.symbols("v x", real=True)
    with pytest.raises(ModelError, match="rows? "):
        CovarianceNames([v, x], sp.eye(2), rows=rows)


def test_every_row_of_lyapunov_rows_holds_for_the_lyapunov_solution():
    from thermotheory.core.closedform import lyapunov_rows

    rng = np.random.default_rng(7)
    n = 4
    for _ in range(3):
        A = sp.Matrix(n, n, lambda i, j: sp.Rational(int(rng.integers(-9, 10)), 7))
        A -= sp.Rational(30, 7) * sp.eye(n)  # (diagonally dominant: stable)
        B = sp.Matrix(n, n, lambda i, j: sp.Rational(int(rng.integers(-5, 6)), 5))
        D = B * B.T + sp.eye(n)
        S = sla.solve_continuous_lyapunov(np.array(A.tolist(), dtype=float), -2 * np.array(D.tolist(), dtype=float))
        rows = lyapunov_rows(A, D)
        assert set(rows) == {(j, k) for j in range(n) for k in range(j, n)}
        for (j, k), (coeffs, const) in rows.items():
            assert all(a <= b and (a, b) != (j, k) for a, b in coeffs)
            through = float(const) + sum(float(c) * S[a, b] for (a, b), c in coeffs.items())
            assert abs(through - S[j, k]) < 1e-10 * max(1.0, abs(S[j, k])), (j, k)
    # the diagonal rows are stationary_rows': Sigma_kk = sum_m (-A_km / A_kk) Sigma_km - D_kk / A_kk
    assert stationary_rows(A, D) == {k: ({m: -A[k, m] / A[k, k] for m in range(n) if m != k and A[k, m] != 0},
                                         -D[k, k] / A[k, k]) for k in range(n)}


def test_a_row_whose_scale_may_vanish_where_the_model_is_stable_is_not_taken():
    # x: a x - k y, z: -c z: the row of Sigma_xz divides by a - c, zero at a = c where the model is stable (review)
    x, y, z = sp.symbols("x y z", real=True)
    a, b, c, k, m = sp.symbols("a b c k m", positive=True)
    model = tt.LinearSDE({x: a * x - k * y, y: k * x - b * y + m * z, z: -m * y - c * z}, {x: 1, y: 1, z: 1})
    from thermotheory.core.closedform import lyapunov_rows

    rows = lyapunov_rows(model.A, model.D)
    assert (0, 2) not in rows and (0, 0) in rows  # (2 a > 0: it cannot vanish)
    form = tt.entropy_production_rate(model, form="structured")
    at = {a: sp.Rational(1, 2), b: 3, c: sp.Rational(1, 2), k: 2, m: 1}
    numeric = tt.entropy_production_rate(model.subs(at))
    assert abs(float(form.evaluate(at)) - numeric) < 1e-9 * abs(numeric)


@pytest.mark.parametrize("seed", [0, 1])
def test_the_population_s_off_diagonal_entries_through_their_rows(seed):
    # Sigma_{x1 x2} = (g_2 tau_1 Sigma_{v x1} + g_1 tau_2 Sigma_{v x2}) / (tau_1 + tau_2), as by hand (it printed one
    # fraction over three factors, 64 glyphs)
    from thermotheory.models import decoder as B

    g = sp.symbols("g_1:4", positive=True)
    tau = sp.symbols("tau_1:4", positive=True)
    sig = sp.symbols("sigma_1:4", positive=True)
    model = B.heterogeneous_population(g, tau, sig)
    form = tt.mutual_information(model, B.v, list(model.variables[1:]), form="structured")
    defs = {str(n): v for n, v in form.definitions}
    vx1, vx2 = (next(n for n, _ in form.definitions if str(n) == f"Sigma[v,x_{k}]") for k in (1, 2))
    assert sp.simplify(defs["Sigma[x_1,x_2]"] - (g[1] * tau[0] * vx1 + g[0] * tau[1] * vx2) / (tau[0] + tau[1])) == 0
    rng = np.random.default_rng(seed)
    values = {p: float(rng.uniform(0.3, 3.0)) for p in model.parameters}
    at = _definitions_at(form, values)
    S = _numeric_covariance(model, values)
    index = {str(v): k for k, v in enumerate(model.variables)}
    for name, _ in form.definitions:
        if not isinstance(name, sp.MatrixSymbol):
            i, j = (index[a] for a in str(name)[6:-1].split(","))
            assert abs(at[name] - S[i, j]) < 1e-9 * abs(S[i, j]), name


def test_rows_that_name_each_other_define_each_entry_once():
    # every entry's row names the others (a fully coupled model): each is defined through entries not waiting on it,
    # and the definitions, one after the other, give scipy's solution
    x, y, z = sp.symbols("x y z", real=True)
    a, b, c, d = sp.symbols("a b c d", positive=True)
    model = tt.LinearSDE({x: -2 * x + a * y + z, y: -b * y + x - c * z, z: -3 * z + y + d * x}, {x: 1, y: a, z: c})
    form = tt.entropy_production_rate(model, form="structured")
    values = {a: 0.4, b: 2.5, c: 0.3, d: 0.6}
    at = _definitions_at(form, values)
    S = _numeric_covariance(model, values)
    index = {"x": 0, "y": 1, "z": 2}
    for name, _ in form.definitions:
        if not isinstance(name, sp.MatrixSymbol):
            i, j = (index[s] for s in str(name)[6:-1].split(","))
            assert abs(at[name] - S[i, j]) < 1e-9 * abs(S[i, j]), name
    numeric = tt.entropy_production_rate(model.subs(values))
    assert abs(float(form.evaluate(values)) - numeric) < 1e-9 * abs(numeric)


@pytest.mark.parametrize("rows", [{(1, 0): ({}, 1)}, {(0, 1): ({(0, 1): 1}, 1)}, {(0, 1): ({(1, 0): 1}, 1)},
                                  {(0, 2): ({}, 1)}, {(0, 1): ({(0, 0): 1}, )}, {(True, 1): ({}, 1)}])
def test_wrong_rows_of_entries_are_refused_by_name(rows):
    from thermotheory.errors import ModelError

    v, x = sp.symbols("v x", real=True)
    with pytest.raises(ModelError, match="rows? "):
        CovarianceNames([v, x], sp.eye(2), rows=rows)
