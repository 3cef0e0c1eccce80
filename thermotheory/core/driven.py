r"""Protocols on the drift matrix and the noise: transient moments, heat and work under ``A(t)``, ``b(t)``, ``D(t)``.

A model ``LinearSDE(..., time=s)`` whose drift matrix or diffusion depends on ``s`` (a trap
whose stiffness changes, a bath whose temperature changes, a learning rate switched on and
off) has no stationary state; from an initial Gaussian state its mean and covariance obey

.. math:: \dot m = A(s) m + b(s), \qquad \dot S = A(s) S + S A(s)^T + 2 D(s).

Two routes, chosen per call:

*phases* -- a piecewise-constant protocol (``Piecewise`` or ``Heaviside`` in ``s`` with
constant matrices between the switching times): phase by phase, each with the closed forms
of a constant model (``exp(A t)`` of the phase), symbolic or numeric.

*moment ODEs* -- any other (smooth, or smooth between switching times) numeric protocol:
the moment equations integrated together with the heat and the work (DOP853, relative
tolerance 1e-11), restarted at every switching time.

Heat is the entropy flow into the medium (:func:`~thermotheory.heat`, ``Q/T`` with the
bath temperature ``T(s)`` read from ``D(s)``). Work needs an energy: for a model written as
:math:`\gamma\,dz = -\nabla U\,dt + \sqrt{2\gamma T}\,dW` the work done by the protocol is

.. math:: W(t) = \int_0^t \langle \partial_s U(z, s) \rangle\, ds,

a jump of the protocol at ``s`` adding :math:`\langle U(z, s^+) - U(z, s^-)\rangle` (jumps at
``0`` and at ``t`` included). The first law reads
:math:`\langle U(z_t, t)\rangle - \langle U(z_0, 0)\rangle = W - Q_E`, ``Q_E`` the heat released
in energy units (``T`` times :func:`~thermotheory.heat` at one temperature).
"""

from __future__ import annotations

from typing import Any

from . import moments, phases, thermo
from .model import LinearSDE
from .phases import (  # noqa: F401  (the machinery: its names stay importable from here)
    ATOL, RTOL, PhaseKernels, _by_ode, _energy_parts, _expected, _phase_plan, piecewise_constant_drive)

__all__ = ["work", "mean_energy", "driven_covariance", "driven_mean", "driven_heat", "piecewise_constant_drive"]


def _kernels() -> PhaseKernels:
    """The closed forms of a constant model that a phase is solved with."""
    return PhaseKernels(moments.covariance, moments.mean, thermo.heat)


def _run(model, t, initial, initial_mean, heat_of=None, energy=None):
    """``(S, m, heat, work)`` at ``t`` (:func:`thermotheory.core.phases.run` with this package's closed forms)."""
    return phases.run(model, t, initial, initial_mean, _kernels(), heat_of, energy)


def driven_covariance(model: LinearSDE, t: Any, initial: Any) -> Any:
    r"""Covariance at ``t`` under a protocol on ``A(t)``, ``D(t)`` (what :func:`~thermotheory.covariance` calls).

    .. math:: \dot S = A(s) S + S A(s)^T + 2 D(s), \qquad S(0) = S_0

    Examples
    --------
    A trap whose stiffness steps from 1 to 4 at ``s = 1``, from unit variance:

    >>> import sympy as sp
    >>> from thermotheory import LinearSDE
    >>> x, s = sp.symbols("x s", real=True)
    >>> trap = LinearSDE({x: -sp.Piecewise((1, s < 1), (4, True)) * x}, {x: 1}, time=s)
    >>> round(float(driven_covariance(trap, 30.0, [[1.0]])[0, 0]), 12)
    0.25
    """
    return phases.covariance(model, t, initial, _kernels())


def driven_mean(model: LinearSDE, t: Any, initial_mean: Any = None) -> Any:
    r"""Mean at ``t`` under a protocol on ``A(t)``, ``b(t)``, ``D(t)`` (what :func:`~thermotheory.core.moments.mean` calls).

    Examples
    --------
    >>> import sympy as sp
    >>> from thermotheory import LinearSDE
    >>> x, s = sp.symbols("x s", real=True)
    >>> k1, k2 = sp.symbols("k1 k2", positive=True)
    >>> trap = LinearSDE({x: -sp.Piecewise((k1, s < 1), (k2, True)) * x}, {x: 1}, time=s)
    >>> driven_mean(trap, 2, [1])
    [exp(-k1 - k2)]
    """
    return phases.mean(model, t, initial_mean, _kernels())


