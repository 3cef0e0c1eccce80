"""Time to derive the seed models' closed forms symbolically, against the issues' targets.

Each derivation runs in a fresh process (so nothing is cached), and its time is printed
next to a reference run in the same process: sympy's symbolic 2x2 matrix inverse of the
same model's drift, the cheapest symbolic step every derivation takes.

Run: python benchmarks/bench_models.py
"""

from __future__ import annotations

import subprocess
import sys

TASKS = {
    "one neuron, every quantity (target < 5 s)": "from thermotheory.models import decoder as B; B.neuron_quantities()",
    "population in symbolic N, every quantity (target < 30 s)":
        "from thermotheory.models import decoder as B; B.population_quantities(); B.large_population_limits()",
    "synapse tracking a neuron (3 variables), every quantity":
        "from thermotheory.models import synapse as C; C.tracking_quantities()",
    "synapse learning under a step, transient (target < 30 s)":
        "from thermotheory.models import synapse as C; C.learning_quantities('step')",
    "synapse learning under a ramp, transient (target < 30 s)":
        "from thermotheory.models import synapse as C; C.learning_quantities('ramp')",
    "synapse efficiency against ramp duration, with limits (target < 30 s)":
        "from thermotheory.models import synapse as C; C.ramp_efficiency()",
    "synapse storing: forgetting, lifetime, holding (target < 30 s)":
        "from thermotheory.models import synapse as C; C.storage_quantities()",
    "perceptron weight under a ramp, c(t) and q(t) (target < 30 s)":
        "from thermotheory.models import perceptron as D; D.drive_response('ramp')",
    "dragged trap: heat, work, Jarzynski, rate":
        "from thermotheory.models import particle as P; import thermotheory as tt; "
        "tt.heat(P.dragged_trap(), P.t, {P.x: P.T / P.k}); P.jarzynski_average(); P.dragging_rate()",
}
REFERENCE = "from thermotheory.models import decoder as B; B.one_neuron().A.inv()"


def timed(code: str) -> float:
    script = f"import time; import thermotheory; t0 = time.perf_counter(); {code}; print(time.perf_counter() - t0)"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ref = timed(REFERENCE)
    print(f"{'derivation':<72} {'seconds':>8} {'x reference':>12}")
    for name, code in TASKS.items():
        sec = timed(code)
        print(f"{name:<72} {sec:8.2f} {sec / max(ref, 1e-9):12.0f}")


if __name__ == "__main__":
    main()
