r"""LaTeX that fits the page: long closed forms broken over lines, or through "where" definitions.

The line breaking lives in :mod:`thermotheory.core.layout` (a closed form and a model are laid out
with it below ``export``) and is re-exported here: :data:`TEXT_WIDTH`, :func:`latex_width`,
:func:`fit_lines`, :func:`new_namer`, :func:`checked_width`, :func:`checked_value`.

:func:`tex_text` escapes plain text for LaTeX (``->`` as an arrow, underscores, Greek
names in math).
"""

from __future__ import annotations

import re

import sympy as sp

from ..core.layout import (  # noqa: F401  (re-exported: the documented home of these names)
    TEXT_WIDTH, _fit_expr, _group, _matrix_width, _Namer, _pack, _signed_terms, _widest_sum, checked_value,
    checked_width, fit_lines, latex_width, new_namer)
from ..core.plaintext import plain_text  # noqa: F401  (re-exported: the command line's home of it)
from ..errors import InvalidExport

__all__ = ["TEXT_WIDTH", "latex_width", "fit_lines", "new_namer", "tex_text", "plain_text", "checked_width",
           "checked_value"]


_TEXT_ESCAPES = [("\\", r"\textbackslash{}"), ("&", r"\&"), ("%", r"\%"), ("$", r"\$"), ("#", r"\#"),
                 ("_", r"\_"), ("{", r"\{"), ("}", r"\}"), ("~", r"\textasciitilde{}"), ("^", r"\^{}"),
                 # OT1 text prints "|" as an em dash and "<", ">" as inverted marks: the text commands
                 ("|", r"\textbar{}"), ("<", r"\textless{}"), (">", r"\textgreater{}")]
_GREEK = ("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi pi rho sigma tau upsilon phi "
          "chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Phi Psi Omega").split()

def tex_text(text: str) -> str:
    r"""Plain text safe for LaTeX: special characters escaped, ``->`` and ``<-`` as arrows, Greek names in math.

    Examples
    --------
    >>> tex_text("v -> x -> w, tau_n and 50% of sigma")
    'v $\\to$ x $\\to$ w, $\\tau_{n}$ and 50\\% of $\\sigma$'
    >>> tex_text("P(strong | potentiated) < 1 <- 2 > 0")
    'P(strong \\textbar{} potentiated) \\textless{} 1 $\\leftarrow$ 2 \\textgreater{} 0'
    """
    if not isinstance(text, str):
        raise InvalidExport(f"expected text (a string) but found {type(text).__name__} {text!r}")
    greek = "|".join(sorted(_GREEK, key=len, reverse=True))
    pieces = re.split(r"(->|<-|\b(?:" + greek + r")(?:_[A-Za-z0-9]+)?\b)", text)
    out = []
    for k, p in enumerate(pieces):
        if k % 2 == 1:
            if p == "->":
                out.append(r"$\to$")
            elif p == "<-":
                out.append(r"$\leftarrow$")
            else:
                out.append("$" + sp.latex(sp.Symbol(p)) + "$")
            continue
        for a, b in _TEXT_ESCAPES:
            p = p.replace(a, b) if a != "\\" else p.replace(a, "\0")
        out.append(p.replace("\0", r"\textbackslash{}"))
    return "".join(out)
