r"""The printed width of LaTeX: an estimate, in points, of how wide a formula typesets.

Every "too long" of the package is measured with it: the layout of a page (:mod:`thermotheory.core.layout`), and
which definitions of a closed form print as a family's formula (:func:`thermotheory.core.closedform.too_long`).
It sits below both so that they measure alike.
"""

from __future__ import annotations

import re

from ..errors import InvalidExport

__all__ = ["TEXT_WIDTH", "latex_width"]

#: Width (pt) a display line may take: the 483 pt text block less room for the equation number.
TEXT_WIDTH = 440.0

_GLYPH = 5.6      # an italic letter or a digit at 10 pt, with its share of spacing
_BINOP = 13.0     # a binary operator with the spaces around it
_SCRIPT = 0.72    # sub- and superscripts
_COMMAND_WIDTHS = {
    r"\left": 0.0, r"\right": 0.0, r"\,": 1.7, r"\;": 2.8, r"\quad": 10.0, r"\qquad": 20.0, r"\!": -1.7,
    r"\cdot": 7.8, r"\times": 13.0, r"\to": 13.0, r"\mid": 8.0, r"\ldots": 13.0, r"\cdots": 13.0,
    r"\infty": 10.0, r"\notag": 0.0, r"\displaystyle": 0.0, r"\sum": 14.0,
    r"\partial": 6.0, r"\pi": 6.0, r"\langle": 4.0, r"\rangle": 4.0,
}
_NAMED_OPERATORS = {r"\log": 16.0, r"\ln": 12.0, r"\exp": 18.0, r"\det": 16.0, r"\lim": 15.0,
                    r"\sin": 16.0, r"\cos": 17.0, r"\operatorname": 0.0, r"\mathrm": 0.0}

#: A row break, with its optional vertical space (``\\[1ex]``).
_ROWS = re.compile(r"\\\\(?:\[[^\]]*\])?")


def _group(s: str, i: int) -> tuple[str, int]:
    """The brace group starting at ``s[i] == '{'`` (or one token) and the index after it."""
    if i >= len(s):
        return "", i
    if s[i] != "{":
        if s[i] == "\\":
            m = re.match(r"\\[A-Za-z]+|\\.", s[i:])
            return m.group(0), i + len(m.group(0))
        return s[i], i + 1
    depth = 0
    for j in range(i, len(s)):
        if s[j] == "{" and (j == 0 or s[j - 1] != "\\"):
            depth += 1
        elif s[j] == "}" and s[j - 1] != "\\":
            depth -= 1
            if depth == 0:
                return s[i + 1:j], j + 1
    return s[i + 1:], len(s)


def _matrix_width(body: str, scale: float) -> float:
    rows = [r for r in _ROWS.split(body) if r.strip()]
    cols: list[float] = []
    for r in rows:
        for k, cell in enumerate(r.split("&")):
            w = latex_width(cell, scale)
            if k < len(cols):
                cols[k] = max(cols[k], w)
            else:
                cols.append(w)
    return sum(cols) + 10.0 * scale * max(len(cols) - 1, 0) + 12.0 * scale


def latex_width(tex: str, scale: float = 1.0) -> float:
    r"""An estimate (pt, 10 pt type, display style) of the width of a LaTeX math string.

    Fractions take the wider of numerator and denominator (nested ones smaller), scripts
    0.72 of their base size, matrices the sum of their widest columns.

    Examples
    --------
    >>> latex_width(r"\frac{a + b}{c}") < latex_width("a + b + c")
    True
    """
    if not isinstance(tex, str):
        raise InvalidExport(f"expected a LaTeX string but found {type(tex).__name__} {tex!r}")
    w = 0.0
    i = 0
    n = len(tex)
    while i < n:
        ch = tex[i]
        if ch in " \n\t":
            i += 1
            continue
        if ch in "{}":
            i += 1
            continue
        if ch in "_^":
            arg, i = _group(tex, i + 1)
            w += latex_width(arg, scale * _SCRIPT)
            continue
        if ch == "&":
            i += 1
            continue
        if ch == "\\":
            m = re.match(r"\\[A-Za-z]+|\\.", tex[i:], flags=re.S)
            cmd = m.group(0) if m else "\\"  # a lone backslash at the end: broken TeX, counted as one character
            i += len(cmd)
            if cmd in (r"\frac", r"\dfrac", r"\tfrac"):
                num, i = _group(tex, i)
                den, i = _group(tex, i)
                inner = scale * (0.75 if scale < 1 or cmd == r"\tfrac" else 1.0)
                w += max(latex_width(num, inner), latex_width(den, inner)) + 3.0 * scale
            elif cmd == r"\sqrt":
                if i < n and tex[i] == "[":
                    j = tex.index("]", i)
                    i = j + 1
                arg, i = _group(tex, i)
                w += latex_width(arg, scale) + 9.0 * scale
            elif cmd == r"\begin":
                env, i = _group(tex, i)
                end = tex.find(r"\end{" + env + "}", i)
                end = n if end < 0 else end
                body = tex[i:end]
                i = end + len(r"\end{" + env + "}")
                if "matrix" in env:
                    w += _matrix_width(body, scale)
                else:
                    w += max((latex_width(line, scale) for line in _ROWS.split(body)), default=0.0)
            elif cmd in (r"\text", r"\mathrm", r"\operatorname", r"\mathbf", r"\mathcal", r"\boldsymbol",
                         r"\hat", r"\bar", r"\tilde", r"\mathit"):
                arg, i = _group(tex, i)
                per = 5.0 if cmd == r"\text" else _GLYPH
                w += (len(arg) * per * scale if cmd in (r"\text", r"\mathrm", r"\operatorname")
                      else latex_width(arg, scale)) + (3.0 * scale if cmd == r"\operatorname" else 0.0)
            elif cmd in _COMMAND_WIDTHS:
                w += _COMMAND_WIDTHS[cmd] * scale
            elif cmd in _NAMED_OPERATORS:
                w += _NAMED_OPERATORS[cmd] * scale
            elif cmd in (r"\left", r"\right", r"\big", r"\Big", r"\bigg", r"\Bigg"):
                continue
            else:  # a Greek letter or another symbol
                w += _GLYPH * 1.1 * scale
            continue
        if ch in "+-=<>":
            w += (_BINOP if scale == 1.0 else 8.0) * scale
        elif ch in "()[]|":
            w += 4.5 * scale
        elif ch in ",;":
            w += 4.5 * scale
        else:
            w += _GLYPH * scale
        i += 1
    return w
