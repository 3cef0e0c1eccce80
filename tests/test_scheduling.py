"""The order in which the suite's xdist work units are handed out (tests/conftest.py): the longest expected first."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from .conftest import LONG_FILES, SECONDS_PER_TEST, SHARED_DERIVATIONS, pytest_collection_modifyitems

TESTS = Path(__file__).resolve().parent


def _items(spec):
    return [SimpleNamespace(path=TESTS / name, name=f"{name}::{k}") for name, n in spec for k in range(n)]


def test_units_go_out_longest_first_each_whole_and_in_order():
    spec = [("test_a_small.py", 3), ("test_docs.py", 2), ("test_catalog.py", 2), ("test_many.py", 200),
            ("test_latex.py", 1), ("test_notebooks.py", 1), ("test_a_small.py", 0)]
    items = _items(spec)
    config = SimpleNamespace(option=SimpleNamespace(dist="loadfile", numprocesses=2))
    pytest_collection_modifyitems(config, items)
    files = [i.path.name for i in items]
    # the shared derivations' unit first, in its files' order; then by cost: 200 tests (40 s), docs (17 s),
    # notebooks (16 s), 3 tests (0.6 s)
    assert files == ["test_catalog.py"] * 2 + ["test_latex.py"] + ["test_many.py"] * 200 + ["test_docs.py"] * 2 \
        + ["test_notebooks.py"] + ["test_a_small.py"] * 3
    assert [i.name for i in items if i.path.name == "test_many.py"] == [f"test_many.py::{k}" for k in range(200)]
    assert SECONDS_PER_TEST * 200 > LONG_FILES["test_docs.py"] > LONG_FILES["test_notebooks.py"]


def test_without_loadfile_the_order_is_the_collection_order():
    items = _items([("test_a_small.py", 2), ("test_docs.py", 1)])
    before = [i.name for i in items]
    pytest_collection_modifyitems(SimpleNamespace(option=SimpleNamespace(dist="no", numprocesses=0)), items)
    assert [i.name for i in items] == before


def test_the_files_named_exist():
    for name in [*LONG_FILES, *SHARED_DERIVATIONS]:
        assert (TESTS / name).is_file(), name
