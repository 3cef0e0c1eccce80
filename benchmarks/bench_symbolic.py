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

Calibration of the budgets (``--calibrate [SECONDS]``): the symbolic cases of :data:`CASES`
(chains of 3-7 variables, rings, sparse networks, dense drifts, the decoder populations,
the synapse, the README sensor), each in its own process under a time limit, with the
largest predicted block determinant (monomials), the decision (answer or TooLarge) and the
time; every refused case is then run again with the budgets lifted, to show that it would
not have answered within the limit either. The budgets are right when nothing that answers
within 10 s is refused and nothing refused answers within a minute.
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


def _sym(names, **kw):
    import sympy as sp

    return sp.symbols(names, **kw)


def _chain(n):
    import sympy as sp

    import thermotheory as tt

    z, k, c = _sym(f"z0:{n}", real=True), _sym(f"k0:{n}", positive=True), _sym(f"c1:{n}", positive=True)
    drift = {z[0]: -k[0] * z[0], **{z[i]: c[i - 1] * z[i - 1] - k[i] * z[i] for i in range(1, n)}}
    return tt.LinearSDE(drift, {zz: 1 for zz in z}), z


def _ring(n, own):
    import sympy as sp

    import thermotheory as tt

    z = _sym(f"z0:{n}", real=True)
    if own:
        a = _sym(f"a0:{n}", positive=True)
        return tt.LinearSDE({z[i]: -a[i] * z[i] + z[(i + 1) % n] for i in range(n)}, {zz: 1 for zz in z}), z
    a, k, D = _sym("a k D", positive=True)
    return tt.LinearSDE({z[i]: -a * z[i] + (z[i - 1] if i else -k * z[n - 1]) for i in range(n)},
                        {zz: D for zz in z}), z


def _dense(n):
    import thermotheory as tt

    z, a = _sym(f"x0:{n}", real=True), _sym(f"a0:{n * n}", real=True)
    return tt.LinearSDE({z[i]: sum(a[n * i + j] * z[j] for j in range(n)) for i in range(n)},
                        {zz: 1 for zz in z}), z


def _sensor():
    import thermotheory as tt

    v, r = _sym("v r", real=True)
    tau, tau_r, lam, D_v, D_r = _sym("tau tau_r lambda D_v D_r", positive=True)
    return tt.LinearSDE({v: -v / tau, r: (lam * v - r) / tau_r}, {v: D_v, r: D_r}), (v, r)


def _from_tests(name, *args):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from tests import test_symbolic_limits as lim

    m = getattr(lim, name)(*args)
    return m, m.variables


#: The calibration cases: name -> (model builder, question). A question is "S" (the whole
#: stationary covariance), "I" (the structured mutual information of the first and last
#: variables) or "I:<form>".
CASES = {
    **{f"chain{n} I": (lambda n=n: _chain(n), "I") for n in range(3, 8)},
    **{f"chain{n} S": (lambda n=n: _chain(n), "S") for n in (4, 5, 6)},
    "chain6 I rational": (lambda: _chain(6), "I:rational"),
    "ring5 shared S": (lambda: _ring(5, False), "S"),
    "ring6 shared S": (lambda: _ring(6, False), "S"),
    "ring7 shared S": (lambda: _ring(7, False), "S"),
    "ring5 own rates S": (lambda: _ring(5, True), "S"),
    "ring6 own rates S": (lambda: _ring(6, True), "S"),
    "dense3 S": (lambda: _dense(3), "S"),
    "dense4 S": (lambda: _dense(4), "S"),
    "chain5 with feedback S": (lambda: _from_tests("chain_with_feedback", 5), "S"),
    "coupled neurons S": (lambda: _from_tests("coupled_neurons"), "S"),
    "neurons in a loop S": (lambda: _from_tests("neurons_in_a_loop"), "S"),
    "four neurons 13 params S": (lambda: _from_tests("_neurons_in_a_loop_with_own_parameters"), "S"),
    "particle and neuron S": (lambda: _from_tests("particle_and_neuron"), "S"),
    "branching triangle S": (lambda: _from_tests("branching_triangle"), "S"),
    "decoders N=2 I": (lambda: (_population(2), _population(2).variables), "I"),
    "decoders N=3 I": (lambda: (_population(3), _population(3).variables), "I"),
    "decoders N=4 I": (lambda: (_population(4), _population(4).variables), "I"),
    "synapse tracking S": (lambda: (_synapse(), _synapse().variables), "S"),
    "README sensor I:factored": (_sensor, "I:factored"),
}


