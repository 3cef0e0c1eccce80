"""The ``thermotheory`` command line: list, derive, verify, report and plot the catalog's models.

Every subcommand has ``--help``. Unknown models, quantities and parameters end with a
message naming the known ones and exit status 2, and so do parameter values that are not
finite or break the symbol's assumptions (a negative time constant), files that cannot be
written, and any other :class:`~thermotheory.errors.ModelError` (one line, no traceback); a
failed Monte Carlo check exits with 1. With ``verify --all``, ``--set NAME=VALUE`` changes the
models that have the parameter ``NAME`` (named on stderr) and is an error only if none has it.
``verify --workers N`` shares the checks out among N worker processes (default: one per CPU
with ``--all``), ``verify --scheduler tcp://host:8786`` among the workers of a Dask
cluster; the tables are the same as in one process (:mod:`thermotheory.workers`).
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

import sympy as sp

from .catalog import CATALOG, CatalogEntry, check_value, entry, parameter
from .core.evaluate import latex
from .core.presentation import compact, within_domain
from .errors import ModelError
from .export.layout import plain_text
from .export.report import report_tex
from .verify import auto_workers
from .workers import Pool, check_workers, connect, cpu_count, run_tasks

__all__ = ["main", "build_parser", "report_tex"]


def _progress(done: int, total: int, label: str, stream: TextIO) -> None:
    width = 24
    filled = int(width * done / max(total, 1))
    stream.write(f"\r[{'#' * filled}{'-' * (width - filled)}] {done}/{total} {label[:40]:<40}")
    if done == total:
        stream.write("\n")
    stream.flush()


def _overrides(pairs: Sequence[str]) -> dict[str, float]:
    out = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep:
            raise ModelError(f"--set expects NAME=VALUE but found {pair!r}")
        try:
            number = float(value)
        except ValueError:
            raise ModelError(f"--set {name}: expected a number but found {value!r}") from None
        if not math.isfinite(number):
            raise ModelError(f"--set {name}: expected a finite number but found {value!r}")
        out[name.strip()] = number
    return out


def _values_per_model(items: Sequence[CatalogEntry], overrides: dict[str, float], stream: TextIO) -> list[dict]:
    """Each model's values with the overrides that it has a parameter for.

    One model: every override must be its parameter. Several (``--all``): an override goes
    to the models that have the parameter (named on ``stream``), and is an error only when
    none has it. Every value is checked before any model runs.
    """
    if len(items) == 1:
        return [items[0].values(overrides)]
    has = {name: [item.name for item in items if any(s.name == name for s in item.defaults)] for name in overrides}
    for name, takers in has.items():
        if not takers:
            known = sorted({s.name for item in items for s in item.defaults})
            raise ModelError(f"--set {name}: no model has a parameter {name!r}; the parameters are: {', '.join(known)}")
    values = [item.values({n: v for n, v in overrides.items() if item.name in has[n]}) for item in items]
    for name, takers in has.items():
        stream.write(f"--set {name}={overrides[name]:g} applies to: {', '.join(takers)}\n")
    return values


def _output(path: Path) -> Path:
    """``path`` ready to be written: its folder created, a clear error when that cannot be."""
    if path.is_dir():
        raise ModelError(f"cannot write {str(path)!r}: it is a folder; give a file name")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        reason = exc.strerror or exc
        raise ModelError(f"cannot create the folder {str(path.parent)!r} for {str(path)!r}: {reason}") from None
    return path


def _write(path: Path, write) -> None:
    try:
        write(path)
    except OSError as exc:
        raise ModelError(f"cannot write {str(path)!r}: {exc.strerror or exc}") from None


def _cmd_list(args: argparse.Namespace, out: TextIO) -> int:
    for name in CATALOG:
        item = entry(name)
        params = ", ".join(f"{s.name}={v:g}" for s, v in item.defaults.items())
        out.write(f"{name}: {plain_text(item.description)}\n  model: {_kind(item)}\n  parameters (defaults): {params}\n"
                  f"  quantities: {', '.join(item.quantities)}\n")
    return 0


def _kind(item: CatalogEntry) -> str:
    return f"{item.kind_label}, {item.regime}"


def _cmd_derive(args: argparse.Namespace, out: TextIO) -> int:
    item = entry(args.model)
    names = [args.quantity] if args.quantity else list(item.quantities)
    for name in names:
        item.quantity(name)  # an unknown name fails before any closed form is derived
    overrides = _overrides(args.set)
    values = item.values(overrides)
    approximated = item.approximated()
    if approximated and any(item.approximation(n) == approximated for n in names):
        sys.stderr.write(f"{item.name}: closed forms of the {approximated}\n")
    for name in names:
        if item.numeric:
            value = item.closed_form(name, values)
            out.write(f"{name} = {value:.10g}\n")
            continue
        expr = item.closed_form(name)
        given = {parameter(item, n): values[parameter(item, n)] for n in overrides}
        if given:
            expr = expr.subs(given)
        with within_domain(item.domain()):  # (a binary synapse's 0 < f < 1)
            expr = compact(expr)  # the presentation pass: same value, readable
        out.write(f"{name} = {latex(expr) if args.latex else expr}\n")
    return 0


def _check_one(model: str, name: str, values, paths: int | None, seed: int, z_max: float, budget: float | None,
               rtol: float | None):
    """One check of a catalog entry (a task of :mod:`thermotheory.workers`: it pickles by the entry's name)."""
    return entry(model).check(name, values, paths=paths, seed=seed, z_max=z_max, budget=budget, rtol=rtol)


class _Bar:
    """One progress bar over the checks of several entries (their checks queued together on worker processes)."""

    def __init__(self, total: int, stream: TextIO | None) -> None:
        self.total, self.done, self.stream = total, 0, stream
        if stream is not None:
            _progress(0, total, "", stream)

    def tick(self, label: str) -> None:
        self.done += 1
        if self.stream is not None:
            _progress(self.done, self.total, "done" if self.done == self.total else label, self.stream)


class _Queued:
    """An entry's checks queued on a :class:`~thermotheory.workers.Pool`: :meth:`table` waits for them."""

    def __init__(self, batch: Any) -> None:
        self.batch = batch

    def table(self):
        from .verify import VerificationTable

        return VerificationTable(self.batch.result())


def _checked(item: CatalogEntry) -> list[str]:
    return [n for n in item.quantities if n not in item.unchecked()]


def _verify_entry(item: CatalogEntry, values, paths: int | None, seed: int, z_max: float,
                  progress: TextIO | _Bar | None, budget: float | None = None, rtol: float | None = None,
                  workers: Any = None, scheduler: Any = None):
    """The entry's table: its checks (seeds ``seed``, ``seed + 1``, ...) shared out as by ``verify_all``.

    With a :class:`~thermotheory.workers.Pool` as ``workers`` the checks are queued and a
    :class:`_Queued` comes back at once (its ``table()`` waits), so that the checks of the
    next entries keep the workers busy; ``progress`` is then a :class:`_Bar` over all of them.
    """
    from .verify import VerificationTable

    names = _checked(item)
    tasks = [(item.name, name, values, paths, seed + i, z_max, budget, rtol) for i, name in enumerate(names)]
    if isinstance(workers, Pool):
        bar = progress if isinstance(progress, _Bar) else _Bar(len(names), progress)
        return _Queued(workers.submit(_check_one, tasks, on_done=lambda i: bar.tick(f"{item.name}: {names[i]}")))
    done: list[int] = []

    def tick(i: int) -> None:
        done.append(i)
        if progress is not None:
            _progress(len(done), len(names), "done" if len(done) == len(names) else names[i], progress)

    if progress is not None:
        _progress(0, len(names), names[0] if names else "done", progress)
    return VerificationTable(run_tasks(_check_one, tasks, workers=workers, scheduler=scheduler, on_done=tick,
                                       what="verify"))


def _cmd_verify(args: argparse.Namespace, out: TextIO) -> int:
    if args.all == bool(args.model):
        raise ModelError("verify: give one MODEL or --all")
    items = [entry(name) for name in (CATALOG if args.all else [args.model])]
    per_model = _values_per_model(items, _overrides(args.set), sys.stderr)
    workers = check_workers(args.workers, "--workers")
    if args.scheduler is not None and workers is not None:
        raise ModelError("verify: give --workers (processes of this machine) or --scheduler (a Dask cluster), not both")
    if workers is None and args.scheduler is None:  # every model: one worker per CPU; one model: as verify_all
        checks = sum(len(item.quantities) for item in items)
        workers = cpu_count() if args.all else auto_workers(None, None, checks, {"budget": args.budget})
    client, own = connect(args.scheduler) if args.scheduler is not None else (None, False)
    pool = Pool(workers) if client is None and workers > 1 else None  # started at its first check
    stream = None if args.quiet else sys.stderr
    progress = _Bar(sum(len(_checked(item)) for item in items), stream) if pool is not None else stream
    ok = True
    try:
        def run(item: CatalogEntry, values) -> Any:
            return _verify_entry(item, values, args.paths, args.seed, args.z_max, progress, args.budget, args.rtol,
                                 pool if pool is not None else (1 if client is None else None), client)

        # with a pool, every entry's checks are queued first (each worker takes the next check, whichever entry
        # it belongs to) and the tables are read in order; else each entry's table is printed as it is made
        queued = [run(item, values) for item, values in zip(items, per_model)] if pool is not None else None
        for k, (item, values) in enumerate(zip(items, per_model)):
            table = run(item, values) if queued is None else queued[k]
            table = table.table() if isinstance(table, _Queued) else table
            out.write(f"{item.name}\n{table}\n")
            if item.unchecked():
                left = ", ".join(item.unchecked())
                out.write(f"not checked (no Monte Carlo estimator: a constant of the model): {left}\n")
            ok = ok and table.passed
    finally:
        if pool is not None:
            pool.close(kill=True)  # after an error or Ctrl-C, no check goes on in the background
        if own:
            client.close()
    return 0 if ok else 1


def _cmd_report(args: argparse.Namespace, out: TextIO) -> int:
    item = entry(args.model)
    path = _output(Path(args.output))  # before the Monte Carlo runs
    table = None
    if not args.no_verify:
        table = _verify_entry(item, item.values(), args.paths, args.seed, 4.0, None if args.quiet else sys.stderr)
    tex = report_tex(item, table)
    _write(path, lambda p: p.write_text(tex))
    out.write(f"wrote {path}\n")
    return 0 if table is None or table.passed else 1


def _cmd_plot(args: argparse.Namespace, out: TextIO) -> int:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:  # pragma: no cover - depends on the installation
        raise ModelError("plot needs matplotlib: pip install thermotheory[plot]") from None
    from .plot import plot_along

    item = entry(args.model)
    item.quantity(args.quantity)
    par = parameter(item, args.vary)
    values = item.values(_overrides(args.set))
    lo, hi = args.range if args.range else (values[par] / 2, values[par] * 2)
    lo, hi = check_value(par, lo, item.name), check_value(par, hi, item.name)
    if args.points < 0:
        raise ModelError(f"--points: expected a number of Monte Carlo points >= 0 but found {args.points}")
    path = _output(Path(args.output or f"{item.name}_{args.quantity}_{par.name}.png"))
    curve = item.curve(args.quantity, par, values)
    if not args.quiet and args.points:
        sys.stderr.write(f"Monte Carlo at {args.points} values of {par.name} ...\n")

    def check(x: float, i: int):
        return item.check(args.quantity, {**values, par: x}, paths=args.paths, seed=args.seed + i)

    ax, _ = plot_along(curve, check, low=lo, high=hi, points=args.points, integer=bool(par.is_integer),
                       xlabel=f"${sp.latex(par)}$")
    ax.set_ylabel(f"${item.notation(args.quantity)}$")
    ax.set_title(item.name, fontsize=10)
    ax.figure.tight_layout()
    try:
        _write(path, lambda p: ax.figure.savefig(p, dpi=120))
    finally:
        plt.close(ax.figure)
    out.write(f"wrote {path}\n")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``thermotheory`` command."""
    p = argparse.ArgumentParser(prog="thermotheory", description="Closed forms and Monte Carlo checks of "
                                "information-thermodynamic models.")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="the models and their quantities").set_defaults(run=_cmd_list)
    d = sub.add_parser("derive", help="closed forms of a model's quantities")
    d.add_argument("model", help=f"one of: {', '.join(CATALOG)}")
    d.add_argument("quantity", nargs="?", help="one quantity (default: all)")
    d.add_argument("--latex", action="store_true", help="print LaTeX instead of sympy expressions")
    d.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                   help="substitute a parameter (a lattice field is built at the values)")
    d.set_defaults(run=_cmd_derive)

    def mc(sp_):
        sp_.add_argument("--paths", type=int, default=None,
                         help="Monte Carlo paths (default: the model's own, small enough for verify --all)")
        sp_.add_argument("--seed", type=int, default=0, help="seed of the simulations")
        sp_.add_argument("--quiet", action="store_true", help="no progress bar")

    v = sub.add_parser("verify", help="Monte Carlo checks of a model's closed forms (exit 1 if one fails)")
    v.add_argument("model", nargs="?", help=f"one of: {', '.join(CATALOG)}")
    v.add_argument("--all", action="store_true", help="every model of the catalog")
    v.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="change a parameter")
    v.add_argument("--z-max", type=float, default=4.0, help="largest |z| that passes (default 4)")
    v.add_argument("--budget", type=float, default=None, metavar="SECONDS",
                   help="CPU seconds per quantity; verify sizes its run to it (not with --paths)")
    v.add_argument("--rtol", type=float, default=None, help="target relative standard error (not with --paths)")
    v.add_argument("--workers", type=int, default=None, metavar="N",
                   help="worker processes for the checks (default: one per CPU with --all; for one model, 1 "
                        "unless --budget adds up to 10 s over its checks); the same table whatever N")
    v.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="run the checks on a Dask cluster, e.g. tcp://host:8786 (not with --workers)")
    mc(v)
    v.set_defaults(run=_cmd_verify)
    r = sub.add_parser("report", help="a complete LaTeX document for a model")
    r.add_argument("model", help=f"one of: {', '.join(CATALOG)}")
    r.add_argument("-o", "--output", required=True, help="the .tex file to write")
    r.add_argument("--no-verify", action="store_true", help="leave out the Monte Carlo table")
    mc(r)
    r.set_defaults(run=_cmd_report)
    pl = sub.add_parser("plot", help="a closed form along a parameter, with Monte Carlo points (PNG)")
    pl.add_argument("model", help=f"one of: {', '.join(CATALOG)}")
    pl.add_argument("quantity", help="the quantity to plot")
    pl.add_argument("--vary", required=True, help="the parameter along the x axis")
    pl.add_argument("--range", type=float, nargs=2, metavar=("LOW", "HIGH"), help="default: half to twice the default")
    pl.add_argument("--points", type=int, default=3, help="Monte Carlo points (0 for none)")
    pl.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="change a parameter")
    pl.add_argument("-o", "--output", help="the PNG file (default MODEL_QUANTITY_PARAM.png)")
    mc(pl)
    pl.set_defaults(run=_cmd_plot)
    return p


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Run the command line; returns the exit status.

    Examples
    --------
    >>> import io
    >>> buf = io.StringIO()
    >>> main(["derive", "decoder", "heat_rate"], out=buf)
    0
    >>> buf.getvalue().startswith("heat_rate = ")
    True
    """
    out = sys.stdout if out is None else out
    args = build_parser().parse_args(argv)
    try:
        return args.run(args, out)
    except ModelError as exc:
        message = " ".join(str(exc).split())  # one line, whatever the error's layout
        sys.stderr.write(f"thermotheory {args.command}: {message}\n")
        return 2
