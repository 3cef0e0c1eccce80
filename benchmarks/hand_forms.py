r"""How the printed closed forms compare with the forms a theorist simplifies by hand.

A hand set is a JSON or TOML file (kept outside the repository: it is the referee's, not
ours) listing entries ``{page, symbol, latex}`` and optionally ``section`` and ``sympy``:

- ``page``: a derivation page, ``docs/derivations/<page>.md``;
- ``symbol``: the left-hand side as the page prints it (``l_{x}``, ``I(v; x)``);
- ``section``: the heading of the page's section (text after ``## ``); ``""`` (default)
  is the part before the first heading;
- ``latex``: the hand-written right-hand side;
- ``sympy``: the same as a sympy expression (names as :func:`tex_to_sympy` gives them:
  ``tau_v``, ``sigma_n``, ``SNR``, ``kappa_hat``, ``lam`` for a bare ``\lambda``), to check
  that the hand form is the page's form.

The page's form is read from the committed Markdown page, the line
``- $<symbol> = <form>$`` of the section: what a referee sees. Pages regenerated elsewhere
(``THERMOTHEORY_OUT=DIR python derivations/<page>.py``) are read from ``DIR`` with
``--pages DIR``, or with the environment variable ``THERMOTHEORY_PAGES=DIR`` (:func:`pages_dir`).

**The measure** is one: the glyphs a reader sees (:func:`glyphs`), the rule of
:func:`thermotheory.core.closedform.printed_size` (each command one glyph; braces,
``\left``/``\right``, ``\displaystyle``, row breaks and spacing none), applied to the LaTeX strings. The ratio of a form
is ``glyphs(page form) / glyphs(hand form)``; over :data:`LIMIT` (1.15) the page prints
something a careful hand derivation would not.

Run: python benchmarks/bench_presentation.py --hand FILE [--pages DIR]
"""

from __future__ import annotations

import functools
import json
import math
import os
import random
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

import sympy as sp

ROOT = Path(__file__).resolve().parents[1]
PAGES = ROOT / "docs" / "derivations"
#: The environment variable naming another folder of pages to read (regenerated pages, before they are committed).
PAGES_ENV = "THERMOTHEORY_PAGES"
#: A printed form more than this times the hand form's size fails.
LIMIT = 1.15

# ---------------------------------------------------------------------------------------
# the measure
# ---------------------------------------------------------------------------------------

#: What LaTeX prints no glyph for: sizing commands, display style, row breaks, spacing (the rule of
#: closedform.printed_size).
_INVISIBLE = re.compile(r"\\left|\\right|\\displaystyle|\\\\(?:\[[^\]]*\])?|\\[,;:! ]|\\quad|\\qquad")
_COMMAND = re.compile(r"\\[A-Za-z]+")
_BLANK = re.compile(r"[{}\s]")


def glyphs(tex: str) -> int:
    r"""The glyphs a reader sees in the LaTeX ``tex``: every command one glyph; braces, bracket sizing and spacing none.

    The rule of :func:`thermotheory.core.closedform.printed_size`, on a LaTeX string, so
    that a hand-written form and a printed one are measured alike.

    Parameters
    ----------
    tex : str
        A LaTeX math string.

    Returns
    -------
    int

    Examples
    --------
    >>> glyphs(r"\frac{a}{b}"), glyphs(r"\left(\tau_{v} + 1\right)^{2}")
    (3, 9)
    """
    if not isinstance(tex, str):
        raise ValueError(f"glyphs: expected a LaTeX string, got {type(tex).__name__}")
    return len(_BLANK.sub("", _COMMAND.sub("x", _INVISIBLE.sub("", tex))))


# ---------------------------------------------------------------------------------------
# the page's forms
# ---------------------------------------------------------------------------------------


def _norm(tex: str) -> str:
    return " ".join(tex.split())


def _label_key(tex: str) -> str:
    r"""A result's label as a key that typesetting alone does not change: ``I_{\mathrm{th}}`` is ``I_{th}``,
    ``\hat{T}_{2}`` is ``\hat{T_{2}}``, braces and spaces aside.

    Examples
    --------
    >>> _label_key(r"t_{\mathrm{mem}}(I_{\mathrm{th}})") == _label_key(r"t_{mem}(I_{th})")
    True
    >>> _label_key(r"\hat{T}_{2}") == _label_key(r"\hat{T_{2}}")
    True
    """
    return re.sub(r"[{}\s]", "", _label_typeset(tex))


