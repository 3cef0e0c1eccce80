r"""LaTeX of a model: its system of SDEs, one line per state variable.

``dz_i = (f_i(z)) dt + \sqrt{2 D_i} dW_i``, with odd variables marked. Renders a
:class:`~thermotheory.LinearSDE` (its drift ``A z + b``, diagonal or correlated noise) and a
nonlinear :class:`~thermotheory.SDE` (any drift, state-dependent diffusion).

It sits below the model classes: a kind of model renders itself through its ``latex_lines``
method, which calls :func:`linear_lines` or :func:`nonlinear_lines` here (so this module imports no
model). :mod:`thermotheory.export.model_latex` re-exports it.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from ..errors import InvalidExport, ModelError
from .closedform import latex_of
from .layout import TEXT_WIDTH, _pack, _signed_terms, _widest_sum, checked_width, fit_lines, latex_width, new_namer

__all__ = ["model_latex", "model_latex_lines", "MAX_LATEX_VARIABLES", "field_lines"]

#: Largest number of state variables rendered (one line each).
MAX_LATEX_VARIABLES = 30

#: Letters of the names given to sums named in a model's equations (others than the closed forms' C, K, ...).
_MODEL_LETTERS = "FHJRQ"


def _zero(x: sp.Expr) -> bool:
    """Whether an entry is zero (a float 0.0 as well: sympy no longer calls ``Float(0.0) == 0``)."""
    return bool(sp.sympify(x).is_zero)


def _noise(d: sp.Expr, v: sp.Symbol) -> str:
    r"""``+ \sqrt{2 D} dW_v`` for a diffusion ``d`` (none when it is 0; a sum in parentheses)."""
    d = sp.sympify(d)
    if _zero(d):
        return ""
    tex = latex_of(d)
    if _zero(d - 1):
        inner = "2"
    elif isinstance(d, sp.Add):
        inner = rf"2 \left({tex}\right)"
    elif d.is_number or tex[:1].isdigit() or tex[:1] == ".":
        inner = rf"2 \cdot {tex}"  # "2 2" would read as 22, "2 \frac{1}{2}" as two and a half
    else:
        inner = f"2 {tex}"
    return rf" + \sqrt{{{inner}}}\, dW_{{{latex_of(v)}}}"


def _odd(parity: int) -> str:
    return r" \quad (\text{odd})" if parity == -1 else ""


def _name(value: sp.Expr, namer: Any, defs: list) -> sp.Symbol:
    """The name of ``value`` among the definitions ``defs`` (a new one, appended, if it has none yet)."""
    for name, known in defs:
        if known == value:
            return name
    name = namer()
    defs.append((name, value))
    return name


def _name_sums(expr: sp.Expr, room: float, namer: Any, defs: list) -> sp.Expr:
    """``expr`` with its widest sums named (definitions appended to ``defs``) until its LaTeX fits ``room``."""
    for _ in range(12):
        if latex_width(latex_of(expr)) <= room:
            break
        inner = _widest_sum(expr)
        if inner is None:
            break
        expr = expr.xreplace({inner: _name(inner, namer, defs)})
    return expr


def _equation(v: sp.Symbol, drift: sp.Expr, noise: str | tuple[sp.Expr, sp.Symbol], odd: str, width: float,
              namer: Any, defs: list) -> list[str]:
    r"""``dv &= (drift) dt + noise`` on one line if it fits ``width``, else broken term by term.

    A drift too wide is written ``\Bigl( t_1 + t_2 ... \Bigr)\, dt`` over continuation lines; a single
    term (or a diffusion) too wide for a line has its widest sums named, defined under "where".
    """
    lhs = f"d{latex_of(v)}"
    noise_tex = noise if isinstance(noise, str) else _noise(*noise)
    one = rf"{lhs} &= \left({latex_of(drift)}\right) dt{noise_tex}{odd}"
    if latex_width(one) <= width:
        return [one]
    room = width - 60.0  # a continuation line's indent and the brackets
    terms = list(drift.as_ordered_terms()) if isinstance(drift, sp.Add) else [drift]
    terms = [_name_sums(t, room, namer, defs) for t in terms]
    pieces = _signed_terms(sp.Add(*terms, evaluate=False), {}) if len(terms) > 1 else [latex_of(terms[0])]
    pieces[0] = r"\Bigl(" + pieces[0]
    pieces[-1] += r"\Bigr)\, dt"
    if not isinstance(noise, str) and latex_width(noise_tex) > room:
        noise_tex = _noise(_name(sp.sympify(noise[0]), namer, defs), noise[1])
    if noise_tex:
        pieces.append(noise_tex.strip())
    if odd:
        pieces[-1] += odd
    return _pack(f"{lhs} &=", pieces, latex_width(lhs) + 10.0, width)


def _matrix_lines(name: str, M: sp.Matrix, z: Any, width: float) -> list[str]:
    r"""``name &= M`` if it fits ``width``, else its nonzero entries of the upper triangle as components ``name_{ab} = m``."""
    whole = f"{name} &= {latex_of(M)}"
    if latex_width(whole) <= width:
        return [whole]
    items = [f"{name}_{{{latex_of(z[i])} {latex_of(z[j])}}} = {latex_of(M[i, j])}"
             for i in range(M.rows) for j in range(i, M.cols) if not _zero(M[i, j])]
    lines, cur = [], "&"
    for item in items:
        sep = "" if cur == "&" else r",\quad "
        if cur != "&" and latex_width(cur + sep + item) + 10.0 > width:
            lines.append(cur + ",")
            cur, sep = "&", ""
        cur += sep + item
    lines.append(cur)
    return lines


def linear_lines(model: Any, width: float) -> list[str]:
    """The ``aligned`` lines of a :class:`~thermotheory.LinearSDE` (its drift ``A z + b``, its noise ``D``).

    What ``LinearSDE.latex_lines`` returns; the checks are :func:`model_latex_lines`'s.
    """
    A, b, D = model.A, model.b, model.D
    z = model.variables
    n = model.dimension
    namer = new_namer(list(A) + list(b) + list(D), _MODEL_LETTERS)
    defs: list[tuple[str, Any]] = []
    lines = []
    correlated = False
    for i, v in enumerate(z):
        drift = sp.expand(sum((A[i, j] * z[j] for j in range(n)), b[i]))
        noise: str | tuple = ""
        if any(not _zero(D[i, j]) for j in range(n)):
            if all(_zero(D[i, j]) for j in range(n) if j != i):
                noise = (D[i, i], v)
            else:
                correlated = True
                noise = rf" + \left(\sqrt{{2D}}\, dW\right)_{{{latex_of(v)}}}"
        lines += _equation(v, drift, noise, _odd(model.parity[i]), width, namer, defs)
    if correlated:  # the correlated noise's matrix, which the lines above name but do not show
        lines += [r"&\text{with}"] + _matrix_lines("D", D, z, width)
    return lines + _where(defs, width, namer)


def nonlinear_lines(model: Any, width: float) -> list[str]:
    """The ``aligned`` lines of a nonlinear :class:`~thermotheory.SDE` (any drift, state-dependent diffusion).

    What ``SDE.latex_lines`` returns; the checks are :func:`model_latex_lines`'s.
    """
    drift, diffusion = model.drift, model.diffusion
    namer = new_namer(list(drift.values()) + list(diffusion.values()), _MODEL_LETTERS)
    defs: list[tuple[str, Any]] = []
    lines = []
    for v, p in zip(model.variables, model.parity):
        lines += _equation(v, sp.sympify(drift[v]), (diffusion[v], v), _odd(p), width, namer, defs)
    return lines + _where(defs, width, namer)


def field_lines(field: Any, width: float) -> list[str]:
    r"""The ``aligned`` lines of a field on a lattice: the Langevin equation of one site, its couplings included.

    ``field`` has ``site`` (the site's variable), ``drift`` (its drift: a sympy expression
    in the site's variable, its neighbours' and parameters, with a sum over the lattice
    directions) and ``diffusion`` (:math:`D`, the noise being :math:`\sqrt{2D}\, dW`),
    as :class:`~thermotheory.core.lattice.LatticeEquation` has. A drift too wide for a line
    is broken term by term, as a model's equations are (:func:`linear_lines`).

    Examples
    --------
    >>> import sympy as sp
    >>> from thermotheory.core.lattice import LatticeEquation
    >>> print(field_lines(LatticeEquation(1, 1, 1, 1, 1, 0), 440.0)[0])
    d\phi_{i} &= \left(\phi_{i + 1} + \phi_{i - 1} - 3 \phi_{i}\right) dt + \sqrt{2}\, dW_{i}
    """
    width = checked_width(width)
    drift = sp.sympify(field.drift)
    namer = new_namer([drift], _MODEL_LETTERS)
    defs: list[tuple[str, Any]] = []
    noise = _noise(field.diffusion, field.site).replace(rf"dW_{{{latex_of(field.site)}}}", r"dW_{i}")
    lines = _equation(field.site, drift, noise, "", width, namer, defs)
    return lines + _where(defs, width, namer)


def _where(defs: list[tuple[str, Any]], width: float, namer: Any) -> list[str]:
    """The definitions of the sums named in the equations, under "where", each fitted to ``width``."""
    if not defs:
        return []
    lines = [r"&\text{where}"]
    for name, value in defs:
        lines += fit_lines(latex_of(name), value, width, namer)
    return lines


def model_latex_lines(model: Any, width: float = TEXT_WIDTH) -> list[str]:
    r"""``aligned`` lines, one equation per state variable: ``dz &= (f(z)) dt + \sqrt{2 D}\, dW_z``.

    An equation wider than ``width`` is broken term by term over continuation lines (a
    term too wide on its own has its widest sums named and defined under "where"); a
    correlated noise's matrix follows the equations, as a matrix or, too wide for that,
    entry by entry.

    Parameters
    ----------
    model : LinearSDE or SDE
    width : float
        Estimated width (pt) a line may take (:func:`~thermotheory.core.layout.latex_width`);
        the documents written by this package have :data:`~thermotheory.core.layout.TEXT_WIDTH`.

    Returns
    -------
    list of str

    Raises
    ------
    ModelError
        For something that is not a model (:class:`~thermotheory.errors.InvalidExport`), a
        width that is not a positive finite number, or a model of more than
        :data:`MAX_LATEX_VARIABLES` variables.

    Examples
    --------
    >>> import sympy as sp
    >>> from thermotheory import SDE
    >>> x = sp.Symbol("x", real=True)
    >>> model_latex_lines(SDE({x: x - x**3}, {x: 1}))
    ['dx &= \\left(- x^{3} + x\\right) dt + \\sqrt{2}\\, dW_{x}']
    """
    if not callable(getattr(type(model), "latex_lines", None)):  # a kind of model renders itself
        raise InvalidExport(f"expected a LinearSDE or an SDE but found {type(model).__name__}")
    width = checked_width(width)
    n = model.dimension
    if n > MAX_LATEX_VARIABLES:
        raise ModelError(f"the model has {n} variables; LaTeX is rendered for at most {MAX_LATEX_VARIABLES}")
    return model.latex_lines(width)


def model_latex(model: Any, width: float = TEXT_WIDTH) -> str:
    r"""The model's system of SDEs as one ``aligned`` block (no math delimiters), fitted to ``width`` (pt).

    See :func:`model_latex_lines`.

    Examples
    --------
    >>> import sympy as sp
    >>> from thermotheory import LinearSDE
    >>> x = sp.Symbol("x", real=True)
    >>> k = sp.Symbol("k", positive=True)
    >>> model_latex(LinearSDE({x: -k * x}, {x: 1}))
    '\\begin{aligned} dx &= \\left(- k x\\right) dt + \\sqrt{2}\\, dW_{x} \\end{aligned}'
    """
    return r"\begin{aligned} " + r" \\ ".join(model_latex_lines(model, width)) + r" \end{aligned}"
