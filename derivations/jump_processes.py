# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Discrete states: an ion channel, a sensor, a receptor, synaptic memory, proofreading and a pump
#
# Six seed models of the Markov jump kind (`tt.MarkovJumpProcess`): the Hodgkin–Huxley
# potassium channel (`thermotheory.models.ion_channel`), the bipartite sensor and the
# receptor of Barato, Hartich & Seifert (2014) (`thermotheory.models.receptor`), and the
# binary synapse and the cascade model of synaptic memory of Fusi, Drew & Abbott (2005)
# (`thermotheory.models.memory`), Hopfield's kinetic proofreading
# (`thermotheory.models.proofreading`) and an ATP-driven ion pump (`thermotheory.models.pump`). For each, the published closed forms are written out,
# compared with the engine's own closed forms (matrix-tree stationary state, Schnakenberg
# entropy production, Horowitz–Esposito information flow), checked against a law or a limit,
# and verified by Monte Carlo (Gillespie paths, estimators that never call a closed form).
# Pages go to ``docs/derivations/`` (or ``$THERMOTHEORY_OUT``); ``THERMOTHEORY_FAST=1`` runs
# fewer paths.

# %%
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import sympy as sp  # noqa: E402

import thermotheory as tt  # noqa: E402
from thermotheory.export import output_dir, save_figure, write_derivation  # noqa: E402
from thermotheory.models import ion_channel as K  # noqa: E402
from thermotheory.models import memory as M  # noqa: E402
from thermotheory.models import receptor as R  # noqa: E402

fast = os.environ.get("THERMOTHEORY_FAST") == "1"
out = output_dir(__file__)
paths = 256 if fast else 2048
records = []


def agree(exact, engine, values, what, rtol=1e-9):
    """The published closed form and the engine's, at ``values``: the same number."""
    a, b = float(tt.evaluate(exact, values)), float(tt.evaluate(engine, values))
    assert abs(a - b) <= rtol * max(1.0, abs(a)), f"{what}: published {a!r}, engine {b!r}"
    return a


# %% [markdown]
# ## The potassium channel
# Four independent gates, each opening at rate $\alpha$ and closing at rate $\beta$; the state
# is the number $k$ of open gates, and the channel conducts when all four are. The chain
# $k \to k+1$ at $(4-k)\alpha$, $k+1 \to k$ at $(k+1)\beta$ is a tree, so it obeys detailed
# balance: its stationary occupancy is the binomial law of the gates,
# $\pi_k = \binom{4}{k} n_\infty^k (1-n_\infty)^{4-k}$ with $n_\infty = \alpha/(\alpha+\beta)$
# (Hodgkin & Huxley 1952), and it produces no entropy. The generator's eigenvalues are
# $-m(\alpha+\beta)$: the channel relaxes at the rate of one gate.

# %%
channel = K.potassium_channel()
channel_q = K.channel_quantities()
for name, expr in channel_q.notation().items():
    print(f"{name:>28} = {expr}")
rest = dict(zip((K.alpha, K.beta), K.hh_rates(-65.0)))  # the squid axon at rest, rates per ms
# the engine's stationary state (matrix-tree) is the binomial, its entropy production zero
agree(channel_q["entropy"], tt.entropy(channel, raw=True), rest, "entropy of the occupancy")
assert abs(float(tt.evaluate(tt.entropy_production_rate(channel), rest))) < 1e-12
L = np.array(channel.generator().subs(rest).tolist(), float)
gap = np.sort(-np.linalg.eigvals(L).real)[1]
assert abs(gap - float(tt.evaluate(channel_q["relaxation_rate"], rest))) < 1e-10
print(f"at rest: n_inf = {float(tt.evaluate(channel_q['n_inf'], rest)):.4f}, "
      f"P(open) = {float(tt.evaluate(channel_q['open_probability'], rest)):.5f}, relaxation time {1 / gap:.3f} ms")

