"""Fuzz the newer public objects: closed forms, derivations, protocols, currents, feedback, layout, export.

The contract (issue "Correctness III"): each call ends in a named
:class:`~thermotheory.errors.ModelError` or in a finite number that an independent
computation in this file confirms (scipy's Lyapunov solver, ``solve_ivp`` of the moment
equations, hand formulas), within :data:`~tests.test_fuzz.TIME_LIMIT` seconds. Inputs are
bad (NaN, text, booleans, wrong shapes), degenerate (zero noise, marginal drifts) and
valid but awkward (switching exactly at the end time, huge precision, arrays of values).

Runs are deterministic (``derandomize=True``), sized to a few seconds each.
"""

from __future__ import annotations

import functools
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scipy.integrate
import scipy.linalg
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

import thermotheory as tt
from thermotheory.core.closedform import ClosedForm
from thermotheory.errors import ModelError

from .test_fuzz import attempt, fuzz_settings, ok, report


def confirm(value: Any, expected: float, where: str, rtol: float = 1e-8, atol: float = 1e-12) -> None:
    """Fail unless ``value`` (a number the library returned) is ``expected`` to ``rtol``."""
    try:
        got = complex(value)
    except (TypeError, ValueError):
        report(f"{where} returned {value!r}, not a number (expected {expected!r})")
        return
    if got.imag != 0 or not math.isfinite(got.real):
        report(f"{where} returned {value!r} (expected {expected!r})")
        return
    if not abs(got.real - expected) <= atol + rtol * abs(expected):
        report(f"{where} returned {got.real!r} but an independent computation gives {expected!r} "
               f"(relative error {abs(got.real - expected) / max(abs(expected), 1e-300):.2e})")


def refused(value: Any, where: str) -> None:
    """Fail unless ``value`` is a ModelError (a call that had to refuse)."""
    if not isinstance(value, ModelError):
        report(f"{where} should have raised a named ModelError but returned {value!r}")


def lyapunov(A: np.ndarray, D: np.ndarray) -> np.ndarray:
    """Stationary covariance: A S + S A^T + 2 D = 0 (scipy)."""
    return scipy.linalg.solve_continuous_lyapunov(np.asarray(A, float), -2 * np.asarray(D, float))


def gaussian_mi(S: np.ndarray, X: list[int], Y: list[int]) -> float:
    XY = X + Y
    det = lambda idx: np.linalg.det(S[np.ix_(idx, idx)])  # noqa: E731
    return 0.5 * math.log(det(X) * det(Y) / det(XY))


# == ClosedForm =============================================================================
Z = sp.symbols("z0:3", real=True)
K = sp.symbols("k0:3", positive=True)
C = sp.Symbol("c", real=True)
PARAMS = (*K, C)


def three_drift(k0, k1, k2, c):
    return np.array([[-k0, 0.0, 0.0], [c, -k1, 0.0], [1.0, 0.0, -k2]])


@functools.lru_cache(maxsize=None)
def three_forms():
    """A symbolic three-neuron model, its information I(z0; z1 z2) and entropy H(z1 z2) as ClosedForms."""
    A = three_drift(*PARAMS)
    model = tt.LinearSDE({z: sum(A[i, j] * Z[j] for j in range(3)) for i, z in enumerate(Z)}, {z: 1 for z in Z})
    info = tt.mutual_information(model, Z[0], [Z[1], Z[2]], form="structured")
    ent = tt.entropy(model, [Z[1], Z[2]], form="structured")
    assert isinstance(info, ClosedForm) and isinstance(ent, ClosedForm)
    return model, info, ent


@functools.lru_cache(maxsize=None)
def combined_forms() -> dict:
    """Closed forms combined by arithmetic (definitions merged), with their explicit expressions."""
    _, info, ent = three_forms()
    forms = {"info": info, "ent": ent, "sum": info + ent, "difference": ent - info, "scaled": 3 * info - 1,
             "power": info ** 2, "ratio-self": info / (info - info)}
    return {k: (f, f.explicit() if k != "ratio-self" else None) for k, f in forms.items()}


def independent_three(values: dict) -> tuple[float, float]:
    """I(z0; z1 z2) and H(z1 z2) from scipy's covariance of the numeric model."""
    S = lyapunov(three_drift(*[float(values[p]) for p in PARAMS]), np.eye(3))
    sub = S[1:, 1:]
    return gaussian_mi(S, [0], [1, 2]), 0.5 * math.log((2 * math.pi * math.e) ** 2 * np.linalg.det(sub))


GOOD_K = st.sampled_from([0.3, 1.0, 2.0, 7.5, 1e-3, 1e3, sp.Rational(1, 3), np.float64(1.5), 2])
GOOD_C = st.sampled_from([0.0, 0.3, -2.0, 5, sp.Rational(-1, 2), np.float64(0.7)])
BAD_K = st.sampled_from([-1.0, 0, 0.0, float("nan"), float("inf"), "1", "x", 1j, True, None, sp.oo, sp.I, [1.0],
                         np.nan, -1e-300])
BAD_C = st.sampled_from([float("nan"), float("inf"), "0.5", 1j, True, None, sp.zoo, [0.0]])
DPS_GOOD = st.sampled_from([15, 30, 50, 200, np.int64(20)])
DPS_BAD = st.sampled_from([0, -1, True, False, 2.5, "30", None, float("nan"), 10**12])


@st.composite
def parameter_values(draw, keys_as: str = "mixed"):
    """(values, valid): a value for each parameter, at most one of them bad, keys symbols or names."""
    bad = draw(st.sampled_from([None] * 4 + list(PARAMS) + ["missing", "extra"]))
    values: dict[Any, Any] = {}
    either = False
    for p in PARAMS:
        if p is bad:
            v = draw(BAD_C if p is C else BAD_K)
            # decimal text ('0.5') is read as the number it spells (as the command line's --set)
            either = isinstance(v, str) and _decimal(v) and (p is C or float(v) > 0)
        else:
            v = draw(GOOD_C if p is C else GOOD_K)
        key = p if keys_as == "symbol" else (p.name if keys_as == "name" else draw(st.sampled_from([p, p.name])))
        values[key] = v
    if bad == "missing":
        values.pop(draw(st.sampled_from(list(values))))
    if bad == "extra":  # an unknown key: refused or ignored, either is fine
        values[draw(st.sampled_from(["nope", sp.Symbol("q"), 3]))] = 1.0
    return values, "valid" if bad is None else ("either" if bad == "extra" or either else "invalid")