def _label_typeset(tex: str) -> str:
    r"""``tex`` with an upright or text style unwrapped and an accent's index set inside it (:func:`_label_key`)."""
    tex = re.sub(r"\\(?:mathrm|text|operatorname)\{([^{}]*)\}", r"\1", tex)
    return re.sub(r"\\(hat|bar|tilde)\{([^{}_]*)\}_(\{[^{}]*\}|\w)", r"\\\1{\2_\3}", tex)


def _splits(line: str) -> list[tuple[str, str]]:
    """Each way to read ``label = form`` from a page's line (a label may hold ``=`` itself: ``t_1^* = t_3^*``)."""
    return [(line[:m.start()], line[m.end():]) for m in re.finditer(" = ", line)]


def pages_dir(pages: str | Path | None = None) -> Path:
    """The folder of pages to read: ``pages`` if given, else ``$THERMOTHEORY_PAGES`` if set, else ``docs/derivations``.

    Examples
    --------
    >>> pages_dir("/tmp/pages").as_posix()
    '/tmp/pages'
    >>> PAGES_ENV in os.environ or pages_dir() == PAGES
    True
    """
    if pages is not None:
        return Path(pages)
    env = os.environ.get(PAGES_ENV)
    return Path(env) if env else PAGES


def page_forms(page: str, pages: str | Path | None = None) -> dict[tuple[str, str], str]:
    r"""The forms a committed Markdown page prints: ``{(section, line): form}``.

    ``line`` is the whole text between ``- $`` and ``$`` of a result line; :func:`printed_form`
    splits it at the symbol asked for (a symbol may itself contain `` = ``).

    Examples
    --------
    >>> forms = page_forms("decoder")
    >>> any(section == "" and line.startswith("l_{x} = ") for section, line in forms)
    True
    """
    path = pages_dir(pages) / f"{page}.md"
    if not path.is_file():
        raise FileNotFoundError(f"no derivation page {path}")
    stat = path.stat()
    return dict(_page_forms_read(str(path.resolve()), stat.st_mtime_ns, stat.st_size))


@functools.lru_cache(maxsize=64)
def _page_forms_read(path: str, mtime_ns: int, size: int) -> tuple[tuple[tuple[str, str], str], ...]:
    """:func:`page_forms` of the file ``path``, read once for each version of it (its time and size the key: a
    comparison reads a page's labels and forms several times)."""
    section = ""
    out: dict[tuple[str, str], str] = {}
    for raw in Path(path).read_text(encoding="utf-8").splitlines():
        if raw.startswith("## "):
            section = raw[3:].strip()
            continue
        if raw.startswith("- $") and raw.rstrip().endswith("$"):
            line = _norm(raw.rstrip()[3:-1])
            out[(section, line)] = line
    return tuple(out.items())


def printed_form(page: str, symbol: str, section: str = "", pages: str | Path | None = None) -> str:
    r"""The right-hand side the page prints for ``symbol`` in ``section`` (``""``: before the first heading).

    Raises
    ------
    LookupError
        When the page has no such line (the message lists the symbols of that section).

    Examples
    --------
    >>> printed_form("decoder", r"\Phi_{x}")
    '\\frac{g^{2} \\sigma_{v}^{2}}{\\sigma_{n}^{2} \\left(\\tau_{n} + \\tau_{v}\\right)}'
    """
    key = _label_key(symbol)
    found = [rhs for (sec, line) in page_forms(page, pages) if sec == section
             for label, rhs in _splits(line) if _label_key(label) == key]
    if not found:
        known = sorted(line.split(" = ")[0] for (sec, line) in page_forms(page, pages) if sec == section)
        raise LookupError(f"{page}.md, section {section!r}: no result {symbol!r}; it prints {known}")
    return found[0]


# ---------------------------------------------------------------------------------------
# LaTeX (as sympy prints it, or a theorist writes it) -> sympy
# ---------------------------------------------------------------------------------------

_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|\d+(?:\.\d+)?|[A-Za-z]|\S")
_SPACING = {r"\,", r"\;", r"\:", r"\!", "\\ ", r"\quad", r"\qquad", r"\left", r"\right", r"\displaystyle"}
_FUNCTIONS = {r"\ln": sp.log, r"\log": sp.log, r"\exp": sp.exp, r"\sinh": sp.sinh, r"\cosh": sp.cosh,
              r"\tanh": sp.tanh, r"\sin": sp.sin, r"\cos": sp.cos, r"\coth": sp.coth, r"\arctan": sp.atan,
              r"\arcsin": sp.asin, r"\arccos": sp.acos}