# %% [markdown]
# ### The cost of gating: relaxation after a voltage step
# At rest the gates are open with probability $n_0 = n_\infty(-65\,\mathrm{mV})$; the voltage
# steps to $-20$ mV. The occupancy stays binomial, $\mathrm{Bin}(4, n(t))$ with
# $n(t) = n_\infty + (n_0 - n_\infty) e^{-(\alpha+\beta)t}$, and the open probability is
# Hodgkin and Huxley's $n(t)^4$. Detailed balance makes the entropy produced the fall of the
# relative entropy to the new stationary state, $\Delta S_\mathrm{tot}(t) = 4[D(n_0\|n_\infty)
# - D(n(t)\|n_\infty)]$, four times that of one gate.

# %%
step_q = K.step_quantities()
for name, expr in step_q.notation().items():
    print(f"{name:>28} = {tt.compact(expr)}")
depolarised = dict(zip((K.alpha, K.beta), K.hh_rates(-20.0)))
n_rest = float(rest[K.alpha] / (rest[K.alpha] + rest[K.beta]))
step_point = {**depolarised, K.n_0: n_rest, K.t: 5.0}
start = {k: float(p) for k, p in K.binomial_start(n_rest).items()}
engine_ep = tt.entropy_production(channel.subs(depolarised), t=5.0, initial=start)
engine_heat = tt.heat(channel.subs(depolarised), t=5.0, initial=start)
agree(step_q["entropy_production"], engine_ep, step_point, "entropy produced by the relaxation")
agree(step_q["heat"], engine_heat, step_point, "heat released by the relaxation")
# the second law along the relaxation: the entropy produced grows, towards 4 D(n_0 || n_inf)
ts = np.linspace(0.01, 30.0, 61)
ep_curve = step_q["entropy_production"].subs({k: v for k, v in step_point.items() if k != K.t}).lambdify([K.t])(ts)
assert min(np.diff(ep_curve)) > 0 and ep_curve[0] < 1e-2 * ep_curve[-1]
assert abs(ep_curve[-1] - float(tt.evaluate(step_q["total_cost"], step_point))) < 1e-3 * ep_curve[-1]

# %%
for name, bound in (("entropy_production", tt.entropy_production.of(t=5.0, initial=start)),
                    ("heat", tt.heat.of(t=5.0, initial=start))):
    rec = tt.verify(channel, bound, values=depolarised, theory=float(tt.evaluate(step_q[name], step_point)),
                    seed=11, paths=paths)
    print(rec)
    records.append(rec)
    assert rec.passed, f"{name}: the closed form disagrees with its Monte Carlo estimate"

# %% [markdown]
# ## A sensor of a two-valued signal (Barato, Hartich & Seifert 2014)
# The signal $x \in \{0, 1\}$ flips at rate $\gamma$; the sensor $y$ aligns with it at rate
# $k$ and misaligns at rate $k e^{-\Delta\mu}$, each alignment using a free energy
# $\Delta\mu$. No transition changes both: the network is bipartite. The probability that
# the sensor is aligned is $q = (\gamma + k)/(2\gamma + k + k e^{-\Delta\mu})$; the learning
# rate (the information flow into $y$), the heat rate of $y$ and the efficiency of the sensor
# are
# $$ l_y = \frac{\gamma k (1 - e^{-\Delta\mu})}{2\gamma + k(1 + e^{-\Delta\mu})}
#          \ln\frac{\gamma + k}{\gamma + k e^{-\Delta\mu}}, \qquad
#    \eta_y = \frac{l_y}{\Phi_y} = \frac{1}{\Delta\mu}\ln\frac{\gamma + k}{\gamma + k e^{-\Delta\mu}} \le 1 . $$
# A slow signal is sensed at almost no waste ($\eta_y \to 1$ as $\gamma \to 0$), but then
# nothing is learnt per unit time ($l_y \to 0$).

# %%
sensor = R.sensor()
sensor_q = R.sensor_quantities()
for name, expr in sensor_q.notation().items():
    print(f"{name:>28} = {expr}")
sensor_point = {R.gamma: 0.5, R.k: 2.0, R.Delta_mu: 2.0}
# the engine's own closed forms, to compare at numbers (raw=True: as computed, no presentation pass)
engine = {"information": tt.mutual_information(sensor, "x", "y", raw=True),
          "information_flow": tt.information_flow(sensor, "y", raw=True),
          "heat_rate": tt.heat_rate(sensor, "y", raw=True), "efficiency": tt.efficiency(sensor, "y", raw=True),
          "entropy_production_rate": tt.entropy_production_rate(sensor, raw=True),
          "signal_entropy_production_rate": tt.entropy_production_rate(sensor, subsystem="x", raw=True)}
