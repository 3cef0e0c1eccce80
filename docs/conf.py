"""Sphinx configuration: MyST Markdown pages, the API reference from docstrings (numpydoc style)."""

import os
import sys

sys.path.insert(0, os.path.abspath(".."))

project = "thermotheory"
author = "the thermotheory developers"
extensions = ["myst_parser", "sphinx.ext.autodoc", "sphinx.ext.napoleon", "sphinx.ext.mathjax"]
source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
myst_enable_extensions = ["dollarmath", "amsmath"]
exclude_patterns = ["_build", "notebooks", "**/.ipynb_checkpoints"]
napoleon_numpy_docstring = True
napoleon_google_docstring = False
autodoc_member_order = "bysource"
autodoc_typehints = "none"
html_theme = "alabaster"
suppress_warnings = ["myst.header"]
