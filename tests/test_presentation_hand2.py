r"""Issue #24, the remaining hand forms: what the presentation pass and the printer write as a theorist does.

Each form is the one a page prints (built as its derivation script builds it, or the same
expression written out): the form :func:`compact` returns must equal the raw expression at
random points (evaluated here with numpy, independently of the pass's own check), and its
LaTeX must have the hand's shape, checked structurally:

- a group of terms that differ only in exponentials collected, the decay written ``1 - e^{-x}``
  with the sign outside (``t - \gamma (1 - e^{-k t/\gamma})/k``), the exponentials factored
  where they factor (``(1 - e^{-x})(3 - e^{-x})``);
- a sum printed in the orientation (and scale) it has elsewhere in the form (``-(1 - n) \ln(1 - n)``,
  not ``(n - 1) \ln(1 - n)``; ``4 (1 - n)``, not ``4 - 4 n``);
- a fraction times a logarithm printed with the fraction first (``\frac{1}{2} \ln(\dots)``).
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import thermotheory as tt
from thermotheory.errors import ModelError
from thermotheory.core import presentation as P
from thermotheory.core.closedform import ClosedForm, latex_of
from thermotheory.models import ion_channel as K
from thermotheory.models import particle as PM
from thermotheory.models import pump as G

a, b, x, n = sp.symbols("a b x n", positive=True)


def _numeric_equal(p: sp.Expr, q: sp.Expr, seed: int = 11, points: int = 20, high: float = 3.0) -> bool:
    """p == q at random points, every symbol uniform in [0.05, high], evaluated with numpy in complex numbers
    (not the pass's mpmath check)."""
    names = sorted(p.free_symbols | q.free_symbols, key=lambda s: s.name)
    fp, fq = sp.lambdify(names, p, "numpy"), sp.lambdify(names, q, "numpy")
    rng = np.random.default_rng(seed)
    for _ in range(points):
        vals = rng.uniform(0.05, high, size=len(names)).astype(complex)
        vp, vq = complex(fp(*vals)), complex(fq(*vals))
        if not np.isclose(vp, vq, rtol=1e-9, atol=1e-12):
            return False
    return True


def _compacted(e: sp.Expr, high: float = 3.0) -> tuple[sp.Expr, str]:
    out = P.compact(e)
    assert _numeric_equal(out, e, high=high), (e, out)
    return out, latex_of(out)


def _explicit(f: ClosedForm) -> sp.Expr:
    """A closed form with its definitions substituted (names by their values, last defined first)."""
    e = f.expr
    for name, value in reversed(f.definitions):
        e = e.xreplace({name: value})
    return e


# --- a group of terms differing only in exponentials: item 1 and 2 of the particle page -----

DECAY = r"e^{- k t / \gamma}"


def _dragged() -> tuple[sp.Expr, sp.Expr, sp.Expr, sp.Expr]:
    drag = PM.dragged_trap()
    mean_w, var_w = PM.work_statistics()
    return (tt.core.moments.mean(drag, PM.t)[0], tt.heat(drag, PM.t, {PM.x: PM.T / PM.k}), mean_w, var_w)


def test_the_dragged_trap_lag_is_t_less_gamma_over_k_times_one_less_the_decay():
    mean, _, mean_w, var_w = _dragged()
    for raw in (mean, mean_w, var_w):
        _, tex = _compacted(raw)
        assert rf"t - \frac{{\gamma \left(1 - {DECAY}\right)}}{{k}}" in tex, tex
        assert rf"{DECAY} - 1" not in tex and r"- \frac{\gamma}{k}" not in tex, tex  # no e^{-x} - 1, no -g/k apart


def test_the_dragged_trap_heat_factors_its_exponentials():
    _, heat, _, _ = _dragged()
    _, tex = _compacted(heat)
    assert rf"2 k t - \gamma \left(1 - {DECAY}\right) \left(3 - {DECAY}\right)" in tex, tex
    assert r"e^{- 2 k t / \gamma}" not in tex, tex  # the square of the decay only inside the product


def test_terms_differing_only_in_exponentials_are_counted_and_grouped_in_a_generic_sum():
    # the mechanism, on a sum of no model: c e^{-x} - c + b as b - c (1 - e^{-x}), c = a/b
    s = a * sp.exp(-x) / b - a / b + b
    assert P.uncollected_exponentials(s) == 1
    out, tex = _compacted(s)
    assert P.uncollected_exponentials(out) == 0
    assert r"\left(1 - e^{- x}\right)" in tex and r"e^{- x} - 1" not in tex, tex
    assert P.size(out) <= P.size(s)


def test_the_ion_pump_denominator_is_grouped_by_its_rate_monomials():
    forms = [v for v in G.pump_quantities().values() if isinstance(v, ClosedForm)]
    sigma = next(value for f in forms for name, value in f.definitions if str(name).startswith("Sigma"))
    assert sigma.is_Add and len(sigma.args) == 10, sigma  # the raw sum: ten terms
    out, tex = _compacted(sigma)
    assert out.is_Add and len(out.args) <= 4, tex  # the ten terms in a few groups
    assert P.uncollected_exponentials(out) == 0 < P.uncollected_exponentials(sigma)
    assert P.reading(out).width < 0.85 * P.reading(sigma).width


# --- a sum in the orientation it has elsewhere: item 4 (the jump-process page) ---------------


def test_binary_entropy_keeps_one_minus_n_where_the_log_has_it():
    h = -n * sp.log(n) - (1 - n) * sp.log(1 - n)
    out, tex = _compacted(h)
    assert P.unmatched_sums(out) == 0
    assert r"n - 1" not in tex and r"\left(1 - n\right) \ln{\left(1 - n \right)}" in tex, tex


def test_the_channel_entropy_writes_one_minus_n_in_both_places():
    H = K.step_quantities().notation()["H_{t}"]  # h(n(t)) is one of its definitions
    out = P.compact(H)
    raw, value = ({str(name): v for name, v in f.definitions}["h_t"] for f in (H, out))
    assert _numeric_equal(value, raw, high=0.95)
    tex = latex_of(value)
    assert "n_{t} - 1" not in tex and r"\left(1 - n_{t}\right) \ln{\left(1 - n_{t} \right)}" in tex, tex


def test_the_relaxation_entropy_keeps_the_number_out_of_one_minus_n():
    """The relaxation entropy written out (the page now prints it as 4 D(n_0 || n_inf) - 4 D(n(t) || n_inf), below):
    the 4 stays out of 1 - n."""
    f = K.step_quantities().notation()
    shown = next(v for k, v in f.items() if k.startswith(r"\Delta S_{\mathrm{tot}}(t)"))
    ep = ClosedForm(K.GATES * (K.bernoulli_kl(K.n_0, K._NU) - K.bernoulli_kl(K._NT, K._NU)),
                    [d for d in shown.definitions if d[0] in (K._NU, K._NT)], K._NAMES)
    out = P.compact(ep)
    assert _numeric_equal(_explicit(out), _explicit(ep))
    tex = latex_of(out.expr)
    assert "4 - 4" not in tex and r"4 \left(1 - n_{t}\right)" in tex, tex
    assert P.unmatched_sums(out.expr) == 0
    assert latex_of(shown.expr, symbol_names=shown.names) == r"4 D(n_{0} \| n_\infty) - 4 D(n(t) \| n_\infty)"
    assert _numeric_equal(_explicit(shown), _explicit(ep))


def test_unmatched_sums_counts_orientation_and_scale():
    assert P.unmatched_sums((n - 1) * sp.log(1 - n)) == 1
    assert P.unmatched_sums(sp.Mul(4, 1 - n, sp.log(1 - n))) == 0
    assert P.unmatched_sums((4 - 4 * n) * sp.log(1 - n)) == 1
    assert P.unmatched_sums((a + b) * sp.log(a - b)) == 0  # different sums, not multiples


def test_an_orientation_mismatch_is_matched_by_compact_in_a_generic_form():
    raw = a + (b - a) * sp.exp(a - b)  # b - a beside the exponent a - b
    assert P.unmatched_sums(raw) == 1
    out, tex = _compacted(raw)
    assert P.unmatched_sums(out) == 0, tex
    assert r"b - a" not in tex and r"\left(a - b\right) e^{a - b}" in tex, tex


# --- a fraction times a logarithm: item 5 (decoder, heat engine) ----------------------------


def test_half_a_log_prints_the_half_first():
    lf, li = sp.symbols("lambda_f lambda_i", positive=True)
    for raw, lead in ((sp.log(lf / li) / 2, r"\frac{1}{2} \ln"), (-sp.log(1 + a / b) / 2, r"- \frac{1}{2} \ln"),
                      (3 * sp.log(1 + a) / 4, r"\frac{3}{4} \ln")):
        out, tex = _compacted(raw)
        assert tex.startswith(lead), tex
        assert r"}}{2}" not in tex and r"}}{4}" not in tex, tex


def test_the_decoder_information_prints_the_half_first():
    g, sv, tn, tv, sn = sp.symbols("g sigma_v tau_n tau_v sigma_n", positive=True)
    raw = sp.log(1 + g**2 * sv**2 * tv**2 / (g**2 * sv**2 * tn * tv + sn**2 * (tn + tv) ** 2)) / 2
    out, tex = _compacted(raw)
    assert tex.startswith(r"\frac{1}{2} \ln{\left(1 + \frac{"), tex
    assert not tex.endswith(r"\right)}}{2}"), tex


def test_a_fraction_stays_a_numerator_where_the_factor_is_short_or_not_a_log_of_a_sum():
    assert latex_of(sp.log(2) / 2) == r"\frac{\ln 2}{2}"  # a bare log reads as a number
    assert latex_of(sp.exp(x) / 2) == r"\frac{e^{x}}{2}"
    assert latex_of(sp.log(1 + x) / (2 * a)) == r"\frac{\ln{\left(1 + x \right)}}{2 a}"
    assert latex_of(x * sp.log(1 + x) / 2) == r"\frac{x \ln{\left(1 + x \right)}}{2}"


def test_a_monomial_every_term_of_a_radicand_shares_leaves_the_root():
    # the full-history transfer entropy of a chain printed sqrt(D_x sqrt(D_y) k^2 + D_y^{3/2} ...) / (2 D_y^{3/4}):
    # sqrt(D_y) leaves the root and cancels, as a hand derivation writes it
    from thermotheory.core.presentation import _root_contents

    v, x, y = sp.symbols("v x y", real=True)
    g_v, g_x, g_y, k_x, k_y, D_v, D_x, D_y = sp.symbols("gamma_v gamma_x gamma_y kappa_x kappa_y D_v D_x D_y",
                                                        positive=True)
    chain = tt.LinearSDE({v: -g_v * v, x: k_x * v - g_x * x, y: k_y * x - g_y * y}, {v: D_v, x: D_x, y: D_y})
    form = tt.registry.full_history_transfer_entropy_rate(chain, v, y, raw=True)
    out = P.compact(form)
    tex = latex_of(out)
    assert r"\frac{3}{4}" not in tex and r"\sqrt[4]" not in tex and r"\frac{3}{2}" not in tex, tex
    assert P.equal_at_random_points(out, form)
    a, b, d = sp.symbols("a b d", positive=True)
    # a symbol that may be negative stays inside the root
    assert _root_contents(sp.sqrt(x**2 * a + x**2 * b)) == sp.sqrt(x**2 * a + x**2 * b)
    assert _root_contents(sp.sqrt(d * a + d**2 * b)) == sp.sqrt(d) * sp.sqrt(a + d * b)


@pytest.mark.parametrize("bad", ["x + 1", None, [1, 2], float("nan")])
@pytest.mark.parametrize("measure", ["reading", "shared_factors", "unmatched_sums", "uncollected_exponentials"])
def test_a_measure_refuses_what_is_no_expression_by_name(measure, bad):
    with pytest.raises(tt.ModelError, match=measure):
        getattr(P, measure)(bad)


def test_a_function_of_twice_an_argument_is_written_through_the_argument_where_that_cancels():
    r"""The lattice page's block-spin mass printed \frac{\lambda (\cosh(2\kappa) - 1)}{a^2 \cosh\kappa}; an author
    writes \frac{2 \lambda \sinh^2\kappa}{a^2 \cosh\kappa}. A double angle that cancels nothing is left alone."""
    from thermotheory.core.closedform import latex_of
    from thermotheory.core.presentation import compact

    k, a, lam, x = sp.symbols("kappa a lambda x", positive=True)
    cases = {lam * (sp.cosh(2 * k) - 1) / (a**2 * sp.cosh(k)): r"\frac{2 \lambda \sinh^{2} \kappa}{a^{2} \cosh \kappa}",
             sp.sinh(2 * k) / sp.cosh(k): r"2 \sinh \kappa",
             (1 - sp.cos(2 * x)) / sp.sin(x): r"2 \sin x"}
    for form, expected in cases.items():
        out = compact(form)
        assert latex_of(out) == expected
        for point in ({k: sp.Rational(3, 7), a: 2, lam: sp.Rational(5, 3), x: sp.Rational(1, 3)},
                      {k: 2, a: sp.Rational(1, 9), lam: 7, x: sp.Rational(11, 5)}):
            assert abs(sp.N((out - form).xreplace(point), 30)) < 1e-25
    assert compact(sp.cos(2 * x)) == sp.cos(2 * x) and compact(x + sp.cosh(2 * k)) == x + sp.cosh(2 * k)


@pytest.mark.parametrize("make", [lambda s: 2 * s.args[0] + s.args[1] + sp.cos(sp.sqrt(s)) * sp.Abs(s),
                                  lambda s: sp.sqrt(s) * sp.sinh(sp.sqrt(s)) / sp.Abs(s),
                                  lambda s: s.args[0] + sp.cosh(sp.sqrt(s)) * sp.sign(s)])
def test_review_a_radicand_of_either_sign_keeps_its_value(make):
    r"""From a review: the radicand written as its root squared stood in for positive, and sympy took |S^2| as S^2,
    sign(S^2) as 1, where 2a - c < 0; the random points, every symbol in one band of magnitudes, rarely saw it."""
    from thermotheory.core.presentation import compact, equal_at_random_points

    a, c = sp.symbols("a c", positive=True)
    form = make(2 * a - c)
    out = compact(form)
    for point in ({a: 1, c: 3}, {a: sp.Rational(1, 3), c: 5}, {a: 4, c: 1}):
        assert abs(sp.N((out - form).xreplace(point), 30)) < 1e-20, (point, out)
    assert not equal_at_random_points(sp.Abs(2 * a - c), 2 * a - c)


# --- a covariance that is a sum over the noise sources: each source's part on its own ----------


def test_a_piece_still_a_sum_over_a_sum_is_split_in_turn():
    r"""The BCM synapse's :math:`\Sigma_{ww}` printed as one fraction of 130 glyphs: the split of its numerator
    left one piece, :math:`(\kappa^2 \sigma_n^2 \tau_n (2 r_0 - \theta)^2 + \sigma_w^2 (\tau_n + \tau_w)) / (\tau_n +
    \tau_w)`, whole and factored (the square expanded); split in turn it reads as the tracking synapse's, term per
    noise source, as a theorist writes it (109 glyphs)."""
    from thermotheory.core.closedform import latex_of, printed_size

    g, k, sv, sn, sw, tn, tv, tw, r, th = sp.symbols("g kappa sigma_v sigma_n sigma_w tau_n tau_v tau_w r_0 theta",
                                                     positive=True)
    gain = (2 * r - th) ** 2
    below = (tn + tv) * (tn + tw) * (tv + tw)
    joined = (g**2 * k**2 * sv**2 * tv * gain * (tn * (tv + tw) + tv * tw)
              + (tn + tv) * (tv + tw) * (k**2 * sn**2 * tn * gain + sw**2 * (tn + tw))) / below
    hand = (g**2 * k**2 * sv**2 * tv * gain * (tn * (tv + tw) + tv * tw) / ((tn + tv) * (tn + tw) * (tv + tw))
            + k**2 * sn**2 * tn * gain / (tn + tw) + sw**2)
    out = P.compact(joined)
    assert _numeric_equal(out, joined)
    # a term per noise source (sigma_w^2 on its own; the factor the other two share may stand outside them)
    assert out.is_Add and sw**2 in out.args and P.nested_fractions(latex_of(out)) == (0, 0), latex_of(out)
    assert printed_size(out) <= printed_size(hand) < 0.85 * printed_size(joined), latex_of(out)
    assert r"\left(2 r_{0} - \theta\right)^{2}" in latex_of(out) and "r_{0}^{2}" not in latex_of(out)


def test_logs_of_reciprocal_arguments_are_written_as_one():
    r""":math:`T (a + b) \ln\frac{w_2}{w_1} + (a + b) \ln\frac{w_1}{w_2}` is :math:`(T - 1)(a + b) \ln\frac{w_2}{w_1}`;
    the pass wrote :math:`(1 - T)(a + b)(\ln w_1 - \ln w_2)`. Where an argument can be negative (``f / (1 - f)`` with
    ``f`` only positive) the two logs differ by :math:`2 \pi i` there, and the form is left as it is."""
    from thermotheory.core.closedform import latex_of

    T, w1, w2, f, q = sp.symbols("T w_1 w_2 f q", positive=True)
    form = a * T * sp.log(w2 / w1) + (b + a) * sp.log(w1 / w2) + b * sp.log(w2 / w1) * T
    out, tex = _compacted(form)
    assert tex.count(r"\ln") == 1 and r"\ln \frac{w_{2}}{w_{1}}" in tex, tex
    assert P.size(out) < P.size(P._logs_split(form))
    mixed = q * f * sp.log(f / (1 - f)) + q * sp.log((1 - f) / f)
    back = P.compact(mixed)
    for point in ({f: sp.Rational(1, 3), q: 2}, {f: 3, q: sp.Rational(1, 2)}):  # (f = 3: both arguments negative)
        assert abs(sp.N((back - mixed).xreplace(point), 30)) < 1e-25, back


def test_a_covariance_entry_is_written_as_a_sum_over_the_noise_sources():
    r"""The tracking synapse's :math:`\Sigma_{x w}` printed as one fraction whose numerator mixed the sources (93
    glyphs); its numerator collected over the powers of :math:`\sigma_n`, each part cancelled, it reads as an author
    writes it, a term per source, :math:`\sigma_n^2 \tau_n / (\tau_n + \tau_w)` the neuron's (79; with the
    gain :math:`\kappa` the terms share outside them, 80)."""
    from thermotheory.core.closedform import latex_of, printed_size

    g, k, sv, sn, tn, tv, tw = sp.symbols("g kappa sigma_v sigma_n tau_n tau_v tau_w", positive=True)
    joined = k * (sn**2 * tn * tv**2 + (tn * (tv + tw) + tv * tw) * (g**2 * sv**2 * tv + sn**2 * tn)) / (
        (tn + tv) * (tn + tw) * (tv + tw))
    out, tex = _compacted(joined)
    assert r"\frac{\sigma_{n}^{2} \tau_{n}}{\tau_{n} + \tau_{w}}" in tex, tex
    by_source = k * (g**2 * sv**2 * tv * (tn * (tv + tw) + tv * tw) / ((tn + tv) * (tn + tw) * (tv + tw))
                     + sn**2 * tn / (tn + tw))  # (evaluated: sympy multiplies the gain into the terms)
    assert printed_size(out) <= printed_size(by_source) + 1 and printed_size(out) < 0.92 * printed_size(joined)


def test_review_a_piece_split_in_turn_over_one_denominator_is_not_kept():
    """From a review: the recursive split turned one piece into four fractions over one denominator, smaller at that
    step than the piece factored, but no later pass joined them back: the result printed 465 characters, 398 before.
    A piece is split in turn only into parts over different denominators."""
    g, k, sv, sn, sw, tn, tv, tw = sp.symbols("g kappa sigma_v sigma_n sigma_w tau_n tau_v tau_w", positive=True)
    inner = 2 * g * (tn + 2 * tw) + k * sv * tv * (g + sv + tn) + 4 * sn * sv * tn * (g + tn) + 4 * tv
    form = (2 * tv * (g + sw) * (2 * g * tn - sn * (sn + sw + tn)) + (g + tw) * (sn + sv + tw) * inner) / (
        2 * (g + sw) * (g + tw) * (sn + sv + tw))
    out, _ = _compacted(form)
    split, P.SPLIT_DEPTH = P.SPLIT_DEPTH, 0
    P._compact_cached.cache_clear()
    try:
        flat = P.compact(form)
    finally:
        P.SPLIT_DEPTH = split
        P._compact_cached.cache_clear()
    assert P.size(out) <= P.size(flat), (P.size(out), P.size(flat))


def test_held_replace_within_sums_replaces_a_sum_among_a_larger_one_s_terms():
    from thermotheory.core.closedform import latex_of

    C = sp.Symbol("C_1")
    form = sp.sqrt(x + a + b) + (a + b) * x
    assert latex_of(P.held_replace(form, {a + b: C**2}, within_sums=True)) == r"C_{1}^{2} x + \sqrt{C_{1}^{2} + x}"
    assert latex_of(P.held_replace(form, {a + b: C**2})) == r"C_{1}^{2} x + \sqrt{a + b + x}"  # (the whole sum only)
    assert P.held_replace(a + b, {a + b + x: C}, within_sums=True) == a + b  # (a larger sum is not inside a smaller)
    with pytest.raises(ModelError, match="within_sums must be True or False"):
        P.held_replace(form, {a + b: C**2}, within_sums="yes")


def test_the_root_of_a_parameter_is_taken_into_the_root_of_a_sum_that_holds_it():
    """The two-temperature filter's page printed its transfer entropy rate and its error with sqrt(T_2) beside
    sqrt(T_1 kappa^2 + T_2 (k + kappa)^2); by hand both are written through one root, sqrt((k + kappa)^2 +
    T_1 kappa^2 / T_2), and the rate over its one denominator 2 gamma."""
    T1, T2, k, kap, g = sp.symbols("T_1 T_2 k kappa gamma", positive=True)
    X = T1 * kap**2 + T2 * (k + kap) ** 2
    inner = sp.sqrt(T1 * kap**2 / T2 + (k + kap) ** 2)
    rate = sp.sqrt(X) / (2 * sp.sqrt(T2) * g) - (k + kap) / (2 * g)
    error = 2 * T1 * T2 / (sp.sqrt(T2) * sp.sqrt(X) + T2 * (k + kap))
    for raw, want in ((rate, (inner - k - kap) / (2 * g)), (error, 2 * T1 / (inner + k + kap))):
        out = P.compact(raw)
        assert sp.simplify(out - want) == 0, out
        assert _numeric_equal(out, raw)
        assert latex_of(out).count(r"\sqrt") == 1, latex_of(out)
    # a symbol of unknown sign stays outside the root (sqrt(s) sqrt(X / s) is not sqrt(X) for s < 0)
    s = sp.Symbol("s", real=True)
    held = sp.sqrt(a + s * b) / sp.sqrt(s) - b
    assert P._roots_absorbed(held) == held


def test_a_fraction_before_a_log_goes_into_its_argument_as_roots():
    """The synapse page printed its memory time as (1/2) tau_w ln(X^2 / (sigma_w^2 Y)); by hand it is
    tau_w ln(X / (sigma_w sqrt(Y)))."""
    lam, s, tw, tau, sig, th = sp.symbols("lambda s_mu t_w tau_w sigma_w I_th", positive=True)
    decay = 1 - sp.exp(-tw / tau)
    raw = tau * sp.log(lam**2 * s**2 * decay**2 / (sig**2 * (sp.exp(2 * th) - 1))) / 2
    out = P.compact(raw)
    assert latex_of(out) == (r"\tau_{w} \ln \frac{\lambda s_{\mu} \left(1 - e^{- t_{w} / \tau_{w}}\right)}{\sigma_{w} "
                             r"\sqrt{e^{2 I_{\mathrm{th}}} - 1}}"), latex_of(out)
    assert _numeric_equal(out, raw)
    # as the model derives it (the decay turned to 1 - e^{-t_w/tau_w} only at the pass's last step)
    from thermotheory.models import synapse as SY

    assert latex_of(P.compact(SY.storage_quantities()["lifetime"])) == latex_of(out)
    # a factor that changes sign in the domain keeps its square: ln((a - b)^2)/2 is ln|a - b|, not ln(a - b)
    signed = sp.log((a - b) ** 2 * x) / 2
    assert _numeric_equal(P.compact(signed), signed)


def test_the_sums_of_a_numerator_divide_the_terms_of_its_denominator():
    """Kinetic proofreading's cost printed (l + w)(l e^D + w) in its numerator and again in its denominator's terms;
    by hand each term is divided by them: N / w ((k + m)/(l e^D + w) + (k e^D + m)/(l + w))^{-1}."""
    k, m, l, w, D = sp.symbols("kappa m l w Delta", positive=True)
    E = sp.exp(D)
    raw = (l + w) * (k * (1 + E) + 2 * m) * (l * E + w) / (w * ((k + m) * (l + w) + (k * E + m) * (l * E + w)))
    out = P.compact(raw)
    assert _numeric_equal(out, raw)
    tex = latex_of(out)
    assert tex.count(r"\left(l + w\right)") == 0 and tex.endswith(r"\right)^{-1}"), tex
    # a denominator no sum of the numerator divides: left as it is, by two sums chosen together too (review)
    assert P._sums_into_denominator((1 + x) / (a + b)) == (1 + x) / (a + b)
    two = n * (x + 1) * (a + 1) / (a + b)
    assert P._sums_into_denominator(two) == two


def test_a_gaussian_average_is_written_over_the_standard_normal_variable():
    """The perceptron page's probability of a correct label at many weights averaged over z of mean nu c and variance
    1 + alpha nu^2 c^2 (the variance printed three times); by hand it is an average over the standard normal s, as
    the page's own entropy change writes it. Checked by quadrature, independently of the rewriting."""
    import mpmath

    z = sp.Symbol("z", real=True)
    t = sp.Symbol("t", positive=True)
    al, nu = sp.symbols("alpha nu", positive=True)
    c = sp.Function("c")(t)
    var = 1 + al * nu**2 * c**2
    raw = sp.Integral(sp.exp(-(z - nu * c) ** 2 / (2 * var)) / sp.sqrt(2 * sp.pi * var) / (1 + sp.exp(-z)),
                      (z, -sp.oo, sp.oo))
    out = P.compact(raw)
    tex = latex_of(out)
    assert r"e^{- s^{2} / 2}" in tex and tex.count(r"\alpha") == 1 and tex.endswith(", ds"), tex
    for values in ({al: 0.5, nu: 1.3, c: 0.7}, {al: 2.0, nu: 0.4, c: -1.1}):
        def quad(form):
            (v, lo, hi), = form.limits
            g = sp.lambdify(v, form.function.xreplace(values), "mpmath")
            return mpmath.quad(g, [-mpmath.inf, 0, mpmath.inf])
        assert abs(quad(out) - quad(raw)) < 1e-12
    # not a Gaussian density (a quartic exponent), or over half the line: left as it is
    quartic = sp.Integral(sp.exp(-z**4) / (1 + sp.exp(-z)), (z, -sp.oo, sp.oo))
    assert P._gaussian_standardised(quartic) is quartic
    half = sp.Integral(sp.exp(-(z - nu) ** 2 / 2), (z, 0, sp.oo))
    assert P._gaussian_standardised(half) is half
