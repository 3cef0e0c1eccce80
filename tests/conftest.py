"""Shared test settings: deterministic hypothesis runs sized for CI.

The suite runs in parallel processes (pytest-xdist: ``-n auto --dist loadfile`` in
pyproject.toml, with the files of ``SHARED_DERIVATIONS`` below as one unit; ``-n 0`` runs it in
one process). The tests are independent of each other
and of their order: each writes only under its own ``tmp_path``, and hypothesis runs
derandomized, without an example database.
"""

import linecache
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    max_examples=40,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("thorough", deadline=None, max_examples=400)
settings.load_profile(os.environ.get("THERMOTHEORY_HYPOTHESIS", "ci"))


def _checkcache_tolerant(filename: str | None = None, _check=linecache.checkcache) -> None:
    """``linecache.checkcache`` that tolerates an entry removed while it runs: sympy's ``lambdify`` puts each function
    it makes in ``linecache.cache`` and removes it when the function is garbage collected, which can happen in the
    middle of Python 3.11's loop over the cache (``KeyError: '<lambdifygenerated-4320>'``: a doctest failed so, at
    random, as doctest's debugger checks the cache before each example). The check is run again, up to three times."""
    for attempt in range(3):
        try:
            return _check(filename)
        except KeyError:
            if attempt == 2:
                raise


linecache.checkcache = _checkcache_tolerant


#: Test files that derive and print the same closed forms (the catalog's reports, the derivation scripts' pages,
#: the presentation pass on the synapse's and decoder's forms). Under pytest-xdist they run as one work unit on one
#: worker, so the library's in-process caches (the models' derived quantities, compact, the printed forms) built by
#: one file serve the others instead of being rebuilt in the other worker: together they take less CPU than apart
#: (measured in issue #25's report; test_catalog's entries with test_latex's reports: 89 s of CPU against 100 s
#: apart; the seed models' own test files, which derive the same closed forms again, with them: 168 s of CPU in one
#: process against 145 s + 43 s apart). The unit is the largest and is handed out first, so it is no tail.
SHARED_DERIVATIONS = frozenset({"test_latex.py", "test_house_catalog.py", "test_presentation.py", "test_cli.py",
                                "test_derivations.py", "test_pages_groups.py", "test_catalog.py",
                                "test_pages_sums.py", "test_synapse.py", "test_decoder.py", "test_particle.py",
                                "test_perceptron.py"})


#: ``scheduler_kwargs`` of the tests' dask LocalClusters: the scheduler serves HTTP (its metrics) even without a
#: dashboard, on port 8787 by default, so two test processes starting a cluster at once clashed ("Port 8787 is
#: already in use", an error under filterwarnings = error); port 0 lets the system give each a free one.
FREE_PORT = {"dashboard_address": ":0"}

#: CPU seconds of the files that take long for their number of tests (per-file sums of ``--durations=0`` on the
#: 2-core machine of issue #25). xdist hands out the work units with the most tests first, which left these (a
#: docs build, two notebooks, the closed-form tests again under the other ground types) to start last and run on
#: alone for up to 16 s; they are handed out by this estimate instead. Others count SECONDS_PER_TEST a test.
LONG_FILES = {"test_ground_types.py": 9, "test_notebooks.py": 16, "test_docs.py": 17, "test_parallel_runs.py": 11,
              "test_verify_workers.py": 20, "test_symbolic_limits.py": 27, "test_sweep.py": 8,
              "test_import_lazy.py": 9, "test_jump_families.py": 10}
SECONDS_PER_TEST = 0.2


def _unit(item: pytest.Item) -> str:
    """The xdist work unit of a test: its file, or the one unit of :data:`SHARED_DERIVATIONS`."""
    return "shared derivations" if item.path.name in SHARED_DERIVATIONS else str(item.path)


def _loadfile(config: pytest.Config) -> bool:
    return getattr(config.option, "dist", None) == "loadfile" and bool(getattr(config.option, "numprocesses", 0))


def pytest_configure(config: pytest.Config) -> None:
    if _loadfile(config) and hasattr(config.option, "loadscopereorder"):
        config.option.loadscopereorder = False  # the order of pytest_collection_modifyitems below is kept


def pytest_collection_modifyitems(config: pytest.Config, items: list) -> None:
    """Under ``--dist loadfile``, the work units in the order of their expected CPU time, the longest first (the
    shared derivations' unit, then :data:`LONG_FILES` and the files with many tests), so that no long unit starts
    last; each unit's tests keep their order."""
    if not _loadfile(config):
        return
    counts: dict[str, int] = {}
    first: dict[str, int] = {}
    for k, item in enumerate(items):
        unit = _unit(item)
        counts[unit] = counts.get(unit, 0) + 1
        first.setdefault(unit, k)

    def cost(unit: str) -> float:
        if unit == "shared derivations":
            return float("inf")
        return LONG_FILES.get(Path(unit).name, SECONDS_PER_TEST * counts[unit])

    items.sort(key=lambda item: (-cost(_unit(item)), first[_unit(item)]))


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """``--dist loadfile``, with the files of :data:`SHARED_DERIVATIONS` in one work unit."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class SharedDerivationsScheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = super()._split_scope(nodeid)
            return "shared derivations" if Path(path).name in SHARED_DERIVATIONS else path

    return SharedDerivationsScheduling(config, log)