#: Functions LaTeX has no command for, written ``\operatorname{arcosh}`` (ISO 80000-2; sympy's abbreviations too).
_NAMED_FUNCTIONS = {"arcosh": sp.acosh, "arccosh": sp.acosh, "acosh": sp.acosh, "arsinh": sp.asinh,
                    "arcsinh": sp.asinh, "asinh": sp.asinh, "artanh": sp.atanh, "arctanh": sp.atanh, "atanh": sp.atanh}
_RENAMED = {"lambda": "lam"}
#: Commands this reader refuses rather than read as names (``\int ... dk`` is no product of symbols).
_UNREAD = {r"\int", r"\iint", r"\oint", r"\sum", r"\prod", r"\lim", r"\limits", r"\begin", r"\end", r"\max",
           r"\min", r"\sup", r"\inf"}
_ACCENTS = {r"\hat": "hat", r"\bar": "bar", r"\tilde": "tilde"}


class _Parser:
    """A recursive-descent reader of the LaTeX math that sympy prints (and a theorist writes)."""

    def __init__(self, tex: str, positive: bool):
        self.tokens = [t for t in _TOKEN.findall(tex) if t not in _SPACING]
        self.i = 0
        self.positive = positive
        self.tex = tex

    # -- helpers
    def peek(self, k: int = 0) -> str | None:
        j = self.i + k
        return self.tokens[j] if j < len(self.tokens) else None

    def take(self, want: str | None = None) -> str:
        tok = self.peek()
        if tok is None or (want is not None and tok != want):
            raise ValueError(f"cannot read {self.tex!r}: expected {want or 'more'} at token {self.i} ({tok!r})")
        self.i += 1
        return tok

    def symbol(self, name: str) -> sp.Symbol:
        return sp.Symbol(_RENAMED.get(name, name), positive=self.positive)

    # -- names
    def raw_group(self) -> str:
        """The text of a ``{...}`` group (or a single token) as a name fragment."""
        if self.peek() == "{":
            self.take("{")
            depth, parts = 1, []
            while True:
                tok = self.take()
                if tok == "{":
                    depth += 1
                elif tok == "}":
                    depth -= 1
                    if depth == 0:
                        break
                parts.append(tok)
            # a word subscript set upright (k_{\mathrm{on}}) names the same symbol as k_{on}
            return "".join(p.lstrip("\\") for p in parts
                           if p not in "{}^" and p not in (r"\mathrm", r"\text", r"\operatorname", r"\mathit"))
        return self.take().lstrip("\\")

    def name(self) -> str:
        """A name token with its subscript (not its power): ``\\tau_{v}`` -> ``tau_v``."""
        tok = self.take()
        if tok in (r"\mathrm", r"\operatorname", r"\text", r"\mathit"):
            base = self.raw_group()
        elif tok in _ACCENTS:
            self.take("{")
            inner = self.name()
            self.take("}")
            if self.peek() == "_":  # \hat{T}_{2} names what \hat{T_{2}} names: T_2_hat
                self.take("_")
                inner += "_" + self.raw_group()
            return inner + "_" + _ACCENTS[tok]
        else:
            base = tok.lstrip("\\")
        if self.peek() == "_":
            self.take("_")
            base += "_" + self.raw_group()
        return base

    # -- grammar
    def expr(self) -> sp.Expr:
        sign = 1
        if self.peek() in ("+", "-"):
            sign = -1 if self.take() == "-" else 1
        total = sign * self.term()
        while self.peek() in ("+", "-"):
            op = self.take()
            t = self.term()
            total = total + t if op == "+" else total - t
        return total

    def term(self) -> sp.Expr:
        value = self.power()
        while True:
            tok = self.peek()
            if tok in (r"\cdot", r"\times"):
                self.take()
                value = value * self.power()
            elif tok == "/":
                self.take()
                value = value / self.power()
            elif tok is not None and tok not in ("+", "-", ")", "}", "]", "&", r"\\"):
                value = value * self.power()
            else:
                return value

    def power(self) -> sp.Expr:
        base = self.atom()
        while self.peek() == "^":
            self.take("^")
            base = base ** self.script()
        return base

    def script(self) -> sp.Expr:
        if self.peek() == "{":
            self.take("{")
            value = self.expr()
            self.take("}")
            return value
        tok = self.take()
        if re.fullmatch(r"\d", tok):
            return sp.Integer(tok)
        if re.fullmatch(r"\d+", tok):  # x^23 is x^2 3 in TeX
            self.tokens.insert(self.i, tok[1:])
            return sp.Integer(tok[0])
        self.i -= 1
        return self.atom()

    def atom(self) -> sp.Expr:
        tok = self.peek()
        if tok is None:
            raise ValueError(f"cannot read {self.tex!r}: it ends early")
        if tok == "(":
            self.take("(")
            value = self.expr()
            self.take(")")
            return value
        if tok == "{":
            self.take("{")
            value = self.expr()
            self.take("}")
            return value
        if re.fullmatch(r"\d+(?:\.\d+)?", tok):
            self.take()
            return sp.Rational(tok)
        if tok in (r"\frac", r"\dfrac", r"\tfrac"):
            self.take()
            num = self.atom()
            den = self.atom()
            return num / den
        if tok == r"\sqrt":
            self.take()
            if self.peek() == "[":
                self.take("[")
                n = self.expr()
                self.take("]")
                return sp.root(self.atom(), n)
            return sp.sqrt(self.atom())
        function = _FUNCTIONS.get(tok)
        if tok == r"\operatorname":  # \operatorname{arcosh}: a function by its name, or a symbol (\operatorname{var})
            start = self.i
            self.take()
            function = _NAMED_FUNCTIONS.get(self.raw_group())
            self.i = start if function is None else self.i - 1  # (at the last token of the name: taken below)
        if function is not None:
            self.take()
            power = None
            if self.peek() == "^":  # \ln^{2}(x)
                self.take("^")
                power = self.script()
            arg = self.atom() if self.peek() in ("(", "{") else self.power()
            value = function(arg)
            return value if power is None else value ** power
        if tok == r"\pi":
            self.take()
            return sp.pi
        if tok == "e" and self.peek(1) != "_":
            self.take()
            return sp.E
        if tok in _UNREAD:
            raise ValueError(f"cannot read {self.tex!r}: {tok} is not read (an integral, a sum, a limit, an array)")
        if re.fullmatch(r"\\[A-Za-z]+|[A-Za-z]", tok):
            return self.symbol(self.name())
        raise ValueError(f"cannot read {self.tex!r}: unexpected {tok!r} at token {self.i}")


