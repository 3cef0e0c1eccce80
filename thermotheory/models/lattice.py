r"""A lattice field theory of neural activity (model E of the seed models; Bardella et al. 2024).

A scalar activity field :math:`\phi` on a periodic ``d``-dimensional lattice (``L`` sites a
side, spacing ``a``) with the Gaussian action

.. math:: S[\phi] = \sum_i \Big[\frac{m^2}{2}\phi_i^2 + \frac{\lambda}{2 a^2} \sum_{\mu=1}^d (\phi_{i+\mu} - \phi_i)^2\Big]
          = \tfrac12 \phi^T K \phi ,

and its relaxational (Langevin) dynamics :math:`d\phi = -\Gamma K \phi\, dt + \sqrt{2\Gamma}\, dW`, a
:class:`~thermotheory.LinearSDE` whose stationary covariance is :math:`K^{-1}`. A
non-reciprocal coupling (``eps``: the input from the neighbour behind, ``i - mu``, weighted
``1 + eps`` and from the one ahead ``1 - eps``, as in directed excitatory–inhibitory chains) adds a drift that commutes with
``K``: the static correlations are unchanged, but detailed balance is broken and entropy
is produced.

Symbolic closed forms (:func:`propagator`, :func:`inverse_correlation_length`,
:func:`two_point_function`, :func:`susceptibility`, :func:`entropy_production_density`,
:func:`decimation`) and a numeric :class:`LatticeField` (a model kind, defined in
``thermotheory.core.lattice`` and re-exported here) that uses translation invariance:
every quantity is diagonal in momentum space, so FFTs give the covariance, entropy,
entropy production and samples of a lattice of ``10^6`` sites in seconds; the mutual
information between two regions uses the FFT correlation function and a dense
determinant of the regions only. :meth:`LatticeField.linear_sde` gives the dense
``LinearSDE`` of a small lattice, against which the FFT path is tested.

Symbols: ``m`` (mass), ``lambda`` (coupling), ``a`` (spacing), ``Gamma`` (mobility),
``epsilon`` (non-reciprocity); lattice momenta ``k_1 .. k_d``; distance ``r`` (sites).
"""

from __future__ import annotations

from collections.abc import Mapping

import sympy as sp

from ..core.lattice import BYTES_PER_SITE, MAX_WORKING_BYTES, LatticeEquation, LatticeField, _check_d

__all__ = [
    "m", "lam", "a", "Gamma", "eps", "r", "kappa",
    "momenta", "propagator", "inverse_correlation_length", "correlation_length", "two_point_function",
    "susceptibility", "second_moment_length", "entropy_production_density", "decimation", "mass_for_length",
    "LatticeField", "MAX_WORKING_BYTES", "BYTES_PER_SITE", "lattice_field", "field_equation", "d", "GLOSSARY",
]

m, a, Gamma = sp.symbols("m a Gamma", positive=True)
#: Nearest-neighbour coupling.
lam = sp.Symbol("lambda", positive=True)
#: Non-reciprocity of the coupling (``|eps| <= 1``).
eps = sp.Symbol("epsilon", real=True)
#: Distance in lattice sites.
r = sp.Symbol("r", integer=True, nonnegative=True)  # (a distance: |r| of a correlation is r)
#: Inverse correlation length in lattice units, ``cosh kappa = 1 + m^2 a^2 / (2 lambda)``.
kappa = sp.Symbol("kappa", positive=True)
#: Dimension of the lattice, in a display of the equation for any dimension (:func:`field_equation`).
d = sp.Symbol("d", integer=True, positive=True)

#: What the field's symbols mean, and their units: the rows of a page's or a report's Notation table (each document
#: lists those it prints).
GLOSSARY = {r"\phi": ("the field: the activity of every site", "arbitrary units"),
            r"\phi_{i}": ("activity (the field) at site $i$", "arbitrary units"),
            r"\phi_{i + \mu}": (r"field at the next site along the direction $\mu$", r"units of $\phi$"),
            r"\phi_{i - \mu}": (r"field at the previous site along the direction $\mu$", r"units of $\phi$"),
            r"\phi_{i + 1}": ("field at the next site", r"units of $\phi$"),
            r"\phi_{i - 1}": ("field at the previous site", r"units of $\phi$"),
            r"S[\phi]": (r"action of the field: its stationary distribution is proportional to $e^{-S[\phi]}$", "nats"),
            "K": (r"coupling matrix of the action, $S[\phi] = \tfrac12 \phi^{\top} K \phi$ (the inverse of the "
                  "stationary covariance)", r"nats per squared units of $\phi$"),
            a: ("lattice spacing", "length"), m: ("mass of the field", "per unit of $a$"),
            lam: ("coupling of neighbouring sites", "--"),
            Gamma: ("mobility: the rate at which a site relaxes", "per unit time"),
            eps: (r"non-reciprocity of the coupling, $|\epsilon| \le 1$", "--"),
            d: ("dimension of the lattice", "--"), r: ("distance between two sites", "sites"),
            "L": ("number of sites of the ring", "--"), "N": ("number of sites", "--"),
            **{f"k_{{{i}}}": (f"component {i} of the wave vector $k$", "per site") for i in (1, 2, 3)}}


