"""What a reader sees of every closed form the derivation pages print, before and after the presentation pass.

Runs each script in ``derivations/`` (fast Monte Carlo settings, output to a temporary
folder) and records the closed forms it exports (LaTeX name -> form, as the page shows
them). For each form, raw and after :func:`thermotheory.compact`, it measures the printed
LaTeX (:func:`thermotheory.core.presentation.reading`): its size (characters, and the
estimated width of all its material in pt), the number of printed lines once laid out on
the page (:func:`thermotheory.core.layout.fit_parts`, the page's text width), the fractions
nested in a numerator and the sums led by a minus sign. It prints the totals:

- total printed size before / after the pass;
- formulas over 3 printed lines (target 0);
- fractions nested in numerators (target 0);
- the time the pass took (cache cleared), and whether any form got longer by the measure
  the pass minimises (:func:`thermotheory.core.presentation.size`).

``--reference FILE`` compares with another version of ``presentation.py`` (say the last
commit's: ``git show HEAD:thermotheory/core/presentation.py > /tmp/old.py``) in the same
process, on the same forms: its time is the reference the new pass's time is a ratio of.
``--save FILE`` keeps the recorded forms (pickle), ``--load FILE`` measures those instead of
running the scripts (a script that fails is reported and skipped).

``--hand FILE`` compares instead the forms the committed pages (``docs/derivations/*.md``)
print with forms a theorist simplified by hand (JSON or TOML, kept outside the repository:
entries ``{page, section, symbol, latex, sympy}``, see ``benchmarks/hand_forms.py``). One
measure, the glyphs a reader sees (the rule of ``closedform.printed_size``) on both LaTeX
strings; it prints ours/hand per form, flags those over 1.15 (and any whose value differs
from the hand form's at random points) and exits with status 1 if any is flagged.

Run: python benchmarks/bench_presentation.py [--reference FILE] [--save FILE | --load FILE] [script-name ...]
     python benchmarks/bench_presentation.py --hand FILE
"""

from __future__ import annotations

import argparse
import importlib.util
import inspect
import os
import pickle
import runpy
import sys
import tempfile
import time
from pathlib import Path

import sympy as sp

ROOT = Path(__file__).resolve().parents[1]
#: A formula longer than this many printed lines fails the target.
MAX_LINES = 3


def record(names: list[str]) -> list[tuple[str, str, object]]:
    """(page, LaTeX name, closed form) of every form the scripts ``names`` (all if empty) export."""
    import matplotlib

    matplotlib.use("Agg")
    import thermotheory.export as export
    from thermotheory.export.derivation import notation

    recorded: list[tuple[str, str, object]] = []
    original = export.write_derivation

    signature = inspect.signature(original)

    def recording(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)  # whatever keywords the scripts give (text=, references=, ...)
        bound.apply_defaults()
        name, quantities = bound.arguments["name"], bound.arguments["quantities"]
        for key, expr in notation(quantities).items():
            recorded.append((name, key, expr))
        for section in bound.arguments["sections"]:  # (heading, model, quantities[, text])
            for key, expr in notation(section[2]).items():
                recorded.append((name, key, expr))
        return original(*args, **kwargs)

    export.write_derivation = recording
    os.environ["THERMOTHEORY_FAST"] = "1"
    os.environ["THERMOTHEORY_OUT"] = tempfile.mkdtemp()
    scripts = sorted((ROOT / "derivations").glob("*.py"))
    if names:
        scripts = [s for s in scripts if s.stem in names]
    for script in scripts:
        print(f"running {script.name} ...", file=sys.stderr)
        try:
            runpy.run_path(str(script), run_name="__main__")
        except Exception as err:  # a broken script is reported, the others still measured
            print(f"  {script.name} failed: {type(err).__name__}: {err}", file=sys.stderr)
    export.write_derivation = original
    return recorded


def load_reference(path: str):
    """A presentation module from ``path`` (another version of ``thermotheory/core/presentation.py``)."""
    spec = importlib.util.spec_from_file_location("thermotheory.core._presentation_reference", path)
    module = importlib.util.module_from_spec(spec)
    module.__package__ = "thermotheory.core"
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def frozen(form):
    """A form as plain sympy objects (a ClosedForm as a tagged tuple), so that a pickle outlives the class's layout."""
    from thermotheory.core.closedform import ClosedForm

    if isinstance(form, ClosedForm):
        return ("ClosedForm", form.expr, tuple(form.definitions), dict(form.names), form.hurwitz)
    return form


def thawed(form):
    """The inverse of :func:`frozen`."""
    from thermotheory.core.closedform import ClosedForm

    if isinstance(form, tuple) and form and form[0] == "ClosedForm":
        return ClosedForm(form[1], list(form[2]), form[3], form[4])
    return form


def cold(module) -> None:
    """Clear sympy's cache and every cache of ``module`` (a pass timed after another must not find its work done)."""
    from sympy.core.cache import clear_cache

    clear_cache()
    for value in vars(module).values():
        if callable(getattr(value, "cache_clear", None)):
            value.cache_clear()


