"""Sphinx extension: each derivation page shows its script's narrative and code below the generated results.

A derivation page ``docs/derivations/<name>.md`` is written by the jupytext percent script
``derivations/<name>.py`` (the model, the closed forms and a figure). When the docs are
built, the page gets a section with the script itself: its Markdown cells as text (the
title dropped, headings one level down) and its code cells as Python blocks, read by
jupytext. The script is not run: its results are those on the page, written the last
time it ran.

A script without a page, or a page without a script, is reported as a warning (an
error under ``sphinx -W``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sphinx.util import logging

__all__ = ["script_markdown", "setup"]

logger = logging.getLogger(__name__)

#: Heading of the section added to each page.
SECTION = "The derivation script"

_HEADING = re.compile(r"^(#{1,5}) ")
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")


def _demote(markdown: str) -> str:
    """Every ATX heading one level down (``##`` -> ``###``), leaving fenced code alone."""
    out, fence = [], None
    for line in markdown.splitlines():
        m = _FENCE.match(line)
        if m:
            mark = m.group(1)
            if fence is None:
                fence = mark
            elif mark[0] == fence[0] and len(mark) >= len(fence):
                fence = None
        elif fence is None and _HEADING.match(line):
            line = "#" + line
        out.append(line)
    return "\n".join(out)


def _drop_title(markdown: str) -> str:
    lines = markdown.splitlines()
    while lines and not lines[0].strip():
        lines.pop(0)
    if lines and lines[0].startswith("# "):
        lines.pop(0)
    return "\n".join(lines).strip("\n")


def _code_block(code: str) -> str:
    longest = max((len(m) for m in re.findall(r"`+", code)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}python\n{code}\n{fence}"


def script_markdown(path: Path) -> str:
    """The cells of a jupytext percent script as MyST Markdown: narrative as text, code as Python blocks.

    The title of a leading Markdown cell is dropped (the page has its own) and the other
    headings are moved one level down, under the section this text goes in.
    """
    import jupytext

    notebook = jupytext.read(path, fmt="py:percent")
    parts = []
    for i, cell in enumerate(notebook.cells):
        source = cell.source.strip("\n")
        if cell.cell_type == "markdown":
            part = _demote(_drop_title(source) if i == 0 else source)
        elif cell.cell_type == "code":
            part = _code_block(source) if source.strip() else ""
        else:
            continue
        if part.strip():
            parts.append(part)
    return "\n\n".join(parts)


def _section(script: Path, root: Path) -> str:
    relative = Path("..") / ".." / script.relative_to(root)  # from docs/derivations/ to the script
    shown = script.relative_to(root).as_posix()
    intro = (f"{{download}}`{shown} <{relative.as_posix()}>` derives, checks and writes everything above; it "
             f"runs as a script (`python {shown}`) and opens as a notebook (a jupytext percent file). Shown "
             "here as text: the docs build does not run it.")
    return f"\n\n## {SECTION}\n\n{intro}\n\n{script_markdown(script)}\n"


def _paths(app: Any) -> tuple[Path, Path, Path]:
    srcdir = Path(app.srcdir)
    scripts = (srcdir / app.config.derivation_scripts).resolve()
    return srcdir / app.config.derivation_pages, scripts, scripts.parent


def _check_pairs(app: Any) -> None:
    pages, scripts, _ = _paths(app)
    have = {p.stem for p in pages.glob("*.md")}
    for script in sorted(scripts.glob("*.py")):
        if not script.name.startswith("_") and script.stem not in have:
            logger.warning(f"derivation script {script.name} has no page {app.config.derivation_pages}/"
                           f"{script.stem}.md: run the script to write it", type="derivations", subtype="no_page")


def _on_source_read(app: Any, docname: str, source: list[str]) -> None:
    prefix = app.config.derivation_pages.strip("/") + "/"
    if not docname.startswith(prefix):
        return
    _, scripts, root = _paths(app)
    script = scripts / f"{docname[len(prefix):]}.py"
    if not script.is_file():
        logger.warning(f"derivation page {docname} has no script {script.name} in {scripts}", location=docname,
                       type="derivations", subtype="no_script")
        return
    app.env.note_dependency(str(script))
    source[0] = source[0].rstrip("\n") + _section(script, root)


def setup(app: Any) -> dict[str, Any]:
    app.add_config_value("derivation_scripts", "../derivations", "env", types=[str])
    app.add_config_value("derivation_pages", "derivations", "env", types=[str])
    app.connect("builder-inited", _check_pairs)
    app.connect("source-read", _on_source_read)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
