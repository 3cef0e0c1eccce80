r"""A numeric Gaussian field on a periodic lattice: a model kind (``kind = "lattice"``) computed by FFTs.

A scalar field :math:`\phi` on a periodic ``d``-dimensional lattice (``L`` sites a side,
spacing ``a``) with the Gaussian action
:math:`S[\phi] = \sum_i [\frac{m^2}{2}\phi_i^2 + \frac{\lambda}{2 a^2} \sum_\mu (\phi_{i+\mu} - \phi_i)^2]`
and its relaxational (Langevin) dynamics, optionally with a non-reciprocal coupling ``eps``.
Every quantity is diagonal in momentum space, so FFTs give the covariance, entropy, entropy
production and samples of a lattice of ``10^6`` sites in seconds;
:meth:`LatticeField.linear_sde` gives the dense :class:`~thermotheory.LinearSDE` of a small
lattice. The seed model built on it, with its symbolic closed forms, is
:mod:`thermotheory.models.lattice` (which re-exports :class:`LatticeField`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import sympy as sp

from ..errors import ModelError, SingularCovariance, TooLarge
from .checks import real_number
from .model import LinearSDE

__all__ = ["LatticeField", "LatticeEquation", "MAX_WORKING_BYTES", "BYTES_PER_SITE"]

#: Most working memory, in bytes, that a lattice field's arrays may take (4 GiB): a field whose
#: FFTs (or whose samples, or Langevin paths) would need more is refused with ``TooLarge``
#: before anything is allocated.
MAX_WORKING_BYTES = 4 * 1024**3
#: Working memory per site of one field: the real kernel, two complex FFT arrays and a real result.
BYTES_PER_SITE = 48


def _check_d(d: int) -> None:
    if isinstance(d, (bool, np.bool_)) or not isinstance(d, (int, np.integer)) or d not in (1, 2, 3):
        raise ModelError(f"d: expected a lattice dimension 1, 2 or 3 but found {d!r}")


def _count(name: str, value, low: int) -> int:
    """``value`` as an integer ``>= low``, or a ModelError naming ``name``."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        if value < low:
            raise ModelError(f"{name}: expected an integer >= {low} but found {value!r}")
        return int(value)  # exactly, however large (a float would overflow past 1e308)
    x = real_number(name, value)
    if x != int(x) or x < low:
        raise ModelError(f"{name}: expected an integer >= {low} but found {value!r}")
    return int(x)


def _check_memory(fields: int, sites: int, what: str) -> None:
    """Refuse, before allocating, work on ``fields`` fields of ``sites`` sites beyond :data:`MAX_WORKING_BYTES`."""
    _check_bytes(fields * sites * BYTES_PER_SITE, what,
                 f"{_num(fields)} x {_num(sites)} sites x {BYTES_PER_SITE} bytes",
                 "use a smaller lattice" + (" or fewer fields at a time" if fields > 1 else ""))


def _check_bytes(need: int, what: str, how: str, advice: str) -> None:
    """Refuse ``what``, whose arrays take about ``need`` bytes (``how``), beyond :data:`MAX_WORKING_BYTES`."""
    if need > MAX_WORKING_BYTES:
        raise TooLarge(f"{what} needs about {_size(need)} of working memory ({how}), more than the limit of "
                       f"{_size(MAX_WORKING_BYTES)} (thermotheory.core.lattice.MAX_WORKING_BYTES); {advice}")


def _size(nbytes: int) -> str:
    """A byte count in words: ``'4 GiB'``, ``'7.3e+06 GiB'``."""
    return f"{_num(nbytes // 1024**3)} GiB" if nbytes >= 1024**4 else (
        f"{nbytes / 1024**3:.3g} GiB" if nbytes >= 0.1 * 1024**3 else f"{nbytes / 1024**2:.3g} MiB")


