"""Verification of closed forms by Monte Carlo: a calibrated z-test per quantity.

The closed form gives ``theory``; a simulation of the model and an estimator that never
calls the closed forms give ``estimate`` and ``stderr``; the check passes when ``|z| <= z_max``,
``z`` being ``(estimate - theory) / stderr`` converted to the normal deviate with the same
tail probability when the standard error has few degrees of freedom (batch means).
"""

from __future__ import annotations

import html
import inspect
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
import time
from typing import Any

import numpy as np
import sympy as sp

from ..core import filtering, gaussian, thermo
from ..core.checks import real_number
from ..core.evaluate import latex
from ..core.model import LinearSDE
from ..errors import ModelError
from . import blocks
from . import estimators as est
from .estimators import time_scales
from .simulate import BLOCK, _numeric_model, simulate

__all__ = ["verify", "verify_all", "VerificationRecord", "VerificationTable", "time_scales"]


@dataclass(frozen=True)
class VerificationRecord:
    """Outcome of one Monte Carlo check of a closed form.

    Attributes
    ----------
    quantity : str
        Name of the closed-form function and its arguments.
    expression : sympy expression, ClosedForm or float
        The closed form (symbolic when the model has parameters).
    theory, estimate, stderr, z : float
        ``z`` is ``(estimate - theory) / stderr`` as a standard normal deviate: converted
        from Student's t with ``dof`` degrees of freedom when those are finite.
    passed : bool
        ``|z| <= z_max``.
    paths, seed, dt, duration, method, z_max
        How the estimate was made.
    dof : float
        Degrees of freedom of ``stderr`` (``batches - 1`` for batch means; infinite: normal).

    Examples
    --------
    >>> r = VerificationRecord("q", 1.0, 1.0, 1.01, 0.01, 1.0, True, 100, 0, 0.01, 1.0, "exact", 4.0)
    >>> print(r)
    PASS  q: theory 1 estimate 1.01 +- 0.01 (z = +1.00)
    """

    quantity: str
    expression: Any
    theory: float
    estimate: float
    stderr: float
    z: float
    passed: bool
    paths: int
    seed: int
    dt: float
    duration: float
    method: str
    z_max: float
    dof: float = math.inf

    def __str__(self) -> str:
        flag = "PASS" if self.passed else "FAIL"
        return (f"{flag}  {self.quantity}: theory {self.theory:.6g} estimate {self.estimate:.6g} "
                f"+- {self.stderr:.2g} (z = {self.z:+.2f})")

    def _repr_html_(self) -> str:
        return VerificationTable([self])._repr_html_()


class VerificationTable(list):
    """A list of :class:`VerificationRecord` that prints as a table.

    Examples
    --------
    >>> VerificationTable([]).passed
    True
    """

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self)

    def __str__(self) -> str:
        head = f"{'quantity':<44} {'theory':>12} {'estimate':>12} {'stderr':>9} {'z':>6}  result"
        rows = [head, "-" * len(head)]
        for r in self:
            rows.append(f"{r.quantity:<44} {r.theory:>12.6g} {r.estimate:>12.6g} {r.stderr:>9.2g} "
                        f"{r.z:>+6.2f}  {'pass' if r.passed else 'FAIL'}")
        rows.append(f"{sum(r.passed for r in self)} passed, {sum(not r.passed for r in self)} failed")
        return "\n".join(rows)

    def _repr_html_(self) -> str:
        cells = "".join(
            f"<tr><td>{html.escape(r.quantity)}</td><td>${latex(r.expression)}$</td><td>{r.theory:.6g}</td>"
            f"<td>{r.estimate:.6g}</td><td>{r.stderr:.2g}</td><td>{r.z:+.2f}</td>"
            f"<td>{'pass' if r.passed else '<b>FAIL</b>'}</td></tr>"
            for r in self
        )
        return ("<table><tr><th>quantity</th><th>closed form</th><th>theory</th><th>estimate</th>"
                f"<th>stderr</th><th>z</th><th></th></tr>{cells}</table>")


def _name(model: LinearSDE, spec: Any) -> str:
    idx = model.indices(spec)
    names = [model.variables[i].name for i in idx]
    return names[0] if len(names) == 1 else "(" + ", ".join(names) + ")"


