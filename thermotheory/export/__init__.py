"""Export of derivations: LaTeX and Markdown."""

from .derivation import derivation_markdown, derivation_tex, output_dir, write_derivation

__all__ = ["derivation_markdown", "derivation_tex", "output_dir", "write_derivation"]