rng = np.random.default_rng(26)
for _ in range(3):  # the same closed form at random points
    point = {R.gamma: rng.uniform(0.05, 3), R.k: rng.uniform(0.1, 5), R.Delta_mu: rng.uniform(0.1, 6)}
    for name, expr in engine.items():
        agree(sensor_q[name], expr, point, name, rtol=1e-8)
assert sp.limit(sensor_q["efficiency"], R.gamma, 0) == 1 and sp.limit(sensor_q["information_flow"], R.gamma, 0) == 0
sensor_table = sensor_q.verify(values=sensor_point, seed=31, paths=paths)
print(sensor_table)
records += list(sensor_table)
assert sensor_table.passed, "a closed form of the sensor disagrees with its Monte Carlo estimate"

# %% [markdown]
# ## A receptor: learning with no energy spent inside the cell
# A receptor binds the ligand at rate $k c_x$ and releases it at rate $\omega$, the
# concentration flipping between $c_0$ and $c_1$ at rate $\gamma$. With
# $u_x = p(x, \text{bound})$, the solution of a $2 \times 2$ linear system, the current of
# bindings at high concentration is $J = \gamma(u_1 - u_0)$ and
# $$ l_y = J \ln\frac{u_1 (1/2 - u_0)}{u_0 (1/2 - u_1)}, \qquad \Phi_y = J \ln\frac{c_1}{c_0} :$$
# the receptor learns on the chemical work that the changing concentration does on it.

# %%
receptor = R.receptor()
receptor_q = R.receptor_quantities()
receptor_point = {R.gamma: 0.5, R.k: 1.0, R.c_0: 0.5, R.c_1: 2.0, R.omega: 1.0}
for name, b in (("information", tt.mutual_information.of("x", "y")), ("information_flow", tt.information_flow.of("y")),
                ("heat_rate", tt.heat_rate.of("y")), ("efficiency", tt.efficiency.of("y"))):
    agree(receptor_q[name], b.closed_form(receptor.subs(receptor_point)), receptor_point, name, rtol=1e-8)
    assert float(tt.evaluate(receptor_q["efficiency"], receptor_point)) <= 1
receptor_table = receptor_q.verify(values=receptor_point, seed=41, paths=paths)
print(receptor_table)
records += list(receptor_table)
assert receptor_table.passed, "a closed form of the receptor disagrees with its Monte Carlo estimate"

# %% [markdown]
# ### How much of what the receptor knows is in its present state: the sensory capacity
# The learning rate counts what the receptor's present state learns about the concentration;
# the transfer entropy rate $T_{x \to y}$ counts what its whole history learns. Their ratio,
# the sensory capacity $C = l_y / T_{x \to y} \le 1$ (Hartich, Barato & Seifert 2016), says how
# much of the history the present state keeps. $T_{x \to y}$ has no closed form: the engine
# computes it from the stationary law of the optimal filter of the concentration given the
# receptor's history (a piecewise-deterministic process, solved on refined grids with a
# stated error), and the Monte Carlo estimate runs that filter along simulated paths.

# %%
receptor_numeric = receptor.numeric(receptor_point)
transfer = tt.transfer_entropy_rate(receptor_numeric, "x", "y")
capacity = R.sensory_capacity(receptor, receptor_point)
learning = float(tt.evaluate(receptor_q["information_flow"], receptor_point))
assert abs(capacity - learning / transfer) < 1e-9 * capacity and 0 < capacity < 1
print(f"receptor: l_y = {learning:.5f}, T_x->y = {transfer:.5f}, sensory capacity C = {capacity:.4f}")
rec = tt.verify(receptor, tt.transfer_entropy_rate.of("x", "y"), values=receptor_point, seed=42, paths=paths)
print(rec)
records.append(rec)
assert rec.passed, "the receptor's transfer entropy rate disagrees with its Monte Carlo estimate"

