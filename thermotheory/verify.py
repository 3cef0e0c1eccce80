"""Verification of closed forms by Monte Carlo: a calibrated z-test per quantity.

The closed form gives ``theory``; a simulation of the model and an estimator that never
calls the closed forms give ``estimate`` and ``stderr``; the check passes when ``|z| <= z_max``,
``z`` being ``(estimate - theory) / stderr`` converted to the normal deviate with the same
tail probability when the standard error has few degrees of freedom (batch means).
"""

from __future__ import annotations

import contextlib
import html
import math
import numbers
import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy as sp

from .core.checks import as_expression, real_number, user_stacklevel
from .core.closedform import ClosedForm
from .core.evaluate import latex
from .core.model import LinearSDE
from .errors import ModelError, TooLarge
from .montecarlo import stationary
from .montecarlo.estimators import ESTIMATORS, estimator_for
from .montecarlo.gillespie import JUMP_BLOCK
from .montecarlo.paths import time_scales
from .montecarlo.simulate import BLOCK
from .montecarlo.stationary import Run
from .quantity import BoundQuantity, model_kind
from .quantity import quantity as lookup
from .montecarlo.uncertainty import Estimate
from . import workers as worker_processes
from .montecarlo.simulate import shared_blocks
from .errors import InvalidWorkers
from .workers import Pool, Splitter, check_workers, cpu_count, run_tasks, submit_tasks

__all__ = ["verify", "verify_all", "estimate", "VerificationRecord", "VerificationTable", "TargetNotReached",
           "BudgetExceeded", "time_scales"]


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
    approximation : str
        What ``theory`` is when it is not the model's exact closed form: ``"linear-noise
        approximation"`` for a nonlinear SDE, ``"given"`` for a closed form passed as
        ``theory=``; empty for an exact closed form of the engine.
    rtol : float or None
        The relative standard error asked for (``verify(..., rtol=)``), None if none was.
    rtol_reached : bool or None
        False when the run sized for ``rtol`` was cut at the time allowed (``budget``, or
        :data:`MAX_RTOL_SECONDS`) before the error predicted from its pilot reached ``rtol``
        (a :class:`TargetNotReached` warning says so too); None without ``rtol``.
    planned, spent : float or None
        For a run sized by ``budget`` or ``rtol``: the CPU seconds that the sizing predicted
        for the whole check (pilot runs and main run) and those it took (pilots, main run and
        closed form when derived before the run); None otherwise. Timings, not results: they
        take no part in comparing records (the same seed gives equal records wherever run).

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
    approximation: str = ""
    rtol: float | None = None
    rtol_reached: bool | None = None
    planned: float | None = field(default=None, compare=False)
    spent: float | None = field(default=None, compare=False)

    @classmethod
    def of_estimate(cls, quantity: str, theory: float, estimate: Any, z_max: float = 4.0, expression: Any = None,
                    approximation: str = "model's own estimator") -> "VerificationRecord":
        """A record of a closed form against an estimate made by a model's own simulation.

        For quantities that no registered estimator measures (a perceptron's label
        information, from its own simulation): the same calibrated z-test as :func:`verify`
        (``estimate.z``, converted from Student's t), so that derivations need no hand-written
        test. ``estimate`` is an :class:`~thermotheory.montecarlo.uncertainty.Estimate`.

        Examples
        --------
        >>> from thermotheory.montecarlo.uncertainty import Estimate
        >>> VerificationRecord.of_estimate("q", 1.0, Estimate(1.02, 0.01, 100)).passed
        True
        """
        _require_positive("z_max", z_max, "a positive threshold for |z|")
        z = estimate.z(float(theory))
        return cls(quantity=quantity, expression=float(theory) if expression is None else expression,
                   theory=float(theory), estimate=float(estimate.value), stderr=float(estimate.stderr), z=z,
                   passed=bool(math.isfinite(z) and abs(z) <= z_max), paths=int(estimate.n), seed=-1, dt=0.0,
                   duration=0.0, method="", z_max=z_max, dof=float(estimate.dof), approximation=approximation)

    def __str__(self) -> str:
        flag = "PASS" if self.passed else "FAIL"
        note = f" [{self.approximation}]" if self.approximation else ""
        if self.rtol_reached is False:
            note += f" [rtol {self.rtol:g} not reached]"
        return (f"{flag}  {self.quantity}: theory {self.theory:.6g} estimate {self.estimate:.6g} "
                f"+- {self.stderr:.2g} (z = {self.z:+.2f}){note}")

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


#: Coarsest step a rate check accepts, as a fraction of the fastest relaxation time.
MAX_RATE_STEP = 0.1
#: Paths of a run sized by budget= or rtol= (jackknife groups: paths / BLOCK, at most MAX_GROUPS).
BUDGET_PATHS = 8192
#: Fewest paths of a sized run: 32 jackknife groups, so that the error's own error is small.
MIN_BUDGET_PATHS = 32 * BLOCK
#: Share of budget= that the sizing aims at (a larger run costs a little more per path than its pilot).
BUDGET_SHARE = 0.85
#: Longest run that rtol= alone may ask for, in seconds of this process's CPU time.
MAX_RTOL_SECONDS = 120.0


#: rtol= is refused when the run it needs is predicted to take more than this many times the time allowed
#: (``budget`` left, or :data:`MAX_RTOL_SECONDS`); between one and this many times, the run takes the time
#: allowed and the record says that the target was not reached.
RTOL_REFUSE_FACTOR = 4.0
#: A pilot estimate within this many of its standard errors of 0 gives no scale for a relative error.
ZERO_PILOT_Z = 3.0


class TargetNotReached(UserWarning):
    """A check sized by ``rtol=`` stopped at its time limit before reaching the error asked for."""


#: Pilot runs of budget= and rtol=, tried in turn: (paths, duration in pilot durations), each about 1.5 to 2 times
#: the work of the one before, varying paths and duration both (the cost model has a part per step and one per
#: path-step); long durations early: a sized run is long, and some estimators cost more per step over longer runs.
PILOT_LADDER = ((128, 1), (128, 2), (256, 2), (256, 4), (512, 4), (512, 8), (1024, 8), (1024, 16), (2048, 16),
                (2048, 32), (4096, 32), (4096, 64))