def field_equation(dimension: int | sp.Symbol | None = None) -> LatticeEquation:
    r"""The Langevin equation of one site of the field, in this module's symbols, couplings included: what a page shows.

    .. math:: d\phi_i = \Big[-\Gamma m^2 \phi_i + \frac{\Gamma \lambda}{a^2} \sum_{\mu=1}^{d}
              \big((1 + \epsilon)(\phi_{i-\mu} - \phi_i) + (1 - \epsilon)(\phi_{i+\mu} - \phi_i)\big)\Big] dt
              + \sqrt{2\Gamma}\, dW_i

    Parameters
    ----------
    dimension : int or Symbol, optional
        The lattice's dimension (1, 2 or 3); the symbol :data:`d` (default) for any.

    Examples
    --------
    >>> line = field_equation(1).latex_lines()[0]
    >>> all(t in line for t in (r"\phi_{i + 1}", r"\phi_{i - 1}", r"\epsilon", r"\sqrt{2 \Gamma}"))
    True
    """
    dimension = d if dimension is None else dimension
    if not isinstance(dimension, sp.Symbol):
        _check_d(dimension)
    return LatticeEquation(dimension, m**2, lam, a, Gamma, eps)




def momenta(d: int) -> tuple[sp.Symbol, ...]:
    """The lattice momenta ``k_1 .. k_d`` (in ``[-pi, pi]``).

    Examples
    --------
    >>> momenta(2)
    (k_1, k_2)
    """
    _check_d(d)
    return sp.symbols(" ".join(f"k_{i + 1}" for i in range(d)), real=True, seq=True)


def _kernel(d: int) -> sp.Expr:
    return m**2 + 2 * lam / a**2 * sum(1 - sp.cos(k) for k in momenta(d))


def propagator(d: int = 1) -> sp.Expr:
    r"""The momentum-space propagator :math:`G(k) = 1 / \big(m^2 + \tfrac{2\lambda}{a^2} \sum_\mu (1 - \cos k_\mu)\big)`.

    Examples
    --------
    >>> propagator(1)
    1/(m**2 + 2*lambda*(1 - cos(k_1))/a**2)
    """
    return 1 / _kernel(d)


def inverse_correlation_length() -> sp.Expr:
    r""":math:`\kappa = \operatorname{arccosh}(1 + m^2 a^2 / 2\lambda)`: correlations decay as :math:`e^{-\kappa |r|}` along an axis.

    The pole of :math:`G` at imaginary momentum; the same in every dimension.

    Examples
    --------
    >>> inverse_correlation_length()
    acosh(a**2*m**2/(2*lambda) + 1)
    """
    return sp.acosh(1 + m**2 * a**2 / (2 * lam))


def correlation_length() -> sp.Expr:
    r"""The physical correlation length :math:`\xi = a / \kappa` (lattice units times the spacing).

    Examples
    --------
    >>> sp.limit(correlation_length(), a, 0)  # the continuum limit: 1 / m in units of sqrt(lambda)
    sqrt(lambda)/m
    """
    return a / inverse_correlation_length()


def two_point_function(L: sp.Expr | int | None = None) -> sp.Expr:
    r"""The real-space two-point function of the chain (``d = 1``) at distance ``r >= 0`` (sites), in terms of
    ``kappa``.

    Infinite chain: :math:`a^2 e^{-\kappa r} / (2\lambda \sinh\kappa)`; a ring of ``L``
    sites (``0 <= r <= L``): :math:`a^2 \cosh(\kappa (L/2 - r)) / (2 \lambda \sinh\kappa \sinh(\kappa L / 2))`.
    Substitute :func:`inverse_correlation_length` for ``kappa``.

    Examples
    --------
    >>> two_point_function()
    a**2*exp(-kappa*r)/(2*lambda*sinh(kappa))
    """
    if L is None:
        return a**2 * sp.exp(-kappa * sp.Abs(r)) / (2 * lam * sp.sinh(kappa))
    return a**2 * sp.cosh(kappa * (sp.sympify(L) / 2 - r)) / (2 * lam * sp.sinh(kappa) * sp.sinh(kappa * sp.sympify(L) / 2))


def susceptibility() -> sp.Expr:
    r"""The susceptibility :math:`\chi = \sum_r G(r) = G(k = 0) = 1/m^2`, in any dimension.

    Examples
    --------
    >>> susceptibility()
    m**(-2)
    """
    return sp.simplify(propagator(1).subs(momenta(1)[0], 0))