# %% [markdown]
# ### Figure: learning rate and efficiency against the signal's rate

# %%
gammas = np.logspace(-2, 2, 81)
fixed = {R.k: 2.0, R.Delta_mu: 2.0}
learn_f = sp.lambdify(R.gamma, sensor_q["information_flow"].subs(fixed), "numpy")
heat_f = sp.lambdify(R.gamma, sensor_q["heat_rate"].subs(fixed), "numpy")
eff_f = sp.lambdify(R.gamma, sensor_q["efficiency"].subs(fixed), "numpy")
fig, (a1, a2) = plt.subplots(1, 2, figsize=(9, 3.5))
a1.semilogx(gammas, learn_f(gammas), label=r"learning rate $l_y$")
a1.semilogx(gammas, heat_f(gammas), label=r"heat rate $\Phi_y$")
for rec in sensor_table:
    if rec.quantity in ("information_flow(y)", "heat_rate(y)"):
        a1.errorbar([sensor_point[R.gamma]], [rec.estimate], yerr=[4 * rec.stderr], fmt="o", c="k")
a1.errorbar([], [], fmt="o", c="k", label="Monte Carlo (4 s.e.)")
a1.set_xlabel(r"$\gamma$ (rate of the signal; $k = 2$, $\Delta\mu = 2$)")
a1.set_ylabel("nats per unit time")
a1.legend()
a2.semilogx(gammas, eff_f(gammas))
a2.set_xlabel(r"$\gamma$")
a2.set_ylabel(r"efficiency $\eta_y = l_y / \Phi_y$")
a2.set_ylim(0, 1.05)
sensor_fig = save_figure(fig, "jump_sensor", out)

# %% [markdown]
# ## Synaptic memory: a binary synapse and the cascade (Fusi, Drew & Abbott 2005)
# Plasticity events reach a synapse at rate $r$, half of them potentiating. A binary synapse
# switches with probability $q$ per event, so a memory stored at $t = 0$ leaves the signal
# $S(t) = q e^{-q r t}$: a plastic synapse forgets fast, a rigid one stores little. The
# cascade gives each strength $n$ levels of plasticity, with switching probabilities
# $q_i = x^{i-1}$ (and $x^{n-1}/(1-x)$ at the deepest level) and deepening probabilities
# $p_i = x^i/(1-x)$. These make the stationary occupancy uniform, $1/(2n)$, and the initial
# signal $1/(n(1-x))$; the signal then decays as a power law over the times between $1/r$
# and $x^{-n}/r$. With $f = 1/2$ a binary synapse obeys detailed balance, and the
# information it keeps about a memory is the entropy its forgetting will still produce.

# %%
binary_q = M.binary_quantities()
cascade_n = 5
cascade_q = M.cascade_quantities(cascade_n)
for part in (binary_q, cascade_q):
    for name, expr in part.notation().items():
        print(f"{name:>28} = {expr}")
mem_point = {M.r: 1.0, M.f: 0.5, M.x: 0.5}
cas = M.cascade(cascade_n)
p_engine = tt.evaluate(tt.entropy(cas), mem_point)  # the uniform occupancy: entropy ln(2n)
assert abs(float(p_engine) - np.log(2 * cascade_n)) < 1e-10
times = np.logspace(-1, 2.5, 60)
cascade_curves = M.memory_curves(cas, times, mem_point)
s0 = float(tt.evaluate(cascade_q["initial_signal"], mem_point))
assert abs(float(M.memory_curves(cas, [0.0], mem_point)["signal"][0]) - s0) < 1e-10
binary_signal = sp.lambdify(M.t, binary_q["signal"].subs({M.q: s0, M.r: 1.0}), "numpy")
binary_info = binary_q["information"].subs({M.q: s0, M.r: 1.0}).lambdify([M.t])
late = (times > 5) & (times < 200)  # past the binary synapse's lifetime, before the deepest level's
assert np.all(cascade_curves["signal"][late] > binary_signal(times[late]))  # the cascade remembers longer
# the binary synapse: information kept = entropy its forgetting will still produce
forget = binary_q["forgetting_cost"].subs({M.q: s0, M.r: 1.0}).lambdify([M.t])
assert np.allclose(forget(times), binary_info(times), rtol=1e-10)

