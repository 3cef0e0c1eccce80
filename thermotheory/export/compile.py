"""Compile a LaTeX document with pdflatex and look at the result: overfull lines, a picture of a page.

TeX Live (``pdflatex``) and poppler (``pdftoppm``) are optional: :func:`have_pdflatex`
says whether they are on the path (Debian packages ``texlive-latex-base`` and
``poppler-utils``).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import ModelError

__all__ = ["Compiled", "have_pdflatex", "compile_tex", "first_page_png"]


@dataclass(frozen=True)
class Compiled:
    """A compiled document: its PDF, whether pdflatex succeeded, its log, and the overfull boxes (pt too wide)."""

    pdf: Path
    ok: bool
    log: str
    overfull: tuple[float, ...]


def have_pdflatex() -> bool:
    """Whether ``pdflatex`` is on the path."""
    return shutil.which("pdflatex") is not None


def compile_tex(tex: str, workdir: str | Path | None = None, name: str = "document") -> Compiled:
    r"""Run ``pdflatex -halt-on-error`` on a complete document; report errors and overfull ``\hbox``\ es.

    Raises
    ------
    ModelError
        When pdflatex is not installed.
    """
    if not have_pdflatex():
        raise ModelError("pdflatex is not installed (Debian: apt-get install texlive-latex-base)")
    work = Path(workdir) if workdir is not None else Path(tempfile.mkdtemp(prefix="thermotheory-tex-"))
    work.mkdir(parents=True, exist_ok=True)
    src = work / f"{name}.tex"
    src.write_text(tex)
    done = subprocess.run(["pdflatex", "-halt-on-error", "-interaction=nonstopmode", src.name], cwd=work,
                          capture_output=True, text=True, timeout=300)
    log_path = work / f"{name}.log"
    log = log_path.read_text(errors="replace") if log_path.exists() else done.stdout
    over = tuple(float(x) for x in re.findall(r"Overfull \\hbox \(([0-9.]+)pt too wide\)", log))
    return Compiled(work / f"{name}.pdf", done.returncode == 0, log, over)


def first_page_png(pdf: str | Path, png: str | Path, dpi: int = 80) -> Path:
    """Render the first page of a PDF to PNG with ``pdftoppm`` (poppler-utils)."""
    if shutil.which("pdftoppm") is None:
        raise ModelError("pdftoppm is not installed (Debian: apt-get install poppler-utils)")
    png = Path(png)
    stem = png.with_suffix("")
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", "1", "-l", "1", "-singlefile", str(pdf), str(stem)],
                   check=True, capture_output=True, timeout=120)
    return png
