"""Every derivation script runs and writes its LaTeX and Markdown."""

from pathlib import Path

import pytest

from .page_runs import page_run

SCRIPTS = sorted((Path(__file__).resolve().parents[1] / "derivations").glob("*.py"))
#: Scripts whose fast run takes about a minute (many transient Monte Carlo checks): run with -m slow, and by
#: the README's main command, so that the default suite stays under ten minutes on a 2-core machine.
SLOW = {"synapse", "heat_engine",
        # about 25-35 s of CPU each (the mean-field perceptron's Monte Carlo, the jump networks' symbolic forms, the
        # lattice sums): their pages' committed LaTeX still compiles and fits by default (test_latex.py), and their
        # closed forms are checked by default in test_perceptron.py, test_jump_*.py and test_lattice.py
        "perceptron", "jump_processes", "lattice"}


def test_there_are_derivations():
    assert SCRIPTS


@pytest.mark.parametrize("script", [pytest.param(p, marks=pytest.mark.slow) if p.stem in SLOW else p
                                    for p in SCRIPTS], ids=lambda p: p.stem)
def test_derivation_runs(script, capsys):
    run = page_run(script.stem)  # the fast run, shared with the other tests that read this page
    tex = run.tex
    assert r"\begin{align}" in tex and r"\end{align}" in tex
    assert run.md.startswith("# ")
    # the committed docs match what the script derives now
    committed = script.parents[1] / "docs" / "derivations" / f"{script.stem}.tex"
    assert committed.read_text() == tex, f"docs/derivations/{script.stem}.tex is stale: rerun {script.name}"