# %% [markdown]
# ### The cost of the cascade's machinery
# The published cascade has no reverse transitions (its entropy production is infinite). Give
# each transition its reverse at $e^{-\Delta\mu}$ times its rate, as if every plasticity step
# used a free energy $\Delta\mu$: the stationary entropy production is then finite, and
# grows with $\Delta\mu$ while the memory signal barely changes.

# %%
dmus = np.array([0.5, 1.0, 2.0, 4.0, 8.0])
cascade_rev = M.cascade(3, reverse=True)
ep_rev = [float(tt.entropy_production_rate(cascade_rev.numeric({**mem_point, M.Delta_mu: d}))) for d in dmus]
assert all(e > 0 for e in ep_rev) and all(np.diff(ep_rev) > 0)
rev_point = {**mem_point, M.Delta_mu: 2.0}
rec = tt.verify(cascade_rev, tt.entropy_production_rate.of(), values=rev_point, seed=51, paths=paths)
print(rec)
records.append(rec)
assert rec.passed, "the cascade's entropy production disagrees with its Monte Carlo estimate"
rec = tt.verify(M.binary_synapse(), tt.entropy_production.of(t=1.0, initial={k: float(v.subs({M.f: 0.5, M.q: 0.5}))
                                                                           for k, v in M.potentiated_start().items()}),
                values={M.r: 1.0, M.f: 0.5, M.q: 0.5},
                theory=float(binary_q["entropy_production"].subs({M.r: 1.0, M.f: 0.5, M.q: 0.5, M.t: 1.0})),
                seed=52, paths=4 * paths)
print(rec)
records.append(rec)
assert rec.passed, "the binary synapse's entropy production disagrees with its Monte Carlo estimate"

# %%
fig, (a1, a2) = plt.subplots(1, 2, figsize=(9, 3.5))
a1.loglog(times, cascade_curves["signal"].clip(1e-12), label=f"cascade, n = {cascade_n}")
a1.loglog(times, binary_signal(times).clip(1e-12), "--", label="binary, same S(0)")
a1.loglog(times, s0 / times, ":", c="gray", label=r"$\propto 1/t$")
a1.set_ylim(1e-4, 1)
a1.set_xlabel("t (1 / r)")
a1.set_ylabel("memory signal S(t)")
a1.legend()
a2.loglog(times, cascade_curves["information"].clip(1e-14), label="cascade (state)")
a2.loglog(times, binary_info(times).clip(1e-14), "--", label="binary")
a2.set_ylim(1e-6, 1)
a2.set_xlabel("t (1 / r)")
a2.set_ylabel("I(memory; synapse) [nats]")
a2.legend()
memory_fig = save_figure(fig, "jump_memory", out)

# %% [markdown]
# ## Kinetic proofreading (Hopfield 1974)
# An enzyme binds a right or a wrong substrate at the same rate; the wrong one leaves
# $e^{\Delta}$ times faster. A bound complex is activated at rate $m$ (using an ATP), and an
# activated one makes its product at rate $w$ or is discarded at rate $l$ (the wrong one
# $e^{\Delta}$ times faster): a second chance to reject. The error fraction is
# $$ \epsilon = \frac{v_{\mathrm{W}}}{v_{\mathrm{R}}} = \frac{(\kappa + m)(l + w)}{(\kappa e^{\Delta} + m)(l e^{\Delta} + w)}
#    \to \epsilon_\infty = e^{-2\Delta} $$
# for slow activation and catalysis: the square of the one-step discrimination $\epsilon_0 = e^{-\Delta}$,
# paid for by the activations that end discarded. The products are counted by currents
# ($J_R$, $J_W$: each jump out of an activated complex counts the probability $w/(l+w)$
# that it made a product), whose mean rates the engine gives from the stationary state.

# %%
from thermotheory.models import proofreading as H  # noqa: E402

proof = H.proofreading()
proof_q = H.proofreading_quantities()
for name, expr in proof_q.notation().items():
    print(f"{name:>28} = {tt.compact(expr)}")