def tex_to_sympy(tex: str, positive: bool = True) -> sp.Expr:
    r"""The sympy expression of a LaTeX math string, as sympy prints it or a theorist writes it.

    Reads sums, products (implicit, ``\cdot``, ``/``), powers, ``\frac``, ``\sqrt``, ``\ln``,
    ``e^{...}``, parentheses (with or without ``\left``/``\right``) and names: one Latin
    letter, a Greek command, ``\mathrm{SNR}``, with a subscript (``\tau_{v}`` -> ``tau_v``)
    or an accent (``\hat{\kappa}`` -> ``kappa_hat``); a bare ``\lambda`` is ``lam``.

    Parameters
    ----------
    tex : str
        The LaTeX (no ``$``).
    positive : bool
        Make every name a positive symbol (the models' parameters are).

    Raises
    ------
    ValueError
        On LaTeX this reader does not know (matrices, cases, functions of names).

    Examples
    --------
    >>> tex_to_sympy(r"\frac{\ln{\left(1 + \frac{\tau_{v}}{\tau_{n}} \right)}}{2}")
    log(1 + tau_v/tau_n)/2
    >>> tex_to_sympy(r"\frac{1}{\tau_v}\left(\sqrt{1 + \mathrm{SNR}/\rho} - 1\right)")
    (sqrt(SNR/rho + 1) - 1)/tau_v
    """
    parser = _Parser(tex, positive)
    value = parser.expr()
    if parser.peek() is not None:
        raise ValueError(f"cannot read {tex!r}: unexpected {parser.peek()!r} at token {parser.i}")
    return value


_SYMPY_FUNCTIONS = {"sqrt": sp.sqrt, "log": sp.log, "ln": sp.log, "exp": sp.exp, "Rational": sp.Rational,
                    "sinh": sp.sinh, "cosh": sp.cosh, "tanh": sp.tanh, "coth": sp.coth, "pi": sp.pi,
                    "asinh": sp.asinh, "acosh": sp.acosh, "atanh": sp.atanh}


def sympy_of(text: str, positive: bool = True) -> sp.Expr:
    """A sympy expression string with every other name a (positive) symbol (``gamma``, ``N``, ``Q`` included).

    Examples
    --------
    >>> sympy_of("gamma*u**2/T")
    gamma*u**2/T
    """
    names = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text)) - set(_SYMPY_FUNCTIONS)
    local = {n: sp.Symbol(n, positive=positive) for n in names}
    local.update(_SYMPY_FUNCTIONS)
    return sp.parse_expr(text, local_dict=local, evaluate=True)


