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
