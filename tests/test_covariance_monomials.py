r"""A covariance entry that is a monomial of the parameters is written as that monomial (issue #24).

Named, :math:`\Sigma_{v v} = \sigma_v^2` cost the "where" block a row and kept terms that are 0: the tracking
synapse's entropy production printed :math:`(\Sigma_{v v} - \sigma_v^2)/(\sigma_v^2 \tau_v)`, the heat rate of a
velocity in equilibrium, as one of its three terms.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

import thermotheory as tt
from thermotheory.core.closedform import CovarianceNames, _monomial
from thermotheory.models import synapse as C


def test_monomials_are_numbers_and_products_of_powers_of_symbols():
    a, b = sp.symbols("a b", positive=True)
    for value in (sp.Integer(2), sp.Rational(1, 3), a, a**2 / b, 3 * a * sp.sqrt(b)):
        assert _monomial(value), value
    for value in (a + b, sp.exp(a), (a + b) ** 2, sp.log(a) * b, a ** b):
        assert not _monomial(value), value


def test_monomial_entries_are_not_named():
    v, x = sp.symbols("v x", real=True)
    s, t = sp.symbols("s t", positive=True)
    names = CovarianceNames([v, x], sp.Matrix([[s**2, s**2 * t / (1 + t)], [s**2 * t / (1 + t), s**2 + t]]))
    assert names.entry(0, 0) == s**2
    vx, xx = names.entry(0, 1), names.entry(1, 1)
    assert isinstance(vx, sp.Symbol) and isinstance(xx, sp.Symbol)
    form = names.closed(sp.log(names.entry(0, 0) * names.entry(1, 1) / names.det([0, 1])) / 2)
    assert [str(n) for n, _ in form.definitions] == ["Sigma[v,x]", "Sigma[x,x]", "Sigma"]
    assert form.definitions[-1][1][0, 0] == s**2  # the matrix holds the monomial
    # the value is the mutual information, computed here from the explicit matrix
    S = np.array([[4.0, 4.0 * 0.5 / 1.5], [4.0 * 0.5 / 1.5, 4.5]])
    expected = 0.5 * np.log(S[0, 0] * S[1, 1] / np.linalg.det(S))
    assert abs(float(form.evaluate({s: 2.0, t: 0.5})) - expected) < 1e-12


def test_the_tracking_synapse_entropy_production_has_no_zero_term():
    form = tt.entropy_production_rate(C.tracking(), form="structured")
    # the neuron's and the synapse's heat rates; the velocity's, (Sigma_vv - sigma_v^2)/(sigma_v^2 tau_v), is 0
    assert C.tau_v not in form.expr.free_symbols and "Sigma[v,v]" not in {str(n) for n, _ in form.definitions}
    tex = tt.latex(form)
    assert r"\Sigma_{v v}" not in tex
    values = {C.tau_v: 1.3, C.sigma_v: 0.7, C.tau_n: 0.4, C.sigma_n: 0.5, C.g: 1.1, C.kappa: 0.8, C.tau_w: 2.0,
              C.sigma_w: 0.4}
    numeric = tt.entropy_production_rate(C.tracking().subs(values))
    assert abs(float(form.evaluate(values)) - numeric) < 1e-9 * max(1.0, abs(numeric))


def test_review_a_block_with_a_monomial_entry_is_tested_for_singularity():
    """Review: an entry written as its value has no definition, so its parameters got no value in the singularity
    test of a covariance known by its recurrence (a raw TypeError)."""
    x, y = sp.symbols("x y", real=True)
    s, a = sp.symbols("s a", positive=True)
    regular = CovarianceNames.from_recurrence([x, y], {(0, 0): s**2, (0, 1): a * s, (1, 1): 2 * a}, {})
    singular = CovarianceNames.from_recurrence([x, y], {(0, 0): s**2, (0, 1): s**2, (1, 1): s**2}, {})
    assert regular.singular([0, 1]) is False and singular.singular([0, 1]) is True
    # through the public API: a chain whose covariance is known by its recurrence only
    n = 6
    z = sp.symbols(f"z0:{n}", real=True)
    k = sp.symbols(f"k0:{n}", positive=True)
    c = sp.symbols(f"c1:{n}", positive=True)
    w, g = sp.Symbol("w", real=True), sp.Symbol("g", positive=True)
    drift = {z[0]: -k[0] * z[0], w: -g * w}
    for i in range(1, n):
        drift[z[i]] = c[i - 1] * z[i - 1] - k[i] * z[i]
    model = tt.LinearSDE(drift, {**{v: 1 for v in z}, w: 1})
    form = tt.mutual_information(model, [z[0], w], z[n - 1], form="structured")
    values = {p: 0.7 + 0.1 * i for i, p in enumerate(sorted(form.free_symbols, key=str))}
    numeric = tt.mutual_information(model.subs(values), [z[0], w], z[n - 1])
    assert abs(float(form.evaluate(values)) - numeric) < 1e-9