def _num(count: int) -> str:
    """A whole number, in full when short, else as ``1e+15`` (any size: no float overflow)."""
    if count < 10**6:
        return str(count)
    digits = int(math.log10(count))  # not len(str()): Python limits the digits of int-to-text conversions
    return f"{count / 10**digits:.3g}e+{digits:02d}"


def _generator(seed) -> np.random.Generator:
    """``numpy.random.default_rng(seed)`` for a non-negative integer seed, or a ModelError naming it."""
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ModelError(f"seed: expected a non-negative integer but found {seed!r}")
    return np.random.default_rng(seed)


class LatticeEquation:
    r"""The Langevin equation of one site of a lattice field, for display: couplings to the neighbours included.

    .. math:: d\phi_i = \Big[-\Gamma m^2 \phi_i + \frac{\Gamma \lambda}{a^2} \sum_{\mu=1}^{d}
              \big((1 + \epsilon)(\phi_{i-\mu} - \phi_i) + (1 - \epsilon)(\phi_{i+\mu} - \phi_i)\big)\Big] dt
              + \sqrt{2\Gamma}\, dW_i

    (the input from the neighbour behind weighted ``1 + eps``, from the one ahead ``1 - eps``:
    the drift of :meth:`LatticeField.linear_sde`). The parameters may be numbers (a
    :class:`LatticeField`'s, :meth:`LatticeField.latex_lines`) or symbols (a page's,
    :func:`thermotheory.models.lattice.field_equation`); ``d`` may be a symbol for a lattice
    of any dimension. It renders itself as a model does (``latex_lines``, ``_repr_latex_``),
    so a page can show it as its model.

    Examples
    --------
    >>> import sympy as sp
    >>> eq = LatticeEquation(1, m2=2, lam=1, a=1, gamma=1, eps=0.5)
    >>> phi, ahead, behind = eq.neighbours
    >>> [sp.expand(eq.drift).coeff(s) for s in (phi, ahead, behind)]
    [-4, 1/2, 3/2]
    >>> print(eq.latex_lines()[0])
    d\phi_{i} &= \left(\frac{\phi_{i + 1} + 3 \phi_{i - 1}}{2} - 4 \phi_{i}\right) dt + \sqrt{2}\, dW_{i}
    """

    kind_label = "lattice field (one site's equation)"
    #: One equation is shown, that of a site.
    dimension = 1

    def __init__(self, d: int | sp.Expr, m2: float | sp.Expr, lam: float | sp.Expr, a: float | sp.Expr,
                 gamma: float | sp.Expr, eps: float | sp.Expr) -> None:
        def exact(v):  # a float parameter shown as the number it is (0.5, not 0.500000000000000)
            return sp.nsimplify(v, rational=True) if isinstance(v, (float, np.floating)) else sp.sympify(v)

        self.d, self.m2, self.lam, self.a, self.gamma, self.eps = (exact(v) for v in (d, m2, lam, a, gamma, eps))
        self.mu = sp.Symbol("mu", integer=True, positive=True)
        self.site = sp.Symbol("phi_i", real=True)  # printed \phi_{i}, after the parameters (Gamma m^2 phi_i)
        step = "1" if self.d == 1 else r"\mu"  # one dimension: the neighbours i - 1 and i + 1, no sum
        ahead, behind = sp.Symbol(rf"\phi_{{i + {step}}}", real=True), sp.Symbol(rf"\phi_{{i - {step}}}", real=True)
        self.neighbours = (self.site, ahead, behind)
        coupling = (1 + self.eps) * (behind - self.site) + (1 - self.eps) * (ahead - self.site)
        if self.d != 1:
            coupling = sp.Sum(coupling, (self.mu, 1, self.d))
        #: The drift of the site (a sum over the lattice directions when ``d`` is not 1).
        self.drift = -self.gamma * self.m2 * self.site + self.gamma * self.lam / self.a**2 * coupling
        #: The noise intensity: the noise is :math:`\sqrt{2\Gamma}\, dW_i`.
        self.diffusion = self.gamma
        self.variables = (self.site,)
        self.parameters = tuple(s for s in (self.m2, self.lam, self.a, self.gamma, self.eps, self.d)
                                if isinstance(s, sp.Symbol))

    def latex_lines(self, width: float = 440.0) -> list[str]:
        """The equation as ``aligned`` lines no wider than ``width`` (pt), as a model's (:func:`~thermotheory.core.display.field_lines`)."""
        from .display import field_lines

        return field_lines(self, width)

    def _repr_latex_(self) -> str:
        return r"$\begin{aligned} " + r" \\ ".join(self.latex_lines()) + r" \end{aligned}$"


