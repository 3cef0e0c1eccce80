r"""Inline math as a terminal shows it: ``$\Delta\mu$`` as ``Δμ``, ``$T_{h}$`` as ``T_h``.

The command line prints catalog descriptions with it, and a quantity's plain-text label
(:attr:`thermotheory.quantity.BoundQuantity.label`) the notation of an argument that has
its own LaTeX symbol (a current written ``\nu`` is labelled ``ν``). It sits in ``core``,
below both, and needs nothing but :mod:`re`; :mod:`thermotheory.export.layout` re-exports it.
"""

from __future__ import annotations

import re

from ..errors import InvalidExport

__all__ = ["plain_text"]


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