def equal_at_random_points(a: sp.Expr, b: sp.Expr, points: int = 6, seed: int = 0,
                           low: float = 0.3, high: float = 3.0, rtol: float = 1e-9) -> bool:
    """Whether ``a`` and ``b`` agree (relative ``rtol``) at ``points`` random positive values of their names.

    Examples
    --------
    >>> x, y = sp.symbols("x y", positive=True)
    >>> equal_at_random_points((x + y) ** 2, x**2 + 2*x*y + y**2), equal_at_random_points(x, y)
    (True, False)
    """
    rng = random.Random(seed)
    names = sorted(a.free_symbols | b.free_symbols, key=lambda s: s.name)
    fa, fb = sp.lambdify(names, a, "mpmath"), sp.lambdify(names, b, "mpmath")
    for _ in range(points):
        vals = [rng.uniform(low, high) for _ in names]
        va, vb = complex(fa(*vals)), complex(fb(*vals))
        if not (math.isfinite(abs(va)) and math.isfinite(abs(vb))):
            return False
        if abs(va - vb) > rtol * max(abs(va), abs(vb), 1e-300):
            return False
    return True


# ---------------------------------------------------------------------------------------
# a hand set, and the comparison
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HandForm:
    """One form a theorist wrote by hand: the page, the section, the symbol, the LaTeX and (optionally) its sympy."""

    page: str
    symbol: str
    latex: str
    section: str = ""
    sympy: str | None = None
    note: str = ""


def load_hand(path: str | Path) -> list[HandForm]:
    """The hand forms of a JSON (a list, or ``{"forms": [...]}``) or TOML (``[[forms]]``) file.

    Examples
    --------
    >>> import tempfile
    >>> f = Path(tempfile.mkdtemp()) / "h.json"
    >>> _ = f.write_text('[{"page": "decoder", "symbol": "l_{x}", "latex": "x"}]')
    >>> load_hand(f)[0].symbol
    'l_{x}'
    """
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".toml":
        import tomllib

        data: Any = tomllib.loads(text)
    else:
        data = json.loads(text)
    if isinstance(data, dict):
        data = data.get("forms", [])
    out = []
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a list of hand forms (or {{'forms': [...]}})")
    for k, entry in enumerate(data):
        if not isinstance(entry, dict):
            raise ValueError(f"{path}: entry {k} is not a table {{page, symbol, latex}}")
        missing = [key for key in ("page", "symbol", "latex") if key not in entry]
        if missing:
            raise ValueError(f"{path}: entry {k} lacks {missing}")
        out.append(HandForm(page=entry["page"], symbol=entry["symbol"], latex=entry["latex"],
                            section=entry.get("section", ""), sympy=entry.get("sympy"),
                            note=entry.get("note", "")))
    return out


@dataclass
class Comparison:
    """A hand form against the page's: sizes (glyphs), their ratio, and whether they agree in value."""

    hand: HandForm
    printed: str | None
    ours: int
    theirs: int
    equal: bool | None
    problem: str = ""

    @property
    def ratio(self) -> float:
        return self.ours / self.theirs if self.theirs else math.inf

    @property
    def over(self) -> bool:
        return self.printed is not None and self.ratio > LIMIT


def compare(hand: HandForm, pages: str | Path | None = None, check_values: bool = True) -> Comparison:
    """Measure the page's form for ``hand`` and the hand form alike; check they are equal at random points.

    The value check reads both LaTeX strings (:func:`tex_to_sympy`), each with the names of the section's results
    that it holds and the other does not written out (:func:`written_out_both`), and the hand form's ``sympy`` if
    given (which must agree with its LaTeX too, and stands for it where this reader cannot read the LaTeX: a
    piecewise form). ``equal`` is None where a side cannot be read.

    Examples
    --------
    >>> c = compare(HandForm("decoder", r"\\Phi_{x}", r"\\frac{g^2 \\sigma_v^2}{\\sigma_n^2 (\\tau_n + \\tau_v)}"))
    >>> c.ours == c.theirs, c.equal
    (True, True)
    """
    theirs = glyphs(hand.latex)
    try:
        printed = printed_form(hand.page, hand.symbol, hand.section, pages)
    except (LookupError, FileNotFoundError) as err:
        return Comparison(hand, None, 0, theirs, None, str(err))
    ours = glyphs(printed)
    if not check_values:
        return Comparison(hand, printed, ours, theirs, None)
    try:
        hand_value = tex_to_sympy(hand.latex)
    except ValueError:  # (a form this reader does not know, a piecewise one: checked by its sympy if given; a label
        hand_value = None  # it cannot read as a product, \bar{J}[Q_{x}], is read as one name below)
    if hand.sympy is not None:
        given = sympy_of(hand.sympy)
        if hand_value is not None and not equal_at_random_points(hand_value, given):
            return Comparison(hand, printed, ours, theirs, False, "the hand LaTeX and its sympy differ")
    try:
        if hand_value is None and hand.sympy is not None:  # (the hand's value is its sympy: every label written out)
            page_tex, hand_tex = written_out_both(printed, "", hand.page, hand.section, pages)[0], ""
        else:
            page_tex, hand_tex = _labels_named(*written_out_both(printed, hand.latex, hand.page, hand.section, pages),
                                               section_labels(hand.page, hand.section, pages))
        page_value = tex_to_sympy(page_tex)
    except ValueError as err:
        return Comparison(hand, printed, ours, theirs, None, f"page LaTeX unreadable: {err}")
    if hand_value is None and hand.sympy is not None:
        hand_value = given
    else:
        try:
            hand_value = tex_to_sympy(hand_tex)  # (the names of results it holds and the page's form not, written out)
        except ValueError as err:
            return Comparison(hand, printed, ours, theirs, None, f"hand LaTeX unreadable: {err}")
    equal = equal_at_random_points(page_value, hand_value)
    return Comparison(hand, printed, ours, theirs, equal, "" if equal else "the page's form and the hand form differ")


