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
from functools import lru_cache
from typing import Any

import numpy as np
import sympy as sp

from ..core import filtering, gaussian, thermo
from ..core.checks import real_number
from ..core.evaluate import latex
from ..core.model import LinearSDE
from ..errors import ModelError
from . import estimators as est
from .estimators import time_scales
from .simulate import _numeric_model, simulate

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


def _static_samples(model, paths, seed, method):
    A, _, _ = model.arrays()
    fast, slow = time_scales(A)
    dt = slow / 4
    tr = simulate(model, t_end=dt, dt=dt, paths=paths, seed=seed, method=method, burn_in=20 * slow)
    return tr.states[-1], dt, 20 * slow


def _rate_run(model, observers, paths, seed, method, dt, duration):
    A, _, _ = model.arrays()
    fast, slow = time_scales(A)
    dt = dt or fast / 20
    duration = duration or 20 * slow
    tr = simulate(model, t_end=duration, dt=dt, paths=paths, seed=seed, method=method, burn_in=10 * slow,
                  record=False, observers=observers)
    return tr.observed, dt, duration


#: Batch means behind the error of a static (entropy, mutual information) estimate: at least 20 (the
#: t statistic of fewer, skewed batch values has tails beyond Student's), one per 200 samples up to 100.
STATIC_BATCHES = (20, 100)
STATIC_BATCH_SIZE = 200
#: Coarsest step a rate check accepts, as a fraction of the fastest relaxation time.
MAX_RATE_STEP = 0.1
#: Richardson order of the path-integral rate estimators (the bias left is of order dt^(order+1)).
RATE_ORDER = 2
#: Largest transfer entropy per step (nats) before the step of a regression estimate is refined.
MAX_TE_PER_STEP = 0.02
#: Independent density fits behind an information-flow estimate, and samples per fit. Their spread is
#: part of the error, with fits - 1 degrees of freedom; it dominates for the efficiency, where the paths'
#: noise cancels in the ratio, so fewer fits would leave a t statistic with too heavy tails to test at all.
DENSITY_FITS = 8
DENSITY_SAMPLES = 25000


@lru_cache(maxsize=64)
def _density(model, seed, method):
    samples, _, _ = _static_samples(model, DENSITY_SAMPLES, seed, method)
    return est.FittedGaussian(samples)


