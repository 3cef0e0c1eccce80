"""The test run tolerates a lambdified function collected while doctest checks ``linecache`` (tests/conftest.py)."""

from __future__ import annotations

import linecache


class _Vanishing(dict):
    """A cache from which reading one entry removes another, as a garbage collection in the middle of the loop of
    ``linecache.checkcache`` runs sympy's finalizer of a lambdified function."""

    def __getitem__(self, key):
        if key == "<first>":
            self.pop("<second>", None)
        return super().__getitem__(key)


def test_an_entry_removed_while_the_cache_is_checked_is_no_error(monkeypatch):
    entry = (1, None, ["x\n"], "<lambdifygenerated>")  # (no modification time: checkcache keeps it)
    cache = _Vanishing({"<first>": entry, "<second>": entry})
    monkeypatch.setattr(linecache, "cache", cache)
    linecache.checkcache()  # (Python 3.11's own raised KeyError: '<second>')
    assert list(cache) == ["<first>"]
