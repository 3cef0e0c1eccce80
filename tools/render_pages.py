"""Render the first page of committed derivation pages to PNG, for the docs (``docs/pages/NAME.png``).

Compiles ``docs/derivations/NAME.tex`` with pdflatex and renders its first page with
pdftoppm (TeX Live and poppler-utils), so anyone can see a page as a referee would without
compiling it. Run after ``python tools/run_derivations.py`` has refreshed the pages:

    python tools/render_pages.py [NAME ...]      (default: the pages shown in docs/derivations.md)
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from thermotheory.export.compile import compile_tex, first_page_png

ROOT = Path(__file__).resolve().parents[1]
#: The pages whose first page the docs show.
SHOWN = ("decoder", "synapse", "particle", "heat_engine", "jump_processes")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", default=list(SHOWN))
    parser.add_argument("--dpi", type=int, default=80)
    args = parser.parse_args(argv)
    out = ROOT / "docs" / "pages"
    out.mkdir(exist_ok=True)
    for name in args.names:
        tex = ROOT / "docs" / "derivations" / f"{name}.tex"
        if not tex.is_file():
            print(f"no page {tex}", file=sys.stderr)
            return 2
        with tempfile.TemporaryDirectory() as work:
            done = compile_tex(tex.read_text(), workdir=work, name=name)
            if not done.ok:
                print(f"{name}: pdflatex failed", file=sys.stderr)
                return 1
            png = first_page_png(done.pdf, out / f"{name}.png", dpi=args.dpi)
        print(f"wrote {png.relative_to(ROOT)} ({len(done.overfull)} overfull boxes, "
              f"{len(done.too_high)} past the foot of a page, {len(done.tags_below)} equation numbers set below)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
