"""Export of derivations: LaTeX, Markdown and figures."""

from .derivation import derivation_markdown, derivation_tex, output_dir, save_figure, write_derivation

__all__ = ["derivation_markdown", "derivation_tex", "output_dir", "save_figure", "write_derivation"]
