r"""LaTeX of a model: its system of SDEs, one line per state variable.

``dz_i = (f_i(z)) dt + \sqrt{2 D_i} dW_i``, with odd variables marked. Renders a
:class:`~thermotheory.LinearSDE` (its drift ``A z + b``, diagonal or correlated noise) and a
nonlinear :class:`~thermotheory.SDE` (any drift, state-dependent diffusion).
"""

from __future__ import annotations

import sympy as sp

from ..core.model import LinearSDE, StateModel
from ..core.sde import SDE
from ..errors import ModelError

__all__ = ["model_latex", "model_latex_lines", "MAX_LATEX_VARIABLES"]

#: Largest number of state variables rendered (one line each).
MAX_LATEX_VARIABLES = 30


def _noise(d: sp.Expr, v: sp.Symbol) -> str:
    r"""``+ \sqrt{2 D} dW_v`` for a diffusion ``d`` (none when it is 0; a sum in parentheses)."""
    if d == 0:
        return ""
    if d == 1:
        inner = "2"
    elif isinstance(d, sp.Add):
        inner = rf"2 \left({sp.latex(d)}\right)"
    else:
        inner = f"2 {sp.latex(d)}"
    return rf" + \sqrt{{{inner}}}\, dW_{{{sp.latex(v)}}}"


def _odd(parity: int) -> str:
    return r" \quad (\text{odd})" if parity == -1 else ""


def _linear_lines(model: LinearSDE) -> list[str]:
    A, b, D = model.A, model.b, model.D
    z = model.variables
    n = model.dimension
    lines = []
    for i, v in enumerate(z):
        drift = sp.expand(sum((A[i, j] * z[j] for j in range(n)), b[i]))
        noise = ""
        if any(D[i, j] != 0 for j in range(n)):
            if all(D[i, j] == 0 for j in range(n) if j != i):
                noise = _noise(D[i, i], v)
            else:
                noise = rf" + \left(\sqrt{{2D}}\, dW\right)_{{{sp.latex(v)}}}"
        lines.append(rf"d{sp.latex(v)} &= \left({sp.latex(drift)}\right) dt{noise}{_odd(model.parity[i])}")
    return lines


def _nonlinear_lines(model: SDE) -> list[str]:
    drift, diffusion = model.drift, model.diffusion
    return [rf"d{sp.latex(v)} &= \left({sp.latex(drift[v])}\right) dt{_noise(diffusion[v], v)}{_odd(p)}"
            for v, p in zip(model.variables, model.parity)]


def model_latex_lines(model: StateModel) -> list[str]:
    r"""One ``aligned`` line per state variable: ``dz &= (f(z)) dt + \sqrt{2 D}\, dW_z``.

    Parameters
    ----------
    model : LinearSDE or SDE

    Returns
    -------
    list of str

    Raises
    ------
    ModelError
        For something that is not a model, or a model of more than
        :data:`MAX_LATEX_VARIABLES` variables.

    Examples
    --------
    >>> import sympy as sp
    >>> from thermotheory import SDE
    >>> x = sp.Symbol("x", real=True)
    >>> model_latex_lines(SDE({x: x - x**3}, {x: 1}))
    ['dx &= \\left(- x^{3} + x\\right) dt + \\sqrt{2}\\, dW_{x}']
    """
    if not isinstance(model, (LinearSDE, SDE)):
        raise ModelError(f"expected a LinearSDE or an SDE but found {type(model).__name__}")
    n = model.dimension
    if n > MAX_LATEX_VARIABLES:
        raise ModelError(f"the model has {n} variables; LaTeX is rendered for at most {MAX_LATEX_VARIABLES}")
    return _linear_lines(model) if isinstance(model, LinearSDE) else _nonlinear_lines(model)


def model_latex(model: StateModel) -> str:
    r"""The model's system of SDEs as one ``aligned`` block (no math delimiters).

    Examples
    --------
    >>> import sympy as sp
    >>> from thermotheory import LinearSDE
    >>> x = sp.Symbol("x", real=True)
    >>> k = sp.Symbol("k", positive=True)
    >>> model_latex(LinearSDE({x: -k * x}, {x: 1}))
    '\\begin{aligned} dx &= \\left(- k x\\right) dt + \\sqrt{2}\\, dW_{x} \\end{aligned}'
    """
    return r"\begin{aligned} " + r" \\ ".join(model_latex_lines(model)) + r" \end{aligned}"