#: Coarsest step a rate check accepts, as a fraction of the fastest relaxation time.
MAX_RATE_STEP = 0.1
#: Richardson order of the path-integral rate estimators (the bias left is of order dt^(order+1)).
RATE_ORDER = 2
#: Largest transfer entropy per step (nats) before the step of a regression estimate is refined.
MAX_TE_PER_STEP = 0.02
#: Default sizes: independent paths (a multiple of the simulation's block of paths; the jackknife
#: groups are blocks) and recorded duration in slowest relaxation times, per kind of check.
DEFAULT_PATHS = {"static": 4096, "rate": 2048, "regression": 1024}
DEFAULT_DURATION = {"static": 100.0, "rate": 40.0, "regression": 20.0}
#: Burn-in before recording, in slowest relaxation times (regressions add 5 more for their filters).
BURN_IN = {"static": 20.0, "rate": 10.0, "regression": 5.0}
#: Paths of a run sized by budget= or rtol= (jackknife groups: paths / BLOCK, at most MAX_GROUPS).
BUDGET_PATHS = 8192
#: Fewest paths of a sized run: 32 jackknife groups, so that the error's own error is small.
MIN_BUDGET_PATHS = 32 * BLOCK
#: The pilot run of budget= and rtol=: paths and duration (slowest times); its samples are discarded.
PILOT = (512, 10.0)
#: Share of budget= that the sizing aims at (a larger run costs a little more per path than its pilot).
BUDGET_SHARE = 0.85
#: Longest run that rtol= alone may ask for, in seconds of this process's CPU time.
MAX_RTOL_SECONDS = 120.0


def _kind(fn) -> str:
    if fn in (gaussian.entropy, gaussian.mutual_information, gaussian.conditional_mutual_information):
        return "static"
    if fn in (filtering.transfer_entropy_rate, filtering.filter_error):
        return "regression"
    return "rate"


def _static_step(A, method) -> float:
    """Step between recorded states of a static check: the slowest relaxation time (exact), a quarter otherwise."""
    slow = time_scales(A)[1]
    return slow if method == "exact" else slow / 4


def _simulate_observed(model, observers, paths, seed, method, dt, duration, burn):
    tr = simulate(model, t_end=duration, dt=dt, paths=paths, seed=seed, method=method, burn_in=burn,
                  record=False, observers=observers)
    return tr.observed