def driven_heat(model: LinearSDE, t: Any, initial: Any, initial_mean: Any = None,
                subsystem: Any = None) -> Any:
    """Heat released over ``[0, t]`` (entropy flow into the medium, ``Q/T``) under ``A(t)``, ``b(t)``, ``D(t)``.

    What :func:`~thermotheory.heat` calls for a modulated model; see there.

    Examples
    --------
    A bath whose temperature steps from 1 to 2 at ``s = 1`` (unit mobility and stiffness),
    from equilibrium at temperature 1: the particle takes heat ``(2 - 1)/2`` from the hot
    bath, an entropy ``-1/4`` for the medium at temperature 2.

    >>> import sympy as sp
    >>> from thermotheory import LinearSDE
    >>> x, s = sp.symbols("x s", real=True)
    >>> bath = LinearSDE({x: -x}, {x: sp.Piecewise((1, s < 1), (2, True))}, time=s)
    >>> round(driven_heat(bath, 40.0, [[1.0]]), 10)
    -0.25
    """
    return phases.heat(model, t, initial, initial_mean, subsystem, _kernels())


def work(model: LinearSDE, t: Any, initial: Any, energy: Any, initial_mean: Any = None) -> Any:
    r"""Mean work done by the protocol over ``[0, t]``, for the energy function ``U(z, s)``.

    .. math:: W(t) = \int_0^t \langle \partial_s U(z, s) \rangle\, ds
              + \sum_{\text{jumps } s_k \in [0, t]} \langle U(z, s_k^+) - U(z, s_k^-) \rangle

    with :math:`U = z^T K(s) z / 2 + h(s)^T z + u_0(s)`. For a model of the form
    :math:`\gamma\,dz = -\nabla U\,dt + \sqrt{2\gamma T(s)}\,dW` this is Sekimoto's work;
    the first law :math:`\Delta\langle U\rangle = W - Q_E` gives the heat released in energy
    units. A general linear model has no energy of its own, so ``energy`` is given: the
    energy the experimenter counts. The protocol's value exactly at ``s = 0`` is the state
    before the start (a jump there counts), and its value at ``t`` the state at the end.

    Parameters
    ----------
    model : LinearSDE
        With a protocol (``time=``), numeric or symbolic; a smooth protocol needs numbers.
    t : float or sympy expression
        Duration, ``t >= 0``.
    initial : (n, n) matrix or mapping variable -> variance
        Initial covariance.
    energy : sympy expression
        ``U(z, s)``: quadratic in the state variables, any function of the model's time
        and parameters.
    initial_mean : vector or mapping, optional
        Initial mean; default zero.

    Returns
    -------
    float or sympy expression
        In the energy units of ``energy``.

    Raises
    ------
    ModelError
        For an energy that is not quadratic in the state, that names other symbols, or a
        smooth protocol on a symbolic model.

    References
    ----------
    Schmiedl & Seifert, PRL 98, 108301 (2007) (``schmiedl2007``).

    Examples
    --------
    A trap whose stiffness jumps from 1 to 2 at ``s = 0``, from equilibrium (unit variance):
    the work is the energy jump ``(2 - 1) <x^2> / 2``.

    >>> import sympy as sp
    >>> from thermotheory import LinearSDE
    >>> x, s = sp.symbols("x s", real=True)
    >>> lam = sp.Piecewise((1, s <= 0), (2, True))
    >>> trap = LinearSDE({x: -lam * x}, {x: 1}, time=s)
    >>> round(work(trap, 3.0, {x: 1}, lam * x**2 / 2), 12)
    0.5
    """
    return phases.work(model, t, initial, energy, initial_mean, _kernels())


def mean_energy(model: LinearSDE, t: Any, initial: Any, energy: Any, initial_mean: Any = None) -> Any:
    r"""Mean energy :math:`\langle U(z_t, t) \rangle` at time ``t`` (for the first law with :func:`work`).

    Examples
    --------
    >>> import sympy as sp
    >>> from thermotheory import LinearSDE
    >>> x, s = sp.symbols("x s", real=True)
    >>> trap = LinearSDE({x: -(1 + s) * x}, {x: 1}, time=s)
    >>> mean_energy(trap, 0.0, {x: 2.0}, (1 + s) * x**2 / 2)
    1.0
    """
    return phases.mean_energy(model, t, initial, energy, initial_mean, _kernels())