def _decimal(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def numbers_of(values: dict) -> dict:
    by_name = {p.name: p for p in PARAMS}
    return {by_name.get(k, k) if isinstance(k, str) else k: v for k, v in values.items()}


@fuzz_settings(40, shrink=False)
@given(st.data())
def test_closed_form_evaluate(data):
    which = data.draw(st.sampled_from(["info", "ent", "sum", "difference", "scaled", "power", "ratio-self"]))
    form, explicit_form = combined_forms()[which]
    values, valid = data.draw(parameter_values())
    dps_valid = data.draw(st.booleans())
    dps = data.draw(DPS_GOOD if dps_valid else DPS_BAD)
    result = attempt(form.evaluate, values, dps=dps)
    where = f"ClosedForm[{which}].evaluate({values!r}, dps={dps!r})"
    if which == "ratio-self":  # 1/0: no finite number
        refused(result, where)
        return
    if valid == "valid" and dps_valid:
        assert ok(result), f"{where} refused valid input: {result}"
    if ok(result):  # whatever came back must be the number
        if valid == "invalid":
            report(f"{where} returned {result!r} for an invalid value")
            return
        I, H = independent_three(numbers_of(values))
        expected = {"info": I, "ent": H, "sum": I + H, "difference": H - I, "scaled": 3 * I - 1, "power": I**2}[which]
        confirm(result, expected, where, rtol=1e-9)
        # the explicit expression agrees (a second route through tt.evaluate)
        explicit = attempt(tt.evaluate, explicit_form, values, dps=dps)
        if ok(explicit):
            confirm(explicit, expected, f"tt.evaluate({which}.explicit(), {values!r}, dps={dps!r})", rtol=1e-9)


@fuzz_settings(20, shrink=False)
@given(st.data())
def test_closed_form_subs(data):
    _, info, _ = three_forms()
    values, valid = data.draw(parameter_values())
    keep = data.draw(st.lists(st.sampled_from(list(values)), unique=True, min_size=1, max_size=len(values)))
    first = {k: values[k] for k in keep}
    rest = {k: v for k, v in values.items() if k not in first}
    where = f"ClosedForm.subs({first!r})"
    sub = attempt(info.subs, first)
    if not ok(sub):
        return
    if isinstance(sub, ClosedForm):
        stray = {s.name for s in sub.free_symbols} - {p.name for p in PARAMS}
        if stray:
            report(f"{where} brought new symbols {sorted(stray)} into the closed form (text read as a symbol?)")
            return
    result = attempt(sub.evaluate, rest, dps=30)
    if ok(result):
        if valid == "invalid":
            report(f"{where}.evaluate({rest!r}) returned {result!r} for an invalid value")
            return
        confirm(result, independent_three(numbers_of(values))[0], f"{where}.evaluate({rest!r})", rtol=1e-9)
    elif valid == "valid":
        report(f"{where}.evaluate({rest!r}) refused valid values: {result}")


ARG_LISTS = st.sampled_from([
    ("ok", list(PARAMS)), ("ok", [C, K[2], K[1], K[0]]), ("ok", [p.name for p in PARAMS]),
    ("ok", [K[0].name, K[1], "k2", C]), ("bad", list(K)),
    ("bad", [*PARAMS, K[0]]), ("bad", [0, 1, 2, 3]), ("bad", "k0"), ("bad", None),
    ("bad", [*K, sp.Symbol("c")]), ("bad", [*K, "nope"]),
])
ARRAY_VALUES = st.sampled_from(["scalar", "array", "grid", "bad-scalar", "bad-array", "wrong-count", "text"])


@fuzz_settings(30, shrink=False)
@given(st.data())
def test_closed_form_lambdify(data):
    _, info, _ = three_forms()
    kind, args = data.draw(ARG_LISTS)
    f = attempt(info.lambdify, args)
    where = f"ClosedForm.lambdify({args!r})"
    if not ok(f):
        return
    if kind == "bad" and args != [*K, sp.Symbol("c")]:
        report(f"{where} accepted bad arguments")
        return
    order = [next(p for p in PARAMS if p.name == getattr(a, "name", a)) for a in args]
    how = data.draw(ARRAY_VALUES)
    good = {K[0]: 1.3, K[1]: 0.4, K[2]: 2.0, C: -0.7}
    bad_value = data.draw(st.sampled_from([-1.0, 0.0, np.nan, np.inf, 1j]))
    bad_at = data.draw(st.sampled_from(list(PARAMS)))
    if bad_at is C and bad_value in (-1.0, 0.0):
        bad_value = np.nan
    grid = np.array([0.5, 1.0, 4.0])
    vals: list[Any]
    if how == "scalar":
        vals = [good[p] for p in order]
    elif how == "array":
        vals = [grid if p is K[1] else good[p] for p in order]
    elif how == "grid":
        vals = [grid[:, None] if p is K[0] else (grid[None, :] if p is C else good[p]) for p in order]
    elif how == "bad-scalar":
        vals = [bad_value if p is bad_at else good[p] for p in order]
    elif how == "bad-array":
        vals = [np.array([1.0, bad_value]) if p is bad_at else good[p] for p in order]
    elif how == "wrong-count":
        vals = [good[p] for p in order][:-1]
    else:
        vals = ["1" if p is bad_at else good[p] for p in order]
    result = attempt(f, *vals)
    call = f"{where}(*{vals!r})"
    if how == "text" and ok(result):  # decimal text, read as its number (or refused)
        vals = [float(v) if isinstance(v, str) else v for v in vals]
    elif how in ("bad-scalar", "bad-array", "wrong-count", "text"):
        if ok(result):
            report(f"{call} returned {result!r}: expected a named error")
        return
    assert ok(result), f"{call} refused valid values: {result}"
    arr = np.broadcast_arrays(*[np.asarray(v, float) for v in vals])
    got = np.broadcast_to(np.asarray(result, float), arr[0].shape)
    for index in np.ndindex(arr[0].shape):
        point = {p: float(a[index]) for p, a in zip(order, arr)}
        confirm(got[index], independent_three(point)[0], f"{call} at {point}", rtol=1e-9)


# == Derivation =============================================================================
@functools.lru_cache(maxsize=None)
def neuron():
    from thermotheory.models import decoder

    return decoder.neuron_quantities()


NEURON_GOOD = {"g": 1.5, "sigma_n": 0.5, "sigma_v": 2.0, "tau_n": 0.3, "tau_v": 1.7}
KEYS = st.sampled_from(["information", "heat_rate", "nope", "", 0, None, ("information",), sp.Symbol("information"),
                        1.5, "INFORMATION"])


@fuzz_settings(40, shrink=False)
@given(st.data())
def test_derivation_lookups(data):
    d = neuron()
    key = data.draw(KEYS)
    where = f"Derivation[{key!r}]"
    try:
        value = d[key]
    except KeyError:
        value = None
    except Exception as exc:  # noqa: BLE001
        report(f"{where} raised a raw {type(exc).__name__}: {exc}")
        return
    if value is not None:
        assert key in d and d.get(key) is value
    else:
        assert d.get(key) is None and key not in d
    attempt(d.quantity, key)
    names = data.draw(st.sampled_from([["information"], ["information", "heat_rate"], [key], ["information", key],
                                       [], "information", None, ["information", "information"], 3]))
    attempt(d.subset, names)
    fn = data.draw(st.sampled_from([lambda e: 2 * e, lambda e: -e, None, "double"]))
    names = data.draw(st.sampled_from([None, ["information"], ["nope"], "information", 3]))
    mapped = attempt(d.map, fn, names=names)
    where = f"Derivation.map({fn!r}, names={names!r})"
    if not callable(fn) or names in (["nope"], 3):
        refused(mapped, where)
        return
    if ok(mapped) and names is not None:  # the named entry was mapped (a bare name is that one name)
        if mapped["information"] != fn(d["information"]):
            report(f"{where} left the entry 'information' unchanged")
            return
    if ok(mapped):
        for name in mapped:
            value = mapped[name]
            if isinstance(value, (sp.Basic, ClosedForm)) and not isinstance(value, ClosedForm):
                if value.has(sp.nan, sp.zoo):
                    report(f"Derivation.map({fn!r}) put a non-finite closed form {value} into entry {name}")
                    return
    refused(attempt(lambda a, b: a | b, d, d), "Derivation | itself (every name twice)")
    both = attempt(lambda a, b: a | b, d.subset(["information"]), d.subset(["heat_rate"]))
    assert ok(both) and list(both) == ["information", "heat_rate"], both


@fuzz_settings(20, shrink=False)
@given(st.data())
def test_derivation_values_confirmed(data):
    """The information of the one-neuron decoder against scipy's covariance of the numeric model."""
    d = neuron()
    values = dict(NEURON_GOOD)
    which = data.draw(st.sampled_from(list(values)))
    values[which] = data.draw(st.sampled_from([NEURON_GOOD[which], 0.05, 20.0, -1.0, 0.0, float("nan"), "x", 1j,
                                               True, None]))
    valid = isinstance(values[which], float) and values[which] > 0
    result = attempt(tt.evaluate, d["information"], values, dps=data.draw(st.sampled_from([15, 30])))
    where = f"tt.evaluate(neuron_quantities()['information'], {values!r})"
    if not valid:
        refused(result, where)
        return
    assert ok(result), f"{where} refused valid values: {result}"
    A, _, D = d.model.subs(values).arrays()
    q = d.quantity("information")
    idx = [d.model.variables.index(q.arguments["X"])], [d.model.variables.index(q.arguments["Y"])]
    confirm(result, gaussian_mi(lyapunov(A, D), *idx), where, rtol=1e-9)


VERIFY_BAD = st.sampled_from([
    {"paths": -1}, {"paths": 0}, {"paths": "10"}, {"paths": float("nan")}, {"dt": 0}, {"dt": float("nan")},
    {"dt": -0.1}, {"duration": -1.0}, {"duration": float("inf")}, {"z_max": float("nan")}, {"z_max": -1},
    {"names": ["nope"]}, {"names": 3}, {"names": ["information"], "paths": True}, {"seed": "s", "paths": -5},
    {"values": {"g": float("nan")}, "paths": 0}, {"values": "g=1", "paths": 0}, {"rtol": -1.0},
    {"budget": float("nan")}, {"budget": 1.0, "paths": 100},
])


@fuzz_settings(30, shrink=False)
@given(st.data())
def test_derivation_verify_bad_settings(data):
    """Each call has a bad setting (so no Monte Carlo runs): it must be refused by name, fast."""
    d = neuron()
    settings_ = dict(data.draw(VERIFY_BAD))
    names = settings_.pop("names", ["information"])
    values = settings_.pop("values", dict(NEURON_GOOD))
    result = attempt(d.verify, values, names=names, **settings_)
    refused(result, f"Derivation.verify({values!r}, names={names!r}, **{settings_!r})")


# == protocols: A(t), b(t), D(t) ==============================================================
X_, S_ = sp.symbols("x s", real=True)
SWITCH = st.sampled_from([0.0, 0.3, 0.7, 1.0, 1.5, 2.5])
END = st.sampled_from([0.0, 0.25, 0.7, 1.0, 1.3, 2.0, 3.0])
BAD_T = st.sampled_from([-1.0, float("nan"), float("inf"), "1", None, 1j, True, [1.0]])
BAD_INITIAL = st.sampled_from([[[-1.0]], [[float("nan")]], {X_: -0.5}, {"x": float("inf")}, "eye", [[1.0, 0.0]],
                               {"nope": 1.0}, [[1j]], None])


@st.composite
def protocols(draw):
    """(kind, stiffness lam(s), centre u(s), temperature T(s), points where the protocol jumps)."""
    kind = draw(st.sampled_from(["step-k", "step-k-le", "step-T", "step-u", "smooth-k", "smooth-T", "smooth-u",
                                 "ramp-k", "negative-T", "zero-T", "two-steps"]))
    t1 = draw(SWITCH)
    k1, k2 = draw(st.sampled_from([0.5, 1.0, 3.0])), draw(st.sampled_from([0.2, 2.0, 5.0]))
    lam, u, T = sp.Integer(1), sp.Integer(0), sp.Integer(1)
    if kind == "step-k":
        lam = sp.Piecewise((k1, S_ < t1), (k2, True))
    elif kind == "step-k-le":
        lam = sp.Piecewise((k1, S_ <= t1), (k2, True))
    elif kind == "two-steps":
        lam = sp.Piecewise((k1, S_ < t1), (k2, S_ < t1 + 0.5), (1, True))
    elif kind == "step-T":
        T = sp.Piecewise((1, S_ < t1), (k2, True))
    elif kind == "step-u":
        u = sp.Piecewise((0, S_ < t1), (k1, True))
    elif kind == "smooth-k":
        lam = 1 + sp.Rational(1, 2) * sp.sin(k1 * S_)
    elif kind == "smooth-T":
        T = 1 + sp.Rational(1, 2) * sp.cos(k2 * S_)
    elif kind == "smooth-u":
        u = k1 * S_
    elif kind == "ramp-k":
        lam = 1 + k2 * S_
    elif kind == "negative-T":  # D(s) < 0 after s = t1
        T = t1 + sp.Rational(1, 10) - S_
    else:  # zero-T: a bath that switches off (D = 0: heat divides by it)
        T = sp.Piecewise((1, S_ < t1), (0, True))
    return kind, lam, u, T


def _fn(expr):
    return sp.lambdify(S_, expr, modules=["math"])


def independent_protocol(lam, u, T, t: float, S0: float, m0: float):
    """(variance, mean, work, heat) at t for dx = -lam(s)(x - u(s)) ds + sqrt(2 T(s)) dW, U = lam (x - u)^2 / 2.

    solve_ivp of dm = -lam (m - u), dS = -2 lam S + 2 T, with the work rate <d_s U> and the entropy flow
    rate ((A^2 S + (A m + b)^2)/D + A); the protocol's jumps (at 0 from its value exactly at 0, inside, and at
    t to its value exactly at t) add <U(s+)> - <U(s-)> to the work.
    """
    L, Uc, Tf = _fn(lam), _fn(u), _fn(T)
    dL, dU = _fn(sp.diff(lam, S_)), _fn(sp.diff(u, S_))
    pts = set()
    for e in (lam, u, T):
        for pw in e.atoms(sp.Piecewise):
            for _, cond in pw.args:
                for rel in cond.atoms(sp.Rel) if not isinstance(cond, sp.Rel) else [cond]:
                    pts.add(float(sp.solve(sp.Eq(rel.lhs, rel.rhs), S_)[0]))
    eps = 1e-10
    energy = lambda s, m, S: L(s) / 2 * (S + (m - Uc(s)) ** 2)  # noqa: E731

    def rhs(s, y):
        m, S, _, _ = y
        a, b, D = -L(s), L(s) * Uc(s), Tf(s)
        work_rate = dL(s) / 2 * (S + (m - Uc(s)) ** 2) - L(s) * (m - Uc(s)) * dU(s)
        heat_rate = (a * a * S + (a * m + b) ** 2) / D + a if D > 0 else 0.0
        return [a * m + b, 2 * a * S + 2 * D, work_rate, heat_rate]

    y = np.array([m0, S0, 0.0, 0.0])
    if t > 0:  # the jump at 0 (the value exactly at 0 is the state before the start)
        y[2] += energy(eps, m0, S0) - energy(0.0, m0, S0)
    edges = [0.0] + sorted(p for p in pts if 0 < p < t) + [t]
    for lo, hi in zip(edges[:-1], edges[1:]):
        if lo > 0:
            y[2] += energy(lo + eps, y[0], y[1]) - energy(lo - eps, y[0], y[1])
        if hi > lo:
            sol = scipy.integrate.solve_ivp(rhs, (lo + eps if lo > 0 else lo, hi - eps), y, method="DOP853",
                                            rtol=1e-11, atol=1e-13)
            y = sol.y[:, -1]
    if t > 0:
        y[2] += energy(t, y[0], y[1]) - energy(t - eps, y[0], y[1])  # to the value exactly at t
    return y


@fuzz_settings(25, shrink=False)
@given(st.data())
def test_protocols_work_heat_covariance(data):
    kind, lam, u, T = data.draw(protocols())
    model = attempt(tt.LinearSDE, {X_: -lam * (X_ - u)}, {X_: T}, time=S_)
    where_model = f"LinearSDE({{x: {-lam * (X_ - u)}}}, {{x: {T}}}, time=s)"
    if not ok(model):
        if kind not in ("negative-T", "zero-T"):
            report(f"{where_model} refused: {model}")
        return
    t = data.draw(st.one_of(END, st.just("switch")) if data.draw(st.integers(0, 5)) else BAD_T)
    if t == "switch":  # end exactly at a switching time
        pw = list(lam.atoms(sp.Piecewise)) + list(u.atoms(sp.Piecewise)) + list(T.atoms(sp.Piecewise))
        t = float(pw[0].args[0][1].rhs) if pw else 1.0
    good_t = isinstance(t, float) and math.isfinite(t) and t >= 0
    S0 = data.draw(st.sampled_from([1.0, 0.5, 2.0, 0.0, 1e-3]))
    initial = data.draw(st.sampled_from(["matrix", "mapping", "bad"]))
    init = {"matrix": [[S0]], "mapping": {X_: S0}}.get(initial) or data.draw(BAD_INITIAL)
    m0 = data.draw(st.sampled_from([None, 0.0, 1.0, -0.5]))
    energy = lam * (X_ - u) ** 2 / 2
    valid = good_t and initial != "bad"
    # a temperature that is negative (or zero) somewhere on [0, t] has no heat (and no process)
    Tf = _fn(T)
    grid = np.linspace(0, t, 201)[:-1] if good_t else []  # [0, t): a value at the end point alone costs nothing
    negative_T = any(Tf(s) < 0 for s in grid)
    zero_T = any(Tf(s) <= 0 for s in grid)
    results = {
        "covariance": attempt(tt.covariance, model, t, init),
        "work": attempt(tt.work, model, t, init, energy, initial_mean=None if m0 is None else [m0]),
        "heat": attempt(tt.heat, model, t, init, initial_mean=None if m0 is None else [m0]),
    }
    call = f"{where_model}, t={t!r}, initial={init!r}, initial_mean={m0!r}"
    if not valid or negative_T:  # a bad time, a bad initial state, a negative D(s) on [0, t]
        for name, r in results.items():
            if ok(r):
                report(f"{name}({call}) returned {r!r}: expected a named error")
                return
        return
    expected = independent_protocol(lam, u, T, t, S0, 0.0 if m0 is None else m0)
    for name, index in [("covariance", 1), ("work", 2), ("heat", 3)]:
        r = results[name]
        if name == "heat" and zero_T:
            if ok(r) and t > 0:
                report(f"heat({call}) returned {r!r} with a zero temperature on [0, t]: expected a named error")
            continue
        if not ok(r):
            report(f"{name}({call}) refused valid input: {r}")
            continue
        value = np.asarray(r, float).ravel()[0] if name == "covariance" else r
        confirm(value, expected[index], f"{name}({call})", rtol=1e-6, atol=1e-8)


# == currents ===============================================================================
V2 = sp.symbols("y0:2", real=True)


@st.composite
def current_models(draw):
    kind = draw(st.sampled_from(["stable", "stable", "stable", "drifting", "singular-D", "unstable", "marginal"]))
    M = np.array(draw(st.lists(st.lists(st.sampled_from([-1.0, -0.5, 0.0, 0.3, 1.0]), min_size=2, max_size=2),
                               min_size=2, max_size=2)))
    A = M - (max(np.linalg.eigvals(M).real) + 0.7) * np.eye(2)
    D = np.diag([0.5, 1.5])
    b = np.zeros(2)
    if kind == "drifting":
        b = np.array([1.0, -0.5])
    elif kind == "singular-D":
        D = np.diag([1.0, 0.0])
    elif kind == "unstable":
        A = A + 3 * np.eye(2)
    elif kind == "marginal":
        A = np.array([[0.0, 1.0], [-1.0, 0.0]])
    model = tt.LinearSDE.from_matrices(A, D, b=b, variables=[v.name for v in V2])
    return kind, model, A, b, D


@st.composite
def currents(draw, model):
    kind = draw(st.sampled_from(["general", "general", "antisymmetric", "heat", "ep", "time-integral",
                                 "bad-shape", "nan", "text", "non-symmetric-H", "other-variables", "empty",
                                 "complex", "symbol"]))
    vals = st.sampled_from([-1.0, 0.0, 0.5, 2.0])
    G = np.array(draw(st.lists(vals, min_size=4, max_size=4))).reshape(2, 2)
    g0 = np.array(draw(st.lists(vals, min_size=2, max_size=2)))
    Hh = np.array(draw(st.lists(vals, min_size=4, max_size=4))).reshape(2, 2)
    H = Hh + Hh.T
    c = np.array(draw(st.lists(vals, min_size=2, max_size=2)))
    c0 = draw(vals)
    if kind == "general":
        return kind, (model, G, g0, H, c, c0), {}
    if kind == "antisymmetric":
        return kind, (model, G - G.T, g0, None, None, 0), {}
    if kind == "heat":
        return kind, "heat", {}
    if kind == "ep":
        return kind, "ep", {}
    if kind == "time-integral":
        return kind, "time", {}
    if kind == "bad-shape":
        return kind, (model, np.ones((2, 3))), {}
    if kind == "nan":
        G[0, 0] = np.nan
        return kind, (model, G), {}
    if kind == "text":
        return kind, (model, [["a", "0"], ["0", "0"]]), {}
    if kind == "non-symmetric-H":
        return kind, (model, None, None, np.array([[0.0, 1.0], [0.0, 0.0]])), {}
    if kind == "other-variables":
        return kind, (sp.symbols("p q", real=True), G), {}
    if kind == "empty":
        return kind, ((), None), {}
    if kind == "complex":
        return kind, (model, None, None, None, [1j, 0.0]), {}
    return kind, (model, G), {"symbol": 3}


def mean_rate(A, b, D, G, g0, H, c, c0) -> float:
    """Stationary mean rate of J = int (G z + g0) o dz + int (z^T H z / 2 + c^T z + c0) dt (hand formula)."""
    S = lyapunov(A, D)
    mu = -np.linalg.solve(A, b)
    G = np.zeros((2, 2)) if G is None else np.asarray(G, float)
    H = np.zeros((2, 2)) if H is None else np.asarray(H, float)
    c = np.zeros(2) if c is None else np.asarray(c, float)
    g0 = np.zeros(2) if g0 is None else np.asarray(g0, float)
    stream = np.trace(G.T @ A @ S) + np.trace(G @ D) + (G @ mu + g0) @ (A @ mu + b)
    return float(stream + 0.5 * np.trace(H @ S) + 0.5 * mu @ H @ mu + c @ mu + c0)


S_VALUES = st.sampled_from([0.0, 0.05, -0.05, 0.3, 1e6, -1e6, float("nan"), float("inf"), "x", 1j, None, True,
                            sp.Rational(1, 10), np.float64(0.1), [0.1]])


@fuzz_settings(40, shrink=False)
@given(st.data())
def test_currents(data):
    mkind, model, A, b, D = data.draw(current_models())
    kind, args, kwargs = data.draw(currents(model))
    if args == "heat":
        J = attempt(tt.Current.heat, model, data.draw(st.sampled_from([None, "y0", ["y0", "y1"], "nope", 0])))
    elif args == "ep":
        J = attempt(tt.Current.entropy_production, model)
    elif args == "time":
        J = attempt(tt.Current.time_integral, model, data.draw(st.sampled_from(["y0", ["y0", "y1"], "nope", None])),
                    data.draw(st.sampled_from([None, [1.0, -2.0], [np.nan, 0.0], "w", [1.0]])))
    else:
        J = attempt(tt.Current, *args, **kwargs)
    if kind in ("bad-shape", "nan", "text", "non-symmetric-H", "empty", "complex", "symbol"):
        refused(J, f"Current({kind})")
        return
    if not ok(J):
        return
    where = f"{kind} current on a {mkind} model A={A.tolist()}, b={b.tolist()}, D={D.tolist()}"
    mean = attempt(tt.current_mean_rate, model, J)
    var = attempt(tt.current_variance_rate, model, J)
    if mkind in ("unstable", "marginal"):
        refused(mean, f"current_mean_rate({where})")
        refused(var, f"current_variance_rate({where})")
        return
    if kind == "other-variables":
        refused(mean, f"current_mean_rate({where})")
        return
    if ok(mean):
        Gm, g0m, Hm, cm, c0m = J.arrays()
        confirm(mean, mean_rate(A, b, D, Gm, np.ravel(g0m), Hm, np.ravel(cm), c0m), f"current_mean_rate({where})",
                rtol=1e-7, atol=1e-9)
    if ok(var):
        assert float(var) >= -1e-9, f"current_variance_rate({where}) = {var} < 0"
    s = data.draw(S_VALUES)
    scgf = attempt(tt.current_scgf, model, J, s)
    good_s = isinstance(s, (float, np.floating, sp.Rational)) and not isinstance(s, bool) and math.isfinite(float(s))
    if not good_s:
        refused(scgf, f"current_scgf({where}, s={s!r})")
    elif ok(scgf) and float(s) == 0.0:
        confirm(scgf, 0.0, f"current_scgf({where}, s=0)", atol=1e-12)
    if ok(mean) and ok(var) and data.draw(st.booleans()):
        h = 1e-4
        up, down = attempt(tt.current_scgf, model, J, h), attempt(tt.current_scgf, model, J, -h)
        if ok(up) and ok(down):  # the scgf's slope at 0 is the mean rate, its curvature the variance rate
            confirm((float(up) - float(down)) / (2 * h), float(mean), f"d scgf/ds at 0 ({where})", rtol=1e-5,
                    atol=1e-6)
            confirm((float(up) + float(down)) / h**2, float(var), f"d2 scgf/ds2 at 0 ({where})", rtol=1e-3,
                    atol=1e-4)
    entropy_rate = data.draw(st.sampled_from([None, None, 1.0, 0.0, -1.0, float("nan"), "x", 1j]))
    ratio = attempt(tt.uncertainty_ratio, model, J, entropy_rate)
    if entropy_rate is not None and not (isinstance(entropy_rate, float) and entropy_rate > 0):
        refused(ratio, f"uncertainty_ratio({where}, entropy_rate={entropy_rate!r})")
    elif ok(ratio) and entropy_rate is None and kind in ("antisymmetric", "heat", "ep") and mkind != "singular-D":
        assert float(ratio) >= 1 - 1e-8, f"uncertainty_ratio({where}) = {ratio} < 1 (violates the TUR)"


# == feedback ===============================================================================
VV, XX = sp.symbols("v x", real=True)
GAMMA = sp.Symbol("gamma", positive=True)
GAIN = sp.Symbol("g", positive=True)


@st.composite
def feedback_models(draw):
    kind = draw(st.sampled_from(["numeric", "numeric", "numeric-oscillator", "symbolic", "exceeds", "equals",
                                 "even", "unknown", "nonlinear", "constant", "text", "foreign-symbol", "nan",
                                 "time", "not-a-dict", "zero"]))
    g, c = draw(st.sampled_from([0.5, 1.0, 2.0])), draw(st.sampled_from([0.25, 0.5, 1.5]))
    parity = {VV: -1}
    drift, diffusion, feedback = {VV: -(g + c) * VV}, {VV: g}, {VV: -c * VV}
    time = None
    if kind == "numeric-oscillator":
        drift = {XX: VV, VV: -XX - (g + c) * VV}
        diffusion = {VV: g}
    elif kind == "symbolic":
        drift, diffusion, feedback = {VV: -(GAMMA + GAIN) * VV}, {VV: GAMMA}, {VV: -GAIN * VV}
    elif kind == "exceeds":  # the feedback is larger than the whole drift: a negative bath friction
        drift = {VV: -g * VV}
        feedback = {VV: -(g + c) * VV}
    elif kind == "equals":  # no bath friction left, but noise: an infinite temperature
        drift = {VV: -g * VV}
        feedback = {VV: -g * VV}
    elif kind == "even":
        drift, diffusion, parity = {XX: -(g + c) * XX}, {XX: g}, {XX: 1}
        feedback = {XX: -c * XX}
    elif kind == "unknown":
        feedback = {sp.Symbol("w", real=True): -c * VV}
    elif kind == "nonlinear":
        feedback = {VV: -c * VV**3}
    elif kind == "constant":
        feedback = {VV: -c * VV + 1}
    elif kind == "text":
        feedback = {VV: "-v"}
    elif kind == "foreign-symbol":
        feedback = {VV: -sp.Symbol("q", positive=True) * VV}
    elif kind == "nan":
        feedback = {VV: sp.nan * VV}
    elif kind == "time":
        s = sp.Symbol("s", real=True)
        drift = {VV: -(g + c * (1 + s)) * VV}
        feedback = {VV: -c * (1 + s) * VV}
        time = s
    elif kind == "not-a-dict":
        feedback = draw(st.sampled_from([[-c * VV], "v", -c * VV, 3]))
    elif kind == "zero":
        feedback = {VV: 0}
    return kind, g, c, drift, diffusion, parity, feedback, time


@fuzz_settings(40, shrink=False)
@given(st.data())
def test_feedback(data):
    kind, g, c, drift, diffusion, parity, feedback, time = data.draw(feedback_models())
    model = attempt(tt.LinearSDE, drift, diffusion, parity=parity, feedback=feedback, time=time)
    where = f"LinearSDE({drift}, {diffusion}, parity={parity}, feedback={feedback!r}, time={time})"
    if kind in ("exceeds", "equals", "even", "unknown", "nonlinear", "constant", "text", "foreign-symbol", "nan",
                "time", "not-a-dict"):
        refused(model, where)
        return
    assert ok(model), f"{where} refused: {model}"
    if kind == "symbolic":
        values = {"gamma": data.draw(st.sampled_from([0.5, 2.0, -1.0, "x", float("nan")])),
                  "g": data.draw(st.sampled_from([0.5, 2.0, -1.0]))}
        sub = attempt(model.subs, values)
        if not all(isinstance(v, float) and v > 0 for v in values.values()):
            refused(sub, f"{where}.subs({values})")
            return
        if not ok(sub):
            report(f"{where}.subs({values}) refused: {sub}")
            return
        model, g, c = sub, values["gamma"], values["g"]
    subsystem = data.draw(st.sampled_from([None, "v", ["v"], "nope", 0]))
    pump = attempt(tt.entropy_pumping_rate, model, subsystem)
    if subsystem in ("nope", 0):
        refused(pump, f"entropy_pumping_rate({where}, {subsystem!r})")
        return
    expected = 0.0 if kind == "zero" else c  # -d F_fb / d v for F_fb = -c v
    if not ok(pump):
        report(f"entropy_pumping_rate({where}, {subsystem!r}) refused: {pump}")
        return
    confirm(pump, expected, f"entropy_pumping_rate({where}, {subsystem!r})", rtol=1e-10, atol=1e-12)
    if kind == "numeric":  # the cold-damped particle: heat rate -g c/(g + c), entropy production c^2/(g + c)
        confirm(attempt(tt.entropy_production_rate, model), c**2 / (g + c), f"entropy_production_rate({where})")
        confirm(attempt(tt.heat_rate, model, "v"), -g * c / (g + c), f"heat_rate({where}, 'v')")


# == layout and export ======================================================================
WIDTHS = st.sampled_from([440.0, 200, 60.0, 1.0, 0, -10, float("nan"), float("inf"), "abc", None, True, 1j, 1e300])
TEX = st.sampled_from(["", "x", r"\frac{a}{b}", "{", "}}}", r"\frac{", r"\begin{pmatrix}1&2\end{pmatrix}",
                       r"\left(", "\\", "a" * 5000, r"\text{where } x", 3, None, b"x"])


@functools.lru_cache(maxsize=None)
def layout_values():
    a = sp.symbols("a_1:30", positive=True)
    _, info, _ = three_forms()
    return [sp.Add(*a), sp.log(1 + a[0]) / a[1], info, sp.Matrix([[a[0], a[1]], [a[2], a[3]]]), sp.Integer(3),
            2.5, sp.nan, "text", None, sp.zoo]


@fuzz_settings(40, shrink=False)
@given(st.data())
def test_layout(data):
    from thermotheory.export.layout import fit_lines, latex_width

    width = data.draw(WIDTHS)
    good_width = isinstance(width, (int, float)) and not isinstance(width, bool) and math.isfinite(width) \
        and width > 0
    tex = data.draw(TEX)
    w = attempt(latex_width, tex)
    if ok(w):
        assert isinstance(w, float) or isinstance(w, int), f"latex_width({tex!r}) returned {w!r}"
        assert w >= 0, f"latex_width({tex!r}) = {w} < 0"
        if tex == "":
            assert w == 0
    elif isinstance(tex, str):
        report(f"latex_width({tex!r}) refused a string: {w}")
    value = data.draw(st.sampled_from(layout_values()))
    lines = attempt(fit_lines, "S", value, width)
    where = f"fit_lines('S', {value!r:.60}, {width!r})"
    if not good_width:
        refused(lines, where)
    elif ok(lines):
        assert isinstance(lines, list) and lines and all(isinstance(x, str) for x in lines), f"{where}: {lines!r}"
    text = attempt(tt.latex, value, width=width)
    if width is not None and not good_width:
        refused(text, f"tt.latex({value!r:.60}, width={width!r})")
    elif ok(text):
        assert isinstance(text, str) and text, f"tt.latex({value!r:.60}, width={width!r}) returned {text!r}"


NAMES = st.sampled_from(["ok", "ok_name", "../x", "OUTSIDE", "a/b", "", ".", "..", "x.tex", "a\\b", None, 3,
                         "with space", "nul\x00", "~/home"])


@fuzz_settings(30, shrink=False)
@given(st.data())
def test_write_derivation_paths(tmp_path_factory, data):
    from thermotheory.export.derivation import write_derivation

    base = tmp_path_factory.mktemp("wd")
    out = base / "out"
    outside = base / "outside"
    outside.mkdir()
    name = data.draw(NAMES)
    if name == "OUTSIDE":
        name = str(outside / "abs")
    title = data.draw(st.sampled_from(["T", "", r"a & b % _ $ {", None, 3]))
    x = sp.Symbol("x", real=True)
    model = tt.LinearSDE({x: -x}, {x: 1})
    quantities = data.draw(st.sampled_from([{}, {"H": sp.log(2) / 2}, {"I": three_forms()[1]}, {"Q": "text"},
                                            {"Q": sp.nan}, {"Q": float("nan")}, {"Q": 1.5}, {3: sp.Integer(1)}]))
    where = f"write_derivation({name!r}, {title!r}, model, {quantities!r:.60}, out)"
    result = attempt(write_derivation, name, title, model, quantities, out)
    written = [p for p in base.rglob("*") if p.is_file()]
    stray = [p for p in written if out not in p.parents]
    if stray:
        report(f"{where} wrote outside the output folder: {[str(p) for p in stray]}")
        return
    if ok(result):
        for p in result:
            if out.resolve() not in Path(p).resolve().parents:
                report(f"{where} returned a path outside the output folder: {p}")
                return
            assert Path(p).is_file(), f"{where} returned {p}, which is not a written file"
        if not isinstance(name, str) or name in ("", ".", ".."):
            report(f"{where} accepted the name {name!r}")


# == the remaining items of the issue ===========================================================
def test_simulate_t_end_not_a_multiple_of_dt():
    """A run ends at t_end (or is refused by name), never a step short or long."""
    model = tt.LinearSDE.from_matrices([[-1.0]], [1.0])
    result = attempt(tt.simulate, model, t_end=0.25, dt=0.1, paths=2, seed=0)
    if ok(result):
        times = np.asarray(result.times)
        assert times[-1] == pytest.approx(0.25, abs=1e-12), f"simulate(t_end=0.25, dt=0.1) ends at {times[-1]}"


def test_a_huge_lattice_is_refused_fast():
    from thermotheory.models.lattice import LatticeField

    field = attempt(LatticeField, 10**5, d=3)
    if ok(field):
        for method in ("entropy", "correlation_length"):
            attempt(getattr(field, method))


# == the inputs the issue names, each once (deterministic; the properties above draw them by chance) ==
def _trap_to_switch():
    lam = sp.Piecewise((1, S_ < 1), (2, True))
    return tt.LinearSDE({X_: -lam * X_}, {X_: 1}, time=S_), lam


def _layout_fit(width):
    from thermotheory.export.layout import fit_lines

    return fit_lines("S", sp.Add(*sp.symbols("a_1:30")), width)


def _write(name, tmp):
    from thermotheory.export.derivation import write_derivation

    return write_derivation(name, "T", tt.LinearSDE({X_: -X_}, {X_: 1}), {}, tmp / "out")


REFUSED = [
    ("ClosedForm.evaluate dps=0", lambda tmp: three_forms()[1].evaluate({K[0]: 1, K[1]: 2, K[2]: 3, C: 0}, dps=0)),
    ("ClosedForm.evaluate dps=True", lambda tmp: three_forms()[1].evaluate({K[0]: 1, K[1]: 2, K[2]: 3, C: 0},
                                                                            dps=True)),
    ("ClosedForm.evaluate dps=10**12", lambda tmp: three_forms()[1].evaluate({K[0]: 1, K[1]: 2, K[2]: 3, C: 0},
                                                                              dps=10**12)),
    ("ClosedForm.subs text", lambda tmp: three_forms()[1].subs({"k0": "x"})),
    ("ClosedForm.lambdify outside assumptions", lambda tmp: three_forms()[1].lambdify(list(PARAMS))(-1.0, 2, 3, 0)),
    ("ClosedForm.lambdify NaN", lambda tmp: three_forms()[1].lambdify(list(PARAMS))(np.nan, 2, 3, 0)),
    ("latex width 0", lambda tmp: tt.latex(sp.Symbol("x"), width=0)),
    ("latex width -10", lambda tmp: tt.latex(sp.Symbol("x"), width=-10)),
    ("latex width nan", lambda tmp: tt.latex(sp.Symbol("x"), width=float("nan"))),
    ("latex width 'abc'", lambda tmp: tt.latex(sp.Symbol("x"), width="abc")),
    ("fit_lines width 0", lambda tmp: _layout_fit(0)),
    ("write_derivation '../x'", lambda tmp: _write("../x", tmp)),
    ("write_derivation 'a/b'", lambda tmp: _write("a/b", tmp)),
    ("write_derivation absolute", lambda tmp: _write(str(tmp / "abs"), tmp)),
    ("feedback larger than the drift", lambda tmp: tt.LinearSDE({VV: -VV}, {VV: 1}, parity={VV: -1},
                                                                 feedback={VV: -5 * VV})),
    ("feedback equal to the drift, with noise", lambda tmp: tt.LinearSDE({VV: -VV}, {VV: 1}, parity={VV: -1},
                                                                          feedback={VV: -VV})),
    ("Current with text entries", lambda tmp: tt.Current(V2, [["a", 0], [0, 0]])),
    ("negative D(s) covariance", lambda tmp: tt.covariance(tt.LinearSDE({X_: -X_}, {X_: sp.Rational(2, 5) - S_},
                                                                        time=S_), 1.0, [[1.0]])),
    ("negative D(s) heat", lambda tmp: tt.heat(tt.LinearSDE({X_: -X_}, {X_: sp.Rational(2, 5) - S_}, time=S_),
                                               1.0, [[1.0]])),
    ("negative initial variance, driven", lambda tmp: tt.work(_trap_to_switch()[0], 2.0, [[-1.0]],
                                                              _trap_to_switch()[1] * X_**2 / 2)),
    ("LatticeField(10**5, d=3)", lambda tmp: __import__("thermotheory.models.lattice", fromlist=["x"]).LatticeField(
        10**5, d=3).entropy()),
    ("Derivation.map with a bare name", lambda tmp: neuron().map(lambda e: -e, names="nope")),
    ("Derivation.subset of an unknown name", lambda tmp: neuron().subset(["nope"])),
    ("Derivation.verify of an unknown name", lambda tmp: neuron().verify(dict(NEURON_GOOD), names=["nope"])),
]


@pytest.mark.parametrize("label, call", REFUSED, ids=[r[0] for r in REFUSED])
def test_named_inputs_are_refused(label, call, tmp_path):
    """Each of these must end in a named ModelError, fast, and write nothing outside its folder."""
    result = attempt(call, tmp_path)
    refused(result, label)
    stray = [p for p in tmp_path.rglob("*") if p.is_file() and (tmp_path / "out") not in p.parents]
    assert not stray, f"{label} wrote {stray}"


def test_work_up_to_a_switching_time_counts_the_jump_there():
    """Ending exactly at the switch, the protocol's value at t is the new one: the jump counts (independent ODE)."""
    model, lam = _trap_to_switch()
    for t in (1.0, 2.0, 0.5):
        got = attempt(tt.work, model, t, [[1.0]], lam * X_**2 / 2)
        confirm(got, independent_protocol(lam, sp.Integer(0), sp.Integer(1), t, 1.0, 0.0)[2], f"work(t={t})",
                rtol=1e-7)


@pytest.mark.parametrize("tex", ["\\", "\\frac{", "{", "}}", "\\left(", "^", "_"])
def test_latex_width_of_broken_tex_is_a_width_or_a_named_error(tex):
    from thermotheory.export.layout import latex_width

    width = attempt(latex_width, tex)
    if ok(width):
        assert 0 <= float(width) < 100, f"latex_width({tex!r}) = {width}"
