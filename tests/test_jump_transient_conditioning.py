"""Digits lost by the numeric transient of a jump process and by its SCGF (issue #25).

Every value is compared with an independent computation at 80 digits written here: mpmath's
``expm`` of the generator (``p(t)``) and of the augmented matrix ``[[L, p(0)], [0, 0]]`` (Van
Loan: its last column is ``q = int_0^t p(s) ds``), ``mpmath.quad`` of the spectral ``p(s)``,
the Fourier modes of a uniform ring (hand formulas for ``p(t)``, ``q`` and the SCGF of its
displacement), and mpmath's ``eig`` of the tilted generator. The engine computes its extended
precision results by uniformization and squaring (transient) and Newton's method (SCGF), not by
these routes.
"""

from __future__ import annotations

import math
import re
import warnings

import mpmath as mp
import numpy as np
import pytest

import thermotheory as tt
from thermotheory.core import jump_currents as jc
from thermotheory.core import jump_forms as jf
from thermotheory.core import jump_transient as jt
from thermotheory.errors import ConditioningWarning, IllConditioned
from thermotheory.models import pump

DPS = 80  # 50 digits and more: the entropy production at equilibrium is 1e-40 from terms of order one
TIMES = [1e-7, 1e-3, 1.0, 1e3]


# -- models -------------------------------------------------------------------------------------------------------
def ion_pump(dmu_atp: float = 20.0, dmu_ion: float = 5.0) -> tt.MarkovJumpProcess:
    vals = {"k_1": 1.0, "k_2": 2.0, "k_3": 0.5, "k_4": 1.5, "Delta_mu_ATP": dmu_atp, "Delta_mu_ion": dmu_ion}
    return pump.ion_pump().numeric(vals)


def stiff_ring(ratio: float = 1e6, affinity: float = 1e-9) -> tt.MarkovJumpProcess:
    """Three states, rates 1 and ``ratio``, cycle affinity ``affinity`` (near equilibrium)."""
    forward, backward = [ratio, 1.0, 1.0], [1.0, ratio, math.exp(-affinity)]
    rates = {}
    for i in range(3):
        rates[(i, (i + 1) % 3)] = forward[i]
        rates[((i + 1) % 3, i)] = backward[i]
    return tt.MarkovJumpProcess(rates)


def uniform_ring(n: int, a: float, b: float) -> tt.MarkovJumpProcess:
    rates = {}
    for i in range(n):
        rates[(i, (i + 1) % n)] = a
        rates[((i + 1) % n, i)] = b
    return tt.MarkovJumpProcess(rates)


def stationary(model) -> np.ndarray:
    return np.array(jf._numeric_p(model), dtype=float)


# -- references at DPS digits ---------------------------------------------------------------------------------------
def mp_generator(model):
    n = model.n
    L = mp.zeros(n, n)
    for (i, j), w in model._rates.items():
        x = mp.mpf(float(w))
        L[j, i] += x
        L[i, i] -= x
    return L


def mp_flow(model, i, j):
    if (i, j) in model._flows:
        return mp.mpf(float(model._flows[(i, j)]))
    return mp.log(mp.mpf(float(model._rates[(i, j)])) / mp.mpf(float(model._rates[(j, i)])))


def mp_expm_transient(model, t, p0):
    """``p(t)`` by mpmath ``expm`` of ``L t``; ``q`` by ``expm`` of the augmented matrix (Van Loan)."""
    n = model.n
    with mp.workdps(DPS):
        L = mp_generator(model)
        v = mp.matrix([mp.mpf(float(x)) for x in p0])
        pt = mp.expm(L * mp.mpf(t)) * v
        M = mp.zeros(n + 1, n + 1)
        for i in range(n):
            for j in range(n):
                M[i, j] = L[i, j]
            M[i, n] = v[i]
        E = mp.expm(M * mp.mpf(t))
        return [pt[i] for i in range(n)], [E[i, n] for i in range(n)]