def _estimate(fn, numeric, args, options, paths, seed, method, dt, duration, te_step=None):
    """One Monte Carlo estimate of ``fn`` (no closed form involved): (Estimate, dt used, duration)."""
    A, b, D = numeric.arrays()
    parity = numeric.parity
    n = numeric.dimension
    fast, slow = time_scales(A)
    kind = _kind(fn)
    duration = duration or DEFAULT_DURATION[kind] * slow
    if kind == "static":
        step = _static_step(A, method)
        duration = max(duration, step)
        observed = _simulate_observed(numeric, {"m": lambda: blocks.LagMoments(n, 1)}, paths, seed, method, step,
                                      duration, BURN_IN[kind] * slow)
        groups = [numeric.indices(a) for a in args]

        def logdet(cov, idx):
            return 0.0 if not idx else float(np.linalg.slogdet(cov[np.ix_(idx, idx)])[1])

        def stat(total):
            cov = blocks.Moments(total, n, 1).density()[1]
            if fn is gaussian.entropy:
                k = len(groups[0])
                return 0.5 * (k * np.log(2 * np.pi * np.e) + logdet(cov, groups[0]))
            if fn is gaussian.mutual_information:
                x, y = groups
                return 0.5 * (logdet(cov, x) + logdet(cov, y) - logdet(cov, x + y))
            x, y, z = groups
            return 0.5 * (logdet(cov, x + z) + logdet(cov, y + z) - logdet(cov, z) - logdet(cov, x + y + z))

        return blocks.jackknife(observed["m"], stat, paths), step, duration
    if kind == "rate":
        step = dt or fast / 20
        target = options.get("subsystem", args[0] if args else None)
        if fn is thermo.information_flow:
            target = options.get("into", target)
        idx = list(range(n)) if target is None else numeric.indices(target)
        levels = RATE_ORDER + 2
        observed = _simulate_observed(numeric, {"m": lambda: blocks.LagMoments(n, levels)}, paths, seed, method,
                                      step, duration, BURN_IN[kind] * slow)
        hs = [step * 2**lev for lev in range(levels)]

        def heat(mom):
            return blocks.richardson([blocks.heat_sum(mom, lev, A, b, D, parity, idx, h) / (mom.pairs(lev) * h)
                                      for lev, h in enumerate(hs)], RATE_ORDER)

        def flow(mom):
            mean, cov = mom.density()
            return blocks.richardson([blocks.flow_sum(mom, lev, mean, cov, idx) / (mom.pairs(lev) * h)
                                      for lev, h in enumerate(hs)], RATE_ORDER)

        def stat(total):
            mom = blocks.Moments(total, n, levels)
            if fn is thermo.information_flow:
                return flow(mom)
            if fn is thermo.heat_rate:
                return heat(mom)
            if fn is thermo.efficiency:
                (vf, bf), (vh, bh) = flow(mom), heat(mom)
                return vf / vh, (bf - vf / vh * bh) / vh
            if target is not None:  # entropy production of a subsystem: its heat minus its information flow
                (vh, bh), (vf, bf) = heat(mom), flow(mom)
                return vh - vf, bh - bf
            vh, bh = heat(mom)
            mean, cov = mom.density()
            return vh + blocks.system_entropy_sum(mom, mean, cov) / (mom.pairs(0) * step), bh

        return blocks.jackknife(observed["m"], stat, paths), step, duration
    src, tgt = numeric.indices(args[0]), numeric.indices(args[1])
    step = dt or te_step or fast / 50
    warm = int(np.ceil(5 * slow / step))
    kappas = est.filter_rates(A)
    observers = {"g": lambda: blocks.RegressionMoments(src, tgt, kappas, step, warm)}
    # the filters of the target's past warm up for 5 slow times before the measured duration
    observed = _simulate_observed(numeric, observers, paths, seed, method, step, duration + warm * step,
                                  BURN_IN[kind] * slow)
    which = "transfer_entropy" if fn is filtering.transfer_entropy_rate else "filter_error"
    return blocks.regression_estimate(observed["g"], len(src), len(tgt), step, paths, which), step, duration


def _regression_step(numeric, args, seed, method) -> float:
    """The step of a regression check: 1/50 of the fastest time, refined by a pilot run while the
    transfer entropy per step exceeds :data:`MAX_TE_PER_STEP` (an informative target is filtered
    faster than the drift relaxes)."""
    A = numeric.arrays()[0]
    fast, slow = time_scales(A)
    step = fast / 50
    pilot, _, _ = _estimate(filtering.transfer_entropy_rate, numeric, args, {}, PILOT[0], seed + 104729, method,
                            step, PILOT[1] * slow)
    if pilot.value * step > MAX_TE_PER_STEP:
        step = MAX_TE_PER_STEP / pilot.value
    return step


def _sized(fn, numeric, args, options, seed, method, dt, duration, budget, rtol, te_step, started):
    """Paths and duration that fill ``budget`` seconds or reach ``rtol``, from two timed pilot runs (discarded).

    The pilots (:data:`PILOT` paths, one and two pilot durations) give the cost as a fixed part
    plus a part proportional to paths x simulated time, and the standard error per unit of
    that work; the main run gets the budget left (CPU time of this process since ``started``).
    """
    A = numeric.arrays()[0]
    slow = time_scales(A)[1]
    kind = _kind(fn)
    burn = BURN_IN[kind] * slow
    extra = 5 * slow if kind == "regression" else 0.0  # the filters' warm-up
    p0, d0 = PILOT[0], (duration or PILOT[1] * slow)
    costs, works = [], []
    for k, d in enumerate((d0, 2 * d0)):
        t0 = time.process_time()
        pilot, step, _ = _estimate(fn, numeric, args, options, p0, seed + 7919 * (k + 1), method, dt, d, te_step)
        costs.append(time.process_time() - t0)
        works.append(p0 * (d + burn + extra))
    per_work = max((costs[1] - costs[0]) / (works[1] - works[0]), 0.5 * costs[1] / works[1])
    fixed = max(costs[1] - per_work * works[1], 0.0)
    spent = time.process_time() - started
    seconds = [] if budget is None else [max(BUDGET_SHARE * budget - spent - fixed, 0.0)]
    if rtol is not None:
        scale = abs(pilot.value)
        if not scale > 0 or not math.isfinite(scale) or not pilot.stderr > 0:
            raise ModelError("rtol: the pilot estimate is 0, so a relative error cannot be aimed at; give budget=")
        need = (pilot.stderr / (rtol * scale)) ** 2 * p0 * 2 * d0  # paths x recorded time for the target error
        cap = (BUDGET_SHARE * budget - spent - fixed) if budget is not None else MAX_RTOL_SECONDS
        seconds.append(max(min(need * per_work * (1 + (burn + extra) / (2 * d0)), cap), 0.0))
    seconds = min(seconds)
    floor = _static_step(A, method) if kind == "static" else 2 * slow
    if duration is None:
        paths = BUDGET_PATHS
        dur = seconds / (paths * per_work) - burn - extra
        while dur < 20 * floor and paths > MIN_BUDGET_PATHS:
            paths //= 2
            dur = seconds / (paths * per_work) - burn - extra
        duration = max(dur, floor)
    else:
        paths = int(max(MIN_BUDGET_PATHS, min(BUDGET_PATHS * 64, seconds / (per_work * (duration + burn + extra)))))
        paths -= paths % BLOCK
    return paths, duration