def _written_out(printed: str, hand_latex: str, page: str, section: str = "", pages: str | Path | None = None,
                 rounds: int = 3) -> str:
    r"""``printed`` (a page's form) with the labels of the results of its section that it holds and the hand form
    does not written out as the page prints them (the page's side of :func:`written_out_both`).

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp()); _ = (d / "p.md").write_text("- $Q(t) = a + b$\n- $S = Q(t) + c$\n")
    >>> _written_out("Q(t) + c", "a + b + c", "p", pages=d)
    '\\left(a + b\\right) + c'
    """
    return written_out_both(printed, hand_latex, page, section, pages, rounds)[0]


def written_out_both(printed: str, hand_latex: str, page: str, section: str = "", pages: str | Path | None = None,
                     rounds: int = 3) -> tuple[str, str]:
    r"""The page's form and the hand form, each with the labels of the results of its section that it holds and the
    other does not written out as the page prints them: a page writes a result through earlier ones (``\dot
    S^{\mathrm{tot}} = \Phi_{w} + \dots``, ``\operatorname{var} W(t) = 2 T \langle W \rangle(t)``), and so may a hand
    form, through the same results or others. A label is found however it is typeset (``\Sigma_{xw}`` is
    ``\Sigma_{x w}``, ``\rho\mathrm{SNR}`` holds ``\mathrm{SNR}``; :func:`label_spans`); a label both hold stays a
    name on both sides.

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "p.md").write_text("- $W = a + b$\n- $V = 2 T W$\n")
    >>> written_out_both("2 T W", "2 T a + 2 T b", "p", pages=d)
    ('2 T \\left(a + b\\right)', '2 T a + 2 T b')
    >>> written_out_both("2 T a + 2 T b", "2TW", "p", pages=d)
    ('2 T a + 2 T b', '2T\\left(a + b\\right)')
    """
    labels = section_labels(page, section, pages)
    longer = _longer_labels(labels)
    ordered = sorted(labels.items(), key=lambda kv: -len(kv[0]))

    def out(one: str, other: str) -> str:  # (the labels ``one`` holds and ``other`` does not, written out in ``one``)
        for _ in range(rounds):
            before = one
            for label, rhs in ordered:
                if rhs in (printed, hand_latex):  # (the label's own form: the result compared, or one equal to it)
                    continue
                if label_spans(one, label, longer[label]) and not label_spans(other, label, longer[label]):
                    one = _label_written_out(one, label, rhs, longer[label])
            if one == before:
                break
        return one

    printed = out(printed, hand_latex)  # the page's side first: it writes through the results the hand writes out
    return printed, out(hand_latex, printed)  # then the hand's, through results the page writes out


def section_labels(page: str, section: str = "", pages: str | Path | None = None) -> dict[str, str]:
    r"""The results a page prints in ``section``: ``{label: form}``, the first form of each label (a line that holds
    several ``=``, ``t_1^* = t_3^* = \dots``, gives its first label and its last form).

    Examples
    --------
    >>> section_labels("decoder")[r"\Phi_{x}"]
    '\\frac{g^{2} \\sigma_{v}^{2}}{\\sigma_{n}^{2} \\left(\\tau_{n} + \\tau_{v}\\right)}'
    """
    labels: dict[str, str] = {}
    for (sec, line) in page_forms(page, pages):
        parts = line.split(" = ")
        if sec == section and len(parts) > 1:
            labels.setdefault(parts[0].strip(), parts[-1].strip())
    return labels


