"""Shared test settings: deterministic hypothesis runs sized for CI.

The suite runs in parallel processes (pytest-xdist: ``-n auto --dist loadfile`` in
pyproject.toml, with the files of ``SHARED_DERIVATIONS`` below as one unit; ``-n 0`` runs it in
one process). The tests are independent of each other
and of their order: each writes only under its own ``tmp_path``, and hypothesis runs
derandomized, without an example database.
"""

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


#: Test files that derive and print the same closed forms (the catalog's reports, the derivation scripts' pages,
#: the presentation pass on the synapse's and decoder's forms). Under pytest-xdist they run as one work unit on one
#: worker, so the library's in-process caches (the models' derived quantities, compact, the printed forms) built by
#: one file serve the others instead of being rebuilt in the other worker: together they take less CPU than apart
#: (measured in issue #25's report; test_catalog's entries with test_latex's reports: 89 s of CPU against 100 s
#: apart). The unit is the largest and is handed out first, so it is no tail.
SHARED_DERIVATIONS = frozenset({"test_latex.py", "test_house_catalog.py", "test_presentation.py", "test_cli.py",
                                "test_derivations.py", "test_pages_groups.py", "test_catalog.py",
                                "test_pages_sums.py"})


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