#: Pilots that run even past :data:`PILOT_SHARE` (while they fit in :data:`MIN_PILOTS_ROOM` of the budget left):
#: with four, one slowed pilot can be left out of the three-part cost fit.
MIN_PILOTS = 4
#: Share of the budget left that the first :data:`MIN_PILOTS` pilots may take together (beyond :data:`PILOT_SHARE`).
MIN_PILOTS_ROOM = 0.25
#: Share of the time allowed that the pilots may take together (the ladder stops before the next one would pass it).
PILOT_SHARE = 0.1
#: Time that the pilots' share is taken of for rtol= alone, in seconds of CPU.
RTOL_PILOT_SECONDS = 5.0
#: A pilot slower than the cost fit by more than this fraction is left out of the fit (a load spike), one at a time.
PILOT_OUTLIER = 0.25
#: A check sized by budget= that spends more than this many times its budget warns (:class:`BudgetExceeded`).
BUDGET_OVERRUN = 2.0


class BudgetExceeded(UserWarning):
    """A check sized by ``budget=`` took more than :data:`BUDGET_OVERRUN` times its budget.

    Either its smallest valid run (:data:`MIN_BUDGET_PATHS` paths over the burn-in and the shortest
    duration) costs more than the budget allows, or the run was slower than its pilots predicted (a
    loaded machine); the message says which, and the record what was planned and spent.
    """


#: The clock that budget= and rtol= count: CPU time of this process (replaceable in tests).
_clock = time.process_time