def _longer_labels(labels: Iterable[str]) -> dict[str, list[str]]:
    """Each label of ``labels`` -> the other labels that go on from it (``\\eta(\\infty)`` from ``\\eta``):
    :func:`label_spans`'s ``longer``."""
    labels = list(labels)
    return {label: [o for o in labels if o != label and _label_key(o).startswith(_label_key(label))]
            for label in labels}


def _labels_named(printed: str, hand: str, labels: Iterable[str]) -> tuple[str, str]:
    r"""``printed`` and ``hand`` with each of the ``labels`` (their section's results) that both hold written as one
    name, ``\mathrm{label<k>}``, on both sides: what :func:`tex_to_sympy` reads as one symbol (``P_{\mathrm{s}}(0)``
    is no product of ``P_s`` and 0, nor ``\langle W \rangle(t)`` one of brackets)."""
    longer = _longer_labels(labels)
    for k, label in enumerate(sorted(longer, key=lambda x: (-len(x), x))):  # (the same names in every run)
        if label_spans(printed, label, longer[label]) and label_spans(hand, label, longer[label]):
            printed, hand = (_label_written_out(t, label, rf"\mathrm{{label{k}}}", longer[label])
                             for t in (printed, hand))
    return printed, hand


#: What may not stand before a label for it to be that label: a word (one letter is a factor: ``2 T W``), a
#: backslash, an index's mark, or a command that decorates or names what follows (\Delta F, \dot Q, \mathrm{...}).
_DECORATIONS = r"\\(?:Delta|delta|dot|ddot|hat|bar|tilde|vec|partial|mathrm|operatorname|mathcal|text)\s*\{?"
_NOT_BEFORE = re.compile(rf"(?:[A-Za-z]{{2}}|[\\_^]|{_DECORATIONS})$")
#: What may not stand before a label that is a command (``\Sigma_{x w}``): an index's mark or a decoration.
_DECORATED = re.compile(rf"(?:[_^]|{_DECORATIONS})$")
#: What may not follow a label for it to be that label: more of a name (a word, a digit, an index, a prime, a
#: brace, a mark: ``\dagger``). A command is a factor (``P(0) \ln P(0)``); a power that is a number may follow
#: (``\Phi_{w}^{2}``), one letter (a factor: ``W T``) and a bracket (``\rho (1 + \rho)``; a longer label that goes
#: on with one is another name: :func:`label_spans`'s ``longer``).
_NOT_AFTER = re.compile(r"^(?:[A-Za-z]{2}|[0-9_{']|\\(?:prime|dagger|ast|star)(?![A-Za-z])|\^(?!\{?-?\d+\}?))")
#: Between two characters of a label, what typesetting alone adds: braces, spaces, an upright or text style.
_GAP = r"(?:[{}\s]|\\(?:mathrm|text|operatorname)\{)*"


def _label_pattern(label: str) -> re.Pattern:
    """A pattern of ``label`` however it is typeset (:func:`_label_key`'s tokens with :data:`_GAP` between them)."""
    tokens = re.findall(r"\\[A-Za-z]+|\\.|[^{}\s]", _label_typeset(label))  # (\langle x: a command, then x)
    start = r"(?:\\(?:mathrm|text|operatorname)\{)?"  # (an upright label may open with its style)
    parts = [re.escape(t) + (r"(?![A-Za-z])" if re.fullmatch(r"\\[A-Za-z]+", t) else "") for t in tokens]
    return re.compile(start + _GAP.join(parts))