class LatticeField:
    r"""A numeric Gaussian field on a periodic lattice, computed in momentum space by FFTs.

    Parameters
    ----------
    L : int
        Sites per side (the lattice has ``L^d`` sites).
    d : int
        Dimension, 1 to 3.
    m2, lam : float
        Mass term ``m^2 >= 0`` and coupling ``lambda > 0`` (``m2 = 0`` only with ``eps = 0``
        is still singular at ``k = 0``: refused).
    a, gamma : float
        Lattice spacing and mobility ``Gamma`` of the Langevin dynamics.
    eps : float
        Non-reciprocity of the coupling, ``|eps| <= 1``.

    Raises
    ------
    ModelError
        For ``d`` not 1, 2 or 3; ``L`` not a whole number of at least 2; parameters that
        are not finite real numbers or out of range.
    TooLarge
        For a lattice whose FFTs would need more than :data:`MAX_WORKING_BYTES` of working
        memory (:data:`BYTES_PER_SITE` bytes a site: about ``9e7`` sites, ``L = 447`` in
        three dimensions), refused from the size before anything is allocated.

    Examples
    --------
    >>> f = LatticeField(64, d=2, m2=0.5, lam=1.0)
    >>> round(float(f.correlation().sum()), 10)  # the susceptibility 1 / m^2
    2.0
    """

    #: The model kind (see :func:`thermotheory.quantity.model_kind`).
    kind = "lattice"
    kind_label = "lattice field (numeric)"  #: the kind in words, for listings

    def __init__(self, L: int, d: int = 1, m2: float = 1.0, lam: float = 1.0, a: float = 1.0,
                 gamma: float = 1.0, eps: float = 0.0) -> None:
        _check_d(d)
        try:
            L = _count("L", L, 2)
        except ModelError:
            raise ModelError(f"L: expected at least 2 sites a side (an integer) but found {L!r}") from None
        m2, lam, a, gamma, eps = (real_number(n, v) for n, v in
                                  (("m2", m2), ("lam", lam), ("a", a), ("gamma", gamma), ("eps", eps)))
        if not m2 > 0:
            raise ModelError(f"m2: expected a positive mass term (the field is unstable otherwise) but found {m2}")
        for name, value in (("lam", lam), ("a", a), ("gamma", gamma)):
            if not value > 0:
                raise ModelError(f"{name}: expected a positive number but found {value}")
        if abs(eps) > 1:
            raise ModelError(f"eps: expected |eps| <= 1 but found {eps}")
        _check_memory(1, L**d, f"a lattice of {_num(L)}^{d} = {_num(L**d)} sites")
        self.L, self.d, self.m2, self.lam, self.a, self.gamma, self.eps = int(L), int(d), m2, lam, a, gamma, eps
        self.shape = (self.L,) * d
        self.sites = self.L**d

    def numeric(self, values: Mapping | None = None) -> "LatticeField":
        """The field itself (it is numeric); refuses ``values`` (build the field with them instead).

        Examples
        --------
        >>> f = LatticeField(4)
        >>> f.numeric() is f
        True
        """
        if values:
            raise ModelError("values: a lattice field is numeric; build it with the values instead")
        return self

    def equation(self) -> LatticeEquation:
        """The Langevin equation of one site at this field's numbers (:class:`LatticeEquation`)."""
        return LatticeEquation(self.d, self.m2, self.lam, self.a, self.gamma, self.eps)

    def latex_lines(self, width: float = 440.0) -> list[str]:
        """The Langevin equation of one site, couplings included, as ``aligned`` lines (see :class:`LatticeEquation`)."""
        return self.equation().latex_lines(width)

    def _repr_latex_(self) -> str:
        return self.equation()._repr_latex_()

    def _k(self) -> list[np.ndarray]:
        k1 = 2 * np.pi * np.fft.fftfreq(self.L)
        return np.meshgrid(*([k1] * self.d), indexing="ij", sparse=True)

    def kernel(self) -> np.ndarray:
        """:math:`K(k) = m^2 + (2\\lambda/a^2) \\sum_\\mu (1 - \\cos k_\\mu)` on the FFT grid."""
        return self.m2 + 2 * self.lam / self.a**2 * sum(1 - np.cos(k) for k in self._k())

    def frequency(self) -> np.ndarray:
        """The rotation :math:`\\omega(k) = 2\\Gamma\\lambda\\epsilon/a^2 \\sum_\\mu \\sin k_\\mu` of the non-reciprocal drift."""
        return 2 * self.gamma * self.lam * self.eps / self.a**2 * sum(np.sin(k) for k in self._k())

    def propagator(self) -> np.ndarray:
        """:math:`G(k) = 1 / K(k)` on the FFT grid."""
        return 1.0 / self.kernel()

    def correlation(self) -> np.ndarray:
        """The two-point function :math:`G(r) = \\langle \\phi_0 \\phi_r \\rangle`, an array of the lattice's shape."""
        return np.fft.ifftn(self.propagator()).real

    def entropy(self) -> float:
        """Differential entropy of the stationary field, :math:`\\tfrac12 \\sum_k \\ln(2\\pi e\\, G(k))` (nats)."""
        return float(0.5 * np.sum(np.log(2 * np.pi * np.e * self.propagator())))

    def entropy_production_rate(self) -> float:
        """Total entropy production rate, :math:`\\sum_k \\omega(k)^2 / (\\Gamma K(k))`; divide by ``sites`` per site."""
        return float(np.sum(self.frequency() ** 2 / (self.gamma * self.kernel())))

    def _coords(self, region: Sequence, name: str = "region") -> np.ndarray:
        """Sites as an ``(n, d)`` array of coordinates in ``0 .. L-1`` (no wrapping around)."""
        try:
            idx = np.asarray(region)
        except ValueError:
            idx = np.asarray([None])  # ragged input
        if idx.ndim == 0:
            idx = idx.reshape(1)
        integral = np.issubdtype(idx.dtype, np.integer) or (
            np.issubdtype(idx.dtype, np.floating) and bool(np.all(np.isfinite(idx)))
            and bool(np.all(idx == np.round(idx))))
        if idx.dtype == bool or not integral:
            raise ModelError(f"{name}: expected integer site indices (flat, or (n, {self.d}) coordinates) but found "
                             f"{np.asarray(region, dtype=object).ravel()[:5].tolist()!r}")
        if idx.size == 0:
            raise ModelError(f"{name}: expected at least one site but found none")
        idx = idx.astype(np.int64)
        if idx.ndim == 1:
            bad = idx[(idx < 0) | (idx >= self.sites)]
            if bad.size:
                raise ModelError(f"{name}: site index {int(bad[0])} is outside 0 .. {self.sites - 1} "
                                 f"(a lattice of {self.sites} sites)")
            return np.stack(np.unravel_index(idx, self.shape), axis=1) if self.d > 1 else idx.reshape(-1, 1)
        if idx.ndim != 2 or idx.shape[1] != self.d:
            raise ModelError(f"{name}: expected flat site indices or an (n, {self.d}) array of coordinates but found "
                             f"shape {idx.shape}")
        bad = idx[np.any((idx < 0) | (idx >= self.L), axis=1)]
        if bad.size:
            raise ModelError(f"{name}: site {tuple(int(i) for i in bad[0])} is outside the lattice (coordinates "
                             f"0 .. {self.L - 1})")
        return idx

    def flat_indices(self, region: Sequence) -> list[int]:
        """The sites of ``region`` (flat indices, or an ``(n, d)`` array of coordinates) as flat indices.

        Examples
        --------
        >>> LatticeField(4, d=2).flat_indices([[0, 1], [1, 0]])
        [1, 4]
        """
        c = self._coords(region)
        return [int(i) for i in np.ravel_multi_index(tuple(c.T), self.shape)]

    def covariance(self, region: Sequence) -> np.ndarray:
        """Dense covariance of the sites of ``region`` (flat indices, or an ``(n, d)`` array of coordinates)."""
        c = self._coords(region)
        _check_bytes(8 * (self.d + 2) * len(c) ** 2, f"the dense covariance of {_num(len(c))} sites",
                     f"{self.d + 2} arrays of {len(c)} x {len(c)}", "use smaller regions")
        G = self.correlation()
        diff = (c[:, None, :] - c[None, :, :]) % self.L
        return G[tuple(diff[..., i] for i in range(self.d))]

    def mutual_information(self, region_a: Sequence, region_b: Sequence) -> float:
        """Mutual information between two disjoint regions (nats), from their dense covariances."""
        ca, cb = self._coords(region_a, "region_a"), self._coords(region_b, "region_b")
        for name, c in (("region_a", ca), ("region_b", cb)):
            if len(np.unique(c, axis=0)) < len(c):
                raise ModelError(f"{name}: lists a site more than once")
        if {tuple(x) for x in ca} & {tuple(x) for x in cb}:
            raise ModelError("the two regions share sites")
        S = self.covariance(np.concatenate([ca, cb]))
        n = len(ca)

        def logdet(M):
            sign, value = np.linalg.slogdet(M)
            if sign <= 0 or not np.isfinite(value):
                raise SingularCovariance("the covariance of the regions is numerically singular")
            return value

        return float(0.5 * (logdet(S[:n, :n]) + logdet(S[n:, n:]) - logdet(S)))

    def linear_sde(self, max_sites: int = 1024) -> LinearSDE:
        """The dense Langevin dynamics as a :class:`~thermotheory.LinearSDE` (small lattices only).

        Variables ``phi_0 .. phi_{N-1}`` in row-major (C) order of the lattice.
        """
        max_sites = _count("max_sites", max_sites, 1)
        if self.sites > max_sites:
            raise ModelError(f"a dense model of {self.sites} sites is too large (max_sites={max_sites}); "
                             "use the FFT methods")
        _check_bytes(3 * 8 * self.sites**2, f"a dense model of {_num(self.sites)} sites", "three N x N float arrays",
                     "use the FFT methods")
        N, c = self.sites, self.lam / self.a**2
        A = -(self.m2 + 2 * self.d * c) * np.eye(N)
        idx = np.arange(N).reshape(self.shape)
        for mu in range(self.d):
            fwd = np.roll(idx, -1, axis=mu).ravel()  # the neighbour at i + mu
            bwd = np.roll(idx, 1, axis=mu).ravel()  # the neighbour at i - mu
            A[np.arange(N), bwd] += c * (1 + self.eps)
            A[np.arange(N), fwd] += c * (1 - self.eps)
        A *= self.gamma
        D = self.gamma * np.eye(N)
        names = [sp.Symbol(f"phi_{i}", real=True) for i in range(N)]
        return LinearSDE.from_matrices(A, np.diag(D), variables=names)

    def sample(self, n: int, seed: int = 0) -> np.ndarray:
        """``n`` exact samples of the stationary field, by filtering white noise in momentum space.

        Returns an array of shape ``(n,) + lattice shape``; ``n`` fields that would need more
        than :data:`MAX_WORKING_BYTES` of working memory are refused (``TooLarge``).
        """
        n = _count("n", n, 1)
        _check_memory(n, self.sites, f"{_num(n)} samples of a lattice of {_num(self.sites)} sites")
        rng = _generator(seed)
        root = np.sqrt(self.propagator())
        w = rng.standard_normal((n,) + self.shape)
        axes = tuple(range(1, self.d + 1))
        return np.fft.ifftn(root * np.fft.fftn(w, axes=axes), axes=axes).real

    def langevin(self, t_end: float, dt: float, n: int, seed: int = 0, u: float = 0.0,
                 initial: np.ndarray | None = None) -> np.ndarray:
        """Real-space Langevin (Euler–Maruyama) paths of the field, optionally with a ``(u/4!) phi^4`` term.

        ``d phi = -Gamma (K phi + (u/6) phi^3) dt + sqrt(2 Gamma) dW``, the Laplacian by
        neighbour shifts; starts from zero (or ``initial``) and returns the final fields,
        shape ``(n,) + lattice shape``. Keep ``Gamma dt (m^2 + 4 d lambda / a^2)`` well below 1.
        ``t_end`` must be a whole number of steps ``dt`` (to a relative 1e-9), and the ``n``
        fields must fit :data:`MAX_WORKING_BYTES` (else ``TooLarge``).
        """
        t_end, dt, u, n = real_number("t_end", t_end), real_number("dt", dt), real_number("u", u), _count("n", n, 1)
        if t_end < 0 or not dt > 0:
            raise ModelError(f"expected t_end >= 0 and dt > 0 but found t_end={t_end}, dt={dt}")
        if u < 0:
            raise ModelError(f"u: expected a phi^4 coupling >= 0 (stable) but found {u}")
        ratio = t_end / dt
        steps = round(ratio)
        if abs(ratio - steps) > 1e-9 * max(ratio, 1.0):
            more = math.ceil(ratio)
            raise ModelError(f"t_end: {t_end:g} is not a whole number of steps dt = {dt:g} ({ratio:.6g} steps), so "
                             f"the fields would not be those at t_end; use dt = {t_end / more:.12g} ({more} steps)")
        if initial is not None and np.shape(initial) not in ((n,) + self.shape, self.shape):
            raise ModelError(f"initial: expected shape {(n,) + self.shape} or {self.shape} but found "
                             f"{np.shape(initial)}")
        stiff = self.gamma * dt * (self.m2 + 4 * self.d * self.lam / self.a**2)
        if stiff >= 1:
            raise ModelError(f"dt too large for the explicit scheme: Gamma dt (m^2 + 4 d lambda/a^2) = {stiff:.3g} >= 1")
        _check_memory(n, self.sites, f"Langevin paths of {_num(n)} fields of {_num(self.sites)} sites")
        rng = _generator(seed)
        phi = np.zeros((n,) + self.shape) if initial is None else np.broadcast_to(np.array(initial, float),
                                                                                  (n,) + self.shape).copy()
        if not np.all(np.isfinite(phi)):
            raise ModelError("initial: expected finite field values")
        c = self.lam / self.a**2
        noise = np.sqrt(2 * self.gamma * dt)
        for _ in range(steps):
            force = -(self.m2 + 2 * self.d * c) * phi
            for mu in range(1, self.d + 1):
                force += c * ((1 + self.eps) * np.roll(phi, 1, axis=mu) + (1 - self.eps) * np.roll(phi, -1, axis=mu))
            if u:
                force -= u / 6 * phi**3
            phi = phi + self.gamma * dt * force + noise * rng.standard_normal(phi.shape)
        return phi

    def blocked_correlation(self, b: int) -> np.ndarray:
        r"""Two-point function of the block-averaged field :math:`\Phi_I = b^{-d} \sum_{i \in I} \phi_i` (blocks of ``b^d`` sites).

        By FFT: the fine propagator times the squared box filter, read at multiples of
        ``b``. Returns an array of the coarse lattice's shape ``(L/b,)*d``.
        """
        try:
            size = _count("b", b, 1)
        except ModelError:
            size = None
        if size is None or self.L % size:
            raise ModelError(f"b: expected a block size that divides L = {self.L} but found {b!r}")
        b = size
        box = np.exp(-1j * np.outer(np.arange(b), 2 * np.pi * np.fft.fftfreq(self.L))).sum(axis=0)  # sum_s e^{-iks}
        Bk = np.ones(self.shape, complex)
        for mu in range(self.d):
            shape = [1] * self.d
            shape[mu] = self.L
            Bk = Bk * (box / b).reshape(shape)
        C = np.fft.ifftn(self.propagator() * np.abs(Bk) ** 2).real
        return C[tuple(slice(None, None, b) for _ in range(self.d))]

    def block(self, b: int) -> "LatticeField":
        r"""Block-spin coarse-graining: the nearest-neighbour field closest to the block-averaged one.

        The blocked field (spacing ``b a``) is Gaussian but no longer exactly
        nearest-neighbour; its parameters are fitted to its propagator :math:`\hat C(q)` at
        ``q = 0`` and at the smallest momentum along an axis:
        :math:`m'^2 = 1 / \hat C(0)` and :math:`2\lambda'/a'^2 (1 - \cos q_1) = 1/\hat C(q_1) - 1/\hat C(0)`.
        Iterating gives the flow of ``m^2`` and ``lambda``; the physical correlation length
        ``a / kappa`` is preserved up to corrections of order ``(b / xi)^2`` in lattice units.
        """
        C = self.blocked_correlation(b)
        Ck = np.fft.fftn(C).real
        first = (1,) + (0,) * (self.d - 1)
        zero = (0,) * self.d
        a2 = self.a * b
        q1 = 2 * np.pi / C.shape[0]
        m2 = 1 / Ck[zero]
        lam = (1 / Ck[first] - m2) * a2**2 / (2 * (1 - np.cos(q1)))
        return LatticeField(C.shape[0], self.d, m2=m2, lam=lam, a=a2, gamma=self.gamma, eps=self.eps)

    def correlation_length(self) -> float:
        """The physical correlation length ``a / kappa`` of this field's parameters."""
        return float(self.a / np.arccosh(1 + self.m2 * self.a**2 / (2 * self.lam)))

    @staticmethod
    def two_point_estimate(fields: np.ndarray, batches: int = 20) -> tuple[np.ndarray, np.ndarray]:
        r"""Estimated :math:`\langle \phi_0 \phi_r \rangle` from sampled fields (translation-averaged), with standard errors.

        Returns ``(mean, stderr)`` arrays of the lattice's shape; the errors come from
        ``batches`` batches of independent fields.
        """
        batches = _count("batches", batches, 2)
        fields = np.asarray(fields, float)
        if fields.ndim < 2 or not np.all(np.isfinite(fields)):
            raise ModelError(f"fields: expected finite fields of shape (n,) + lattice shape but found {fields.shape}")
        if fields.shape[0] < batches:
            raise ModelError(f"need at least {batches} independent fields for {batches} batches")
        axes = tuple(range(1, fields.ndim))
        sites = np.prod(fields.shape[1:])
        F = np.fft.fftn(fields, axes=axes)
        per = np.fft.ifftn(np.abs(F) ** 2, axes=axes).real / sites  # each field's translation average
        means = np.array([b.mean(axis=0) for b in np.array_split(per, batches)])
        return means.mean(axis=0), means.std(axis=0, ddof=1) / np.sqrt(batches)