def second_moment_length() -> sp.Expr:
    r"""The second-moment correlation length in lattice units, :math:`\sqrt{\lambda} / (m a)`.

    From :math:`G(k)^{-1} = m^2 + (\lambda / a^2) k^2 + O(k^4)`; it tends to
    :math:`1/\kappa` near the continuum limit.

    Examples
    --------
    >>> second_moment_length()
    sqrt(lambda)/(a*m)
    """
    k = momenta(1)[0]
    inv = sp.series(_kernel(1), k, 0, 3).removeO()
    return sp.sqrt(inv.coeff(k, 2) / inv.coeff(k, 0))


def entropy_production_density(d: int = 1) -> sp.Expr:
    r"""Entropy production rate per site of the non-reciprocal field, as a momentum-space integral.

    .. math:: \frac{\Pi}{N} = \int \frac{d^d k}{(2\pi)^d} \frac{\omega(k)^2}{\Gamma K(k)}, \qquad
              \omega(k) = \frac{2 \Gamma \lambda \epsilon}{a^2} \sum_\mu \sin k_\mu ;

    in ``d = 1`` it evaluates to :math:`2 \Gamma \lambda \epsilon^2 e^{-\kappa} / a^2`. For ``d > 1``
    the (unevaluated) integral is returned; :meth:`LatticeField.entropy_production_rate`
    evaluates it on a finite lattice.

    Examples
    --------
    >>> entropy_production_density(1)
    2*Gamma*epsilon**2*lambda*exp(-kappa)/a**2
    """
    ks = momenta(d)
    omega = 2 * Gamma * lam * eps / a**2 * sum(sp.sin(k) for k in ks)
    integrand = omega**2 / (Gamma * _kernel(d)) / (2 * sp.pi) ** d
    if d == 1:
        # int sin^2 k / (c - cos k) dk / 2 pi = c - sqrt(c^2 - 1) = e^{-kappa}, c = cosh kappa
        return 2 * Gamma * lam * eps**2 * sp.exp(-kappa) / a**2
    return sp.Integral(integrand, *[(k, -sp.pi, sp.pi) for k in ks])


def decimation() -> dict[str, sp.Expr]:
    r"""Integrating out every other site of the chain (``d = 1``): the exact flow of the Gaussian theory.

    The even sites form a chain of the same form with spacing ``2a``, ``kappa' = 2 kappa``
    (correlations fall off twice as fast in lattice units, so the physical length
    :math:`a/\kappa` is unchanged), the coupling :math:`\lambda' = 2\lambda / \cosh\kappa` fixed
    by matching the two-point function, and the mass from :math:`\cosh\kappa' = 1 + m'^2 a'^2 / 2\lambda'`.
    Exact on rings of even length too.

    Returns
    -------
    dict
        ``"a"``, ``"kappa"``, ``"lambda"``, ``"m2"`` (the new parameters, in terms of the old
        and ``kappa``) and ``"correlation_length"`` (physical, unchanged).

    Examples
    --------
    >>> flow = decimation()
    >>> flow["kappa"], sp.simplify(flow["correlation_length"] - a / kappa)
    (2*kappa, 0)
    """
    a2, k2 = 2 * a, 2 * kappa
    # match a'^2 / (2 lambda' sinh kappa') e^{-kappa' n} to a^2 / (2 lambda sinh kappa) e^{-2 kappa n}
    lam2 = sp.simplify(a2**2 * lam * sp.sinh(kappa) / (a**2 * sp.sinh(k2)))
    m2 = sp.simplify(2 * lam2 * (sp.cosh(k2) - 1) / a2**2)
    return {"a": a2, "kappa": k2, "lambda": lam2, "m2": m2, "correlation_length": a2 / k2}


def mass_for_length(xi: sp.Expr | float | None = None) -> sp.Expr:
    r"""The lattice mass that reproduces a measured correlation length ``xi`` (same units as ``a``).

    Inverting :func:`correlation_length`: :math:`m^2 = 2\lambda (\cosh(a/\xi) - 1) / a^2`. This
    ties the lattice parameters to an observed correlation time (or length) of activity;
    halving ``a`` at fixed ``xi`` is the decimation flow run backwards.

    Examples
    --------
    >>> mass_for_length()
    2*lambda*(cosh(a/xi) - 1)/a**2
    """
    x = sp.Symbol("xi", positive=True) if xi is None else sp.sympify(xi)
    return 2 * lam * (sp.cosh(a / x) - 1) / a**2


def lattice_field(values: Mapping[sp.Symbol, float], L: int, d: int = 1) -> LatticeField:
    """The field of ``L^d`` sites at the values of :data:`m`, :data:`lam`, :data:`a`, :data:`Gamma` (and :data:`eps`).

    Examples
    --------
    >>> lattice_field({m: 1.0, lam: 1.0, a: 1.0, Gamma: 1.0}, 8).eps
    0.0
    """
    return LatticeField(L, d=d, m2=values[m] ** 2, lam=values[lam], a=values[a], gamma=values[Gamma],
                        eps=values.get(eps, 0.0))
