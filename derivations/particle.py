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
from thermotheory.montecarlo import estimators as estimate  # noqa: E402  (the per-path estimators)
from thermotheory.export import output_dir, save_figure, write_derivation  # noqa: E402
from thermotheory.export.derivation import page_notation  # noqa: E402
from thermotheory.models import particle as P  # noqa: E402
from thermotheory.derivation import Definition, Derivation  # noqa: E402

fast = os.environ.get("THERMOTHEORY_FAST") == "1"
out = output_dir(__file__)
point = {P.m: 1.0, P.gamma: 1.0, P.T: 1.0, P.k: 1.0, P.u: 0.5, P.kappa: 0.8, P.T1: 2.0, P.T2: 0.5}


def params(model):
    return {p: point[p] for p in model.parameters}


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
free_q = Derivation(free, [
    ("stationary_variance", Definition("stationary_variance", r"\langle v^2 \rangle_{\mathrm{eq}}",
                                       units="squared length per squared time"),
     tt.stationary_covariance(free)[0, 0]),
    ("entropy_production_rate", tt.entropy_production_rate.of(), tt.entropy_production_rate(free)),
]) | relax
assert free_q["entropy_production_rate"] == 0
assert sp.simplify(relax["heat"] - P.m / 2 * (s0 - relax["variance"])) == 0
kl = tt.kl_divergence([0.0], [[at(s0)]], [0.0], [[at(P.T / P.m)]])
assert abs(at(relax["entropy_production_total"]) - kl) < 1e-12
for name, expr in free_q.notation().items():
    print(f"{name:>28} = {tt.compact(expr)}")

# %%
# the heat over [0, 1] (relax["heat"] is T Q, in energy units), and the entropy produced
checks = tt.VerificationTable([
    tt.verify(free, tt.heat.of(1.0, {P.v: s0}), values=params(free), theory=relax["heat"].subs(P.t, 1) / P.T,
              seed=1, paths=2000 if fast else 20000),
    tt.verify(free, tt.entropy_production.of(1.0, {P.v: s0}), values=params(free),
              theory=relax["entropy_production"].subs(P.t, 1), seed=11, paths=2000 if fast else 20000),
])
print(checks)
assert checks.passed, "the relaxation's closed forms disagree with their Monte Carlo estimates"

# %% [markdown]
# ## A trap dragged at constant speed
# The particle lags behind the trap by ``gamma u / k``; in the long run it dissipates
# ``gamma u^2 / T`` per unit time. The work is Gaussian with variance ``2 T <W>``, so
# ``<exp(-W/T)> = 1``: Jarzynski's equality with no change of free energy.

# %%
drag = P.dragged_trap()
mean_w, var_w = P.work_statistics()
S_eq = {P.x: P.T / P.k}
drag_q = Derivation(drag, [
    ("mean", Definition("mean", r"\langle x \rangle(t)", units="length"), tt.core.moments.mean(drag, P.t)[0]),
    ("heat", tt.heat.of(P.t, S_eq), tt.heat(drag, P.t, S_eq)),
    ("dragging_rate", Definition("dragging_rate", r"\lim_{t\to\infty} \dot S_{\mathrm{tot}}",
                                 units="nats per unit time"), P.dragging_rate()),
    ("mean_work", Definition("mean_work", r"\langle W \rangle(t)", units="energy"), mean_w),
    ("work_variance", Definition("work_variance", r"\operatorname{var} W(t)", units="squared energy"), var_w),
    ("jarzynski", Definition("jarzynski", r"\langle e^{-W/T} \rangle"), P.jarzynski_average()),
])
assert drag_q["dragging_rate"] == P.gamma * P.u**2 / P.T
assert drag_q["jarzynski"] == 1
for name, expr in drag_q.notation().items():
    print(f"{name:>28} = {tt.compact(expr)}")

# %%
# The heat over [0, t] through tt.verify (the transient estimator follows the protocol b(t));
# the work through the model with the work as a variable (P.dragged_work): its variance by
# the entropy of W at t (a Gaussian of variance 2 T <W>), its mean by the first law,
# <W> = T Q + Delta <U> with U = k (x - u t)^2 / 2, from the checked heat. Both moments
# checked, the Gaussian work gives <exp(-W/T)> = exp(-<W>/T + var W / (2 T^2)) = 1.
t_end, dt = 4.0, 0.002
n_paths = 1000 if fast else 8000
S_eq_w = sp.diag(P.T / P.k, 0)  # x in equilibrium, W = 0
with_work = P.dragged_work()
W = with_work.variables[1]
energy_change = P.k / 2 * (drag_q["mean"] - P.u * P.t) ** 2  # var x stays T / k: only the lag adds energy
assert sp.simplify(drag_q["heat"] - (mean_w - energy_change) / P.T) == 0  # the first law
checks = tt.VerificationTable([
    tt.verify(drag, tt.heat.of(t_end, S_eq), values=params(drag), seed=2, paths=n_paths),
    tt.verify(with_work, tt.entropy.of(W, t_end, S_eq_w), values=params(with_work),
              theory=sp.log(2 * sp.pi * sp.E * var_w.subs(P.t, t_end)) / 2, seed=3, paths=n_paths),
])
print(checks)
assert checks.passed, "the dragged trap's heat or work disagrees with its Monte Carlo estimate"
# paths for the figure's work curve
num_drag = drag.subs(params(drag))
tr = tt.simulate(num_drag, t_end=t_end, dt=dt, paths=n_paths, seed=2, initial=tt.Gaussian([0.0], [[at(P.T / P.k)]]))
k_, u_, T_ = point[P.k], point[P.u], point[P.T]
power = -k_ * u_ * (tr["x"] - u_ * tr.times[:, None])  # dW/dt along each path
work = np.concatenate([np.zeros((1, tr.paths)), np.cumsum((power[1:] + power[:-1]) * dt / 2, axis=0)])

