"""Speed and size of symbolic closed forms at scale: the heterogeneous population of N decoders.

For N symbolic neurons (gains g_i, time constants tau_i, noises sigma_i) reading one OU
signal v, the mutual information I(v; x_1..x_N) and the information flow into x_1, in
each form (structured, rational, factored), with sympy's ``count_ops`` of each result
next to its time. Times are printed as ratios against plain sympy in the same run
(``Matrix.det()`` and ``cancel`` on the same covariance, what a user would write), and
the times include the symbolic stationary covariance. Each configuration runs once with sympy's pure-Python ground types and once with
python-flint (when it is installed: ``pip install thermotheory[fast]``), each in its own
process (sympy picks its ground types at import).

Run: python benchmarks/bench_symbolic.py [--quick]
(--quick: N = 2 and 3 only, no rational form for N = 3.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

TIMEOUT = 900  # seconds a single case may take before it is reported as "> TIMEOUT"


def _population(n: int):
    import sympy as sp

    from thermotheory.models import decoder

    g = sp.symbols(f"g_1:{n + 1}", positive=True)
    tau = sp.symbols(f"tau_1:{n + 1}", positive=True)
    sig = sp.symbols(f"sigma_1:{n + 1}", positive=True)
    return decoder.heterogeneous_population(g, tau, sig)


def _size(result) -> int:
    import sympy as sp

    from thermotheory.core.closedform import ClosedForm

    return result.count_ops() if isinstance(result, ClosedForm) else int(sp.count_ops(result))


def child(case: str, n: int) -> None:
    """Run one case in this process and print one JSON line: seconds and size."""
    import sympy as sp
    from sympy.external.gmpy import GROUND_TYPES

    import thermotheory as tt
    from thermotheory.models import decoder

    m = _population(n)
    xs = list(m.variables[1:])
    t0 = time.perf_counter()  # the stationary covariance is solved within the timed call
    if case == "plain":
        S = sp.Matrix(tt.stationary_covariance(m))
        result = sp.log(sp.cancel(S[0, 0] * S[1:, 1:].det() / S.det())) / 2
    else:
        quantity, form = case.split(":")
        if quantity == "information":
            result = tt.mutual_information(m, decoder.v, xs, form=form)
        else:
            result = tt.information_flow(m, xs[0], form=form)
    seconds = time.perf_counter() - t0
    print(json.dumps({"seconds": seconds, "size": _size(result), "ground": GROUND_TYPES}))


def run(case: str, n: int, ground: str) -> dict:
    env = dict(os.environ, SYMPY_GROUND_TYPES=ground)
    try:
        out = subprocess.run([sys.executable, __file__, "--child", case, str(n)], env=env, capture_output=True,
                             text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return {"seconds": float("inf"), "size": None}
    if out.returncode != 0:
        return {"seconds": float("nan"), "size": None, "error": out.stderr.strip().splitlines()[-1]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def _fmt(r: dict, ref: dict | None) -> str:
    if "error" in r:
        return f"refused: {r['error'][:70]}"
    if r["seconds"] == float("inf"):
        return f"> {TIMEOUT} s"
    ratio = ""
    if ref is not None and ref.get("size") is not None and ref["seconds"] not in (float("inf"),):
        ratio = f"  {r['seconds'] / ref['seconds']:7.3f} x plain sympy"
    elif ref is not None and ref["seconds"] == float("inf"):
        ratio = f"  < {r['seconds'] / TIMEOUT:.3f} x plain sympy (which ran out of time)"
    return f"{r['seconds']:8.3f} s  {r['size']:>7} ops{ratio}"


def main(quick: bool) -> None:
    try:
        import flint  # noqa: F401

        grounds = ["python", "flint"]
    except ImportError:
        grounds = ["python"]
        print("python-flint is not installed: pip install thermotheory[fast] to measure it too\n")
    plan = {2: ["structured", "rational", "factored"], 3: ["structured", "rational"], 4: ["structured"],
            6: ["structured"]}
    if quick:
        plan = {2: ["structured", "rational"], 3: ["structured"]}
    for ground in grounds:
        print(f"== sympy ground types: {ground}")
        for n, forms in plan.items():
            ref = run("plain", n, ground) if n <= 3 and not (quick and n == 3) else None
            if ref is not None:
                print(f"N={n}  plain sympy information (Matrix.det + cancel)   {_fmt(ref, None)}")
            for quantity in ("information", "flow"):
                for form in forms:
                    r = run(f"{quantity}:{form}", n, ground)
                    label = f"{quantity} {form}"
                    print(f"N={n}  {label:<24}                  {_fmt(r, ref if quantity == 'information' else None)}")
        print()


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "--child":
        child(sys.argv[2], int(sys.argv[3]))
    else:
        main(quick="--quick" in sys.argv)
