"""Exact symbolic results do not depend on sympy's ground types (python-flint or pure Python).

The suite runs with whatever ground types the installation gives (python-flint when the
``fast`` or ``test`` extra is installed); this test runs the symbolic closed-form tests
once more in a fresh process with the other ground types, so both are tested.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

import thermotheory as tt

ROOT = Path(__file__).resolve().parents[1]


def test_ground_types_are_reported():
    assert tt.ground_types() in ("flint", "gmpy", "python")


def test_closed_forms_with_the_other_ground_types():
    current = tt.ground_types()
    if current == "flint":
        other = "python"
    elif importlib.util.find_spec("flint") is not None:
        other = "flint"
    else:
        pytest.skip("python-flint is not installed (pip install thermotheory[fast]): only one ground type to test")
    env = dict(os.environ, SYMPY_GROUND_TYPES=other)
    code = ("import thermotheory as tt, sys; print(tt.ground_types()); "
            "import pytest; sys.exit(pytest.main(['-q', '-n', '0', '-p', 'no:cacheprovider', "
            "'tests/test_closedform.py']))")  # -n 0: in this process, not one more worker per core
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=600)
    assert out.stdout.splitlines()[0] == other, out.stdout + out.stderr
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
