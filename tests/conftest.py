"""Shared test settings: deterministic hypothesis runs sized for CI.

The suite runs in parallel processes (pytest-xdist: ``-n auto --dist loadfile`` in
pyproject.toml; ``-n 0`` runs it in one process). The tests are independent of each other
and of their order: each writes only under its own ``tmp_path``, and hypothesis runs
derandomized, without an example database.
"""

import os

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
