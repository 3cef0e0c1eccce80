"""Independent tasks in worker processes of this machine or on a Dask cluster (what ``verify`` and ``sweep`` share).

A task is a module-level function and its arguments; the tasks are independent (each
Monte Carlo check has its own seed), so their results do not depend on where they run:
in this process, in :class:`Pool`'s worker processes, or on the workers of a Dask cluster
(:func:`run_tasks` with ``scheduler=``).

The worker processes of this machine are fresh Python interpreters that import
``thermotheory`` and receive the pickled tasks on a pipe. Unlike a ``multiprocessing`` pool
started by "spawn" or "forkserver", they never import the caller's ``__main__``, so a plain
script without an ``if __name__ == "__main__":`` guard is not run again in each worker;
unlike "fork", they do not copy a process that may have threads running (a notebook
kernel, a Dask client, BLAS). Tasks that refer to something defined in ``__main__`` (a
function of the script or notebook), which no other process can import, or that do not
pickle, run in this process with a warning. Warnings raised by a task in a worker are
raised again here, as if the task had run here; an error is raised here as it was raised
there (its traceback in the worker is the cause).
"""

from __future__ import annotations

import collections
import os
import pickle
import queue
import socket
import subprocess
import sys
import threading
import traceback
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures.process import BrokenProcessPool
from typing import IO, Any

from .errors import InvalidWorkers, ModelError, SchedulerUnreachable

__all__ = ["Pool", "Batch", "Pending", "Splitter", "run_tasks", "submit_tasks", "check_workers", "cpu_count", "connect",
           "CONNECT_TIMEOUT"]

#: Arguments of the last tasks that a worker process keeps alive (the models among them keep their caches).
KEEP_TASKS = 16

#: Seconds to wait for a Dask scheduler to answer before :class:`~thermotheory.errors.SchedulerUnreachable`.
CONNECT_TIMEOUT = 5.0


def cpu_count() -> int:
    """The CPUs this process may use (its affinity where the platform tells it), at least 1.

    Examples
    --------
    >>> cpu_count() >= 1
    True
    """
    counter = getattr(os, "process_cpu_count", None)  # Python 3.13
    if counter is not None:
        return counter() or 1
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):  # pragma: no cover - platforms without affinity
        return os.cpu_count() or 1


def check_workers(workers: Any, name: str = "workers") -> int | None:
    """``workers`` as a positive whole number (None stays None), or :class:`~thermotheory.errors.InvalidWorkers`.

    Examples
    --------
    >>> check_workers(2), check_workers(None)
    (2, None)
    >>> check_workers(0)
    Traceback (most recent call last):
    ...
    thermotheory.errors.InvalidWorkers: workers: expected a positive whole number ... but found 0
    """
    if workers is None:
        return None
    whole = isinstance(workers, int) or (hasattr(workers, "__index__") and not isinstance(workers, float))
    if isinstance(workers, bool) or not whole or int(workers) < 1:
        raise InvalidWorkers(f"{name}: expected a positive whole number of worker processes (or None for the "
                             f"default) but found {workers!r}")
    return int(workers)


def _client_type():
    try:
        from distributed import Client
    except ImportError:  # pragma: no cover - depends on the installation
        raise ModelError("a Dask scheduler needs dask.distributed: pip install 'dask[distributed]'") from None
    return Client


def connect(scheduler: Any, timeout: float | None = None) -> tuple[Any, bool]:
    """``(client, own)``: a ``distributed.Client`` for an address, or the client given (``own`` False).

    An address that does not answer within ``timeout`` seconds (default
    :data:`CONNECT_TIMEOUT`), or is not an address, ends in
    :class:`~thermotheory.errors.SchedulerUnreachable`; something that is neither an address
    nor a client in :class:`~thermotheory.errors.InvalidWorkers`. A client made here is
    closed by the caller (``own`` True).
    """
    Client = _client_type()
    if isinstance(scheduler, Client):
        return scheduler, False
    if not isinstance(scheduler, str) or not scheduler.strip():
        raise InvalidWorkers(f"scheduler: expected a Dask scheduler address such as 'tcp://host:8786' or a "
                             f"distributed.Client but found {scheduler!r}")
    timeout = CONNECT_TIMEOUT if timeout is None else timeout

    def unreachable(why: str) -> SchedulerUnreachable:
        return SchedulerUnreachable(
            f"scheduler: no Dask scheduler answered at {scheduler!r} within {timeout:g} s ({why}); start one "
            f"(`dask scheduler`, then `dask worker {scheduler}`) or leave scheduler= out to run on this machine")

    address = scheduler.strip()
    if "://" not in address or address.startswith("tcp://"):  # a port that nothing listens on fails at once
        host, _, port = address.removeprefix("tcp://").rpartition(":")
        try:
            socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
        except (OSError, ValueError) as exc:
            raise unreachable(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__) from None
    try:
        client = _quiet_client(Client)(address, timeout=timeout, set_as_default=False)
    except Exception as exc:  # not a Dask scheduler, a malformed address, a timeout, ...
        raise unreachable(f"{type(exc).__name__}: {exc}") from None
    return client, True


