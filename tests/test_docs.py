"""The documentation site builds with warnings as errors (Sphinx, MyST, API reference from docstrings)."""

import subprocess
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_docs_build_without_warnings(tmp_path):
    pytest.importorskip("sphinx")
    pytest.importorskip("myst_parser")
    done = subprocess.run([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html", str(DOCS),
                           str(tmp_path / "html")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    html = (tmp_path / "html" / "api.html").read_text()
    for name in ("thermotheory.mutual_information", "thermotheory.models.synapse.learning_quantities",
                 "thermotheory.models.lattice.LatticeField", "thermotheory.sweep"):
        assert name in html, name
    pages = {p.stem for p in (tmp_path / "html" / "derivations").glob("*.html")}
    assert pages >= {p.stem for p in (DOCS / "derivations").glob("*.md")}