def _check_settings(paths, dt, duration, z_max, budget=None, rtol=None) -> None:
    """Refuse settings that ``or``-defaults would silently replace, and those that make no test."""
    if paths is not None:
        whole = isinstance(paths, (int, np.integer)) or (isinstance(paths, float) and paths.is_integer())
        if isinstance(paths, bool) or not whole or paths <= 0:
            raise ModelError(f"paths: expected a positive whole number of paths (or None for the default) "
                             f"but found {paths!r}")
    for name, val in (("dt", dt), ("duration", duration)):
        if val is not None:
            _require_positive(name, val, "a positive finite time (or None for the default)")
    if isinstance(z_max, bool) or z_max != math.inf:  # an infinite threshold passes every check
        _require_positive("z_max", z_max, "a positive threshold for |z|")
    if budget is not None:
        _require_positive("budget", budget, "a positive finite number of seconds (or None)")
    if rtol is not None:
        _require_positive("rtol", rtol, "a positive finite relative standard error (or None)")
    if paths is not None and (budget is not None or rtol is not None):
        which = "budget=" if budget is not None else "rtol="
        raise ModelError(f"paths: give either paths= (a fixed number of paths) or {which} (verify sizes the run "
                         "itself), not both")


def _require_positive(name: str, value: Any, expected: str) -> None:
    """Refuse a setting that is not a finite real number above 0 (text and booleans included)."""
    try:
        ok = real_number(name, value) > 0
    except ModelError:
        ok = False
    if not ok:
        raise ModelError(f"{name}: expected {expected} but found {value!r}")


def _check_step(dt, A) -> None:
    fast = time_scales(A)[0]
    if dt is not None and dt > MAX_RATE_STEP * fast:
        raise ModelError(f"dt: a step of {dt:g} is too coarse for a rate check: the estimators' step-size "
                         f"corrections are trusted up to {MAX_RATE_STEP:g} of the fastest relaxation time, {fast:g}; "
                         f"use dt <= {MAX_RATE_STEP * fast:g} or leave dt unset")


_KNOWN = (
    gaussian.entropy,
    gaussian.mutual_information,
    gaussian.conditional_mutual_information,
    thermo.entropy_production_rate,
    thermo.heat_rate,
    thermo.information_flow,
    thermo.efficiency,
    filtering.transfer_entropy_rate,
    filtering.filter_error,
)