def _quiet_client(Client: type) -> type:
    """``distributed.Client`` whose clean-up, when its connection failed half-way, raises nothing at exit."""

    class QuietClient(Client):
        def __del__(self) -> None:
            try:
                super().__del__()
            except Exception:  # the connection never opened: nothing to close
                pass

    return QuietClient


# The worker: the parent's sys.path (so that it imports the same thermotheory and the modules beside the
# caller's script), then the loop that answers pickled tasks.
#: True in a worker process of this module (its siblings take the other CPUs: no extra threads there).
IN_WORKER = False

_WORKER = "import sys; sys.path[:] = {path!r}; from thermotheory.workers import _serve; _serve()"


def _send(stream: IO[bytes], data: bytes) -> None:
    stream.write(len(data).to_bytes(8, "little"))
    stream.write(data)
    stream.flush()


def _receive(stream: IO[bytes]) -> bytes | None:
    """One message, or None at the end of the stream (the other side closed it or died)."""
    head = stream.read(8)
    if len(head) < 8:
        return None
    size = int.from_bytes(head, "little")
    data = stream.read(size)
    return data if len(data) == size else None


def _call(function: Callable[..., Any], task: tuple) -> tuple[Any, list]:
    """``function(*task)`` and the warnings it raised, as ``(category, message)`` pairs to raise again elsewhere."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = function(*task)
    return result, [(w.category, str(w.message)) for w in caught]


def _rewarn(caught: list) -> None:
    for category, message in caught:
        warnings.warn(message, category, stacklevel=2)


def _serve() -> None:
    """Worker process: answer each pickled ``(function, task)`` on stdin until EOF.

    The reply is ``("ok", result, warnings)`` or ``("error", exception, traceback)``.
    """
    global IN_WORKER
    IN_WORKER = True
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything the tasks print goes to stderr, never into the replies
    # the last tasks' arguments stay alive: the closed forms cached per model (weakly, by value) then serve the
    # next tasks on an equal model, as they do when the tasks run one after the other in one process
    recent: collections.deque = collections.deque(maxlen=KEEP_TASKS)
    while (data := _receive(sys.stdin.buffer)) is not None:
        try:
            function, task = pickle.loads(data)
            recent.append(task)
            reply = ("ok", *_call(function, task))
        except Exception as exc:
            reply = ("error", exc, traceback.format_exc())
        try:
            message = pickle.dumps(reply)
        except Exception:  # a result, warning or exception that does not pickle: send a traceback
            trace = reply[2] if reply[0] == "error" else traceback.format_exc()
            message = pickle.dumps(("error", None, trace))
        _send(replies, message)


class _WorkerTraceback(Exception):
    """The traceback of an error raised in a worker process (the cause of the error raised here)."""

    def __str__(self) -> str:
        return "\n" + self.args[0]


class Batch:
    """Tasks submitted together to a :class:`Pool`: :meth:`result` waits for them and gives their results in order."""

    def __init__(self, size: int, on_done: Callable[[int], None] | None) -> None:
        self.replies: list[Any] = [None] * size
        self.left = size
        self.cancelled = False  # a task failed: the tasks not yet started are skipped
        self._on_done = on_done
        self._lock = threading.Lock()
        self._done = threading.Event()
        if size == 0:
            self._done.set()

    def _finish(self, i: int, reply: Any) -> None:
        with self._lock:
            self.replies[i] = reply
            if reply is not None and reply[0] != "ok":
                self.cancelled = True
            elif reply is not None and self._on_done is not None:
                try:
                    self._on_done(i)
                except Exception:  # a progress display that fails does not stop the tasks
                    pass
            self.left -= 1
            if self.left == 0:
                self._done.set()

    def result(self) -> list[Any]:
        """The results in the tasks' order, once all have finished; a task's error is raised here as it was there."""
        while not self._done.wait(0.1):  # in short waits, so that Ctrl-C reaches this thread
            pass
        for reply in self.replies:  # the first error in the tasks' order
            if reply is not None and reply[0] != "ok":
                if reply[0] == "broken":
                    raise BrokenProcessPool(reply[1])
                _, exc, trace = reply
                if exc is None:
                    raise BrokenProcessPool(f"a task failed in a worker process:\n{trace}")
                raise exc from _WorkerTraceback(trace)
        for reply in self.replies:
            _rewarn(reply[2])
        return [reply[1] for reply in self.replies]


class Pool:
    """Fresh worker interpreters of this machine, started at the first task and kept until :meth:`close`.

    Each worker process takes the next task as soon as it is free, whichever :meth:`submit`
    call it came from, so batches submitted one after the other keep every worker busy.

    Parameters
    ----------
    workers : int
        Number of worker processes (a positive whole number).

    Examples
    --------
    >>> import operator
    >>> with Pool(2) as pool:
    ...     first = pool.submit(operator.add, [(1, 2), (3, 4)])
    ...     second = pool.submit(operator.mul, [(5, 6)])
    ...     first.result(), second.result(), pool.map(operator.sub, [(9, 1)])
    ([3, 7], [30], [8])
    """

    def __init__(self, workers: int) -> None:
        self.workers = check_workers(workers)
        if self.workers is None:
            raise InvalidWorkers("workers: a Pool needs a positive whole number of worker processes")
        self._procs: list[subprocess.Popen] = []
        self._threads: list[threading.Thread] = []
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._alive = 0
        self._lock = threading.Lock()

    def _start(self) -> None:
        if self._threads:
            return
        command = [sys.executable, "-c", _WORKER.format(path=list(sys.path))]
        for _ in range(self.workers):
            proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
            self._procs.append(proc)
            thread = threading.Thread(target=self._drive, args=(proc,), daemon=True)
            self._threads.append(thread)
            self._alive += 1
            thread.start()

    def _drive(self, proc: subprocess.Popen) -> None:
        """Feed one worker process the next task until the pool closes or the process dies."""
        while (item := self._queue.get()) is not None:
            batch, i, data = item
            if batch.cancelled:
                batch._finish(i, None)
                continue
            try:
                _send(proc.stdin, data)
                reply = _receive(proc.stdout)
            except (OSError, ValueError):  # the worker died, or the pool was closed under it
                reply = None
            if reply is None:
                batch._finish(i, ("broken", f"a worker process ended abruptly (exit code {proc.wait()}); its "
                                            "error output is above"))
                with self._lock:
                    self._alive -= 1
                    last = self._alive == 0
                if last:  # no worker is left to take the tasks still queued
                    self._drain()
                return
            try:
                answer = pickle.loads(reply)
            except Exception as exc:  # a result that does not unpickle here: the task's error, not a dead thread
                answer = ("error", exc, traceback.format_exc())
            batch._finish(i, answer)

    def _drain(self) -> None:
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return
            if item is not None:
                item[0]._finish(item[1], ("broken", "the worker processes ended before this task ran"))

    def submit(self, function: Callable[..., Any], tasks: Sequence[tuple],
               on_done: Callable[[int], None] | None = None) -> Batch:
        """Queue ``function(*task)`` for each task; the :class:`Batch` returned gives the results.

        ``function`` and the tasks must pickle (``function`` defined in a module that the
        workers can import); ``on_done(i)`` is called (from a thread of this process) as task
        ``i`` finishes. A task's error is raised by :meth:`Batch.result` as it was raised in
        the worker (the tasks of its batch not yet started are skipped); its warnings are
        raised there again.
        """
        payloads = [pickle.dumps((function, tuple(task))) for task in tasks]
        batch = Batch(len(payloads), on_done)
        if payloads:
            self._start()
            if self._alive == 0:
                raise BrokenProcessPool("the worker processes of this pool have ended")
            for i, data in enumerate(payloads):
                self._queue.put((batch, i, data))
        return batch

    def map(self, function: Callable[..., Any], tasks: Sequence[tuple],
            on_done: Callable[[int], None] | None = None) -> list[Any]:
        """``[function(*task) for task in tasks]``, computed in the worker processes (:meth:`submit`)."""
        batch = self.submit(function, tasks, on_done)
        try:
            return batch.result()
        except KeyboardInterrupt:  # no worker goes on in the background
            self.close(kill=True)
            raise

    def close(self, kill: bool = False) -> None:
        """End the worker processes (at once with ``kill``; else once they have finished the tasks queued)."""
        procs, threads = self._procs, self._threads
        self._procs, self._threads = [], []
        if kill:
            for proc in procs:
                proc.kill()
        for _ in threads:
            self._queue.put(None)
        for thread in threads:
            thread.join()
        self._drain()
        for proc in procs:
            try:
                proc.stdin.close()
            except OSError:  # pragma: no cover - it died already
                pass
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:  # pragma: no cover - a worker stuck in a task
                proc.kill()
                proc.wait()
            proc.stdout.close()
        self._alive = 0

    def __enter__(self) -> "Pool":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close(kill=exc[0] is not None)

    def __del__(self) -> None:
        if getattr(self, "_procs", None):
            self.close(kill=True)


def _picklable(function: Callable[..., Any], tasks: Sequence[tuple], what: str, stacklevel: int) -> bool:
    """Whether worker processes can receive the tasks; a warning saying why not when they cannot."""
    try:
        payloads = [pickle.dumps((function, tuple(t))) for t in tasks]
    except Exception as exc:  # a local function or class, a lambda: no other process can receive it
        why = f"they do not pickle ({exc})"
    else:
        if not any(b"__main__" in p for p in payloads):
            return True
        why = "they refer to something defined in __main__, which worker processes cannot import"
    warnings.warn(f"{what}: the checks run in this process, not in worker processes: {why}; define the quantity "
                  "or model in a module to run them in parallel", UserWarning, stacklevel=stacklevel + 1)
    return False


def run_tasks(function: Callable[..., Any], tasks: Sequence[tuple], workers: int | Pool | None = None,
              scheduler: Any = None, on_done: Callable[[int], None] | None = None, what: str = "run_tasks",
              stacklevel: int = 2) -> list[Any]:
    """``[function(*task) for task in tasks]`` here, in worker processes or on a Dask cluster, in the tasks' order.

    Parameters
    ----------
    function : callable
        A module-level function (the workers import it by name).
    tasks : sequence of tuple
        Its arguments, one tuple per task.
    workers : int or Pool, optional
        Worker processes of this machine (a :class:`Pool` to reuse its processes); 1 or
        None runs in this process, and so do tasks that cannot reach a worker (a warning
        says why).
    scheduler : str or distributed.Client, optional
        A Dask scheduler address (``"tcp://host:8786"``) or client: the tasks run on its
        workers (not with ``workers``).
    on_done : callable, optional
        Called with the index of each task as it finishes (here and in worker processes).
    what : str
        The caller's name, for messages.

    Examples
    --------
    >>> import operator
    >>> run_tasks(operator.mul, [(2, 3), (4, 5)], workers=1)
    [6, 20]
    """
    return submit_tasks(function, tasks, workers, scheduler, on_done, what, stacklevel + 1).result()


class Pending:
    """Tasks under way (:func:`submit_tasks`): :meth:`result` waits for them; :meth:`cancel` gives them up."""

    def __init__(self, wait: Callable[[], list[Any]], cancel: Callable[[], None] = lambda: None,
                 finish: Callable[[], None] = lambda: None) -> None:
        self._wait, self._cancel, self._finish = wait, cancel, finish

    def result(self) -> list[Any]:
        """The results in the tasks' order; a task's error is raised here (the tasks left are given up)."""
        try:
            return self._wait()
        except BaseException:
            self._cancel()
            raise
        finally:
            self._finish()

    def cancel(self) -> None:
        """Give the tasks up (a pool made for them is killed) and free what was held for them."""
        try:
            self._cancel()
        finally:
            self._finish()


def submit_tasks(function: Callable[..., Any], tasks: Sequence[tuple], workers: int | Pool | None = None,
                 scheduler: Any = None, on_done: Callable[[int], None] | None = None, what: str = "submit_tasks",
                 stacklevel: int = 2) -> Pending:
    """Start :func:`run_tasks`'s work and return at once: this process is free until :meth:`Pending.result`.

    In this process (one worker, or tasks that cannot reach a worker) the tasks run when the
    result is asked for.

    Examples
    --------
    >>> import operator
    >>> pending = submit_tasks(operator.mul, [(2, 3), (4, 5)], workers=2)
    >>> pending.result()
    [6, 20]
    """
    if scheduler is not None:
        if workers is not None:
            raise InvalidWorkers(f"{what}: give workers= (processes of this machine) or scheduler= (a Dask cluster), "
                                 "not both")
        client, own = connect(scheduler)
        futures = client.map(_call, [function] * len(tasks), [tuple(t) for t in tasks], pure=False)

        def gather() -> list[Any]:
            out = client.gather(futures)
            for i, (_, caught) in enumerate(out):
                _rewarn(caught)
                if on_done is not None:
                    on_done(i)
            return [result for result, _ in out]

        return Pending(gather, lambda: client.cancel(futures), client.close if own else (lambda: None))
    pool = workers if isinstance(workers, Pool) else None
    count = pool.workers if pool is not None else (check_workers(workers) or 1)
    if count > 1 and len(tasks) > 1 and sys.executable and _picklable(function, tasks, what, stacklevel + 1):
        own = pool is None
        pool = Pool(min(count, len(tasks))) if own else pool
        try:
            batch = pool.submit(function, tasks, on_done)
        except BaseException:
            if own:
                pool.close(kill=True)
            raise
        cancel = (lambda: pool.close(kill=True)) if own else (lambda: setattr(batch, "cancelled", True))
        return Pending(batch.result, cancel, pool.close if own else (lambda: None))

    def here() -> list[Any]:
        out = []
        for i, task in enumerate(tasks):
            out.append(function(*task))
            if on_done is not None:
                on_done(i)
        return out

    return Pending(here)


class Splitter:
    """Worker processes of this machine, or a Dask cluster, lent to the parts of one run (one check's blocks of paths).

    What :func:`thermotheory.montecarlo.simulate.shared_blocks` needs: ``parts`` (how many
    ranges to split a run into: the workers, or the threads of the cluster's workers),
    ``remote`` (True for a cluster: even one range runs there), ``cpu`` (CPU seconds that the
    parts reported, added to by the caller) and :meth:`map`. The processes start at the first
    :meth:`map` (a run that never splits starts none) and end with :meth:`close` (or the
    ``with``); a :class:`Pool` or ``distributed.Client`` given is lent and left open.

    Parameters
    ----------
    workers : int or Pool, optional
        Worker processes (a positive whole number), or a pool to borrow.
    scheduler : str or distributed.Client, optional
        A Dask scheduler address or client (not with ``workers``).

    Examples
    --------
    >>> import operator
    >>> with Splitter(2) as split:
    ...     split.parts, split.map(operator.add, [(1, 2), (3, 4)])
    (2, [3, 7])
    """

    def __init__(self, workers: int | Pool | None = None, scheduler: Any = None) -> None:
        self.cpu = 0.0
        self._pool: Pool | None = workers if isinstance(workers, Pool) else None
        self._own_pool = False
        self.client, self._own_client = None, False
        if scheduler is not None:
            if workers is not None:
                raise InvalidWorkers("verify: give workers= (processes of this machine) or scheduler= (a Dask "
                                     "cluster), not both")
            self.client, self._own_client = connect(scheduler)
            try:
                info = self.client.scheduler_info().get("workers", {})
                self.parts = max(1, sum(int(w.get("nthreads", 1)) for w in info.values()))
            except Exception:  # an answer without the workers' threads: one part per worker we cannot count
                self.parts = 1
            self.remote = True
            return
        self.remote = False
        self.parts = self._pool.workers if self._pool is not None else (check_workers(workers) or 1)

    def map(self, function: Callable[..., Any], tasks: Sequence[tuple]) -> list[Any]:
        """``[function(*task) for task in tasks]`` on the workers (the results in the tasks' order)."""
        if self.client is not None:
            return run_tasks(function, tasks, scheduler=self.client, what="verify", stacklevel=3)
        if self._pool is None and self.parts > 1 and len(tasks) > 1:
            self._pool, self._own_pool = Pool(self.parts), True
        return run_tasks(function, tasks, workers=self._pool, what="verify", stacklevel=3)

    def close(self) -> None:
        """End the processes started here (a pool or client given is left open)."""
        if self._own_pool and self._pool is not None:
            self._pool.close()
            self._pool, self._own_pool = None, False
        if self._own_client and self.client is not None:
            self.client.close()
            self.client, self._own_client = None, False

    def __enter__(self) -> "Splitter":
        return self

    def __exit__(self, *exc: Any) -> None:
        if exc[0] is not None and self._own_pool and self._pool is not None:
            self._pool.close(kill=True)
            self._pool, self._own_pool = None, False
        self.close()
