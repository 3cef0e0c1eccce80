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
from ..errors import InvalidExport

__all__ = ["TEXT_WIDTH", "latex_width", "fit_lines", "new_namer", "tex_text", "plain_text", "checked_width",
           "checked_value"]


_TEXT_ESCAPES = [("\\", r"\textbackslash{}"), ("&", r"\&"), ("%", r"\%"), ("$", r"\$"), ("#", r"\#"),
                 ("_", r"\_"), ("{", r"\{"), ("}", r"\}"), ("~", r"\textasciitilde{}"), ("^", r"\^{}"),
                 # OT1 text prints "|" as an em dash and "<", ">" as inverted marks: the text commands
                 ("|", r"\textbar{}"), ("<", r"\textless{}"), (">", r"\textgreater{}")]
_GREEK = ("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi pi rho sigma tau upsilon phi "
          "chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Phi Psi Omega").split()

#: LaTeX commands of inline math and what a terminal shows for them (Greek letters from their names).
_PLAIN_COMMANDS = {**{name: chr(0x391 + k) for k, name in enumerate(
    "Alpha Beta Gamma Delta Epsilon Zeta Eta Theta Iota Kappa Lambda Mu Nu Xi Omicron Pi Rho".split())},
    **{name: chr(0x3A3 + k) for k, name in enumerate("Sigma Tau Upsilon Phi Chi Psi Omega".split())},
    **{name: chr(0x3B1 + k) for k, name in enumerate(
        "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho".split())},
    **{name: chr(0x3C3 + k) for k, name in enumerate("sigma tau upsilon phi chi psi omega".split())},
    "to": "→", "leftarrow": "←", "infty": "∞", "sim": "~", "int": "∫", "circ": "∘", "cdot": "·", "times": "×",
    "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥", "approx": "≈", "mid": "|", "exp": "exp", "ln": "ln",
    "log": "log", "dot": "", "mathrm": "", "mathcal": "", "mathbf": "", "operatorname": "", "text": "", "left": "", "right": "", ",": " ", ";": " ", "quad": " "}


def plain_text(text: str) -> str:
    r"""Text with inline math (``$...$``, LaTeX) as a terminal shows it: Greek letters, arrows, ``_`` and ``^`` kept.

    What the LaTeX pages typeset (:func:`~thermotheory.export.derivation.tex_title`) the
    command line prints with this: ``$\Delta\mu$`` as ``Δμ``, ``$v \to x$`` as ``v → x``,
    ``$T_{h}$`` as ``T_h``, ``$\frac{a}{b}$`` as ``a/b``.

    Examples
    --------
    >>> plain_text(r"a sensor misaligning at $k e^{-\Delta\mu}$, $v \to x$, heat $Q_{x}$ and $\frac{a}{b}$")
    'a sensor misaligning at k e^(-Δμ), v → x, heat Q_x and a/b'
    >>> plain_text(r"$\frac{1}{\tau_{r}}$, $\sqrt{2 D}$, $\frac{\sqrt{k m}}{\gamma}$")
    '1/τ_r, √(2 D), (√(k m))/γ'
    """
    if not isinstance(text, str):
        raise InvalidExport(f"expected text (a string) but found {type(text).__name__} {text!r}")

    def group(x: str) -> str:
        return x if re.fullmatch(r"[\w.]+", x) else f"({x})"

    def math(m: re.Match) -> str:
        t = m.group(1)
        t = re.sub(r"\\([A-Za-z]+|[,;])", lambda c: c.group(0) if c.group(1) in ("frac", "sqrt")
                   else _PLAIN_COMMANDS.get(c.group(1), c.group(1)), t)
        t = re.sub(r"([_^])\{([^{}]*)\}", lambda c: f"{c.group(1)}{c.group(2)}" if c.group(1) == "_" or len(
            c.group(2)) == 1 else f"^({c.group(2)})", t)
        while True:  # innermost first
            done = re.sub(r"\\frac\{([^{}]*)\}\{([^{}]*)\}", lambda c: f"{group(c.group(1))}/{group(c.group(2))}", t)
            done = re.sub(r"\\sqrt\{([^{}]*)\}", lambda c: f"√{group(c.group(1))}", done)
            if done == t:
                break
            t = done
        return t.replace("{", "").replace("}", "")

    return re.sub(r"\$([^$]*)\$", math, text)


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
