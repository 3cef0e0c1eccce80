# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # The Brownian particle
#
# The ready-made models of `thermotheory.models.particle`: a free particle's velocity and
# its relaxation, an overdamped particle in a trap at rest and dragged at speed ``u``
# (with its work and Jarzynski's equality), and inertial particles in one or two baths.
# Every closed form is derived by the engine, checked against a law or limit, verified
# by Monte Carlo, and written as LaTeX and Markdown with a figure to
# ``docs/derivations/`` (or ``$THERMOTHEORY_OUT``). ``THERMOTHEORY_FAST=1`` runs
# fewer paths.

# %%
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import sympy as sp  # noqa: E402

import thermotheory as tt  # noqa: E402
from thermotheory import estimate  # noqa: E402
from thermotheory.export import output_dir, save_figure, write_derivation  # noqa: E402
from thermotheory.models import particle as P  # noqa: E402

fast = os.environ.get("THERMOTHEORY_FAST") == "1"
out = output_dir(__file__)
point = {P.m: 1.0, P.gamma: 1.0, P.T: 1.0, P.k: 1.0, P.u: 0.5, P.kappa: 0.8, P.T1: 2.0, P.T2: 0.5}


def at(expr, **extra):
    return float(sp.sympify(expr).subs({**point, **{getattr(P, key): val for key, val in extra.items()}}))


# %% [markdown]
# ## A free particle's velocity relaxing to equilibrium
# Starting from twice the equilibrium spread, the entropy produced over all time is the
# Kullback–Leibler divergence of the initial state from equilibrium, and the heat
# released is the kinetic energy lost.

# %%
free = P.free_velocity()
s0 = 2 * P.T / P.m
relax = P.relaxation(s0)
free_q = {
    r"\langle v^2 \rangle_{eq}": tt.stationary_covariance(free)[0, 0],
    r"\Pi_{eq}": tt.entropy_production_rate(free),
    r"\langle v^2 \rangle(t)": relax["variance"],
    r"\Delta S_{tot}(t)": relax["entropy_production"],
    r"\Delta S_{tot}(\infty)": relax["entropy_production_total"],
    r"T Q(t)": relax["heat"],
}
assert free_q[r"\Pi_{eq}"] == 0
assert sp.simplify(relax["heat"] - P.m / 2 * (s0 - relax["variance"])) == 0
kl = tt.kl_divergence([0.0], [[at(s0)]], [0.0], [[at(P.T / P.m)]])
assert abs(at(relax["entropy_production_total"]) - kl) < 1e-12
for name, expr in free_q.items():
    print(f"{name:>28} = {tt.compact(expr)}")

# %%
num_free = free.subs({p: point[p] for p in free.parameters})
tr = tt.simulate(num_free, t_end=1.0, dt=0.002, paths=2000 if fast else 20000, seed=1,
                 initial=tt.Gaussian([0.0], [[at(s0)]]))
est = estimate.heat(tr, num_free)
theory = at(relax["heat"], t=1.0) / point[P.T]
print(f"heat over [0, 1]: theory {theory:.5f}, Monte Carlo {est.value:.5f} +- {est.stderr:.5f}")
assert abs(est.z(theory)) <= 4

# %% [markdown]
# ## A trap dragged at constant speed
# The particle lags behind the trap by ``gamma u / k``; in the long run it dissipates
# ``gamma u^2 / T`` per unit time. The work is Gaussian with variance ``2 T <W>``, so
# ``<exp(-W/T)> = 1``: Jarzynski's equality with no change of free energy.

# %%
drag = P.dragged_trap()
mean_w, var_w = P.work_statistics()
S_eq = {P.x: P.T / P.k}
drag_q = {
    r"\langle x \rangle(t)": tt.core.covariance.mean(drag, P.t)[0],
    r"Q(t) / T": tt.heat(drag, P.t, S_eq),
    r"\lim_{t\to\infty} \dot S_{tot}": P.dragging_rate(),
    r"\langle W \rangle(t)": mean_w,
    r"\operatorname{var} W(t)": var_w,
    r"\langle e^{-W/T} \rangle": P.jarzynski_average(),
}
assert drag_q[r"\lim_{t\to\infty} \dot S_{tot}"] == P.gamma * P.u**2 / P.T
assert drag_q[r"\langle e^{-W/T} \rangle"] == 1
for name, expr in drag_q.items():
    print(f"{name:>28} = {tt.compact(expr)}")

