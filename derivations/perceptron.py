# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # The thermodynamic efficiency of learning in a perceptron
#
# Goldt & Seifert's bound, with the models of `thermotheory.models.perceptron`: the
# information the perceptron's predictions carry about the true labels is bounded by the
# entropy change of its weights plus the heat they release. The weights' mean and heat
# under a step or a ramp come from the linear engine; the Gaussian integrals that remain
# are done by mpmath. One weight learning one label reaches efficiency 1 for slow ramps
# and strong drives; Hebbian learning of many labels never does. A Monte Carlo
# simulation of N = 1000 weights checks the many-weight limit. ``THERMOTHEORY_FAST=1``
# runs fewer realizations.

# %%
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import sympy as sp  # noqa: E402

from thermotheory.export import output_dir, save_figure, write_derivation  # noqa: E402
import thermotheory as tt  # noqa: E402
from thermotheory.models import perceptron as D  # noqa: E402
from thermotheory.models import synapse  # noqa: E402
from thermotheory.derivation import Definition, Derivation  # noqa: E402

fast = os.environ.get("THERMOTHEORY_FAST") == "1"
out = output_dir(__file__)


def defined(entries):
    """The closed forms as Definitions (the perceptron's own), each notation, its units and meaning written once
    here."""
    return Derivation(None, [(key, Definition(key, symbol, MEANINGS[key], units=units), expr)
                             for key, symbol, expr, units in entries])


#: What each closed form of the page is, for its glossary.
MEANINGS = {
    "gain_step": "gain of a weight's mean under a step drive: the mean is $c(t) f$ for the force $f$",
    "heat_step": "heat a weight releases under a step drive, per squared force: $q(t) f^2$",
    "gain_ramp": "gain of a weight's mean under a ramp of duration $\\tau$",
    "heat_ramp": "heat a weight releases under a ramp, per squared force",
    "correct_probability": "probability that the perceptron's prediction $\\sigma$ is the true label",
    "information": "information the predictions carry about the true labels",
    "entropy_change": "change of the weights' entropy: the information they hold about the labels",
    "heat": "heat the weights release (as entropy)",
    "hebbian_supremum": "supremum of the efficiency of Hebbian learning over all parameters",
}


# %% [markdown]
# ## The weights' response to the drive
# Given its force ``f`` a weight's mean is ``c(t) f`` and it releases the heat ``q(t) f^2``.

# %%
c_step, q_step = D.drive_response("step")
c_ramp, q_ramp = D.drive_response("ramp")
z, s, p = sp.symbols("z s p_c", real=True)
a, n = D.alpha, D.nu
c = sp.Function("c")(D.t)
qf = sp.Function("q")(D.t)
ell = 1 / (1 + sp.exp(-z))
gauss = lambda mean, var: sp.exp(-(z - mean) ** 2 / (2 * var)) / sp.sqrt(2 * sp.pi * var)  # noqa: E731
binary = -p * sp.log(p) - (1 - p) * sp.log(1 - p)
one_q = defined([
    ("gain_step", r"c_{\mathrm{step}}(t)", c_step, ""), ("heat_step", r"q_{\mathrm{step}}(t)", q_step, "nats"),
    ("gain_ramp", r"c_{\mathrm{ramp}}(t)", c_ramp, ""), ("heat_ramp", r"q_{\mathrm{ramp}}(t)", q_ramp, "nats"),
    ("correct_probability", r"p_c", sp.Integral(gauss(n * c, 1) * ell, (z, -sp.oo, sp.oo)), ""),
    ("information", r"I(\sigma_T; \sigma)", sp.log(2) - binary, "nats"),
    ("entropy_change", r"\Delta S(\omega) = I(\sigma_T; \omega)", (n * c) ** 2
     - sp.Integral(sp.exp(-s**2 / 2) / sp.sqrt(2 * sp.pi) * sp.log(sp.cosh(n * c * (n * c + s))), (s, -sp.oo, sp.oo)),
     "nats"),
    ("heat", "Q", n**2 * qf, "nats"),
])
many_entries = [
    ("correct_probability", r"p_c", sp.Integral(gauss(n * c, 1 + a * n**2 * c**2) * ell, (z, -sp.oo, sp.oo)), ""),
    ("information", r"I / N", a * (sp.log(2) - binary), "nats per weight"),
    ("entropy_change", r"\Delta S / N", sp.log(1 + a * n**2 * c**2) / 2, "nats per weight"),
    ("heat", r"Q / N", a * n**2 * qf, "nats per weight"),
]

