"""``import thermotheory`` loads the engine only; the higher floors load on first use (issue #25).

Each check runs in a fresh interpreter (``python -c``): what a module imports is only visible
before anything else has imported it. The speed itself is in ``benchmarks/bench_import.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import thermotheory as tt

ROOT = Path(__file__).resolve().parents[1]

#: Module prefixes that ``import thermotheory`` must not load: the Monte Carlo floor and above,
#: and the optional or heavy third-party packages that only some paths use.
LAZY = (
    "thermotheory.montecarlo", "thermotheory.workers", "thermotheory.verify", "thermotheory.sweep",
    "thermotheory.estimate", "thermotheory.models", "thermotheory.catalog", "thermotheory.export",
    "thermotheory.plot", "thermotheory.cli", "thermotheory.result",
    "matplotlib", "networkx", "dask", "distributed", "pandas", "scipy.linalg", "scipy.special", "scipy.stats",
    "scipy.optimize", "scipy.integrate", "multiprocessing",
)

#: The names ``import thermotheory`` used to import eagerly, and the module that defines each.
DEFERRED = {
    "simulate": "thermotheory.montecarlo.simulate", "Trajectories": "thermotheory.montecarlo.simulate",
    "Gaussian": "thermotheory.montecarlo.simulate", "verify": "thermotheory.verify",
    "verify_all": "thermotheory.verify", "VerificationRecord": "thermotheory.verify",
    "VerificationTable": "thermotheory.verify", "sweep": "thermotheory.sweep",
}


def _run(code: str) -> dict:
    """Run ``code`` in a fresh interpreter (at the repository root); it prints one JSON object."""
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _is_lazy(name: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in LAZY)


def test_is_lazy_matches_prefixes_only():
    assert _is_lazy("thermotheory.montecarlo") and _is_lazy("thermotheory.montecarlo.simulate")
    assert _is_lazy("matplotlib.pyplot") and _is_lazy("thermotheory.verify")
    assert not _is_lazy("thermotheory.core.moments") and not _is_lazy("thermotheory.verifyx")
    assert not _is_lazy("thermotheory") and not _is_lazy("scipy")


def test_import_loads_no_higher_floor_and_no_optional_package():
    out = _run("""
        import json, sys
        import thermotheory
        print(json.dumps(sorted(sys.modules)))
    """)
    assert "thermotheory.core" in out and "thermotheory.registry" in out  # the probe sees what was loaded
    assert [m for m in out if _is_lazy(m)] == [], (
        "import these inside the functions that use them (scipy.linalg: from thermotheory.core._lazy "
        "import scipy_linalg as sla); the package's __init__ loads the higher floors on first use")


@pytest.mark.parametrize("eager", ["thermotheory.montecarlo.simulate", "matplotlib"])
def test_the_check_fails_on_an_eager_import(eager):
    """The probe above catches an eager import (here made by hand after ``import thermotheory``)."""
    pytest.importorskip(eager.split(".")[0])
    out = _run(f"""
        import json, sys
        import thermotheory
        import {eager}
        print(json.dumps(sorted(sys.modules)))
    """)
    assert eager in [m for m in out if _is_lazy(m)]


def test_every_public_name_resolves_to_its_home():
    out = _run("""
        import importlib, json, sys
        import thermotheory as tt
        missing = [n for n in tt.__all__ if not hasattr(tt, n)]
        listed = [n for n in tt.__all__ if n not in dir(tt)]
        homes = {}
        for name in %r:
            ns = {}
            exec(f"from thermotheory import {name} as value", ns)
            home = importlib.import_module(%r[name])
            homes[name] = [ns["value"] is getattr(home, name), getattr(tt, name) is getattr(home, name)]
        import thermotheory.estimate as estimate
        print(json.dumps(dict(missing=missing, listed=listed, homes=homes,
                              estimate=[tt.estimate is estimate, callable(tt.estimate),
                                        tt.estimate.__call__.__func__ is type(estimate).__call__],
                              montecarlo=tt.montecarlo is sys.modules["thermotheory.montecarlo"])))
    """ % (DEFERRED, DEFERRED))
    assert out["missing"] == [] and out["listed"] == []
    assert out["homes"] == {name: [True, True] for name in DEFERRED}
    assert out["estimate"] == [True, True, True] and out["montecarlo"]


def test_star_import_gives_every_public_name():
    out = _run("""
        import json
        import thermotheory as tt
        ns = {}
        exec("from thermotheory import *", ns)
        print(json.dumps([n for n in tt.__all__ if ns.get(n) is not getattr(tt, n)]))
    """)
    assert out == []


def test_importing_a_submodule_first_keeps_the_function_of_its_name():
    """``import thermotheory.verify`` binds the module on the package; ``tt.verify`` stays the function."""
    out = _run("""
        import json, types
        import thermotheory.verify, thermotheory.sweep, thermotheory.estimate
        import thermotheory as tt
        from thermotheory import verify, sweep
        print(json.dumps([tt.verify is thermotheory.verify.__globals__["verify"],
                          isinstance(tt.verify, types.FunctionType), tt.verify.__module__,
                          isinstance(tt.sweep, types.FunctionType), tt.sweep.__module__,
                          verify is tt.verify, sweep is tt.sweep, isinstance(tt.estimate, types.ModuleType)]))
    """)
    assert out == [True, True, "thermotheory.verify", True, "thermotheory.sweep", True, True, True]
    # the same in this process, where the suite has imported everything
    assert tt.verify.__module__ == "thermotheory.verify" and tt.sweep.__module__ == "thermotheory.sweep"
    assert tt.verify is sys.modules["thermotheory.verify"].verify


def test_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no_such_name"):
        tt.no_such_name  # noqa: B018
    with pytest.raises(AttributeError, match="_private_missing"):
        tt._private_missing  # noqa: B018


def test_estimator_table_loads_on_first_use():
    """``Quantity.estimators`` in a fresh interpreter: the hook imports the Monte Carlo table."""
    out = _run("""
        import json, sys
        import thermotheory as tt
        before = "thermotheory.montecarlo.estimators" in sys.modules
        rows = sorted(map(list, tt.heat_rate.estimators))
        from thermotheory.montecarlo.estimators import ESTIMATORS
        table = sorted([k, r] for (n, k, r) in ESTIMATORS if n == "heat_rate")
        print(json.dumps(dict(before=before, rows=rows, table=table,
                              after="thermotheory.montecarlo.estimators" in sys.modules)))
    """)
    assert not out["before"] and out["after"]
    assert out["rows"] == out["table"] and ["linear", "stationary"] in out["rows"]


def test_estimator_loader_runs_once_and_a_failing_one_stays():
    from thermotheory import quantity

    calls = []

    def failing():
        calls.append("fail")
        raise ImportError("not now")

    saved = list(quantity.ESTIMATOR_LOADERS)
    quantity.ESTIMATOR_LOADERS[:] = [failing]
    try:
        with pytest.raises(ImportError, match="not now"):
            quantity.estimator_tables()
        assert quantity.ESTIMATOR_LOADERS == [failing]  # put back: the next use tries again
        quantity.ESTIMATOR_LOADERS[:] = [lambda: calls.append("ok")]
        assert quantity.estimator_tables() is quantity.ESTIMATOR_TABLES
        assert quantity.estimator_tables() is quantity.ESTIMATOR_TABLES
        assert calls == ["fail", "ok"] and quantity.ESTIMATOR_LOADERS == []
    finally:
        quantity.ESTIMATOR_LOADERS[:] = saved


def test_derivation_verify_loads_the_verifier_on_first_use():
    out = _run("""
        import json, sys
        import sympy as sp
        import thermotheory as tt
        v, r = sp.symbols("v r")
        model = tt.LinearSDE({v: -v, r: v - r}, {v: 1, r: 1})
        before = "thermotheory.verify" in sys.modules
        try:
            tt.Derivation(None, [("a", tt.heat_rate.of(r), 1.0)]).verify()
            error = None
        except tt.ModelError as e:  # the verifier's own check: it was loaded
            error = str(e)
        print(json.dumps(dict(before=before, error=error, after="thermotheory.verify" in sys.modules)))
    """)
    assert not out["before"] and out["after"]
    assert "spans several models" in out["error"]


def test_lazy_names_pickle_into_a_fresh_interpreter():
    """What a worker process receives: functions and classes by reference, quantities by name."""
    import base64
    import pickle

    from thermotheory.workers import IN_WORKER  # noqa: F401  (the worker module imports)

    blob = base64.b64encode(pickle.dumps([tt.verify, tt.sweep, tt.simulate, tt.VerificationTable,
                                          tt.Trajectories, tt.heat_rate, tt.verify_all])).decode()
    out = _run(f"""
        import base64, json, pickle
        objs = pickle.loads(base64.b64decode({blob!r}))
        import thermotheory as tt
        print(json.dumps([a is b for a, b in zip(objs, [tt.verify, tt.sweep, tt.simulate, tt.VerificationTable,
                                                        tt.Trajectories, tt.heat_rate, tt.verify_all])]))
    """)
    assert out == [True] * 7


def test_lazy_module_reads_and_writes_the_real_module(monkeypatch):
    import scipy.linalg

    from thermotheory.core import _lazy, lyapunov

    assert lyapunov.sla is _lazy.scipy_linalg and lyapunov.sla.module is scipy.linalg
    assert lyapunov.sla.solve is scipy.linalg.solve and "solve" in dir(lyapunov.sla)
    monkeypatch.setattr(lyapunov.sla, "solve", "patched")  # what a test patching sla.solve does
    assert scipy.linalg.solve == "patched" and lyapunov.sla.solve == "patched"
    monkeypatch.undo()
    assert lyapunov.sla.solve is scipy.linalg.solve and callable(scipy.linalg.solve)
    with pytest.raises(AttributeError):
        lyapunov.sla.no_such_function  # noqa: B018
    fresh = _lazy.LazyModule("json")
    assert "imported on first use" in repr(fresh) and fresh.loads("[1]") == [1] and "loaded" in repr(fresh)


def test_numeric_solves_after_a_lazy_import_match_scipy():
    """The first numeric solve in a fresh interpreter imports scipy.linalg and gives scipy's answer."""
    out = _run("""
        import json, sys
        import numpy as np
        import thermotheory as tt
        before = "scipy.linalg" in sys.modules
        A = np.array([[-1.0, 0.0], [0.7, -2.0]]); D = np.diag([1.0, 0.5])
        S = tt.stationary_covariance(tt.LinearSDE.from_matrices(A, [1.0, 0.5]))
        import scipy.linalg
        ref = scipy.linalg.solve_continuous_lyapunov(A, -2 * D)
        print(json.dumps(dict(before=before, diff=float(np.max(np.abs(np.asarray(S, dtype=float) - ref))))))
    """)
    assert not out["before"] and out["diff"] < 1e-12