# %%
num_drag = drag.subs({p: point[p] for p in drag.parameters})
t_end, dt = 4.0, 0.002
tr = tt.simulate(num_drag, t_end=t_end, dt=dt, paths=1000 if fast else 8000, seed=2,
                 initial=tt.Gaussian([0.0], [[at(P.T / P.k)]]))
k_, u_, T_ = point[P.k], point[P.u], point[P.T]
power = -k_ * u_ * (tr["x"] - u_ * tr.times[:, None])  # dW/dt along each path
work = np.concatenate([np.zeros((1, tr.paths)), np.cumsum((power[1:] + power[:-1]) * dt / 2, axis=0)])
checks = {
    "heat": (estimate.heat(tr, num_drag), at(drag_q[r"Q(t) / T"], t=t_end)),
    "mean work": (estimate.per_path(work[-1]), at(mean_w, t=t_end)),
    "exp(-W/T)": (estimate.per_path(np.exp(-work[-1] / T_)), 1.0),
}
for name, (e, th) in checks.items():
    print(f"{name:>12}: theory {th:.5f}, Monte Carlo {e.value:.5f} +- {e.stderr:.5f} (z = {e.z(th):+.2f})")
    assert abs(e.z(th)) <= 4

# %% [markdown]
# ## Inertial particles
# One particle in a trap at one temperature is in equilibrium; two coupled particles at
# two temperatures carry heat from the hot bath to the cold one and produce entropy.

# %%
under = P.underdamped_trap()
pair = P.coupled_particles("modes")
inertial_q = {
    r"\Pi_{\text{one bath}}": tt.entropy_production_rate(under),
    r"\Pi_{\text{two baths}}": sp.factor(tt.entropy_production_rate(pair)),
}
assert inertial_q[r"\Pi_{\text{one bath}}"] == 0
assert sp.simplify(inertial_q[r"\Pi_{\text{two baths}}"].subs(P.T2, P.T1)) == 0
for name, expr in inertial_q.items():
    print(f"{name:>28} = {tt.compact(expr)}")
coupled = P.coupled_particles()
coupled = coupled.subs({p: point[p] for p in coupled.parameters})  # numeric: the 4x4 closed forms in floats
table = tt.verify_all(coupled, seed=3,
                      paths=400 if fast else 2000, **({"duration": 10.0} if fast else {}))
print(table)
assert table.passed, "a closed form disagrees with its Monte Carlo estimate"

# %% [markdown]
# ## Figure: the dragged trap, theory against simulation

# %%
times = np.linspace(0, t_end, 200)
heat_f = sp.lambdify(P.t, drag_q[r"Q(t) / T"].subs(point), "numpy")
work_f = sp.lambdify(P.t, mean_w.subs(point), "numpy")
fig, ax = plt.subplots(figsize=(6, 4))
ax.plot(times, heat_f(times), label=r"heat $Q/T$ (theory)")
ax.plot(times, work_f(times) / T_, label=r"work $\langle W\rangle / T$ (theory)")
marks = np.linspace(0, len(tr.times) - 1, 9).astype(int)[1:]
w_est = [estimate.per_path(work[i] / T_) for i in marks]
ax.errorbar(tr.times[marks], [e.value for e in w_est], yerr=[4 * e.stderr for e in w_est], fmt="o",
            label="work, Monte Carlo (4 s.e.)")
e = checks["heat"][0]
ax.errorbar([t_end], [e.value], yerr=[4 * e.stderr], fmt="s", label="heat, Monte Carlo (4 s.e.)")
ax.set_xlabel("time")
ax.set_ylabel("nats")
ax.legend()
fig_path = save_figure(fig, "particle", out)

# %% [markdown]
# ## Export

# %%
# Dimensionless forms (P.UNITS): times in units of m / gamma, speeds in thermal speeds
# sqrt(T / m), the trap through its quality factor Q = sqrt(k m) / gamma.
drag_groups = {name: P.UNITS(expr) for name, expr in drag_q.items() if name != r"\langle e^{-W/T} \rangle"}
pair_groups = {name: P.UNITS(expr, [P.m, P.gamma, P.T1]) for name, expr in inertial_q.items() if expr != 0}
tex, md = write_derivation(
    "particle", "The Brownian particle", free, free_q, out,
    sections=[("Dragged trap", drag, drag_q), ("Dragged trap, in dimensionless groups", drag, drag_groups),
              ("Inertial particles in two baths", pair, inertial_q),
              ("Inertial particles in two baths, in dimensionless groups", pair, pair_groups)],
    figures=[fig_path.name],
)
print(f"wrote {tex}, {md} and {fig_path}")
