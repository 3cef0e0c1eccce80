r"""LaTeX of a model: its system of SDEs, one line per state variable.

The rendering lives below the model classes, in :mod:`thermotheory.core.display`, and is
re-exported here: :func:`model_latex`, :func:`model_latex_lines`, :data:`MAX_LATEX_VARIABLES`.
"""

from __future__ import annotations

from ..core.display import MAX_LATEX_VARIABLES, model_latex, model_latex_lines  # noqa: F401  (re-exported)

__all__ = ["model_latex", "model_latex_lines", "MAX_LATEX_VARIABLES"]