proof_point = {H.k_on: 2.0, H.kappa: 1.0, H.Delta: 1.5, H.m: 0.5, H.l: 2.0, H.w: 1.0}
right, wrong = H.product_currents()
for name, current in (("right_flux", right), ("wrong_flux", wrong)):
    agree(proof_q[name], tt.current_mean_rate(proof.subs(proof_point), current.subs(proof_point)), proof_point, name)
    rec = tt.verify(proof, tt.current_mean_rate.of(current.subs(proof_point)), values=proof_point,
                    theory=float(tt.evaluate(proof_q[name], proof_point)), seed=61, paths=paths)
    print(rec)
    records.append(rec)
    assert rec.passed, f"{name}: the closed form disagrees with its Monte Carlo estimate"
# the error fraction falls from one step's towards its square as activation and catalysis slow down
slow = {**proof_point, H.m: 1e-4, H.w: 1e-4}
eta = float(tt.evaluate(proof_q["error"], slow))
assert abs(eta / np.exp(-2 * proof_point[H.Delta]) - 1) < 1e-3 and eta < np.exp(-proof_point[H.Delta])

# %% [markdown]
# ## An ion pump: converting the free energy of ATP into an ion gradient (Hill 1977)
# The Na/K-ATPase, reduced to one cycle of four states: the pump binds its ions inside,
# is phosphorylated by an ATP (drawing $\Delta\mu_\mathrm{ATP}$), releases the ions outside
# (storing $\Delta\mu_\mathrm{ion}$ in their gradient) and returns. With the two reservoirs
# declared, the conversion efficiency $\eta_{\mathrm{ATP} \to \mathrm{ion}} =
# -\sigma_\mathrm{ion}/\sigma_\mathrm{ATP}$ is at most 1 by the second law; a tightly coupled
# pump (one cycle) converts at the ratio of the affinities, whatever its rates, and its cycle
# current is Hill's ratio of spanning-tree sums.

# %%
from thermotheory.models import pump as G  # noqa: E402

pump = G.ion_pump()
pump_q = G.pump_quantities()
for name, expr in pump_q.notation().items():
    print(f"{name:>28} = {tt.compact(expr)}")
pump_point = {G.k_1: 1.0, G.k_2: 2.0, G.k_3: 0.5, G.k_4: 1.5, G.Delta_mu_ATP: 4.0, G.Delta_mu_ion: 3.0}
pump_numeric = pump.numeric(pump_point)
assert abs(tt.conversion_efficiency(pump_numeric, "atp", "ions") - 0.75) < 1e-12  # the ratio of the affinities
agree(pump_q["efficiency"], tt.conversion_efficiency(pump_numeric, "atp", "ions"), pump_point, "efficiency")
agree(pump_q["entropy_production_rate"], tt.entropy_production_rate(pump_numeric), pump_point, "entropy production")
pump_table = pump_q.verify(values=pump_point, seed=71, paths=paths)
print(pump_table)
records += list(pump_table)
assert pump_table.passed, "a closed form of the ion pump disagrees with its Monte Carlo estimate"

# %% [markdown]
# ## Monte Carlo checks
# Every check above, in one table (|z| <= 4 passes).

# %%
table = tt.VerificationTable(records)
print(table)
assert table.passed

# %% [markdown]
# ## Export

