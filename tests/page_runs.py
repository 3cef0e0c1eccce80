"""One fast-mode run of each derivation script per test process, shared by the tests that read pages.

``tests/test_derivations.py`` compares each page a script writes with the committed one, and
``tests/test_pages_groups.py`` checks the dimensionless groups on the same pages; both need the
script's run (the decoder's takes about 45 s of CPU). :func:`page_run` runs a script once, in fast
mode, into a folder of its own, recording what the groups check needs (each call of
:func:`~thermotheory.core.presentation.dimensionless` and the arguments given to
``write_derivation``), and hands the same run to every test that asks in this process. The
recording wraps the two functions and passes their results on unchanged, so the pages written
are those of a plain run. ``tests/conftest.py`` keeps both test files in one xdist work unit, so
that they share the runs.
"""

from __future__ import annotations

import atexit
import runpy
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

DERIVATIONS = Path(__file__).resolve().parents[1] / "derivations"


@dataclass(frozen=True)
class Call:
    """One call of ``dimensionless``: the scales, groups, LaTeX names and dimensions used, and its result."""

    scales: tuple
    groups: dict
    names: dict
    dimensions: dict
    result: Any


@dataclass(frozen=True)
class PageRun:
    """A script's fast run: where it wrote, the calls of ``dimensionless`` it made and ``write_derivation``'s
    arguments (None when it wrote no page through it)."""

    name: str
    out: Path
    calls: tuple
    arguments: tuple | None = field(default=None)

    @property
    def tex(self) -> str:
        return (self.out / f"{self.name}.tex").read_text()

    @property
    def md(self) -> str:
        return (self.out / f"{self.name}.md").read_text()


_RUNS: dict[str, PageRun] = {}
_ROOT: list[Path] = []


def _folder(name: str) -> Path:
    if not _ROOT:
        _ROOT.append(Path(tempfile.mkdtemp(prefix="thermotheory-pages-")))
        atexit.register(shutil.rmtree, _ROOT[0], True)
    out = _ROOT[0] / name
    out.mkdir(exist_ok=True)
    return out


def page_run(name: str) -> PageRun:
    """The fast run of ``derivations/<name>.py`` in this process (run on first use)."""
    if name in _RUNS:
        return _RUNS[name]
    import thermotheory.export as export
    from thermotheory.core import presentation

    script = DERIVATIONS / f"{name}.py"
    out = _folder(name)
    calls: list[Call] = []
    captured: dict = {}
    original_dimensionless = presentation.dimensionless
    original_write = export.write_derivation

    def dimensionless(expr, dimensions, scales, groups=None, names=None):
        result = original_dimensionless(expr, dimensions, scales, groups, names)
        calls.append(Call(tuple(scales), dict(groups or {}), dict(names or {}), dict(dimensions), result))
        return result

    def write_derivation(*args, **kwargs):
        captured["arguments"] = (args, kwargs)
        return original_write(*args, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("THERMOTHEORY_OUT", str(out))
        mp.setenv("THERMOTHEORY_FAST", "1")
        mp.setattr(presentation, "dimensionless", dimensionless)
        mp.setattr(export, "write_derivation", write_derivation)
        runpy.run_path(str(script), run_name="__main__")
    _RUNS[name] = PageRun(name, out, tuple(calls), captured.get("arguments"))
    return _RUNS[name]