# %% [markdown]
# ## One weight, one label

# %%
print(f"{'nu':>4} {'tau':>8} {'I(sT; s)':>9} {'I(sT; w)':>9} {'Q':>9} {'efficiency':>10}")
for nu_ in (1.0, 3.0, 6.0):
    for tau_ in (None, 10.0, 1e3):
        r = D.one_weight_quantities(nu_, tau_)
        print(f"{nu_:4.1f} {str(tau_):>8} {float(r['information']):9.5f} {float(r['weight_information']):9.5f} "
              f"{float(r['heat']):9.5f} {float(r['efficiency']):10.5f}")
slow = float(D.one_weight_quantities(9.0, 1e6)["efficiency"])
print("slow ramp, nu = 9:", slow)
assert slow > 0.99
est1 = D.simulate_learning(1, 1.0, 2.0, tau_value=2.0, time=4.0, dt=0.005, realizations=5000 if fast else 40000,
                           seed=4, chunk=5000)
r1 = D.one_weight_quantities(2.0, 2.0, 4.0)
# the weight's heat through tt.verify (a linear SDE under the ramp; the heat does not depend on the
# label's sign); the label information has no registered estimator: it is checked against
# simulate_learning's estimate by the same calibrated test (VerificationRecord.of_estimate)
heat1 = tt.verify(D.one_weight("ramp"), tt.heat.of(4.0, {D.omega: 1}), values={D.nu: 2.0, D.tau: 2.0, D.sigma_T: 1.0},
                  theory=float(r1["heat"]), seed=4, paths=5000 if fast else 40000)
print(heat1)
assert heat1.passed
label1 = tt.VerificationRecord.of_estimate("one weight I(sigma_T; sigma) at t = 4", r1["information"],
                                          est1["information"])
print(label1)
assert label1.passed

# %% [markdown]
# ## Many weights: the limit N -> infinity at fixed alpha, and N = 1000 by simulation

# %%
alpha_, nu_, T_ = 0.5, 1.0, 5.0
times = [1.0, 2.0, 5.0]
mc = {}
for T in times:
    mc[T] = D.simulate_learning(1000, alpha_, nu_, time=T, dt=0.01, realizations=60 if fast else 400, seed=int(10 * T))
    th = D.many_weights_quantities(alpha_, nu_, None, T)
    # N -> infinity: each weight feels a Gaussian force f ~ N(0, alpha nu^2), the synapse's learning SDE
    # with unit constants (mu = f); its entropy change and heat per weight through tt.verify
    learn = {synapse.lam: 1.0, synapse.tau_w: 1.0, synapse.sigma_w: 1.0, synapse.s_mu: np.sqrt(alpha_) * nu_}
    weight = synapse.learning_sde("step")
    table = tt.VerificationTable([
        tt.verify(weight, tt.entropy.of(synapse.w, T, synapse.LEARNING_START), values=learn, seed=int(10 * T),
                  theory=float(th["entropy_change"]) + np.log(2 * np.pi * np.e) / 2, paths=4000 if fast else 20000),
        tt.verify(weight, tt.heat.of(T, synapse.LEARNING_START, subsystem=synapse.w), values=learn,
                  seed=int(10 * T) + 1, theory=float(th["heat"]), paths=4000 if fast else 20000),
    ])
    print(table)
    assert table.passed, f"the weights' entropy change or heat at t = {T}"
    # no registered estimator measures the labels: the N -> infinity forms against N = 1000 by simulate_learning
    labels = tt.VerificationTable([tt.VerificationRecord.of_estimate(f"N = 1000, {key} per weight at t = {T}",
                                                                     th[key], mc[T][key])
                                   for key in ("information", "error")])
    print(labels)
    assert labels.passed
best = D.hebbian_supremum()
print(f"Hebbian supremum: efficiency {best['efficiency']:.6f} at alpha nu^2 = {best['snr']:.4f} (alpha -> infinity)")
assert best["efficiency"] < 0.5
many_q = defined([*many_entries,
                  ("hebbian_supremum", r"\sup \eta_{\mathrm{Hebb}}", sp.Float(best["efficiency"], 6), "")])