# %%
tex, md = write_derivation(
    "jump_processes", "Discrete states: ion channel, sensor, receptor, memory, proofreading, pump", channel, channel_q,
    out,
    text="The Hodgkin-Huxley potassium channel as a chain on the number $k$ of its four gates that are open, each "
         "gate opening at rate $\\alpha$ and closing at rate $\\beta$ (Hodgkin and Huxley 1952). The chain is a "
         "tree, so it obeys detailed balance: its stationary occupancy is the binomial law of independent gates, "
         "$\\pi_k = \\binom{4}{k} n_\\infty^k (1 - n_\\infty)^{4-k}$, it produces no entropy, and it relaxes at the "
         "rate of one gate. Its entropy is four gates' binary entropies $h$ less the mean log of the number of "
         "orderings of the open gates.",
    sections=[("The channel after a voltage step", channel, step_q,
               "After a step of the voltage the rates change and the occupancy, binomial with the old $n_0$, stays "
               "binomial with $n(t)$ relaxing to the new $n_\\infty$; the channel conducts with Hodgkin and Huxley's "
               "$n(t)^4$. The entropy produced is the fall of the relative entropy to the new stationary state, "
               "four times that of one gate."),
              ("A sensor of a two-valued signal", sensor, sensor_q,
               "A signal $x$ flipping at rate $\\gamma$ and a sensor $y$ that aligns with it at rate $k$ and "
               "misaligns at $k e^{-\\Delta\\mu}$, each alignment using the free energy $\\Delta\\mu$ (Barato, "
               "Hartich and Seifert 2014). No transition changes both, so the learning rate $l_y$ and the heat rate "
               "of the sensor are defined, and their ratio, the sensing efficiency, is at most 1; "
               "$p_{\\mathrm{al}}$ is the probability that the sensor is aligned."),
              ("A receptor", receptor, receptor_q,
               "A receptor binding a ligand at rate $k c_x$ and releasing it at rate $\\omega$, the concentration "
               "flipping between $c_0$ and $c_1$ at rate $\\gamma$: it learns on the chemical work that the changing "
               "concentration does on it, with no free energy spent inside the cell. $u_x$ is the probability of "
               "the concentration $c_x$ with the receptor bound, and $J$ the current of bindings at high "
               "concentration. Its sensory capacity, the learning rate over the transfer entropy rate, is computed "
               "numerically (the optimal filter's stationary law) in the script."),
              ("A binary synapse", M.binary_synapse(), binary_q,
               "A synapse with two efficacies, plasticity events arriving at rate $r$, a fraction $f$ potentiating, "
               "each switching it with probability $q$ (Fusi, Drew and Abbott 2005). A memory stored at $t = 0$ "
               "leaves a signal that decays at the rate $q r$; with $f = 1/2$ the information the synapse keeps is "
               "the entropy its forgetting will still produce."),
              (f"The cascade of {cascade_n} levels", cas, cascade_q,
               "The cascade model gives each efficacy several levels of plasticity, switching with probabilities "
               "$\\xi^{i-1}$ and deepening with probabilities $\\xi^i/(1-\\xi)$: the occupancy is uniform and the "
               "memory signal decays as a power law over the times between $1/r$ and $\\xi^{-n}/r$."),
              ("Kinetic proofreading", proof, proof_q,
               "An enzyme binding a right or a wrong substrate (the wrong one leaving $e^{\\Delta}$ times faster), "
               "activating the complex at rate $m$ with an ATP, and making the product at rate $w$ or discarding it "
               "at rate $l$ (Hopfield 1974). The error fraction $\\epsilon = v_{\\mathrm{W}} / v_{\\mathrm{R}}$, the "
               "ratio of the two product fluxes, falls towards $\\epsilon_\\infty = e^{-2\\Delta}$, the square of the "
               "one-step discrimination $\\epsilon_0 = e^{-\\Delta}$, when activation and catalysis are slow."),
              ("An ion pump", pump, pump_q,
               "The Na/K-ATPase reduced to one cycle of four states: binding the ions inside, phosphorylation by ATP "
               "(drawing $\\Delta\\mu_\\mathrm{ATP}$), release outside (storing $\\Delta\\mu_\\mathrm{ion}$ in the "
               "gradient) and return. The cycle current is Hill's ratio of spanning-tree sums, and a tightly "
               "coupled pump converts the free energy of ATP at the ratio of the affinities, whatever its rates "
               "(Hill 1977).")],
    references=["hodgkin1952", "barato2014", "fusi2005", "hopfield1974", "hill1977", "hartich2016"],
    glossary={**K.GLOSSARY, **R.GLOSSARY, **{k: v for k, v in M.GLOSSARY.items() if k != M.Delta_mu},
              **H.GLOSSARY, **G.GLOSSARY,  # (the cascade here has no reverse transitions: its Delta_mu is not shown)
              M.t: ("time since the start (the step, the storage of a memory)", "time")},
    figures=[sensor_fig.name, memory_fig.name])
print(f"wrote {tex}, {md}, {sensor_fig} and {memory_fig}")
