"""Compile a LaTeX document with pdflatex and look at the result: overfull lines, equation numbers set
below their equations, a picture of a page.

TeX Live (``pdflatex``) and poppler (``pdftoppm``) are optional: :func:`have_pdflatex`
says whether they are on the path (Debian packages ``texlive-latex-base`` and
``poppler-utils``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import InvalidExport, ModelError

__all__ = ["Compiled", "have_pdflatex", "compile_tex", "first_page_png"]


@dataclass(frozen=True)
class Compiled:
    """A compiled document: its PDF, whether pdflatex succeeded, its log, the overfull boxes (pt too wide), the
    overfull pages (``too_high``: pt past the foot of a page, a table or a figure that does not break) and the
    equations whose number amsmath set on a line of its own below them (``tags_below``: the numbers, as
    printed), because the equation and its number do not fit on one line.

    amsmath moves such a number without a warning or an overfull box: an equation nearly as wide as the
    text reads as if it had no number, or the next equation's. :func:`compile_tex` finds them (in ``align``,
    ``alignat``, ``flalign`` and ``gather``; a ``\\tag`` as printed) by a hook on amsmath's tag placement that
    writes to the log only.
    """

    pdf: Path
    ok: bool
    log: str
    overfull: tuple[float, ...]
    too_high: tuple[float, ...] = ()
    tags_below: tuple[str, ...] = ()


#: The log line the hook writes for an equation number set below its equation (the number follows it).
TAG_BELOW = "thermotheory: an equation number set below its equation:"

#: Run by LaTeX's hook ``begindocument/before`` (given on pdflatex's command line: the source is compiled as written):
#: where amsmath is loaded, its ``\place@tag`` (align, alignat, flalign: ``\shift@tag``) and ``\place@tag@gather``
#: (gather: ``\ifshifttag@``) write :data:`TAG_BELOW` and the number as printed to the log when a row's number is
#: shifted to a line of its own, then place it as before; nothing printed changes. An ``equation``'s number is placed
#: by TeX's ``\eqno``, which this hook does not see.
_TAG_HOOK = "".join([  # (one line, no space between tokens: the hook runs inside an alignment's cells)
    r"\@ifpackageloaded{amsmath}{",
    r"\let\thermotheory@place@tag\place@tag",
    r"\def\place@tag{\if1\shift@tag\row@\relax\thermotheory@tag@below\fi\thermotheory@place@tag}",
    r"\let\thermotheory@place@tag@gather\place@tag@gather",
    r"\def\place@tag@gather{\ifshifttag@\thermotheory@tag@below\fi\thermotheory@place@tag@gather}",
    r"\def\thermotheory@tag@below{{\let\protect\@unexpandable@protect",
    r"\if@eqnsw\wlog{" + TAG_BELOW + r" (\theequation)}\else",
    r"\def\tagform@##1{\wlog{" + TAG_BELOW + r" (\detokenize{##1})}}",
    r"\def\maketag@@@##1{\wlog{" + TAG_BELOW + r" \detokenize{##1}}}",
    r"\setbox\@tempboxa\hbox{\thermotheory@df@tag}\fi}}",
    r"\let\thermotheory@make@display@tag\make@display@tag",  # (a \tag: kept for the log, amsmath empties it)
    r"\def\make@display@tag{\global\let\thermotheory@df@tag\df@tag\thermotheory@make@display@tag}",
    r"}{}"])


def have_pdflatex() -> bool:
    """Whether ``pdflatex`` is on the path."""
    return shutil.which("pdflatex") is not None


def compile_tex(tex: str, workdir: str | Path | None = None, name: str = "document") -> Compiled:
    r"""Run ``pdflatex -halt-on-error`` on a complete document; report errors and overfull ``\hbox``\ es.

    Parameters
    ----------
    tex : str
        The document.
    workdir : path, optional
        Folder for the source, the log and the PDF (created if needed; a fresh temporary one by default).
    name : str
        File stem of the source: a plain file name, written inside ``workdir``.

    Returns
    -------
    Compiled

    Raises
    ------
    ModelError
        When pdflatex is not installed; :class:`~thermotheory.errors.InvalidExport` for a
        document that is not a string, a ``name`` with a folder in it or a ``workdir`` that is a file.
    """
    from .derivation import file_in, output_folder

    if not isinstance(tex, str):
        raise InvalidExport(f"expected a LaTeX document (a string) but found {type(tex).__name__}")
    if not have_pdflatex():
        raise ModelError("pdflatex is not installed (Debian: apt-get install texlive-latex-base)")
    if workdir is None:
        workdir = tempfile.mkdtemp(prefix="thermotheory-tex-")
    src = file_in(workdir, name, ".tex")
    work = output_folder(workdir)
    src.write_text(tex)
    run = r"\catcode`\@=11 \AddToHook{begindocument/before}{" + _TAG_HOOK + r"}\catcode`\@=12 \input{" + src.name + "}"
    done = subprocess.run(["pdflatex", "-halt-on-error", "-interaction=nonstopmode", f"-jobname={name}", run],
                          cwd=work, capture_output=True, text=True, timeout=300)
    log_path = work / f"{name}.log"
    log = log_path.read_text(errors="replace") if log_path.exists() else done.stdout
    over = tuple(float(x) for x in re.findall(r"Overfull \\hbox \(([0-9.]+)pt too wide\)", log))
    high = tuple(float(x) for x in re.findall(r"Overfull \\vbox \(([0-9.]+)pt too high\)", log))
    below = tuple(line[len(TAG_BELOW):].strip() for line in log.splitlines() if line.startswith(TAG_BELOW))
    return Compiled(work / f"{name}.pdf", done.returncode == 0, log, over, high, below)


def first_page_png(pdf: str | Path, png: str | Path, dpi: int = 80) -> Path:
    """Render the first page of a PDF to PNG with ``pdftoppm`` (poppler-utils).

    Raises
    ------
    ModelError
        When pdftoppm is not installed; :class:`~thermotheory.errors.InvalidExport` for a
        ``dpi`` that is not a positive integer, a PDF that does not exist or cannot be rendered.
    """
    if shutil.which("pdftoppm") is None:
        raise ModelError("pdftoppm is not installed (Debian: apt-get install poppler-utils)")
    if isinstance(dpi, bool) or not isinstance(dpi, int) or not 0 < dpi <= 2400:
        raise InvalidExport(f"dpi must be a positive integer (at most 2400) but is {dpi!r}")
    if not isinstance(pdf, (str, os.PathLike)) or not Path(pdf).is_file():
        raise InvalidExport(f"there is no PDF at {pdf!r}")
    png = Path(png)
    stem = png.with_suffix("")
    done = subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", "1", "-l", "1", "-singlefile", str(pdf),
                           str(stem)], capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise InvalidExport(f"pdftoppm could not render {pdf}: {done.stderr.strip()[-500:]}")
    return png