def mp_ring_transient(n, a, b, t, p0):
    """``p(t)`` and ``q`` of a uniform ring from its Fourier modes: ``lambda_k = a w^-k + b w^k - a - b``."""
    with mp.workdps(DPS):
        a, b, t = mp.mpf(a), mp.mpf(b), mp.mpf(t)
        w = [mp.expjpi(mp.mpf(2 * k) / n) for k in range(n)]
        p = [mp.mpf(float(x)) for x in p0]
        pt, q = [mp.mpf(0)] * n, [mp.mpf(0)] * n
        for k in range(n):
            lam = a / w[k] + b * w[k] - a - b
            c = mp.fsum(p[i] * mp.expjpi(-mp.mpf(2 * k * i) / n) for i in range(n)) / n
            e = mp.exp(lam * t)
            g = t if k == 0 else mp.expm1(lam * t) / lam
            for i in range(n):
                mode = mp.expjpi(mp.mpf(2 * k * i) / n)
                pt[i] += mp.re(c * e * mode)
                q[i] += mp.re(c * g * mode)
        return pt, q


def mp_heat_and_entropy(model, pt, q, p0):
    with mp.workdps(DPS):
        Q = mp.fsum(q[i] * mp.mpf(float(w)) * mp_flow(model, i, j) for (i, j), w in model._rates.items())
        H = lambda p: -mp.fsum(x * mp.log(x) for x in p if x > 0)  # noqa: E731
        S = H(pt) - H([mp.mpf(float(x)) for x in p0]) + Q
        return Q, S


def assert_close(value, reference, rel):
    with mp.workdps(DPS):
        reference = mp.mpf(reference)
        assert abs(mp.mpf(value) - reference) <= rel * abs(reference), (value, float(reference))