def measure(lhs: str, form) -> dict[str, float]:
    """Printed size, lines and nested fractions of ``lhs = form`` as a page lays it out."""
    from thermotheory.core.closedform import ClosedForm, latex_of
    from thermotheory.core.layout import TEXT_WIDTH, fit_parts, latex_width
    from thermotheory.core.presentation import leading_minus, nested_fractions

    if isinstance(form, ClosedForm):
        tex = form.latex(where=False)
        parts = [tex] + [latex_of(v, symbol_names=form.names) for _, v in form.definitions]
    else:
        tex = latex_of(form)
        parts = [tex]
    try:
        lines, where = fit_parts(lhs, form, TEXT_WIDTH)
    except Exception:  # noqa: BLE001 - a form the layout refuses counts as one line each
        lines, where = [tex], []
    equations: list[int] = []
    for line in lines + where:
        if line.startswith(r"&\quad") and equations:
            equations[-1] += 1
        else:
            equations.append(1)
    nested = sum(nested_fractions(p)[0] for p in parts)
    return {"chars": sum(len(p) for p in parts),
            "pt": sum(latex_width(p.replace(r"\frac", "")) for p in parts),
            "long": sum(1 for n in equations if n > MAX_LINES),
            "lines": max(equations, default=1),
            "nested": nested,
            "minus": sum(leading_minus(p) for p in parts)}


def hand_report(path: str, pages: str | None = None) -> int:
    """Ours/hand per form of the hand set at ``path`` (see ``benchmarks/hand_forms.py``); 1 if any is over 1.15 or unequal.

    ``pages``: the folder of Markdown pages to read (default ``$THERMOTHEORY_PAGES``, else ``docs/derivations``).
    """
    here = str(Path(__file__).resolve().parent)
    if here not in sys.path:
        sys.path.insert(0, here)
    import hand_forms

    try:
        forms = hand_forms.load_hand(path)
    except (OSError, ValueError) as err:  # (a missing or malformed hand set: said in a line, not a traceback)
        print(f"cannot read the hand set {path}: {err}", file=sys.stderr)
        return 2
    return hand_forms.report(forms, pages)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scripts", nargs="*")
    parser.add_argument("--reference", help="another presentation.py to compare with")
    parser.add_argument("--save", help="pickle the recorded forms to this file")
    parser.add_argument("--load", help="measure the forms pickled in this file instead of running the scripts")
    parser.add_argument("--hand", help="compare the committed pages' forms with the hand forms in this JSON/TOML file")
    parser.add_argument("--pages", help="with --hand: read the pages from this folder (default docs/derivations)")
    args = parser.parse_args(argv)
    if args.hand:
        return hand_report(args.hand, args.pages)

    from thermotheory.core import presentation

    if args.load:
        with open(args.load, "rb") as fh:
            recorded = [(page, key, thawed(form)) for page, key, form in pickle.load(fh)]
    else:
        recorded = record(args.scripts)
    if args.save:
        keep = []
        for page, key, form in recorded:
            try:
                keep.append((page, key, frozen(form)))
                pickle.dumps(keep[-1])
            except Exception:  # noqa: BLE001
                keep.pop()
                print(f"cannot pickle {page}: {key}", file=sys.stderr)
        with open(args.save, "wb") as fh:
            pickle.dump(keep, fh)
    passes = [("new", presentation)]
    if args.reference:
        passes.insert(0, ("reference", load_reference(args.reference)))

    keys = ("chars", "pt", "long", "nested", "minus")
    totals = {"raw": dict.fromkeys(keys, 0.0)}
    seconds = {}
    longer: list[str] = []  # (page: quantity) of each form the pass made longer
    rows = []
    for page, key, form in recorded:
        row = {"raw": measure(key, form)}
        for label, module in passes:
            cold(module)
            t0 = time.perf_counter()
            out = module.compact(form)
            seconds[label] = seconds.get(label, 0.0) + time.perf_counter() - t0
            row[label] = measure(key, out)
            if label == "new":
                if presentation.size(out) > presentation.size(form):
                    longer.append(f"{page}: {sp.sstr(key)}")
        for label, m in row.items():
            tot = totals.setdefault(label, dict.fromkeys(keys, 0.0))
            for k in keys:
                tot[k] += m[k]
        rows.append((page, key, row))

    if not recorded:
        print("no closed forms were recorded: every script failed (see above)", file=sys.stderr)
        return 2
    labels = ["raw"] + [label for label, _ in passes]
    head = " ".join(f"{label + ' chars':>15} {'lines':>5} {'nest':>4}" for label in labels)
    print(f"{'page':<18} {'quantity':<40} {head}")
    for page, key, row in rows:
        cells = " ".join(f"{row[label]['chars']:>15.0f} {row[label]['lines']:>5.0f} {row[label]['nested']:>4.0f}"
                         for label in labels)
        print(f"{page:<18} {sp.sstr(key)[:40]:<40} {cells}")
    print(f"\n{len(recorded)} closed forms on {len({p for p, _, _ in recorded})} pages")
    print(f"{'':<22} {'printed chars':>14} {'printed pt':>11} {'over 3 lines':>13} {'nested in num':>14} "
          f"{'leading minus':>14} {'seconds':>8}")
    for label in labels:
        t = totals[label]
        sec = f"{seconds[label]:>8.1f}" if label in seconds else f"{'':>8}"
        print(f"{label:<22} {t['chars']:>14.0f} {t['pt']:>11.0f} {t['long']:>13.0f} {t['nested']:>14.0f} "
              f"{t['minus']:>14.0f} {sec}")
    if "reference" in seconds:
        print(f"time of the new pass / the reference pass: {seconds['new'] / seconds['reference']:.2f}")
    print(f"{len(longer) or 'none'} got longer by the measure the pass minimises" + (": " if longer else "")
          + "; ".join(longer))
    return 1 if longer else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
