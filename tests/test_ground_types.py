"""Exact symbolic results do not depend on sympy's ground types (python-flint or pure Python).

The suite runs with whatever ground types the installation gives (python-flint when the
``fast`` or ``test`` extra is installed); this test runs the symbolic closed-form tests
once more in a fresh process with the other ground types, so both are tested (all but a few that repeat the
same arithmetic on a larger model: ``NOT_RERUN``).
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


#: Tests of test_closedform.py not run again under the other ground types (about 12 of its 21 s of CPU there): each
#: repeats, with a larger model, the exact polynomial arithmetic (cancel, factor, gcd over the integers) of a test
#: that is run again. The conditional information's three forms go through the log-determinant cancellations of
#: the information's; the entropy production's those of the heat rate and the flow; the three-neuron rates the
#: structured forms of the three-neuron information; the refusal at equal rates evaluates, in floats, the
#: transient forms that test_transient_structured_information derives. All of them run under the installed ground
#: types in the suite itself.
NOT_RERUN = ("test_three_forms_agree_exactly[cmi]", "test_three_forms_agree_exactly[ep]",
             "test_three_neuron_rates_structured", "test_equal_rates_are_refused_not_evaluated_into_garbage")


def test_the_tests_not_rerun_exist():
    source = (ROOT / "tests" / "test_closedform.py").read_text()
    for name in NOT_RERUN:
        function, _, param = name.partition("[")
        assert f"def {function}(" in source, name
        assert not param or f'"{param.rstrip("]")}"' in source, name


def test_closed_forms_with_the_other_ground_types():
    current = tt.ground_types()
    if current == "flint":
        other = "python"
    elif importlib.util.find_spec("flint") is not None:
        other = "flint"
    else:
        pytest.skip("python-flint is not installed (pip install thermotheory[fast]): only one ground type to test")
    env = dict(os.environ, SYMPY_GROUND_TYPES=other)
    deselect = [arg for name in NOT_RERUN for arg in ("--deselect", f"tests/test_closedform.py::{name}")]
    code = ("import thermotheory as tt, sys; print(tt.ground_types()); "
            "import pytest; sys.exit(pytest.main(['-q', '-n', '0', '-p', 'no:cacheprovider', "
            f"'tests/test_closedform.py', *{deselect!r}]))")  # -n 0: in this process, not one more worker per core
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=600)
    assert out.stdout.splitlines()[0] == other, out.stdout + out.stderr
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