# %% [markdown]
# ## Inertial particles
# One particle in a trap at one temperature is in equilibrium; two coupled particles at
# two temperatures carry heat from the hot bath to the cold one and produce entropy.

# %%
under = P.underdamped_trap()
pair = P.coupled_particles("modes")
inertial_q = Derivation(pair, [
    ("one_bath", Definition("one_bath", r"\sigma_{\text{one bath}}",
                            "entropy production rate, one particle in a trap, one bath", units="nats per unit time"),
     tt.entropy_production_rate(under)),
    ("two_baths", Definition("two_baths", r"\sigma_{\text{two baths}}",
                             "entropy production rate, two coupled particles", check=tt.entropy_production_rate.of()),
     sp.factor(tt.entropy_production_rate(pair))),
])
assert inertial_q["one_bath"] == 0
assert sp.simplify(inertial_q["two_baths"].subs(P.T2, P.T1)) == 0
for name, expr in inertial_q.notation().items():
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
heat_f = sp.lambdify(P.t, drag_q["heat"].subs(point), "numpy")
work_f = sp.lambdify(P.t, mean_w.subs(point), "numpy")
fig, ax = plt.subplots(figsize=(6, 4))
ax.plot(times, heat_f(times), label=r"heat $Q/T$ (theory)")
ax.plot(times, work_f(times) / T_, label=r"work $\langle W\rangle / T$ (theory)")
marks = np.linspace(0, len(tr.times) - 1, 9).astype(int)[1:]
w_est = [estimate.per_path(work[i] / T_) for i in marks]
ax.errorbar(tr.times[marks], [e.value for e in w_est], yerr=[4 * e.stderr for e in w_est], fmt="o",
            label="work, Monte Carlo (4 s.e.)")
heat_rec = checks[0]
ax.errorbar([t_end], [heat_rec.estimate], yerr=[4 * heat_rec.stderr], fmt="s", label="heat, Monte Carlo (4 s.e.)")
ax.set_xlabel("time")
ax.set_ylabel("nats")
ax.legend()
fig_path = save_figure(fig, "particle", out)

# %% [markdown]
# ## Export

# %%
# Dimensionless forms (P.UNITS): the overdamped trap has no mass, so its times are in units of
# gamma / k and its speeds in sqrt(T / k) / (gamma / k) (P.OVERDAMPED_SCALES); the inertial
# particles' times in units of m / gamma, speeds in thermal speeds sqrt(T / m).
drag_groups = Derivation(drag, [(n, drag_q.quantity(n), P.UNITS(e, P.OVERDAMPED_SCALES)) for n, e in drag_q.items()
                                if n != "jarzynski"])
pair_groups = Derivation(pair, [(n, inertial_q.quantity(n), P.UNITS(e, [P.m, P.gamma, P.T1]))
                                for n, e in inertial_q.items() if e != 0])
# the heat of the relaxation in energy units, T times the heat as the page writes it (Q is the quality factor there)
parts = [(free, free_q), (drag, drag_q), (drag, drag_groups), (pair, inertial_q), (pair, pair_groups)]
heat_symbol = page_notation(parts).latex(tt.heat.of(P.t, S_eq))
free_q = Derivation(free, [(n, Definition(n, rf"T\, {heat_symbol}", q.description, units="energy")
                            if n == "heat" else q, e)
                           for n, q, e in ((n, free_q.quantity(n), free_q[n]) for n in free_q)])
tex, md = write_derivation(
    "particle", "The Brownian particle", free, free_q, out,
    sections=[("Dragged trap", drag, drag_q,
               "An overdamped particle in a harmonic trap dragged at constant speed $u$, starting in equilibrium in "
               "the trap at rest. The particle lags behind the trap by $\\gamma u / k$ and in the long run "
               "dissipates $\\gamma u^2 / T$ per unit time. The work is Gaussian with variance $2 T$ times its "
               "mean, so that Jarzynski's equality holds with no change of free energy (Jarzynski 1997)."),
              ("Dragged trap, in dimensionless groups", drag, drag_groups,
               "The same closed forms with times in units of $\\gamma / k$ and lengths in units of "
               "$\\sqrt{T / k}$."),
              ("Inertial particles in two baths", pair, inertial_q,
               "Underdamped particles: the velocities are odd under time reversal. One particle in a trap at one "
               "temperature is in equilibrium; two coupled particles at two temperatures carry heat from the hot "
               "bath to the cold one and produce entropy. The pair is written in its centre of mass $X$ and half "
               "its separation $Y$, with their velocities $V$ and $U$."),
              ("Inertial particles in two baths, in dimensionless groups", pair, pair_groups,
               "Times in units of $m / \\gamma$, speeds in thermal speeds $\\sqrt{T_1 / m}$.")],
    figures=[fig_path.name],
    text="A free Brownian particle's velocity relaxing to equilibrium from twice the equilibrium spread "
         "(initial variance $2 T / m$): the entropy produced over all time is the Kullback–Leibler divergence of "
         "the initial state from equilibrium, and the heat released is the kinetic energy lost (Sekimoto 2010; "
         "Seifert 2012).",
    glossary=P.GLOSSARY,
    references=["jarzynski1997"],
)
print(f"wrote {tex}, {md} and {fig_path}")