def _chunks(paths: int, n: int) -> int:
    """Chunks of paths that :func:`~thermotheory.montecarlo.simulate.simulate` runs one after another (its default)."""
    per = 32 * BLOCK if n <= 4 else 16 * BLOCK
    return -(-int(paths) // per)


@dataclass(frozen=True)
class _Cost:
    """CPU seconds of a run as ``fixed + time * (per_step * chunks + per_path * paths)``, ``time`` the simulated
    time of one path (burn-in included)."""

    fixed: float
    per_step: float
    per_path: float
    n: int

    def __call__(self, paths: float, simulated: float) -> float:
        return self.fixed + simulated * (self.per_step * _chunks(paths, self.n) + self.per_path * paths)


def _fit_cost(pilots: list, n: int, per_step: bool = True) -> tuple:
    """The cost model fitted to ``pilots`` ``[(paths, simulated time, seconds), ...]``, and the pilots kept.

    Non-negative least squares of the relative residuals; a pilot slower than the fit by more than
    :data:`PILOT_OUTLIER` (a load spike: noise only ever adds time) is left out and the fit redone, the worst
    first, while three are left. Fewer than three pilots: the cost per path-step of the cheapest one
    (an upper bound of the cost of a larger run: nothing but the per-path part). ``per_step=False``: no part
    per step (a run sized in paths alone, :func:`_sized_paths`: ``fixed + per_path * paths * simulated``).
    """
    from scipy.optimize import nnls

    kept = list(pilots)
    while True:
        ratio = min(c / (p * s) for p, s, c in kept)
        if len(kept) < 3:
            return _Cost(0.0, 0.0, ratio, n), kept
        X = np.array([[1.0, s * _chunks(p, n), p * s] if per_step else [1.0, p * s] for p, s, _ in kept])
        c = np.array([c for _, _, c in kept])
        scale = X.max(axis=0)
        coef, _ = nnls(X / scale / c[:, None], np.ones(len(kept)))
        coef = coef / scale
        # the part per path-step is what a long run pays: a fit that puts all in the fixed part would
        # promise a large run for nothing; at least a quarter of the cheapest pilot's cost per path-step
        fit = _Cost(float(coef[0]), float(coef[1]) if per_step else 0.0, max(float(coef[-1]), 0.25 * ratio), n)
        excess = [c / fit(p, s) - 1 for p, s, c in kept]
        worst = int(np.argmax(excess))
        if excess[worst] <= PILOT_OUTLIER or len(kept) <= 3:
            return fit, kept
        del kept[worst]


def _pilots(numeric, bound, row, run: Run, d0: float, lead: float, allowance: float, room: float, fixed_duration,
            paths_only: bool = False):
    """Run the pilot ladder: ``(pilots [(paths, simulated time, seconds)], estimates [(Estimate, paths, time)])``.

    Pilots run while the next one is predicted to fit within ``allowance`` seconds (their share of the
    budget), and up to :data:`MIN_PILOTS` while they fit in :data:`MIN_PILOTS_ROOM` of ``room`` (the
    budget left); two always. ``paths_only``: the ladder grows in paths alone (128, 256, 512, ...), each
    pilot runs with ``run``'s own duration (the estimator's default when None) and counts as the time ``d0``
    (the cost fitted without a part per step: :func:`_sized_paths`); it stops at a pilot that the estimator
    refuses as too large (:class:`~thermotheory.errors.TooLarge`) after two.
    """
    n = 1 if paths_only else numeric.dimension
    pilots, estimates, total = [], [], 0.0
    for k, (p, f) in enumerate(PILOT_LADDER):
        d = d0 if fixed_duration else f * d0
        p = p * (f if fixed_duration else 1)  # a duration given: the ladder grows in paths alone
        if k >= 2:
            fit, _ = _fit_cost(pilots, n, per_step=not paths_only)
            ahead = total + fit(p, d + lead)
            if not (ahead <= allowance or (k < MIN_PILOTS and ahead <= MIN_PILOTS_ROOM * room)):
                break
        t0 = _clock()
        try:
            e, _, _ = row.measure(numeric, bound, run.replace(paths=p, seed=run.seed + 7919 * (k + 1),
                                                              duration=run.duration if paths_only else d))
        except TooLarge:  # a run in paths alone too large for its estimator (steps recorded, jump counters)
            if not paths_only or k < 2:
                raise
            break
        cost = max(_clock() - t0, 1e-9)
        total += cost
        pilots.append((p, d + lead, cost))
        estimates.append((e, p, d))
    return pilots, estimates


def _target_shape(need: float, duration, floor: float) -> tuple:
    """``(paths, duration)`` of the cheapest run with ``need`` paths x recorded time: the most paths (from
    :data:`BUDGET_PATHS` down to :data:`MIN_BUDGET_PATHS`) that still record 20 ``floor`` steps each (each path
    pays its burn-in), or the paths for a ``duration`` given."""
    if duration is not None:
        paths = min(max(MIN_BUDGET_PATHS, math.ceil(need / duration / BLOCK) * BLOCK), BUDGET_PATHS * 64)
        return paths, duration
    paths = BUDGET_PATHS
    while need / paths < 20 * floor and paths > MIN_BUDGET_PATHS:
        paths //= 2
    return paths, max(need / paths, floor)


def _pilot_spread(estimates: list, bound) -> tuple:
    """``(mean, variance x recorded work, standard error)`` of the pilots' estimates ``[(Estimate, paths, time)]``
    pooled (variance x work, paths x time, weighted by degrees of freedom); refuses a mean that they cannot
    tell from 0 (:data:`ZERO_PILOT_Z`): an ``rtol`` relative to it cannot be aimed at."""
    weights = [max(float(e.dof), 1.0) if math.isfinite(e.dof) else p / BLOCK for e, p, d in estimates]
    per_work = sum(w * float(e.stderr) ** 2 * p * d for w, (e, p, d) in zip(weights, estimates)) / sum(weights)
    work = sum(p * d for _, p, d in estimates)
    mean = sum(float(e.value) * p * d for e, p, d in estimates) / work
    scale, err = abs(mean), math.sqrt(per_work / work)
    if not (math.isfinite(scale) and err > 0 and scale > ZERO_PILOT_Z * err):
        raise ModelError(
            f"rtol: the pilot estimate of {bound.label} is {mean:.3g} +- {err:.2g}, which cannot be told from 0, "
            f"so an error relative to its size cannot be aimed at (a quantity that is 0 has no relative error); "
            f"give budget= or paths= instead")
    return mean, per_work, err


def _refuse_far_target(bound, rtol, budget, wanted, cap, spent, mean, err) -> None:
    """Refuse (:class:`~thermotheory.errors.TooLarge`) an ``rtol`` whose run, ``wanted`` seconds, is predicted to
    take more than :data:`RTOL_REFUSE_FACTOR` times the ``cap`` seconds left, naming the ``rtol`` reachable."""
    if wanted > RTOL_REFUSE_FACTOR * max(cap, 0.0):
        allowed = (f"budget={budget:g} s" if budget is not None
                   else f"at most {MAX_RTOL_SECONDS:g} s for rtol= alone")
        reach = rtol * math.sqrt(wanted / max(cap, 1e-300)) if cap > 0 else math.inf
        hint = (f"within it about rtol={reach:.2g} is reachable: ask for that, or a larger budget="
                if math.isfinite(reach) else  # nothing left: no rtol is reachable, say so
                f"the pilot runs (and the closed form) took {spent:.3g} s of it, leaving none for the run: "
                "give a larger budget=")
        raise TooLarge(
            f"rtol: a relative standard error of {rtol:g} on {bound.label} would need about {wanted:.3g} s of CPU "
            f"(predicted from pilot runs: {mean:.4g} +- {err:.2g}), far more than the time allowed ({allowed}); "
            f"{hint}")


def _sized(numeric, bound, row, run: Run, budget, rtol, started):
    """Paths and duration that fill ``budget`` seconds or reach ``rtol``, from a ladder of timed pilot runs (discarded).

    The pilots (:data:`PILOT_LADDER`: from 128 paths over one pilot duration,
    :data:`~thermotheory.montecarlo.stationary.PILOT`, up, each about twice the work of the one
    before) run while the next is predicted to fit within :data:`PILOT_SHARE` of the time
    allowed (at least :data:`MIN_PILOTS` while they fit in :data:`MIN_PILOTS_ROOM` of the budget
    left, and two). Their costs
    give a fixed part, a part per step and a part per path-step (:func:`_fit_cost`, which
    leaves out a pilot slowed by a load spike), and their estimates the standard error per
    unit of recorded work; the main run gets :data:`BUDGET_SHARE` of the budget left (CPU time
    of this process since ``started``). Stationary checks of linear models by their families; the other checks
    are sized in paths alone (:func:`_sized_paths`).

    Returns ``(paths, duration, reached, planned)``: ``reached`` is False when ``rtol`` was
    asked for but the run is cut at the time allowed before the predicted error reaches it
    (None without ``rtol``); ``planned`` the CPU seconds that the check is predicted to take
    in all (pilots and main run). Refuses (before the main run) an ``rtol`` relative to a
    quantity that the pilots cannot tell from 0, and one predicted to need more than
    :data:`RTOL_REFUSE_FACTOR` times the time allowed.
    """
    A = numeric.arrays()[0]
    slow = time_scales(A)[1]
    kind = row.sizing  # the estimator's method family
    burn = stationary.BURN_IN[kind] * slow
    extra = 5 * slow if kind == "regression" else 0.0  # the filters' warm-up
    lead = burn + extra
    d0 = run.duration or stationary.PILOT[1] * slow
    before = _clock() - started
    base = budget if budget is not None else RTOL_PILOT_SECONDS
    room = (BUDGET_SHARE * budget if budget is not None else MAX_RTOL_SECONDS) - before
    pilots, estimates = _pilots(numeric, bound, row, run, d0, lead, PILOT_SHARE * base, room, run.duration is not None)
    cost, _ = _fit_cost(pilots, numeric.dimension)
    spent = _clock() - started
    left = (BUDGET_SHARE * budget - spent) if budget is not None else MAX_RTOL_SECONDS
    seconds = [] if budget is None else [max(left, 0.0)]
    reached = None
    need = 0.0
    wanted = 0.0
    floor = stationary.static_step(A, run.method) if kind == "static" else 2 * slow
    if rtol is not None:
        mean, per_work, err = _pilot_spread(estimates, bound)
        need = per_work / (rtol * abs(mean)) ** 2  # paths x recorded time for the target error
        cap = left
        target = _target_shape(need, run.duration, floor)
        wanted = cost(target[0], target[1] + lead)
        _refuse_far_target(bound, rtol, budget, wanted, cap, spent, mean, err)
        reached = wanted <= cap
        seconds.append(max(min(wanted, cap), 0.0))
    seconds = min(seconds)
    if rtol is not None and wanted > seconds:  # the recorded work (paths x time) that the seconds given buy
        need *= seconds / wanted if wanted > 0 else 1.0
    duration = run.duration
    if rtol is not None and seconds >= wanted:  # the target within the time allowed: the cheapest run that reaches it
        paths, duration = target
        if paths * duration < 0.99 * need:  # cut by the most paths a sized run takes
            reached = False
    elif duration is None:
        def longest(paths):  # the recorded duration that ``paths`` paths can have in the seconds given
            return (seconds - cost.fixed) / (cost.per_step * _chunks(paths, cost.n) + cost.per_path * paths) - lead

        paths = BUDGET_PATHS
        dur = longest(paths)
        while dur < 20 * floor and paths > MIN_BUDGET_PATHS:
            paths //= 2
            dur = longest(paths)
        duration = max(dur, floor, need / paths)  # a small target: the burn-in must not eat the recorded work
    else:
        lo, hi = MIN_BUDGET_PATHS // BLOCK, BUDGET_PATHS * 64 // BLOCK  # in blocks: the most paths that fit
        while lo < hi:
            mid = (lo + hi + 1) // 2
            lo, hi = (mid, hi) if cost(mid * BLOCK, duration + lead) <= seconds else (lo, mid - 1)
        paths = lo * BLOCK
        if reached and paths * duration < 0.99 * need:  # cut by the most paths a sized run takes
            reached = False
    planned = spent + cost(paths, duration + lead)
    return paths, duration, reached, planned


#: Most paths of a run sized in paths alone (:func:`_sized_paths`), as of a stationary run with its duration given.
MAX_SIZED_PATHS = BUDGET_PATHS * 64


def _path_unit(numeric) -> int:
    """The whole block of paths of the model's simulator: a run sized in paths takes a multiple of it (the blocks
    that ``workers=`` shares out: :data:`~thermotheory.montecarlo.gillespie.JUMP_BLOCK` for a jump process)."""
    return JUMP_BLOCK if model_kind(numeric) == "jump" else BLOCK


def _sized_paths(numeric, bound, row, run: Run, budget, rtol, started):
    """Paths that fill ``budget`` seconds or reach ``rtol``, from timed pilot runs (discarded), for a check whose
    estimator row has no stationary family (``row.sizing`` None: jump processes, transient checks, nonlinear
    SDEs, lattice fields, currents and spectral rates): the duration stays the estimator's own (or the one given).

    The pilots (:func:`_pilots` in paths alone: 128, 256, 512, ... paths, seeds ``seed + 7919 (k + 1)``) run
    while the next is predicted to fit within :data:`PILOT_SHARE` of the time allowed (at least
    :data:`MIN_PILOTS` while they fit in :data:`MIN_PILOTS_ROOM` of the budget left, and two). Their costs give a
    fixed part and a part per path (:func:`_fit_cost` without a part per step, leaving out a pilot slowed by a
    load spike), and their estimates the variance per path (the standard error falls as ``1 / sqrt(paths)``),
    pooled (:func:`_pilot_spread`). ``budget``: the most paths whose predicted cost fits in
    :data:`BUDGET_SHARE` of the budget left; ``rtol``: the fewest that reach it (within the budget given, else
    :data:`MAX_RTOL_SECONDS`), refused as :func:`_sized` refuses. Paths are whole blocks of the simulator
    (:func:`_path_unit`), from :data:`MIN_BUDGET_PATHS` to :data:`MAX_SIZED_PATHS`.

    Returns ``(paths, reached, planned)`` as :func:`_sized` does (``reached`` None without ``rtol``).
    """
    unit = _path_unit(numeric)
    lo, hi = -(-MIN_BUDGET_PATHS // unit), MAX_SIZED_PATHS // unit  # in blocks
    before = _clock() - started
    base = budget if budget is not None else RTOL_PILOT_SECONDS
    room = (BUDGET_SHARE * budget if budget is not None else MAX_RTOL_SECONDS) - before
    pilots, estimates = _pilots(numeric, bound, row, run, 1.0, 0.0, PILOT_SHARE * base, room, True, paths_only=True)
    cost, _ = _fit_cost(pilots, 1, per_step=False)
    spent = _clock() - started
    left = (BUDGET_SHARE * budget - spent) if budget is not None else MAX_RTOL_SECONDS

    def most(seconds):  # the most blocks whose run fits in ``seconds`` (the fewest allowed when none does)
        a, b = lo, hi
        while a < b:
            mid = (a + b + 1) // 2
            a, b = (mid, b) if cost(mid * unit, 1.0) <= seconds else (a, mid - 1)
        return a

    reached = None
    if rtol is None:
        blocks = most(left)
    else:
        mean, per_path, err = _pilot_spread(estimates, bound)
        need = per_path / (rtol * abs(mean)) ** 2  # paths for the target error
        target = max(lo, math.ceil(need / unit))
        wanted = cost(target * unit, 1.0)
        _refuse_far_target(bound, rtol, budget, wanted, left, spent, mean, err)
        blocks = min(target, hi) if wanted <= left else most(left)
        reached = blocks * unit >= 0.99 * need  # cut at the time allowed, or at the most paths a sized run takes
    paths = blocks * unit
    return paths, reached, spent + cost(paths, 1.0)


def _fitting_run(numeric, bound, row, run: Run, paths: int) -> tuple:
    """``(row.measure(...), paths run)``: the main run of :func:`_sized_paths`; one that the estimator refuses as
    too large (:class:`~thermotheory.errors.TooLarge`: the steps a nonlinear transient check records, the jump
    counters of a Gillespie run) is halved, in whole blocks, down to :data:`MIN_BUDGET_PATHS`."""
    unit = _path_unit(numeric)
    while True:
        try:
            return row.measure(numeric, bound, run.replace(paths=paths)), paths
        except TooLarge:
            if paths <= MIN_BUDGET_PATHS:
                raise
            paths = max(MIN_BUDGET_PATHS, paths // 2 // unit * unit)


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


def _theory(bound, model, numeric, kind, given, symbolic_bound):
    """``(expression, theory, approximation)``: the closed form checked, its value, and what it is."""
    if given is not None:
        expression, at_values = given
        try:
            value = float(at_values)
        except (TypeError, ValueError):
            raise ModelError(f"theory: expected a closed form that evaluates to a number at the values given, "
                             f"but found {at_values!r:.80}") from None
        if not math.isfinite(value):
            raise ModelError(f"theory: expected a closed form that evaluates to a finite number at the values given, "
                             f"but found {at_values!r:.80}")
        return expression, value, "given"
    value = bound.closed_form(numeric, approximate=True)
    if np.ndim(value) != 0 or getattr(value, "is_Matrix", False):
        raise ModelError(f"{bound.label} is a matrix: verify checks one number at a time (for the filter error, "
                         "one hidden variable at a time)")
    approximation = getattr(numeric, "approximation", "")  # what the closed forms of the model's kind are
    if numeric is model and symbolic_bound is bound:  # a numeric model: the closed form is the value itself
        return value, float(value), approximation
    try:
        expression = symbolic_bound.closed_form(model, approximate=True)
    except ModelError:  # too large to show, or no symbolic form (an SDE of several fixed points): the number
        expression = float(value)
    return expression, float(value), approximation


def _given_theory(theory: Any) -> sp.Expr:
    """A closed form given as ``theory=`` as a sympy expression, refusing text, booleans and NaN or infinities."""
    if isinstance(theory, ClosedForm):  # a structured closed form: with its definitions substituted
        theory = theory.explicit()
    return as_expression(theory, "theory")


def _check_seed(seed: Any) -> None:
    """Refuse a seed that is not a non-negative whole number (the record and the paths are reproducible from it)."""
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ModelError(f"seed: expected a non-negative integer (the check is reproducible from it) but found "
                         f"{seed!r}")


def verify(
    model: Any,
    quantity: Any,
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
    theory: Any = None,
    workers: int | Pool | None = None,
    scheduler: Any = None,
    **options: Any,
) -> VerificationRecord:
    """Check one closed form against a Monte Carlo estimate.

    The same call checks a stationary quantity of a linear model, a transient one (at or
    over ``[0, t]`` from an initial state, under a protocol ``b(t)`` or not), a quantity of a
    nonlinear :class:`~thermotheory.SDE` (against its linear-noise approximation, exact for a
    linear drift with additive noise) and one of a lattice field: each registered quantity
    (:mod:`thermotheory.registry`) names its estimator for each kind of model.

    Parameters
    ----------
    model : LinearSDE, SDE or LatticeField
    quantity : Quantity, BoundQuantity, closed-form function or name
        A registered quantity (``tt.heat_rate``, ``tt.heat_rate.of(x)``, ``"heat_rate"``).
    *args, **options
        Its roles (for example ``v, r`` for mutual_information; ``subsystem=x``; ``t=``,
        ``initial=`` and ``initial_mean=`` for a transient quantity), unless bound already.
    values : mapping, optional
        Parameter values, needed when the model has free symbols.
    paths : int, optional
        Independent paths (defaults: 4096 for entropies and mutual information, 2048 for the
        rates, 1024 for the transfer entropy rate and the filter error of a linear model;
        8192 for transient checks; 2048 for a nonlinear SDE; 4096 samples of a lattice
        field); a positive whole number. Errors come from groups of independent paths.
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
        the transfer entropy exceeds 0.02 nats per step, and 20 slowest times; for transient
        checks ``t`` in at least 400 steps, each at most 1/20 of the fastest time). A step
        above 1/10 of the fastest relaxation time is refused for a rate. Heat, entropy
        production and information flow of a linear model are Richardson-extrapolated from
        the steps ``dt``, ``2 dt`` and ``4 dt`` on the same paths, and the bias left
        (estimated with ``8 dt``) is added in quadrature to ``stderr``.
    budget : float, optional
        Seconds of this process's CPU time to spend, for every kind of check: short pilot
        runs (discarded; a ladder from 128 paths up, held to :data:`PILOT_SHARE` of the
        budget) measure the cost and the spread, and the run is chosen to fill
        :data:`BUDGET_SHARE` of what is left. Stationary checks of a linear model by its
        stationary families (entropies and mutual information, heat, entropy production and
        information flow rates, transfer entropy and filter error) size ``paths`` and
        ``duration`` (cost fixed + per step + per path-step); every other check (jump
        processes, transient checks, nonlinear SDEs, lattice fields, currents and spectral
        rates) sizes ``paths`` alone, in whole blocks of its simulator, from
        :data:`MIN_BUDGET_PATHS` to :data:`MAX_SIZED_PATHS`, with its own duration (cost
        fixed + per path, error falling as ``1 / sqrt(paths)``; a run that its estimator
        refuses as too large is halved). A pilot slowed by a load spike is left out of the
        cost fit. The record says what was planned and spent (``planned``, ``spent``); a
        check whose smallest valid run costs more than the budget runs that and warns
        (:class:`BudgetExceeded`) when it spends more than :data:`BUDGET_OVERRUN` times the
        budget.
    rtol : float, optional
        Target standard error relative to the size of the quantity (from the pilot), for
        every kind of check as ``budget``; the run is sized to reach it (within ``budget`` if
        given, else at most :data:`MAX_RTOL_SECONDS`). ``paths`` cannot be given together
        with ``budget`` or ``rtol``. Refused when the pilot cannot tell the quantity from 0
        (a quantity that is 0 has no relative error), and
        (:class:`~thermotheory.errors.TooLarge`) when the pilot predicts that reaching it
        would take more than :data:`RTOL_REFUSE_FACTOR` times the time allowed; a target
        predicted to need more than the time allowed, but less than that, gives a run of the
        time allowed with ``rtol_reached=False`` on the record and a
        :class:`TargetNotReached` warning (as does a run sized in paths alone that is cut at
        :data:`MAX_SIZED_PATHS`, or halved for its estimator's memory).
    method : {"exact", "euler", "heun"}
        Scheme of a linear model (a nonlinear SDE uses ``heun`` unless ``euler`` is asked for).
    theory : sympy expression or float, optional
        A closed form of the model's own (for example one averaged over a parameter) to check
        instead of the engine's: evaluated at ``values``; the record says ``"given"``.
    workers : int or Pool, optional
        Worker processes of this machine (a positive whole number, or a
        :class:`thermotheory.workers.Pool` to borrow): the paths of the check's simulation
        are split into as many contiguous ranges of blocks, each simulated by a worker
        (:func:`~thermotheory.montecarlo.simulate.observe`), and the estimate made here from
        their per-block sums; the closed form is derived here. The record is the same, bit for
        bit, for any number of workers (each block of paths has its own generator). Stationary
        checks of linear models and of jump processes split so; other checks (transient,
        nonlinear, lattice, currents and spectral ones of linear models) run in this process.
        The pilot runs of ``budget`` and ``rtol`` run here (timed by this process's clock);
        the workers' CPU time counts in ``spent``. ``None`` or 1: one process. Inside a
        worker process (:func:`verify_all`'s), a check always runs in one process.
    scheduler : str or distributed.Client, optional
        A Dask scheduler address (``"tcp://host:8786"``) or client: the blocks of paths are
        simulated on its workers as with ``workers`` (one range per worker thread), or, for a
        check whose estimator does not split, the whole check runs on one of its workers;
        the same record as here for the same seed. One that does not answer within
        :data:`~thermotheory.workers.CONNECT_TIMEOUT` seconds:
        :class:`~thermotheory.errors.SchedulerUnreachable`; ``workers`` and ``scheduler``
        together: :class:`~thermotheory.errors.InvalidWorkers`.

    Returns
    -------
    VerificationRecord

    Raises
    ------
    ModelError
        For an unknown quantity, roles that do not fit it, a quantity without an estimator
        for this kind of model, ``paths``, ``dt``, ``duration``, ``z_max``, ``budget`` or
        ``rtol`` that are not positive (or not finite, or ``paths`` not whole), a ``seed``
        that is not a non-negative integer, ``paths`` together with ``budget`` or ``rtol``, a
        step too coarse for a rate, a ``theory`` that is text or not a finite real number at
        the values, or an ``rtol`` relative to a quantity the pilot cannot tell from 0.
    TooLarge
        For an ``rtol`` far beyond what the time allowed can reach (predicted from the pilot).
    InvalidWorkers, SchedulerUnreachable
        For ``workers`` that is not a positive whole number, ``scheduler`` that is not an
        address or client, or one that does not answer.

    Warns
    -----
    TargetNotReached
        When the run sized by ``rtol`` is cut at the time allowed before reaching it.
    BudgetExceeded
        When a check sized by ``budget`` spends more than :data:`BUDGET_OVERRUN` times it.

    Examples
    --------
    >>> import sympy as sp
    >>> import thermotheory as tt
    >>> v, r = sp.symbols("v r", real=True)
    >>> m = tt.LinearSDE({v: -v, r: v - r}, {v: 1, r: 1})
    >>> tt.verify(m, tt.mutual_information, v, r, seed=1).passed
    True
    >>> tt.verify(m, tt.heat, t=1.0, initial={v: 2.0, r: 0.5}, seed=1).passed  # relaxation over [0, 1]
    True
    """
    count = workers.workers if isinstance(workers, Pool) else (check_workers(workers) or 1)
    if scheduler is not None and workers is not None:
        raise InvalidWorkers("verify: give workers= (processes of this machine) or scheduler= (a Dask cluster), "
                             "not both")
    if (scheduler is not None or count > 1) and not worker_processes.IN_WORKER:
        _, bound, _, _, row = _plan(model, quantity, args, options, values, paths, seed, z_max, dt, duration, budget,
                                    rtol)
        if _splits(row, bound):
            with Splitter(workers, scheduler) as split:
                return _verify(model, quantity, args, options, values, paths, seed, z_max, dt, duration, method,
                               budget, rtol, theory, "record", split)
    if scheduler is not None:  # an estimator whose blocks do not split: the whole check on one worker of the cluster
        kw = dict(values=values, paths=paths, seed=seed, z_max=z_max, dt=dt, duration=duration, method=method,
                  budget=budget, rtol=rtol, theory=theory, **options)
        return run_tasks(_one_check, [(model, quantity, args, kw)], scheduler=scheduler, what="verify")[0]
    return _verify(model, quantity, args, options, values, paths, seed, z_max, dt, duration, method, budget, rtol,
                   theory, "record")


def _splits(row, bound) -> bool:
    """Whether the estimator of a table row shares its blocks of paths out within
    :func:`~thermotheory.montecarlo.simulate.shared_blocks` (its ``splits_blocks``: True, or
    ``"stationary"`` for the stationary quantities alone), as the stationary estimators of linear
    models (:func:`~thermotheory.montecarlo.simulate.observe`) and of jump processes do."""
    marked = getattr(row.fn, "splits_blocks", False) if row.by_roles else False
    return marked is True or (marked == "stationary" and bound.regime == "stationary")


def _verify(model, quantity, args, options, values, paths, seed, z_max, dt, duration, method, budget, rtol, theory,
            part, split=None):
    """:func:`verify`'s work: the record (``part="record"``), or one of its two halves.

    ``"theory"``: ``(label, expression, value, approximation)``, the closed form at the values
    (symbolic work, cached per model in this process); ``"measure"``: what ``_measure``
    returns, the Monte Carlo estimate (numeric work). :func:`_record` puts the halves together
    as ``"record"`` does, so that the checks of :func:`verify_all` can be simulated in worker
    processes while this process derives their closed forms.
    """
    started = _clock()
    q, bound, symbolic_bound, numeric, row = _plan(model, quantity, args, options, values, paths, seed, z_max, dt,
                                                    duration, budget, rtol)
    if part != "measure":
        given = None
        if theory is not None:
            at_values = _given_theory(theory)
            if values:
                at_values = at_values.subs({_symbol(model, k): v for k, v in values.items()})
            given = (theory, at_values)
        derived = (bound.label, *_theory(bound, model, numeric, model_kind(model), given, symbolic_bound))
        if part == "theory":
            return derived
    measured = _measure(numeric, bound, row, seed, dt, duration, method, paths, budget, rtol, started, split)
    if part == "measure":
        return measured
    return _record(derived, measured, seed, z_max, method, rtol)


def _record(derived, measured, seed, z_max, method, rtol) -> VerificationRecord:
    """The record of a closed form ``derived`` (label, expression, value, approximation) and an estimate ``measured``."""
    label, expression, value, approximation = derived
    e, paths, dt_used, dur, reached, planned, spent = measured
    z = e.z(value)
    return VerificationRecord(
        quantity=label, expression=expression, theory=value, estimate=float(e.value), stderr=float(e.stderr),
        z=z, passed=bool(math.isfinite(z) and abs(z) <= z_max), paths=int(paths), seed=seed, dt=float(dt_used),
        duration=float(dur), method=method, z_max=z_max, dof=float(e.dof), approximation=approximation,
        rtol=None if rtol is None else float(rtol), rtol_reached=reached, planned=planned, spent=spent,
    )


_VERIFY_KEYWORDS = ("values", "paths", "seed", "z_max", "dt", "duration", "method", "budget", "rtol", "theory")
_DEFAULTS = dict(values=None, paths=None, seed=0, z_max=4.0, dt=None, duration=None, method="exact", budget=None,
                 rtol=None, theory=None)


def _part(model: Any, quantity: Any, args: tuple, kw: dict, part: str) -> Any:
    """:func:`_verify` for the keywords of a :func:`verify` call (a task of :mod:`thermotheory.workers`)."""
    settings = {**_DEFAULTS, **{k: v for k, v in kw.items() if k in _VERIFY_KEYWORDS}}
    options = {k: v for k, v in kw.items() if k not in _VERIFY_KEYWORDS}
    return _verify(model, quantity, args, options, settings["values"], settings["paths"], settings["seed"],
                   settings["z_max"], settings["dt"], settings["duration"], settings["method"], settings["budget"],
                   settings["rtol"], settings["theory"], part)


def _measure_task(model: Any, quantity: Any, args: tuple, kw: dict) -> Any:
    """The Monte Carlo half of a :func:`verify` call (a task of :mod:`thermotheory.workers`)."""
    return _part(model, quantity, args, kw, "measure")


def _shared_out(tasks: list, workers: Any, scheduler: Any, what: str) -> VerificationTable:
    """The records of :func:`verify` calls ``(model, quantity, args, keywords)``: the simulations on the workers,
    the closed forms in this process meanwhile (each process derives a closed form once per model; a worker would
    derive again what this process has)."""
    pending = submit_tasks(_measure_task, tasks, workers=workers, scheduler=scheduler, what=what, stacklevel=3)
    try:
        derived = [_part(model, quantity, args, kw, "theory") for model, quantity, args, kw in tasks]
    except BaseException:
        pending.cancel()
        raise
    measured = pending.result()
    return VerificationTable(
        _record(d, m, kw.get("seed", 0), kw.get("z_max", 4.0), kw.get("method", "exact"), kw.get("rtol"))
        for d, m, (_, _, _, kw) in zip(derived, measured, tasks))


def _plan(model, quantity, args, options, values, paths, seed, z_max, dt, duration, budget, rtol):
    """``(quantity, bound at the values, bound as given, numeric model, estimator row)``, the settings checked."""
    bound = quantity if isinstance(quantity, BoundQuantity) else None
    q = lookup(quantity)
    if bound is None:
        bound = q.of(*args, **options)
    elif args or options:
        raise ModelError(f"{bound.label} is bound already: give no further arguments")
    _check_settings(paths, dt, duration, z_max, budget, rtol)
    _check_seed(seed)
    kind = model_kind(model)
    # the model's own parameters (a lattice field refuses values); other values (of a given theory, a bound time
    # or state) are used below
    numeric = model.numeric(values)
    symbolic_bound = bound
    if values:
        bound = _bound_at(bound, {_symbol(model, k): v for k, v in values.items()})
    row = estimator_for(q, kind, bound.regime)
    if row is None:
        have = ", ".join(f"{k} ({r})" for k, r in q.estimators) or "none"
        raise ModelError(f"verify has no Monte Carlo estimator of {q.name} for a {bound.regime} quantity of a {kind} "
                         f"model; it has: {have}")
    return q, bound, symbolic_bound, numeric, row


def _measure(numeric, bound, row, seed, dt, duration, method, paths, budget, rtol, started, split=None):
    """``(Estimate, paths, dt used, duration, rtol reached, seconds planned, seconds spent)``: the table's estimator
    run as ``verify`` runs it (the seconds are None unless the run was sized by ``budget`` or ``rtol``).

    ``split``: a :class:`~thermotheory.workers.Splitter` that simulates the blocks of paths of the main run (and of
    the regression step's pilot) in its workers; the pilots of ``budget`` and ``rtol`` run here (they are timed by
    this process's clock), and the CPU seconds of the workers count in the seconds spent."""
    shared = (lambda: shared_blocks(split)) if split is not None else contextlib.nullcontext
    run = Run(paths=0, seed=seed, dt=dt, duration=duration, method=method)
    reached = planned = spent = result = None
    if row.sizing is not None:
        A = numeric.arrays()[0]
        smethod = row.sizing
        if smethod != "static":
            _check_step(dt, A)
        if smethod == "regression" and dt is None:
            with shared():
                run = run.replace(te_step=stationary.regression_step(numeric, bound, run))
        if budget is not None or rtol is not None:
            paths, duration, reached, planned = _sized(numeric, bound, row, run, budget, rtol, started)
            run = run.replace(duration=duration)
    elif budget is not None or rtol is not None:
        paths, reached, planned = _sized_paths(numeric, bound, row, run, budget, rtol, started)
        with shared():
            result, ran = _fitting_run(numeric, bound, row, run, paths)
        if ran < paths and reached:  # halved to fit: short of the paths that the target needs
            reached = False
        paths = ran
    if result is None:
        paths = int(paths) if paths is not None else row.paths
        with shared():
            result = row.measure(numeric, bound, run.replace(paths=paths))
    e, dt_used, dur = result
    if planned is not None:
        spent = _clock() - started + (split.cpu if split is not None else 0.0)
    if reached is False:
        warnings.warn(f"{bound.label}: the run stopped at the time allowed with a relative standard error of "
                      f"{float(e.stderr) / abs(float(e.value)):.2g}, short of rtol={rtol:g} (the record says "
                      "rtol_reached=False); give a larger budget= or a larger rtol", TargetNotReached,
                      stacklevel=user_stacklevel())
    if budget is not None and spent is not None and spent > BUDGET_OVERRUN * budget:
        why = (f"its smallest valid run ({MIN_BUDGET_PATHS} paths after the burn-in) costs more than the budget; give "
               f"budget={math.ceil(1.2 * spent):g} or more, or paths=" if planned > BUDGET_OVERRUN * budget else
               "the run was slower than its pilot runs predicted (a loaded machine?)")
        warnings.warn(f"{bound.label}: the check took {spent:.3g} s of CPU against budget={budget:g} s (planned "
                      f"{planned:.3g} s): {why}", BudgetExceeded, stacklevel=user_stacklevel())
    return e, paths, dt_used, dur, reached, planned, spent


def estimate(model: Any, quantity: Any, *args: Any, values: Mapping | None = None, paths: int | None = None,
             seed: int = 0, dt: float | None = None, duration: float | None = None, method: str = "exact",
             budget: float | None = None, rtol: float | None = None, **options: Any) -> Estimate:
    """The Monte Carlo estimate that :func:`verify` makes, without the closed form (``tt.estimate``).

    The estimator of the quantity's row in the estimator table
    (:data:`~thermotheory.montecarlo.estimators.ESTIMATORS`) for the model's kind and the
    quantity's regime, with the same default paths, step, duration, bias treatment
    (Richardson extrapolation of path integrals) and sizing by ``budget`` or ``rtol`` (paths and
    duration of a linear model's stationary families, paths alone for every other check).
    The arguments are those of :func:`verify` (no ``theory`` or ``z_max``).

    Returns
    -------
    Estimate

    Examples
    --------
    >>> import sympy as sp
    >>> import thermotheory as tt
    >>> v, r = sp.symbols("v r", real=True)
    >>> m = tt.LinearSDE({v: -v, r: v - r}, {v: 1, r: 1})
    >>> e = estimate(m, tt.heat_rate.of(r), paths=256, seed=1)
    >>> e.value == tt.verify(m, tt.heat_rate.of(r), paths=256, seed=1).estimate
    True
    """
    started = _clock()
    _, bound, _, numeric, row = _plan(model, quantity, args, options, values, paths, seed, math.inf, dt, duration,
                                      budget, rtol)
    return _measure(numeric, bound, row, seed, dt, duration, method, paths, budget, rtol, started)[0]


def _bound_at(bound, subs: dict):
    """``bound`` with parameter values substituted into its symbolic arguments (a time ``t``, an initial state)."""

    def at(value):
        if isinstance(value, sp.Symbol):
            return value.subs(subs) if value in subs else value
        if hasattr(value, "subs") and not isinstance(value, Mapping):  # an expression, a matrix, a current
            return value.subs(subs)
        if isinstance(value, Mapping):
            return {k: at(v) for k, v in value.items()}
        return value

    variables = {r.name for r in bound.quantity.roles if r.what == "variables"}
    return BoundQuantity(bound.quantity, tuple((k, v if k in variables else at(v)) for k, v in bound.items))


def _symbol(model, key):
    if isinstance(key, sp.Symbol):
        return key
    for p in getattr(model, "parameters", ()):
        if p.name == key:
            return p
    return sp.Symbol(str(key))


def verify_all(
    model: LinearSDE,
    values: Mapping | None = None,
    seed: int = 0,
    paths: int | None = None,
    z_max: float = 4.0,
    workers: int | Pool | None = None,
    scheduler: Any = None,
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
    rate checks; ``settings`` (``dt``, ``duration``, ``method``, ``budget``, ``rtol``) are
    passed to :func:`verify`.

    The checks are independent (check ``i`` has the seed ``seed + i``), so they are shared
    out among ``workers`` processes of this machine, or the workers of a Dask cluster
    (``scheduler="tcp://host:8786"`` or a ``distributed.Client``), and the table is the
    same, record for record and bit for bit, wherever they run (a
    :class:`thermotheory.workers.Pool` given as ``workers`` lends its processes, started
    once for several calls). The workers simulate; this process derives the closed forms
    meanwhile (symbolic work that each process would otherwise repeat for the model), so
    with workers ``budget`` counts the simulation's CPU time alone. ``workers=None`` (the
    default) runs them in this process, unless the run is long enough to repay starting
    the workers (about a second each): with a ``budget`` that adds up to
    :data:`AUTO_WORKERS_SECONDS` or more over the checks, it uses one worker per CPU. The
    workers are fresh interpreters (:mod:`thermotheory.workers`): the call works from a plain
    script without an ``if __name__ == "__main__":`` guard, and from a notebook. A
    ``workers`` that is not a positive whole number ends in
    :class:`~thermotheory.errors.InvalidWorkers`, a scheduler that does not answer within
    :data:`~thermotheory.workers.CONNECT_TIMEOUT` seconds in
    :class:`~thermotheory.errors.SchedulerUnreachable`.

    Examples
    --------
    >>> import sympy as sp
    >>> import thermotheory as tt
    >>> v, r = sp.symbols("v r", real=True)
    >>> table = tt.verify_all(tt.LinearSDE({v: -v, r: v - r}, {v: 1, r: 1}), paths=500)
    >>> len(table), table.passed
    (15, True)
    >>> table == tt.verify_all(tt.LinearSDE({v: -v, r: v - r}, {v: 1, r: 1}), paths=500, workers=2)
    True
    """
    _check_settings(paths, settings.get("dt"), settings.get("duration"), z_max, settings.get("budget"),
                    settings.get("rtol"))
    _check_seed(seed)
    workers = workers if isinstance(workers, Pool) else check_workers(workers)
    kind = model_kind(model)
    rows = [(name, row) for (name, k, regime), row in ESTIMATORS.items()
            if k == kind and regime == "stationary" and row.checks is not None]
    if not rows:
        raise ModelError(f"verify_all checks the stationary quantities of a model whose kind has them in the "
                         f"estimator table; a {type(model).__name__} has none: check each quantity with tt.verify")
    numeric = model.numeric(values)
    checks = sorted(((order, name, row, args, kw) for name, row in rows for order, args, kw in row.checks(numeric)),
                    key=lambda c: c[0])
    tasks = []
    kept = ("method", "budget", "rtol")
    for i, (_, name, row, args, kw) in enumerate(checks):
        static = row.sizing == "static"  # sized by its own samples: only the method and a budget or target apply
        extra = {k: v for k, v in settings.items() if k in kept} if static else settings
        tasks.append((model, name, args, dict(values=values, seed=seed + i, paths=None if static else paths,
                                              z_max=z_max, **extra, **kw)))
    count = auto_workers(workers, scheduler, len(tasks), settings)
    if scheduler is None and not isinstance(count, Pool) and count == 1:
        return VerificationTable(_one_check(*task) for task in tasks)
    return _shared_out(tasks, count, scheduler, "verify_all")


#: ``workers=None`` shares the checks out among one worker process per CPU when ``budget`` times the number of
#: checks reaches this many seconds; other runs stay in this process (``rtol`` alone is often a small run).
AUTO_WORKERS_SECONDS = 10.0


def auto_workers(workers: int | Pool | None, scheduler: Any, checks: int, settings: Mapping) -> int | Pool | None:
    """The worker processes that ``workers=None`` means for ``checks`` checks with these settings.

    See :func:`verify_all`; given ``workers`` (or a ``scheduler``) come back unchanged.

    Examples
    --------
    >>> auto_workers(None, None, 15, {}), auto_workers(3, None, 15, {})
    (1, 3)
    >>> auto_workers(None, None, 15, {"budget": 10}) == min(cpu_count(), 15)
    True
    """
    if workers is not None or scheduler is not None:
        return workers
    budget = settings.get("budget")
    if budget is not None and budget * checks >= AUTO_WORKERS_SECONDS:
        return max(1, min(cpu_count(), checks))
    return 1


def _one_check(model: Any, quantity: Any, args: tuple, kw: dict) -> VerificationRecord:
    """One :func:`verify` call, as a task of :mod:`thermotheory.workers` (a module-level function: it pickles)."""
    return verify(model, quantity, *args, **kw)


def verify_derivation(derivation: Any, values: Mapping | None = None, names: Any = None, seed: int = 0,
                      workers: int | None = None, scheduler: Any = None, **settings: Any) -> VerificationTable:
    """Check every entry of a :class:`~thermotheory.derivation.Derivation` that has an estimator.

    What :meth:`Derivation.verify <thermotheory.derivation.Derivation.verify>` does: bound
    quantities are checked with their registered estimator against the engine's closed form;
    a :class:`~thermotheory.derivation.Definition` with ``check=`` against its own closed form
    (``theory=``); entries without either are skipped. Seeds are ``seed``, ``seed + 1``, ...
    in the order of the checks; ``workers`` and ``scheduler`` share them out as in
    :func:`verify_all` (the same records).
    """
    from .derivation import Definition

    if derivation.model is None:
        raise ModelError("this derivation spans several models: verify its parts")
    _check_seed(seed)
    workers = workers if isinstance(workers, Pool) else check_workers(workers)
    tasks = []
    for name, value in derivation.subset(names).items():
        q = derivation.quantity(name)
        if isinstance(q, BoundQuantity):
            tasks.append((derivation.model, q, (), dict(values=values, seed=seed + len(tasks), **settings)))
        elif isinstance(q, Definition) and q.check is not None:
            tasks.append((derivation.model, q.check, (), dict(values=values, seed=seed + len(tasks), theory=value,
                                                              **settings)))
    count = auto_workers(workers, scheduler, len(tasks), settings)
    if scheduler is None and not isinstance(count, Pool) and count == 1:
        return VerificationTable(_one_check(*task) for task in tasks)
    return _shared_out(tasks, count, scheduler, "verify")


def _register_verifier() -> None:
    from .derivation import VERIFIER

    if verify_derivation not in VERIFIER:
        VERIFIER.insert(0, verify_derivation)


_register_verifier()