def silent(f, *args, **kwargs):
    """``f(...)`` that must neither warn nor raise."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return f(*args, **kwargs)


# -- small stiff networks: right to about the last digit ------------------------------------------------------------
SMALL = [("pump from E_1", ion_pump, lambda m: np.array([1.0, 0, 0, 0])),
         ("pump from stationarity", ion_pump, stationary),
         ("pump 1e-9 from stall", lambda: ion_pump(20.0, 20.0 - 1e-9), stationary),
         ("stiff ring from a state", stiff_ring, lambda m: np.array([1.0, 0, 0])),
         ("stiff ring from stationarity", stiff_ring, stationary),
         ("stiff ring at equilibrium", lambda: stiff_ring(affinity=0.0), stationary)]


@pytest.mark.parametrize("t", TIMES)
@pytest.mark.parametrize("name, build, initial", SMALL, ids=[s[0] for s in SMALL])
def test_small_stiff_transients_match_mpmath_expm(name, build, initial, t):
    model = build()
    p0 = initial(model)
    pt_ref, q_ref = mp_expm_transient(model, t, p0)
    Q_ref, S_ref = mp_heat_and_entropy(model, pt_ref, q_ref, p0)
    pt = silent(jt.distribution, model, t, p0)
    q = silent(jt.time_integral, model, t, p0)
    for i in range(model.n):
        assert_close(pt[i], pt_ref[i], 1e-12)
        assert_close(q[i], q_ref[i], 1e-12)
    # the heat and the entropy production: 1e-21 and 1e-31 from the stationary state, 1e-38 at equilibrium
    assert_close(silent(tt.heat, model, t, p0), Q_ref, 1e-12)
    assert_close(silent(tt.entropy_production, model, t, p0), S_ref, 1e-12)
    state = model.states[-1]
    assert_close(silent(tt.state_probability, model, state, t=t, initial=p0), pt_ref[-1], 1e-12)


def test_pump_time_integral_matches_a_quadrature_of_the_spectral_distribution():
    model = ion_pump()
    p0 = np.array([0.0, 1.0, 0.0, 0.0])
    t = 2.0
    with mp.workdps(DPS):
        E, V = mp.eig(mp_generator(model))
        c = mp.inverse(V) * mp.matrix([mp.mpf(float(x)) for x in p0])

        def p(s, i):
            return mp.re(mp.fsum(V[i, k] * c[k] * mp.exp(E[k] * s) for k in range(model.n)))

        q_ref = [mp.quad(lambda s, i=i: p(s, i), [0, 1e-3, 0.1, t]) for i in range(model.n)]
    q = jt.time_integral(model, t, p0)
    for i in range(model.n):
        assert_close(q[i], q_ref[i], 1e-12)
    Q_ref, _ = mp_heat_and_entropy(model, [p(t, i) for i in range(model.n)], q_ref, p0)
    assert_close(tt.heat(model, t, p0), Q_ref, 1e-12)


def test_short_time_tail_of_a_chain_keeps_its_digits():
    # p_4(t) ~ (t)^4 / 4!: below the float expm's absolute error of 1e-16, recomputed in extended precision
    model = tt.MarkovJumpProcess({(i, i + 1): 1.0 for i in range(4)} | {(i + 1, i): 1.0 for i in range(4)})
    p0 = np.array([1.0, 0, 0, 0, 0])
    t = 1e-5
    pt_ref, q_ref = mp_expm_transient(model, t, p0)
    assert float(pt_ref[4]) < 1e-20
    assert_close(tt.state_probability(model, 4, t=t, initial=p0), pt_ref[4], 1e-12)
    assert_close(jt.time_integral(model, t, p0)[4], q_ref[4], 1e-12)


def test_reservoir_heat_of_the_pump_at_a_short_time():
    model = ion_pump()
    p0 = stationary(model)
    pt_ref, q_ref = mp_expm_transient(model, 1e-7, p0)
    with mp.workdps(DPS):
        ref = mp.fsum(q_ref[i] * mp.mpf(float(model._rates[(i, j)])) * mp_flow(model, i, j)
                      for (i, j) in model.edges if model.reservoir(i, j) == "atp")
    assert_close(jt.heat(model, 1e-7, p0, reservoir="atp"), ref, 1e-12)


# -- the well-conditioned path is the float path, bit for bit --------------------------------------------------------
@pytest.mark.parametrize("t", [0.3, 5.0, 100.0])
def test_well_conditioned_results_are_the_float_computation(t):
    rng = np.random.default_rng(7)
    rates = {}
    for i in range(5):
        for j in range(5):
            if i != j:
                rates[(i, j)] = float(rng.uniform(0.5, 2.0))
    model = tt.MarkovJumpProcess(rates)
    p0 = np.array([0.4, 0.3, 0.1, 0.1, 0.1])
    pt, q = jt._numeric_parts(model, t, p0)  # the float expm and bordered solve
    src, _, w = model.edge_arrays()
    F = jf._flows_where(model, np.ones(len(w), dtype=bool))
    Q = float((q[src] * w * F).sum())
    assert silent(jt.heat, model, t, p0) == Q
    assert silent(jt.entropy_production, model, t, p0) == jf._shannon(pt) - jf._shannon(p0) + Q
    assert np.array_equal(silent(jt.distribution, model, t, p0), pt)
    assert np.array_equal(silent(jt.time_integral, model, t, p0), q)
    pt_ref, q_ref = mp_expm_transient(model, t, p0)
    Q_ref, _ = mp_heat_and_entropy(model, pt_ref, q_ref, p0)
    assert_close(Q, Q_ref, 1e-13)


# -- a 60-state ring: past MAX_PRECISE_STATES, warned about or refused, never silently wrong --------------------------
def ring60_case(a, b, t, start):
    n = 60
    model = uniform_ring(n, a, b)
    p0 = np.full(n, 1.0 / n) if start == "uniform" else np.eye(n)[0]
    pt_ref, q_ref = mp_ring_transient(n, a, b, t, p0)
    Q_ref, S_ref = mp_heat_and_entropy(model, pt_ref, q_ref, p0)
    return model, p0, pt_ref, q_ref, Q_ref, S_ref


@pytest.mark.parametrize("t", [1e-3, 1.0, 50.0])
def test_ring60_driven_transient_is_right_and_silent(t):
    model, p0, pt_ref, q_ref, Q_ref, S_ref = ring60_case(2.0, 1.0, t, "point")
    pt, q = silent(jt.distribution, model, t, p0), silent(jt.time_integral, model, t, p0)
    big = np.array([float(x) for x in pt_ref]) > 1e-3
    for i in np.flatnonzero(big):
        assert_close(pt[i], pt_ref[i], 1e-12)
        assert_close(q[i], q_ref[i], 1e-12)
    assert_close(silent(tt.heat, model, t, p0), Q_ref, 1e-12)
    assert_close(silent(tt.entropy_production, model, t, p0), S_ref, 1e-12)


def float_digits_lost(value, reference) -> float:
    with mp.workdps(DPS):
        rel = abs(mp.mpf(value) - reference) / abs(reference)
        return float(mp.log10(max(rel / mp.mpf(2.0 ** -52), 1)))


@pytest.mark.parametrize("t", [1e-7, 1.0, 100.0])
def test_ring60_near_equilibrium_from_stationarity_is_never_silently_wrong(t):
    # heat = t (a - b) ln(a / b) ~ 1e-18 t from one-way terms of order t: refused, warned, or right
    a, b = 1.0 + 1e-9, 1.0
    model, p0, _, _, Q_ref, S_ref = ring60_case(a, b, t, "uniform")
    for f, ref in ((tt.heat, Q_ref), (tt.entropy_production, S_ref)):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                value = f(model, t, p0)
            except IllConditioned as e:
                assert "MAX_PRECISE_STATES" in str(e) and "transient value" in str(e)
                continue
        warned = [w for w in caught if issubclass(w.category, ConditioningWarning)]
        if warned:
            assert re.search(r"about \d+ of 16 digits", str(warned[0].message))
        else:
            assert float_digits_lost(value, ref) < 8  # silent only where fewer than WARN_DIGITS_LOST are lost


def test_ring60_heat_at_a_short_time_from_stationarity_is_refused():
    model, p0, _, _, Q_ref, _ = ring60_case(1.0 + 1e-9, 1.0, 1e-7, "uniform")
    _, q = jt._numeric_parts(model, 1e-7, p0)
    src, _, w = model.edge_arrays()
    float_heat = float((q[src] * w * jf._flows_where(model, np.ones(len(w), dtype=bool))).sum())
    assert float_digits_lost(float_heat, Q_ref) >= 13  # what the float path would have said, silently
    with pytest.raises(IllConditioned, match="heat: the transient value is too ill-conditioned"):
        tt.heat(model, 1e-7, p0)


def test_ring60_heat_from_stationarity_warns_with_the_digits_when_it_has_lost_some():
    model, p0, _, _, Q_ref, _ = ring60_case(1.0 + 1e-6, 1.0, 1e-3, "uniform")
    with pytest.warns(ConditioningWarning, match=r"heat: ill-conditioned transient value: about \d+ of 16 digits"):
        value = tt.heat(model, 1e-3, p0)
    assert value == pytest.approx(float(Q_ref), rel=1e-2)  # the float value, a few digits still right


# -- the SCGF ------------------------------------------------------------------------------------------------------
def mp_scgf(model, current, s):
    d = current._resolved(model)
    with mp.workdps(DPS + 10):
        L = mp.zeros(model.n, model.n)
        for (i, j), w in model._rates.items():
            x = mp.mpf(float(w))
            L[j, i] += x * mp.exp(mp.mpf(s) * mp.mpf(float(d.get((i, j), 0))))
            L[i, i] -= x
        return max(mp.re(e) for e in mp.eig(L, left=False, right=False))


SCGF_CASES = [("pump", ion_pump, {("E_2PNa", "E_2P"): 1}),
              ("pump near stall", lambda: ion_pump(20.0, 20.0 - 1e-9), {("E_2PNa", "E_2P"): 1}),
              ("stiff ring", stiff_ring, {(0, 1): 1}),
              ("stiff driven ring", lambda: stiff_ring(affinity=1.0), {(0, 1): 1, (1, 0): -1})]


@pytest.mark.parametrize("s", [1e-8, 1e-4, 0.5, -0.7])
@pytest.mark.parametrize("name, build, weights", SCGF_CASES, ids=[c[0] for c in SCGF_CASES])
def test_scgf_of_small_stiff_networks_matches_mpmath_eig(name, build, weights, s):
    model, current = build(), tt.JumpCurrent(weights)
    value = silent(jc.current_scgf, model, current, s)
    assert_close(value, mp_scgf(model, current, s), 1e-12)


@pytest.mark.parametrize("name, build, weights", SCGF_CASES, ids=[c[0] for c in SCGF_CASES])
def test_scgf_at_zero_is_exactly_zero(name, build, weights):
    assert jc.current_scgf(build(), tt.JumpCurrent(weights), 0.0) == 0.0


def test_scgf_slope_at_zero_is_the_mean_rate():
    model, current = ion_pump(), tt.JumpCurrent({("E_2PNa", "E_2P"): 1})
    s = 1e-9
    slope = jc.current_scgf(model, current, s) / s
    assert slope == pytest.approx(jc.current_mean_rate(model, current), rel=1e-8)


def displacement(n):
    return tt.JumpCurrent({**{(i, (i + 1) % n): 1 for i in range(n)}, **{((i + 1) % n, i): -1 for i in range(n)}})


@pytest.mark.parametrize("s, fate", [(0.5, "silent"), (1e-3, "silent"), (1e-6, "warned"), (1e-12, "refused")])
def test_scgf_of_a_60_state_ring_is_the_hand_formula_or_says_the_digits_lost(s, fate):
    # the displacement of a uniform ring: lambda(s) = a (e^s - 1) + b (e^-s - 1), exactly
    a, b = 3.0, 2.9
    model = uniform_ring(60, a, b)
    with mp.workdps(DPS):
        ref = mp.mpf(a) * mp.expm1(mp.mpf(s)) + mp.mpf(b) * mp.expm1(-mp.mpf(s))
    if fate == "refused":
        with pytest.raises(IllConditioned, match="scaled cumulant generating function.*MAX_PRECISE_STATES"):
            jc.current_scgf(model, displacement(60), s)
        return
    if fate == "warned":
        with pytest.warns(ConditioningWarning, match=r"current_scgf: ill-conditioned .* about \d+ of 16 digits"):
            value = jc.current_scgf(model, displacement(60), s)
        assert_close(value, ref, 1e-6)  # about 8 digits lost (float eigenvalues: 1e-16 of the rates, 6)
        return
    assert_close(silent(jc.current_scgf, model, displacement(60), s), ref, 1e-10)


def test_nothing_happens_at_time_zero_even_for_a_large_network_near_equilibrium():
    model = uniform_ring(60, 1.0 + 1e-9, 1.0)
    p0 = np.full(60, 1.0 / 60)
    assert silent(tt.heat, model, 0.0, p0) == 0.0
    assert silent(tt.entropy_production, model, 0.0, p0) == 0.0
    assert not silent(jt.time_integral, model, 0.0, p0).any()


@pytest.mark.parametrize("t", [1e-6, 0.05, 30.0])
def test_subtraction_free_exponential_keeps_every_entry_of_a_stiff_chain(t):
    # the engine's extended-precision route against mpmath's expm: entries down to 1e-60 keep their digits
    model = tt.MarkovJumpProcess({(0, 1): 1e4, (1, 0): 1.0, (1, 2): 1e-3, (2, 1): 1e3, (2, 3): 1.0, (3, 2): 1e-4})
    p0 = np.array([0.0, 0.0, 0.0, 1.0])
    pt_ref, q_ref = mp_expm_transient(model, t, p0)
    pt, q = jt._uniformized(model, t, p0, dps=40)
    for i in range(model.n):
        assert_close(pt[i], pt_ref[i], 1e-30)
        assert_close(q[i], q_ref[i], 1e-30)


# -- the SCGF with a transient state; one Newton solve at one precision ----------------------------------------------
def test_scgf_of_a_network_with_a_transient_state_is_the_closed_class_one():
    ring_rates = {(0, 1): 2.0, (1, 2): 3.0, (2, 0): 1.0, (1, 0): 1.0, (2, 1): 1.0, (0, 2): 2.0}
    current = tt.JumpCurrent({(0, 1): 1, (1, 0): -1})
    with_transient = tt.MarkovJumpProcess({**ring_rates, (3, 0): 1.0})  # state 3 leaves and never comes back
    closed = tt.MarkovJumpProcess(ring_rates)
    for s in (1e-3, 1e-6, 0.1):
        value = silent(jc.current_scgf, with_transient, current, s)
        assert_close(value, mp_scgf(closed, current, s), 1e-12)  # the transient state adds an eigenvalue -1 only


def _random_ring(n: int, seed: int) -> tt.MarkovJumpProcess:
    """A ring of ``n`` states with forward and backward rates drawn uniformly in [1, 3] (well conditioned)."""
    rng = np.random.default_rng(seed)
    fw, bw = rng.uniform(1, 3, n), rng.uniform(1, 3, n)
    rates = {}
    for i in range(n):
        rates[(i, (i + 1) % n)] = float(fw[i])
        rates[((i + 1) % n, i)] = float(bw[i])
    return tt.MarkovJumpProcess(rates)


def _refuse_precise_transient(monkeypatch) -> None:
    """Make the extended-precision transient fail the test if it is computed."""

    def refuse(*args, **kwargs):
        raise AssertionError("the extended-precision transient was computed")

    monkeypatch.setattr(jt, "_precise_transient", refuse)


def test_scgf_newton_is_one_factorization_at_one_precision(monkeypatch):
    n = 10
    model = _random_ring(n, seed=0)
    current = tt.JumpCurrent({(0, 1): 1, (1, 0): -1})
    precisions = []
    real_lu, real_solve = mp.mp.LU_decomp, mp.lu_solve
    monkeypatch.setattr(mp.mp, "LU_decomp", lambda A, *a, **k: precisions.append(mp.mp.dps) or real_lu(A, *a, **k))
    monkeypatch.setattr(mp, "lu_solve", lambda *a, **k: precisions.append(mp.mp.dps) or real_solve(*a, **k))
    value = silent(jc.current_scgf, model, current, 1e-5)  # about 5 digits cancel: the precise path
    monkeypatch.undo()
    assert precisions and len(set(precisions)) == 1  # one working precision, no second solve to compare with
    assert len(precisions) <= 2  # Newton from the float eigenpair: converged after one or two factorizations
    assert_close(value, mp_scgf(model, current, 1e-5), 1e-12)


# -- the time integral's error: the subtraction-free reference, not an LU bound -----------------------------------
@pytest.mark.parametrize("n, t", [(15, 10.0), (30, 1.0), (20, 1.0), (20, 10.0)])
def test_well_conditioned_transient_heat_of_a_random_ring_stays_on_the_float_path(monkeypatch, n, t):
    model = _random_ring(n, seed=1)
    p0 = np.zeros(n)
    p0[0] = 1.0
    _refuse_precise_transient(monkeypatch)
    value = silent(tt.heat, model, t, p0)
    monkeypatch.undo()
    pt, q = mp_expm_transient(model, t, p0)
    Q, _ = mp_heat_and_entropy(model, pt, q, p0)
    assert_close(value, Q, 1e-12)


def test_time_integral_of_a_random_ring_takes_the_subtraction_free_reference(monkeypatch):
    # at t = 1 from one state the far entries of q are ~1e-6 and the bordered solve loses 5 digits in them; the
    # float subtraction-free exponential keeps them, with no extended-precision solve
    n = 20
    model = _random_ring(n, seed=1)
    p0 = np.zeros(n)
    p0[0] = 1.0
    _refuse_precise_transient(monkeypatch)
    q = silent(jt.time_integral, model, 1.0, p0)
    monkeypatch.undo()
    _, reference = mp_expm_transient(model, 1.0, p0)
    for value, exact in zip(q, reference):
        assert_close(value, exact, 1e-12)