# %% [markdown]
# ## Figure

# %%
fig, (a1, a2, a3) = plt.subplots(1, 3, figsize=(13, 3.6))
taus = np.logspace(-1, 5, 40)
for nu_plot in (1.0, 3.0, 6.0, 9.0):
    a1.semilogx(taus, [float(D.one_weight_quantities(nu_plot, x, dps=12)["efficiency"]) for x in taus],
                label=rf"$\nu = {nu_plot:g}$")
a1.set_xlabel(r"ramp duration $\tau$")
a1.set_ylabel(r"efficiency $\eta$ (one weight)")
a1.legend(fontsize=8)
alphas = np.logspace(-2, 3, 40)
for snr in (0.3, best["snr"], 30.0):
    a2.semilogx(alphas, [float(D.many_weights_quantities(x, np.sqrt(snr / x), 1e9, dps=12)["efficiency"])
                         for x in alphas], label=rf"$\alpha\nu^2 = {snr:.3g}$")
a2.axhline(best["efficiency"], ls="--", c="gray", label="supremum")
a2.set_xlabel(r"$\alpha = P / N$")
a2.set_ylabel(r"efficiency $\eta$ (Hebbian, slow ramp)")
a2.legend(fontsize=8)
ts = np.linspace(0.05, T_, 60)
curves = [D.many_weights_quantities(alpha_, nu_, None, x, dps=12) for x in ts]
for i, (key, label) in enumerate((("information", "I / N"), ("entropy_change", r"$\Delta S / N$"), ("heat", "Q / N"))):
    a3.plot(ts, [float(r[key]) for r in curves], c=f"C{i}", label=label)
    a3.errorbar(times, [mc[T][key].value for T in times], yerr=[4 * mc[T][key].stderr for T in times], fmt="o", ms=4,
                c=f"C{i}")
a3.set_xlabel("t")
a3.set_ylabel("nats per weight")
a3.set_title("N = 1000 (points, 4 s.e.) against N -> inf", fontsize=9)
a3.legend(fontsize=8)
fig.tight_layout()
fig_path = save_figure(fig, "perceptron", out)

# %% [markdown]
# ## Export
# Weight ``n`` of many feels the Hebbian force ``f_n``; given the labels it is the same OU
# process as the single weight.

# %%
omega_n, f_n = sp.Symbol(r"\omega_n", real=True), sp.Symbol("f_n", real=True)
weight_n = D.LinearSDE({omega_n: -omega_n + f_n * D.synapse.protocol("ramp").subs(D.synapse.tau_r, D.tau)}, {omega_n: 1},
                       time=D.t)
tex, md = write_derivation(
    "perceptron", "The thermodynamic efficiency of learning in a perceptron", D.one_weight("ramp"), one_q, out,
    sections=[(r"Many weights, $N \to \infty$ at fixed $\alpha$ (per weight)", weight_n, many_q,
               "Weight n of many feels the Hebbian force f_n of the $\\alpha N$ labels; given the labels it is "
               "the same Ornstein–Uhlenbeck process as the single weight. Hebbian learning of many labels never "
               "reaches efficiency 1 (Goldt and Seifert 2017, New J. Phys.).")],
    figures=[fig_path.name],
    text="A perceptron learns labels by a Langevin dynamics of its weights. The information its predictions "
         "carry about the true labels is bounded by the entropy change of its weights plus the heat they release "
         "(Goldt and Seifert 2017). The weights' mean and heat under a step or a ramp come from the linear engine; "
         "the Gaussian integrals that remain are done by mpmath. One weight learning one label reaches "
         "efficiency 1 for slow ramps and strong drives.",
    glossary={**D.GLOSSARY, omega_n: ("weight $n$ of many", "--"), f_n: ("Hebbian force on weight $n$", "--"),
              r"c(t)": ("gain of the protocol applied, $c_{\\mathrm{step}}$ or $c_{\\mathrm{ramp}}$", "--"),
              r"q(t)": ("heat per squared force of the protocol applied", "nats")},
    references=["goldt2017", "goldt2017njp"])
print(f"wrote {tex}, {md} and {fig_path}")
