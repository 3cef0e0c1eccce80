"""One BLAS thread for numeric problems of a few hundred variables.

OpenBLAS splits each matrix operation over all its threads. On matrices of a few hundred rows the threads spend
more time waiting on each other than working: on a 2-core machine every stationary quantity of a 200-variable
model took 1.4-2.4 times as long with two threads as with one, and a 400-variable model 1.6 times (issue #25,
``benchmarks/bench_core.py``). A numeric closed form on a model of at most :data:`SMALL_PROBLEM` variables
therefore runs with one BLAS thread; the caller's setting is restored when the last such call returns (calls from
several Python threads at once share one limit, counted, so none restores it while another still runs). OpenBLAS
may keep its count when a Python thread other than the main one sets it; then only the speed differs.

Without ``threadpoolctl`` (a dependency, so only in an unusual install) nothing is limited: the results are the
same, only slower. Set :data:`SMALL_PROBLEM` to 0 to leave the BLAS threads alone.
"""

from __future__ import annotations

import numbers
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ..errors import ModelError

#: Numeric problems of at most this many variables run with one BLAS thread (0: never limit).
SMALL_PROBLEM = 512

_lock = threading.Lock()
_active = 0
_limiter: Any = None
_controller: Any = None


def _blas_controller() -> Any:
    """threadpoolctl's controller of the BLAS libraries loaded (numpy's and scipy's), made once; None without it."""
    global _controller
    if _controller is None:
        try:
            from threadpoolctl import ThreadpoolController

            from ._lazy import scipy_linalg
            scipy_linalg.solve  # scipy's own BLAS is loaded before the libraries are listed
            _controller = ThreadpoolController()
        except Exception:  # no threadpoolctl, or it cannot read the libraries: no limit, the same results
            _controller = False
    return _controller or None


def is_small(size: int) -> bool:
    """Whether a numeric problem of ``size`` variables runs with one BLAS thread.

    Examples
    --------
    >>> is_small(200), is_small(2000)
    (True, False)
    """
    if isinstance(size, bool) or not isinstance(size, numbers.Integral) or size < 0:
        raise ModelError(f"a problem's size must be a number of variables (an int >= 0) but is {size!r:.60}")
    return 0 < size <= SMALL_PROBLEM


@contextmanager
def one_blas_thread(size: int) -> Iterator[None]:
    """Run the block with one BLAS thread when ``size`` (a number of variables) is at most :data:`SMALL_PROBLEM`.

    Examples
    --------
    >>> import numpy as np
    >>> with one_blas_thread(3):
    ...     float(np.linalg.det(np.eye(3)))
    1.0
    """
    global _active, _limiter
    if not is_small(size):
        yield
        return
    with _lock:
        if _active == 0:
            _limiter = _limit_to_one(_blas_controller())
        _active += 1
    try:
        yield
    finally:
        with _lock:
            _active -= 1
            if _active == 0 and _limiter is not None:
                limiter, _limiter = _limiter, None
                try:
                    limiter.restore_original_limits()
                except Exception:  # a library that refuses: the closed form's result stands, its threads as they are
                    pass


def _limit_to_one(controller: Any) -> Any:
    """threadpoolctl's limiter of ``controller``'s BLAS libraries to one thread, or None (no controller, or a library
    that refuses: those already limited are put back, so that nothing is left changed)."""
    if controller is None:
        return None
    try:
        before = [(lib, lib.num_threads) for lib in controller.lib_controllers if lib.user_api == "blas"]
    except Exception:
        return None
    try:
        return controller.limit(limits=1, user_api="blas")
    except Exception:
        for lib, n in before:
            try:
                lib.set_num_threads(n)
            except Exception:
                pass
        return None