def _synapse():
    from thermotheory.models import synapse

    return synapse.tracking()


def _predicted(model) -> float:
    """The largest predicted determinant (monomials) over the irreducible blocks of the drift."""
    import sympy as sp

    from thermotheory.core import lyapunov, structure
    from thermotheory.core._backend import model_matrices, ops_for

    A = sp.Matrix(model_matrices(model, ops_for(model), need_b=False)[0])
    worst = 1.0
    for blk in structure.blocks(A):
        if len(blk) > 1:
            Ab = A.extract(blk, blk)
            _, rows = lyapunov._sylvester_rows(Ab, Ab, True)
            W = [{j: lyapunov.budget.term_bound(v) - 1 for j, v in row.items()} for row in rows]
            worst = max(worst, min(lyapunov._sparse_permanent(W), lyapunov._degree_bound(rows)))
    return worst


def calibrate_child(name: str, unlimited: bool) -> None:
    """Run one calibration case here and print one JSON line."""
    import thermotheory as tt
    from thermotheory.core import budget, lyapunov

    build, question = CASES[name]
    model, z = build()
    predicted = _predicted(model)
    if unlimited:
        budget.MAX_EXPANSION = budget.MAX_TERMS = budget.MAX_QUOTIENT = float("inf")
        lyapunov.MAX_PREDICTED_TERMS = float("inf")
        lyapunov.MAX_SYMBOLIC_BLOCK = 100
    t0 = time.perf_counter()
    try:
        if question == "S":
            tt.stationary_covariance(model)
        else:
            form = question.split(":")[1] if ":" in question else "structured"
            tt.mutual_information(model, z[0], z[-1], form=form)
        decision = "answer"
    except tt.TooLarge:
        decision = "TooLarge"
    print(json.dumps({"predicted": predicted, "decision": decision, "seconds": time.perf_counter() - t0}))


def calibrate(limit: float) -> None:
    """Print the calibration table (see the module docstring)."""
    print(f"{'case':<28} {'predicted':>10}  {'decision':<9} {'seconds':>8}   unlimited (refused cases)")
    for name in CASES:
        row = {}
        for unlimited in (False, True):
            args = [sys.executable, __file__, "--calibrate-child", name] + (["--unlimited"] if unlimited else [])
            try:
                out = subprocess.run(args, capture_output=True, text=True, timeout=limit)
                row[unlimited] = json.loads(out.stdout.strip().splitlines()[-1]) if out.returncode == 0 else \
                    {"decision": "error", "seconds": float("nan"), "predicted": float("nan")}
            except subprocess.TimeoutExpired:
                row[unlimited] = {"decision": "timeout", "seconds": float("inf"), "predicted": float("nan")}
            if unlimited or row[False]["decision"] != "TooLarge":
                break
        r = row[False]
        extra = ""
        if True in row:
            u = row[True]
            extra = f"> {limit:.0f} s" if u["decision"] == "timeout" else f"{u['decision']} in {u['seconds']:.1f} s"
        print(f"{name:<28} {r['predicted']:>10.4g}  {r['decision']:<9} {r['seconds']:>8.2f}   {extra}", flush=True)


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
    if len(sys.argv) >= 2 and sys.argv[1] == "--calibrate-child":
        calibrate_child(sys.argv[2], "--unlimited" in sys.argv)
    elif len(sys.argv) >= 2 and sys.argv[1] == "--calibrate":
        calibrate(float(sys.argv[2]) if len(sys.argv) > 2 else 60.0)
    elif len(sys.argv) >= 2 and sys.argv[1] == "--child":
        child(sys.argv[2], int(sys.argv[3]))
    else:
        main(quick="--quick" in sys.argv)