def verify(
    model: LinearSDE,
    quantity: Callable[..., Any],
    *args: Any,
    values: Mapping | None = None,
    paths: int | None = None,
    seed: int = 0,
    z_max: float = 4.0,
    dt: float | None = None,
    duration: float | None = None,
    method: str = "exact",
    budget: float | None = None,
    rtol: float | None = None,
    **options: Any,
) -> VerificationRecord:
    """Check one closed form against a Monte Carlo estimate.

    Parameters
    ----------
    model : LinearSDE
    quantity : callable
        One of the closed-form functions: ``entropy``, ``mutual_information``,
        ``conditional_mutual_information``, ``entropy_production_rate``, ``heat_rate``,
        ``information_flow``, ``efficiency``, ``transfer_entropy_rate``, ``filter_error``
        (of one hidden variable).
    *args
        Its variable arguments (for example ``v, r`` for mutual_information).
    values : mapping, optional
        Parameter values, needed when the model has free symbols.
    paths : int, optional
        Independent paths (defaults: 4096 for entropies and mutual information, 2048 for the
        rates, 1024 for the transfer entropy rate and the filter error); a positive whole
        number. Paths are simulated in blocks of :data:`~thermotheory.montecarlo.simulate.BLOCK`
        and the error is a jackknife over blocks (``blocks - 1`` degrees of freedom).
    seed : int
        Seed of the simulation; the check is deterministic for a given seed (and, with
        ``budget`` or ``rtol``, for the ``paths`` and ``duration`` the record reports).
    z_max : float
        Largest ``|z|`` that passes (default 4); ``z`` is a standard normal deviate for a
        correct closed form (a t statistic from batch means is converted to one), so a
        correct check fails with probability ``2 Phi(-z_max)`` (6e-5 at 4).
    dt, duration : float, optional
        Step and recorded duration per path (defaults: for static quantities, states one
        slowest relaxation time apart over 100 slowest times, after a burn-in of 20; for
        rates 1/20 of the fastest and 40 slowest relaxation times; for the transfer entropy
        rate and the filter error 1/50 of the fastest time, refined from a pilot run while
        the transfer entropy exceeds 0.02 nats per step, and 20 slowest times). A step above
        1/10 of the fastest relaxation time is refused. Heat, entropy production and
        information flow are Richardson-extrapolated from the steps ``dt``, ``2 dt`` and
        ``4 dt`` on the same paths, and the bias left (estimated with ``8 dt``) is added in
        quadrature to ``stderr``.
    budget : float, optional
        Seconds of this process's CPU time to spend: a short pilot run (discarded) measures
        the cost and the spread, and ``paths`` and ``duration`` are chosen to fill the budget.
    rtol : float, optional
        Target standard error relative to the size of the quantity (from the pilot); the run
        is sized to reach it (within ``budget`` if given, else at most
        :data:`MAX_RTOL_SECONDS`). ``paths`` cannot be given together with ``budget`` or
        ``rtol``.
    method : {"exact", "euler", "heun"}
    **options
        Keyword arguments of the quantity (for example ``subsystem=``).

    Returns
    -------
    VerificationRecord

    Raises
    ------
    ModelError
        For an unknown quantity, ``paths``, ``dt``, ``duration``, ``z_max``, ``budget`` or
        ``rtol`` that are not positive (or not finite, or ``paths`` not whole), ``paths``
        together with ``budget`` or ``rtol``, or a step too coarse for a rate.

    Examples
    --------
    >>> import sympy as sp
    >>> import thermotheory as tt
    >>> v, r = sp.symbols("v r", real=True)
    >>> m = tt.LinearSDE({v: -v, r: v - r}, {v: 1, r: 1})
    >>> tt.verify(m, tt.mutual_information, v, r, seed=1).passed
    True
    """
    started = time.process_time()
    if quantity not in _KNOWN:
        raise ModelError(f"verify does not know the quantity {getattr(quantity, '__name__', quantity)!r}; "
                         f"it checks {sorted(f.__name__ for f in _KNOWN)}")
    _check_settings(paths, dt, duration, z_max, budget, rtol)
    try:
        inspect.signature(quantity).bind(model, *args, **options)
    except TypeError as exc:
        raise ModelError(f"{quantity.__name__}: the arguments given to verify do not fit it ({exc})") from None
    numeric = _numeric_model(model, values)
    if quantity is filtering.filter_error and len(numeric.indices(args[0])) != 1:
        raise ModelError("verify checks the filter error of one hidden variable at a time")
    expression = quantity(model, *args, **options)
    theory = float(quantity(numeric, *args, **options))
    label = quantity.__name__ + "(" + ", ".join([_name(model, a) for a in args]
                                                 + [f"{k}={_name(model, v)}" for k, v in options.items()]) + ")"
    A = numeric.arrays()[0]
    kind = _kind(quantity)
    if kind != "static":
        _check_step(dt, A)
    te_step = _regression_step(numeric, args, seed, method) if kind == "regression" and dt is None else None
    if budget is not None or rtol is not None:
        paths, duration = _sized(quantity, numeric, args, options, seed, method, dt, duration, budget, rtol, te_step,
                                 started)
    paths = int(paths) if paths is not None else DEFAULT_PATHS[kind]
    e, dt_used, dur = _estimate(quantity, numeric, args, options, paths, seed, method, dt, duration, te_step)
    z = e.z(theory)
    return VerificationRecord(
        quantity=label, expression=expression, theory=theory, estimate=float(e.value), stderr=float(e.stderr),
        z=z, passed=bool(math.isfinite(z) and abs(z) <= z_max), paths=int(paths), seed=seed, dt=float(dt_used),
        duration=float(dur), method=method, z_max=z_max, dof=float(e.dof),
    )


