r"""Issue #24: the presentation pass writes what a theorist writes (the hand-form rewritings of ``compact``).

Each rewriting is tried on a small expression: the form ``compact`` returns must equal the
input at random points (evaluated here with numpy, independently of the pass's own check),
be no larger by ``size``, and have the shape a theorist writes (checked structurally, or
by the glyphs of its LaTeX against the hand-written LaTeX).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from thermotheory.core import presentation as P
from thermotheory.core.closedform import latex_of

from .helpers import load_module, numpy_values

ROOT = Path(__file__).resolve().parents[1]


hf = load_module("_hand_forms_for_presentation_tests", ROOT / "benchmarks" / "hand_forms.py")  # not "hand_forms": its doctests

a, b, t, k, g, u, T = sp.symbols("a b t k gamma u T", positive=True)
lam_i, lam_f, t1, t3, Th, Tc, w1, w2 = sp.symbols("lambda_i lambda_f t_1 t_3 T_h T_c w_1 w_2", positive=True)


def _numeric_equal(x: sp.Expr, y: sp.Expr, seed: int = 7, points: int = 20) -> bool:
    """x == y at random positive points, evaluated with numpy (not the pass's mpmath check)."""
    for vx, vy, _ in numpy_values(x, y, points, seed):
        vx, vy = complex(vx), complex(vy)
        if not np.isclose(vx, vy, rtol=1e-9, atol=1e-12):
            return False
    return True


def _glyphs(e: sp.Expr) -> int:
    return hf.glyphs(latex_of(e))


def _exps(e: sp.Expr) -> list[sp.Expr]:
    return [x.args[0] for x in e.atoms(sp.exp)]


def _checked(e: sp.Expr) -> sp.Expr:
    out = P.compact(e)
    assert _numeric_equal(out, e), (e, out)
    assert P.size(out) <= P.size(e)
    return out


# --- exponentials with the sign of exponent that reads shorter --------------------------


def test_square_of_a_growing_exponential_times_its_decay_is_one_minus_the_decay_squared():
    e = (sp.exp(a) - 1) ** 2 * sp.exp(-2 * a) * b
    out = _checked(e)
    assert all(x.could_extract_minus_sign() for x in _exps(out)), out  # only e^{-a}
    assert len(out.atoms(sp.exp)) == 1
    assert _glyphs(out) <= hf.glyphs(r"b (1 - e^{-a})^2")


def test_expanded_square_of_exponentials_is_written_as_a_square():
    e = b * sp.log((sp.exp(2 * a) - 2 * sp.exp(a) + 1) / t)
    out = _checked(e)
    powers = [p for p in sp.preorder_traversal(out) if isinstance(p, sp.Pow) and p.exp == 2 and p.base.has(sp.exp)]
    assert powers, out
    assert _glyphs(out) < _glyphs(e)


def test_positive_exponential_multiplied_through_every_term_is_divided_out():
    # a ratio a theorist writes with one e^{-t/tau}: x/(x + (1 - e^{-2t/a}))
    x = sp.log(1 + b)
    e = x * sp.exp(2 * t / a) / (x * sp.exp(2 * t / a) + sp.exp(2 * t / a) - 1)
    out = _checked(e)
    assert all(x.could_extract_minus_sign() for x in _exps(out)), out
    hand = r"\frac{\ln(1 + b)}{\ln(1 + b) + 1 - e^{-2 t/a}}"
    assert hf.equal_at_random_points(hf.tex_to_sympy(hand), e)
    assert _glyphs(out) <= 1.15 * hf.glyphs(hand)


def test_exponential_signs_never_change_a_value():
    rng = np.random.default_rng(3)
    for _ in range(8):
        c1, c2 = (int(v) for v in rng.integers(1, 4, size=2))
        e = (sp.exp(c1 * a) - b) ** 2 * sp.exp(-c2 * a) + t * sp.exp(c1 * a / k)
        out = P._exp_signs(e)
        assert _numeric_equal(out, e), (e, out)
        assert P.size(out) <= P.size(e)


# --- common factors ---------------------------------------------------------------------


def test_common_factor_of_a_sum_pulled_out():
    # the mean work on a trap dragged at speed u: g^2 u^2 e^{-kt/g}/k - g^2 u^2/k + g t u^2
    e = g**2 * u**2 * sp.exp(-k * t / g) / k - g**2 * u**2 / k + g * t * u**2
    out = _checked(e)
    assert out.is_Mul and u**2 in out.args and g in out.args, out
    hand = r"\gamma u^2 \left(t - \frac{\gamma}{k} \left(1 - e^{-k t/\gamma}\right)\right)"
    assert hf.equal_at_random_points(hf.tex_to_sympy(hand), e.subs(g, sp.Symbol("gamma", positive=True)))
    assert _glyphs(out) <= 1.15 * hf.glyphs(hand)


def test_terms_sharing_a_factor_grouped():
    e = a * b * t + a * b * k + T
    out = P._grouped_sum(e)
    assert _numeric_equal(out, e)
    assert any(f.is_Add and set(f.args) == {t, k} for x in sp.Add.make_args(out) for f in sp.Mul.make_args(x)), out


def test_terms_sharing_a_numerator_factor_keep_their_denominators():
    # the BCM synapse's Sigma_ww: kappa^2 (2 r_0 - theta)^2 stands in the numerators of two noise sources' terms;
    # pulled out over them, each term keeps its own denominator (no fraction left inside a numerator)
    sv, tv, tn, tw, sn, sw, r0, th = sp.symbols("sigma_v tau_v tau_n tau_w sigma_n sigma_w r_0 theta", positive=True)
    gain = k**2 * (2 * r0 - th) ** 2
    e = (gain * g**2 * sv**2 * tv * (tn * (tv + tw) + tv * tw) / ((tn + tv) * (tn + tw) * (tv + tw))
         + gain * sn**2 * tn / (tn + tw) + sw**2)
    out = _checked(e)
    assert P.nested_fractions(latex_of(out)) == (0, 0), latex_of(out)
    hand = (r"k^2 (2 r_0 - \theta)^2 \left(\frac{\gamma^2 \sigma_v^2 \tau_v (\tau_n (\tau_v + \tau_w) + \tau_v \tau_w)}"
            r"{(\tau_n + \tau_v)(\tau_n + \tau_w)(\tau_v + \tau_w)} + \frac{\sigma_n^2 \tau_n}{\tau_n + \tau_w}\right)"
            r" + \sigma_w^2")
    assert hf.equal_at_random_points(hf.tex_to_sympy(hand), e)
    assert _glyphs(out) <= hf.glyphs(hand), latex_of(out)
    inner = P._factors_pulled(list(e.args)[:2])
    assert _numeric_equal(inner, sp.Add(*list(e.args)[:2]))


def test_a_sum_over_the_noise_sources_keeps_the_factor_its_parts_share_outside():
    # the BCM synapse's Sigma_xw: one fraction (96 glyphs), split over the noise sources each part holds
    # kappa (2 r_0 - theta); pulled out over them it reads as the tracking synapse's Sigma_xw times the gain (88)
    sv, tv, tn, tw, sn, r0, th = sp.symbols("sigma_v tau_v tau_n tau_w sigma_n r_0 theta", positive=True)
    e = (k * (2 * r0 - th) * (sn**2 * tn * tv**2 + (tn * (tv + tw) + tv * tw) * (g**2 * sv**2 * tv + sn**2 * tn))
         / ((tn + tv) * (tn + tw) * (tv + tw)))
    out = _checked(e)
    hand = (r"k (2 r_0 - \theta) \left(\frac{\gamma^2 \sigma_v^2 \tau_v (\tau_n (\tau_v + \tau_w) + \tau_v \tau_w)}"
            r"{(\tau_n + \tau_v)(\tau_n + \tau_w)(\tau_v + \tau_w)} + \frac{\sigma_n^2 \tau_n}{\tau_n + \tau_w}\right)")
    assert hf.equal_at_random_points(hf.tex_to_sympy(hand), e)
    assert _glyphs(out) <= hf.glyphs(hand) < _glyphs(e), latex_of(out)
    assert P.nested_fractions(latex_of(out)) == (0, 0)


# --- perfect squares --------------------------------------------------------------------


def test_perfect_square_of_reciprocal_roots_completed():
    e = 1 / lam_i + 1 / lam_f - 2 / (sp.sqrt(lam_f) * sp.sqrt(lam_i))
    out = _checked(e)
    assert out.is_Pow and out.exp == 2, out
    assert _glyphs(out) <= hf.glyphs(r"\left(\frac{1}{\sqrt{\lambda_i}} - \frac{1}{\sqrt{\lambda_f}}\right)^2")


def test_not_a_perfect_square_is_left_alone():
    e = 1 / lam_i + 1 / lam_f - 3 / (sp.sqrt(lam_f) * sp.sqrt(lam_i))
    assert P._complete_squares(e) == e
    out = P.compact(e)
    assert _numeric_equal(out, e)
    assert not (out.is_Pow and out.exp == 2)


def test_square_completed_beside_other_terms():
    e = a + b + 2 * sp.sqrt(a) * sp.sqrt(b) + t
    out = P._complete_squares(e)
    assert _numeric_equal(out, e)
    assert any(x.is_Pow and x.exp == 2 for x in sp.Add.make_args(out)), out


# --- logarithms, rational constants, fractions ------------------------------------------


def test_minus_log_of_a_reciprocal_written_as_log():
    e = -b * sp.log(a / (t + 1)) / 2
    out = _checked(e)
    assert P.leading_minus(latex_of(out)) == 0 and not latex_of(out).lstrip().startswith("-"), latex_of(out)


def test_rational_factor_of_a_constant_pulled_out():
    e = sp.Rational(1, 2) - sp.log(2) / 2
    out = P.compact(e)
    assert abs(float(out) - (1 - np.log(2)) / 2) < 1e-14
    assert out.is_Mul and sp.Rational(1, 2) in out.args, out
    assert P.size(out) < P.size(e)
    assert P.compact(sp.Rational(3, 4)) == sp.Rational(3, 4)  # a plain number is left alone


def test_one_fraction_split_into_pieces_over_their_own_denominators():
    # the power of the Schmiedl-Seifert engine: -W/(t_1 + t_3) over one common denominator
    L = sp.log(w2 / w1)
    d = (sp.sqrt(w2) - sp.sqrt(w1)) ** 2
    e = -(t1 * t3 * (Tc - Th) * L + 2 * (t1 + t3) * d) / (2 * t1 * t3 * (t1 + t3))
    out = _checked(e)
    assert out.is_Add and len(out.args) == 2, out
    hand = (r"\frac{1}{t_1 + t_3} \left(\frac{T_h - T_c}{2} \ln \frac{w_2}{w_1} - \left(\frac{1}{t_1} + "
            r"\frac{1}{t_3}\right) \left(\sqrt{w_2} - \sqrt{w_1}\right)^2\right)")
    assert hf.equal_at_random_points(hf.tex_to_sympy(hand), e)
    assert _glyphs(out) <= 1.15 * hf.glyphs(hand)


@pytest.mark.parametrize("fn", [P._exp_signs, P._common_factors, P._complete_squares, P._log_signs,
                                P._terms_cancelled])
def test_each_rewriting_keeps_the_value_of_random_forms(fn):
    rng = np.random.default_rng(11)
    names = [a, b, t, k]
    for _ in range(6):
        x, y, z = (names[int(i)] for i in rng.integers(0, 4, size=3))
        c = int(rng.integers(1, 4))
        e = (x * sp.exp(c * y / z) - x) ** 2 / (y + z) - sp.log(x / (y + 1)) * z + 1 / x + 1 / y - 2 / sp.sqrt(x * y)
        out = fn(e)
        assert _numeric_equal(out, e), (fn.__name__, e, out)


def test_numerator_that_is_a_denominator_factor_plus_a_little_written_one_plus():
    # the synapse's tracking heat rate in groups: k (t (r + s + 1) + r + 1)/((t + 1)(t + r)(r + 1))
    r, s, w, kap = sp.symbols("rho SNR tau_w kappa", positive=True)
    e = kap**2 * (w * (r + s + 1) + r + 1) / ((w + 1) * (w + r) * (r + 1))
    out = _checked(e)
    hand = r"\frac{\kappa^2}{\rho + \tau_w} \left(1 + \frac{\mathrm{SNR} \tau_w}{(1 + \rho)(1 + \tau_w)}\right)"
    assert hf.equal_at_random_points(hf.tex_to_sympy(hand), e)
    assert _glyphs(out) <= 1.15 * hf.glyphs(hand) < _glyphs(e)
    # a numerator that is no denominator factor plus a monomial is left as it is
    f = kap**2 * (w * r + s + 1) / ((w + 1) * (r + 1))
    assert P._one_plus(f) == f
