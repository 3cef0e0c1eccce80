"""Sphinx configuration: MyST Markdown pages, the API reference from docstrings (numpydoc style).

Local extensions (``_ext/``): ``tt_quantities`` builds the notation table and the entries of
the quantities from the registry; ``tt_derivations`` adds each derivation script's narrative
and code to its generated page. References come from ``references.bib``
(sphinxcontrib-bibtex).
"""

import os
import sys

sys.path.insert(0, os.path.abspath(".."))
sys.path.insert(0, os.path.abspath("_ext"))

project = "thermotheory"
author = "the thermotheory developers"
extensions = ["myst_parser", "sphinx.ext.autodoc", "sphinx.ext.napoleon", "sphinx.ext.mathjax",
              "sphinxcontrib.bibtex", "tt_quantities", "tt_derivations"]
source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
myst_enable_extensions = ["dollarmath", "amsmath"]
exclude_patterns = ["_build", "_ext", "notebooks", "**/.ipynb_checkpoints"]
napoleon_numpy_docstring = True
napoleon_google_docstring = False
autodoc_member_order = "bysource"
autodoc_typehints = "none"
html_theme = "alabaster"
# ref.python: "more than one target found" for a shape word of a type field ("(n, n) array_like")
# once two classes have an attribute `n` (MarkovJumpProcess.n, JumpRecord.n)
suppress_warnings = ["myst.header", "ref.python"]

# references: docs/references.bib, cited as {cite:p}`key`, listed on the References page
bibtex_bibfiles = ["references.bib"]
bibtex_default_style = "plain"
bibtex_reference_style = "author_year"

# derivation pages: docs/derivations/<name>.md, written by ../derivations/<name>.py
derivation_scripts = "../derivations"
derivation_pages = "derivations"