def _check_settings(paths, dt, duration, z_max) -> None:
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
        Independent paths (default 20000 for static quantities, 2000 for rates); a
        positive whole number.
    seed : int
        Seed of the simulation; the check is deterministic for a given seed.
    z_max : float
        Largest ``|z|`` that passes (default 4); ``z`` is a standard normal deviate for a
        correct closed form (a t statistic from batch means is converted to one), so a
        correct check fails with probability ``2 Phi(-z_max)`` (6e-5 at 4).
    dt, duration : float, optional
        Step and recorded duration of rate estimates (defaults: 1/20 of the fastest and
        20 times the slowest relaxation time; for the transfer entropy rate and the filter
        error 1/50 of the fastest time, refined further while the estimated transfer entropy
        exceeds 0.02 nats per step, and 40 slowest times). A step above 1/10 of the fastest
        relaxation time is refused. Heat, entropy production and information flow are
        Richardson-extrapolated from the steps ``dt``, ``2 dt`` and ``4 dt`` on the same
        paths, and the bias left (estimated with ``8 dt``) is added in quadrature to ``stderr``.
    method : {"exact", "euler", "heun"}
    **options
        Keyword arguments of the quantity (for example ``subsystem=``).

    Returns
    -------
    VerificationRecord

    Raises
    ------
    ModelError
        For an unknown quantity, ``paths``, ``dt``, ``duration`` or ``z_max`` that are not
        positive (or not finite, or ``paths`` not whole), or a step too coarse for a rate.

    Examples
    --------
    >>> import sympy as sp
    >>> import thermotheory as tt
    >>> v, r = sp.symbols("v r", real=True)
    >>> m = tt.LinearSDE({v: -v, r: v - r}, {v: 1, r: 1})
    >>> tt.verify(m, tt.mutual_information, v, r, seed=1).passed
    True
    """
    if quantity not in _KNOWN:
        raise ModelError(f"verify does not know the quantity {getattr(quantity, '__name__', quantity)!r}; "
                         f"it checks {sorted(f.__name__ for f in _KNOWN)}")
    _check_settings(paths, dt, duration, z_max)
    try:
        inspect.signature(quantity).bind(model, *args, **options)
    except TypeError as exc:
        raise ModelError(f"{quantity.__name__}: the arguments given to verify do not fit it ({exc})") from None
    paths = None if paths is None else int(paths)
    numeric = _numeric_model(model, values)
    if quantity is filtering.filter_error and len(numeric.indices(args[0])) != 1:
        raise ModelError("verify checks the filter error of one hidden variable at a time")
    expression = quantity(model, *args, **options)
    theory = float(quantity(numeric, *args, **options))
    label = quantity.__name__ + "(" + ", ".join([_name(model, a) for a in args]
                                                 + [f"{k}={_name(model, v)}" for k, v in options.items()]) + ")"
    A, b, D = numeric.arrays()
    parity = numeric.parity
    n = numeric.dimension
    fn = quantity

    if fn in (gaussian.entropy, gaussian.mutual_information, gaussian.conditional_mutual_information):
        groups = [numeric.indices(a) for a in args]
        paths = paths or 20000
        samples, dt_used, dur = _static_samples(numeric, paths, seed, method)
        batches = min(STATIC_BATCHES[1], max(STATIC_BATCHES[0], paths // STATIC_BATCH_SIZE))
        if fn is gaussian.entropy:
            e = est.gaussian_entropy(samples, groups[0], batches=batches)
        elif fn is gaussian.mutual_information:
            e = est.gaussian_mutual_information(samples, *groups, batches=batches)
        else:
            e = est.gaussian_conditional_mutual_information(samples, *groups, batches=batches)
    elif fn in (thermo.entropy_production_rate, thermo.heat_rate, thermo.information_flow, thermo.efficiency):
        paths = paths or 2000
        target = options.get("subsystem", args[0] if args else None)
        if fn is thermo.information_flow:
            target = options.get("into", target)
        idx = list(range(n)) if target is None else numeric.indices(target)
        _check_step(dt, A)
        step = dt or time_scales(A)[0] / 20
        observers: dict[str, Callable[[], Any]] = {}
        if fn is not thermo.information_flow:
            observers["heat"] = lambda: est.Extrapolated(
                lambda h: est.MediumEntropyFlow(A, b, D, parity, idx, h), step, RATE_ORDER, residual=True)
        if fn is thermo.entropy_production_rate and target is None:
            system_density = _density(numeric, seed + 7919, method)
            observers["system"] = lambda: est.SystemEntropyChange(system_density, step)
        partial = fn is thermo.entropy_production_rate and target is not None
        fits = 0
        if fn in (thermo.information_flow, thermo.efficiency) or partial:
            fits = DENSITY_FITS
            for k in range(fits):
                density = _density(numeric, seed + 7919 * (k + 1), method)
                observers[f"flow{k}"] = (lambda d: lambda: est.Extrapolated(
                    lambda h: est.InformationFlow(d, idx, h), step, RATE_ORDER, residual=True))(density)
        observed, dt_used, dur = _rate_run(numeric, observers, paths, seed, method, step, duration)
        # each extrapolated observer gives per path (value, estimated bias left); the bias is linear
        flows = [observed[f"flow{k}"] for k in range(fits)]
        heat = observed.get("heat")
        if fn is thermo.information_flow:
            e = est.pooled([est.per_path(f[:, 0], bias=f[:, 1]) for f in flows])
        elif fn is thermo.efficiency:
            e = est.pooled([est.ratio(f[:, 0], heat[:, 0], num_bias=f[:, 1], den_bias=heat[:, 1]) for f in flows])
        elif partial:
            e = est.pooled([est.per_path(heat[:, 0] - f[:, 0], bias=heat[:, 1] - f[:, 1]) for f in flows])
        elif target is None and fn is thermo.entropy_production_rate:
            e = est.per_path(heat[:, 0] + observed["system"], bias=heat[:, 1])
        else:
            e = est.per_path(heat[:, 0], bias=heat[:, 1])
    else:  # transfer entropy rate or filter error: regression on the target's past
        src, tgt = numeric.indices(args[0]), numeric.indices(args[1])
        paths = paths or 2000
        _check_step(dt, A)
        fast, slow = time_scales(A)

        def regression(step):
            warm = int(np.ceil(5 * slow / step))
            observers = {"moments": lambda: est.transfer_entropy_observer(src, tgt, A, step, warm)}
            # the filters of the target's past warm up for 5 slow times before the measured duration
            observed, dt_used, dur = _rate_run(numeric, observers, paths, seed, method, step,
                                               (duration or 40 * slow) + warm * step)
            g = observed["moments"]
            te = est.transfer_entropy_from_pairs(g[:, 0], g[:, 1], len(src), len(tgt), step)
            return g, te, dt_used, dur

        g, te, dt_used, dur = regression(dt or fast / 50)
        if dt is None and te.value * dt_used > MAX_TE_PER_STEP:
            # an informative target is filtered faster than the drift relaxes: refine the step
            g, te, dt_used, dur = regression(MAX_TE_PER_STEP / te.value)
        if fn is filtering.transfer_entropy_rate:
            e = te
        else:
            e = est.filter_error_from_pairs(g[:, 0], g[:, 1], len(src), len(tgt))
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

    _check_settings(paths, settings.get("dt"), settings.get("duration"), z_max)
    numeric = _numeric_model(model, values)
    zs = list(model.variables)
    out = VerificationTable()

    def run(q, *args, **kw):
        static = q in (entropy, mutual_information)
        extra = {"method": settings["method"]} if static and "method" in settings else ({} if static else settings)
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