def verify_all(
    model: LinearSDE,
    values: Mapping | None = None,
    seed: int = 0,
    paths: int | None = None,
    z_max: float = 4.0,
    **settings: Any,
) -> VerificationTable:
    """Check every stationary quantity that applies to the model.

    Entropy of each variable; mutual information between each variable and the rest
    (two variables: between them); the total entropy production rate; and, when the noise
    is independent between variables, the heat rate, information flow, partial entropy
    production and efficiency of each variable that dissipates, the transfer entropy rate
    from the rest into each noisy variable, and (two variables) the filter error of one
    from the other's paths. Filter checks are left out where the unobserved variables have
    a noiseless mode that does not decay (see
    :func:`~thermotheory.core.filtering.has_noiseless_marginal_modes`). ``paths`` applies to the
    rate checks; ``settings`` (``dt``, ``duration``, ``method``) are passed to :func:`verify`.

    Examples
    --------
    >>> import sympy as sp
    >>> import thermotheory as tt
    >>> v, r = sp.symbols("v r", real=True)
    >>> table = tt.verify_all(tt.LinearSDE({v: -v, r: v - r}, {v: 1, r: 1}), paths=500)
    >>> len(table), table.passed
    (15, True)
    """
    entropy, mutual_information = gaussian.entropy, gaussian.mutual_information
    filter_error, transfer_entropy_rate = filtering.filter_error, filtering.transfer_entropy_rate
    efficiency, heat_rate, information_flow = thermo.efficiency, thermo.heat_rate, thermo.information_flow
    entropy_production_rate = thermo.entropy_production_rate

    _check_settings(paths, settings.get("dt"), settings.get("duration"), z_max, settings.get("budget"),
                    settings.get("rtol"))
    numeric = _numeric_model(model, values)
    zs = list(model.variables)
    out = VerificationTable()

    def run(q, *args, **kw):
        static = q in (entropy, mutual_information)
        kept = ("method", "budget", "rtol")
        extra = {k: v for k, v in settings.items() if k in kept} if static else settings
        out.append(verify(model, q, *args, values=values, seed=seed + len(out), paths=None if static else paths,
                          z_max=z_max, **extra, **kw))

    for var in zs:
        run(entropy, var)
    if len(zs) == 2:
        run(mutual_information, zs[0], zs[1])
    else:
        for i, var in enumerate(zs):
            run(mutual_information, var, zs[:i] + zs[i + 1:])
    run(entropy_production_rate)
    D = numeric.arrays()[2]
    if np.count_nonzero(D - np.diag(np.diag(D))) == 0:
        for var in zs:
            i = numeric.index(var)
            if D[i, i] == 0:
                continue
            run(heat_rate, var)
            run(information_flow, var)
            run(entropy_production_rate, subsystem=var)
            if heat_rate(numeric, var) > 1e-12:  # the efficiency of a subsystem that dissipates
                run(efficiency, var)
            rest = [w for w in zs if w != var]
            source = rest if len(rest) > 1 else rest[0]
            if filtering.has_noiseless_marginal_modes(numeric, var):
                continue  # the filter converges only as 1/t: no finite window reaches the stationary value
            try:  # the filter needs a stabilising Riccati solution; without one these do not apply
                transfer_entropy_rate(numeric, source, var)
            except ModelError:
                continue
            run(transfer_entropy_rate, source, var)
            if len(rest) == 1:
                run(filter_error, rest[0], var)
    return out
