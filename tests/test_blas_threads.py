"""Small numeric problems run with one BLAS thread; the caller's setting comes back afterwards (issue #25).

The thread count is read inside a closed form with threadpoolctl; no timing is asserted
(benchmarks/bench_core.py prints the ratios).
"""

from __future__ import annotations

import threading

import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

import thermotheory as tt
from thermotheory.core import _threads


def _blas_threads() -> set[int]:
    return {lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"}


def _numeric(n: int):
    return tt.LinearSDE.from_matrices(-np.eye(n), np.ones(n))


@pytest.fixture
def probe(monkeypatch):
    """The heat rate's linear closed form replaced by one that records the BLAS threads it ran with."""
    seen = []

    def form(model, *args, **kwargs):
        seen.append(_blas_threads())
        return 0.0

    monkeypatch.setitem(tt.heat_rate.closed_forms, "linear", form)
    return seen


def test_numeric_closed_form_of_a_small_model_runs_with_one_blas_thread(probe):
    with threadpool_limits(limits=2, user_api="blas"):
        tt.heat_rate(_numeric(3), "z0")
        tt.heat_rate.of("z0").closed_form(_numeric(3))
        assert _blas_threads() == {2}  # the caller's setting is back
    assert probe == [{1}, {1}]


def test_large_or_symbolic_models_keep_the_callers_threads(probe, monkeypatch):
    import sympy as sp
    monkeypatch.setattr(_threads, "SMALL_PROBLEM", 2)
    x = sp.Symbol("x", real=True)
    k = sp.Symbol("k", positive=True)
    with threadpool_limits(limits=2, user_api="blas"):
        tt.heat_rate(_numeric(3), "z0")  # above the (lowered) size
        tt.heat_rate(tt.LinearSDE({x: -k * x}, {x: 1}), x)  # symbolic: no BLAS
    assert probe == [{2}, {2}]


def test_switched_off_with_zero(probe, monkeypatch):
    monkeypatch.setattr(_threads, "SMALL_PROBLEM", 0)
    with threadpool_limits(limits=2, user_api="blas"):
        tt.heat_rate(_numeric(3), "z0")
    assert probe == [{2}]


def test_an_error_inside_restores_the_threads(monkeypatch):
    def form(model, *args, **kwargs):
        raise tt.ModelError("refused")

    monkeypatch.setitem(tt.heat_rate.closed_forms, "linear", form)
    with threadpool_limits(limits=2, user_api="blas"):
        with pytest.raises(tt.ModelError, match="refused"):
            tt.heat_rate(_numeric(3), "z0")
        assert _blas_threads() == {2}


def test_overlapping_calls_from_two_threads_restore_once_both_are_done():
    """The first caller out must not restore the threads while the other still runs (a counted limit)."""
    inside, first_left = threading.Barrier(2, timeout=20), threading.Event()
    leave_first, seen = threading.Event(), {}

    def first():
        with _threads.one_blas_thread(3):
            inside.wait()
            leave_first.wait(20)
        first_left.set()

    def second():
        with _threads.one_blas_thread(3):
            inside.wait()
            leave_first.set()
            first_left.wait(20)
            seen["second_after_first"] = (_threads._active, _threads._limiter is not None)

    with threadpool_limits(limits=2, user_api="blas"):
        threads = [threading.Thread(target=f, daemon=True) for f in (first, second)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        assert not any(t.is_alive() for t in threads)
        assert seen["second_after_first"] == (1, True)  # still limited for the second (OpenBLAS's own count
        assert _threads._active == 0 and _threads._limiter is None  # read from a thread is not reliable)
        assert _blas_threads() == {2}


def test_results_are_the_same_with_and_without_the_limit(monkeypatch):
    rng = np.random.default_rng(3)
    n = 40
    A = -np.eye(n) + 0.3 / np.sqrt(n) * rng.standard_normal((n, n))
    d = rng.uniform(0.5, 1.5, n)
    X, Y = [f"z{i}" for i in range(20)], [f"z{i}" for i in range(20, n)]

    def quantities():
        m = tt.LinearSDE.from_matrices(A, d)  # a new model: nothing is remembered from the other run
        return tt.mutual_information(m, X, Y), tt.transfer_entropy_rate(m, X, Y), tt.entropy_production_rate(m)

    limited = quantities()
    monkeypatch.setattr(_threads, "SMALL_PROBLEM", 0)
    np.testing.assert_allclose(limited, quantities(), rtol=1e-10)


def test_a_controller_that_fails_leaves_the_threads_alone_and_the_results_right(monkeypatch):
    class Refusing:
        def limit(self, **kwargs):
            raise RuntimeError("cannot set the threads")

    monkeypatch.setattr(_threads, "_controller", Refusing())
    m = _numeric(3)
    with threadpool_limits(limits=2, user_api="blas"):
        assert tt.mutual_information(m, "z0", "z1") == pytest.approx(0.0, abs=1e-12)
        assert _blas_threads() == {2} and _threads._active == 0


@pytest.mark.parametrize("size", ["200", 2.5, -1, True, None, float("nan")])
def test_a_size_that_is_no_number_of_variables_is_refused_by_name(size):
    with pytest.raises(tt.ModelError, match="number of variables"):
        with _threads.one_blas_thread(size):
            pass
    assert _threads._active == 0


def test_a_restore_that_fails_leaves_the_result_and_no_stale_state(monkeypatch):
    class Limiter:
        def restore_original_limits(self):
            raise RuntimeError("restore failed")

    class Controller:
        lib_controllers = ()

        def limit(self, **kwargs):
            return Limiter()

    monkeypatch.setattr(_threads, "_controller", Controller())
    m = _numeric(3)
    assert tt.mutual_information(m, "z0", "z1") == pytest.approx(0.0, abs=1e-12)
    assert _threads._active == 0 and _threads._limiter is None


def test_a_limit_that_fails_halfway_puts_back_what_it_changed(monkeypatch):
    class Lib:
        user_api = "blas"

        def __init__(self):
            self.num_threads = 2

        def set_num_threads(self, n):
            self.num_threads = n

    libs = [Lib(), Lib()]

    class Controller:
        lib_controllers = libs

        def limit(self, **kwargs):
            libs[0].set_num_threads(1)
            raise RuntimeError("the second library refused")

    monkeypatch.setattr(_threads, "_controller", Controller())
    with _threads.one_blas_thread(3):
        pass
    assert [lib.num_threads for lib in libs] == [2, 2]