def label_spans(tex: str, label: str, longer: Iterable[str] = ()) -> list[tuple[int, int]]:
    r"""Where ``tex`` holds the label ``label`` as a whole name, however it is typeset: ``(start, end)`` of each,
    the braces it opened closed within. Not inside another name (``F`` of ``\Delta F``, ``w`` of ``\tau_w`` or of
    ``\Sigma_{x w}``, ``\eta`` of ``\eta'``), nor the start of one of the labels ``longer`` (``\eta`` of
    ``\eta(\infty)``, where that is a label too).

    Examples
    --------
    >>> label_spans(r"\rho\mathrm{SNR} + \Sigma_{xw}", r"\mathrm{SNR}")
    [(4, 16)]
    >>> label_spans(r"\kappa \Sigma_{xw}", r"\Sigma_{x w}")
    [(7, 18)]
    >>> label_spans(r"\frac{c^{2} t_f}{2} + \Delta c + \tau_c", "c"), label_spans(r"\Phi_{w}'", r"\Phi_{w}")
    ([(6, 7)], [])
    >>> label_spans(r"\eta(t) + \eta (1 + a)", r"\eta", longer=[r"\eta(t)"])
    [(10, 14)]
    """
    longer = [_label_pattern(other) for other in longer]
    out = []
    for m in _label_pattern(label).finditer(tex):
        start, end = m.start(), m.end()
        text = m.group()
        opened = text.count("{") - text.count("\\{") - (text.count("}") - text.count("\\}"))
        while opened > 0:  # (close what the label opened: \Sigma_{x w} matched up to its w)
            while end < len(tex) and tex[end] == " ":
                end += 1
            if end >= len(tex) or tex[end] != "}":
                break
            end, opened = end + 1, opened - 1
        if opened:
            continue
        before = tex[:start]
        if text.startswith("\\"):  # (a command opens a name of its own: \kappa\Sigma_{x w} holds \Sigma_{x w})
            bad = _DECORATED.search(before)
        else:  # (nor is a letter after a command's name one: the c of \frac)
            bad = _NOT_BEFORE.search(before) or re.search(r"\\[A-Za-z]*$", before)
        if bad or _NOT_AFTER.match(tex[end:]) or _in_index(before) or any(p.match(tex, start) for p in longer):
            continue
        out.append((start, end))
    return out


def _in_index(before: str) -> bool:
    """Whether the text after ``before`` stands inside an index (an open ``_{``: the ``w`` of ``\\Sigma_{x w}``)."""
    depth = 0
    for k in range(len(before) - 1, -1, -1):
        if before[k] == "}":
            depth += 1
        elif before[k] == "{":
            if depth == 0:
                return k > 0 and before[k - 1] == "_"  # (not ^{...}: an exponent holds values, e^{- c t})
            depth -= 1
    return False


def _label_written_out(printed: str, label: str, rhs: str, longer: Iterable[str] = ()) -> str:
    r"""``printed`` with each whole occurrence of ``label`` (:func:`label_spans`) replaced by ``\left(rhs\right)``.

    Examples
    --------
    >>> _label_written_out(r"\Delta F + F^{2} + \tau_F + F' + \Sigma_{x F}", "F", "a")
    "\\Delta F + \\left(a\\right)^{2} + \\tau_F + F' + \\Sigma_{x F}"
    """
    out, i = [], 0
    for start, end in label_spans(printed, label, longer):
        out += [printed[i:start], r"\left(" + rhs + r"\right)"]
        i = end
    return "".join(out) + printed[i:]


def report(forms: Sequence[HandForm], pages: str | Path | None = None, out: Any = None) -> int:
    """Print ours/hand per form, flag those over :data:`LIMIT` (or unequal, or missing); 1 if any, else 0.

    ``pages``: the folder of Markdown pages (default :func:`pages_dir`).
    """
    import sys

    out = out or sys.stdout
    rows = [compare(h, pages) for h in forms]
    print(f"pages: {pages_dir(pages)}", file=out)
    print(f"measure: glyphs a reader sees (closedform.printed_size's rule); limit ours/hand <= {LIMIT}", file=out)
    print(f"{'page':<12} {'section':<28} {'symbol':<42} {'ours':>5} {'hand':>5} {'ratio':>6}  flag", file=out)
    bad = 0
    for c in rows:
        flags = []
        if c.printed is None:
            flags.append("MISSING")
        elif c.over:
            flags.append("OVER")
        if c.equal is False:
            flags.append("UNEQUAL")
        elif c.equal is None and c.printed is not None:
            flags.append("unchecked")
        bad += any(f in ("MISSING", "OVER", "UNEQUAL") for f in flags)
        ratio = f"{c.ratio:6.2f}" if c.printed is not None else f"{'-':>6}"
        print(f"{c.hand.page:<12} {c.hand.section[:28]:<28} {c.hand.symbol[:42]:<42} {c.ours:>5} {c.theirs:>5} "
              f"{ratio}  {' '.join(flags)}{(' ' + c.problem) if c.problem else ''}", file=out)
    measured = [c for c in rows if c.printed is not None]
    if measured:
        total = sum(c.ours for c in measured) / sum(c.theirs for c in measured)
        print(f"\n{len(measured)} forms; total ours/hand {total:.2f}; over {LIMIT}: "
              f"{sum(c.over for c in measured)}; unequal: {sum(c.equal is False for c in rows)}", file=out)
    return 1 if bad else 0


def forms_of(entries: Iterable[dict]) -> list[HandForm]:
    """HandForm objects of plain dicts (as in a JSON file)."""
    return [HandForm(**e) for e in entries]
