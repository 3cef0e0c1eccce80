"""The suite's xdist schedule (tests/conftest.py): files that share derived closed forms run as one unit."""

from pathlib import Path

import pytest

from . import conftest

TESTS = Path(__file__).resolve().parent


class _Config:
    def __init__(self, dist):
        self.dist = dist

    def getvalue(self, name):
        return {"dist": self.dist, "tx": ["2*popen"]}.get(name)


def test_the_shared_files_exist():
    assert all((TESTS / name).is_file() for name in conftest.SHARED_DERIVATIONS)


def test_shared_files_are_one_unit_and_the_others_one_unit_per_file():
    pytest.importorskip("xdist")
    sched = conftest.pytest_xdist_make_scheduler(_Config("loadfile"), None)
    units = {sched._split_scope(f"tests/{name}::test_x[a]") for name in conftest.SHARED_DERIVATIONS}
    assert len(units) == 1
    assert sched._split_scope("tests/test_layers.py::test_y") == "tests/test_layers.py"
    assert sched._split_scope("tests/test_layers.py::test_z") == "tests/test_layers.py"
    assert sched._split_scope("thermotheory/verify.py::thermotheory.verify.verify_all") == "thermotheory/verify.py"
    assert sched._split_scope("tests/test_layers.py::t") not in units


@pytest.mark.parametrize("dist", ["load", "loadscope", "worksteal", "no"])
def test_other_distributions_keep_xdist_s_own_scheduler(dist):
    assert conftest.pytest_xdist_make_scheduler(_Config(dist), None) is None
