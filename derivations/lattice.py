# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # A lattice field theory of neural activity
#
# The Gaussian field of `thermotheory.models.lattice`: the propagator, the two-point
# function and correlation length, the susceptibility, the entropy production of a
# non-reciprocal (directed) coupling, and the exact decimation flow of the chain. The
# closed forms are checked against FFT sums on finite lattices, the FFT path against the
# dense engine, and the two-point function against exact Fourier sampling and real-space
# Langevin simulation; a phi^4 term is simulated and compared with first-order
# perturbation theory. ``THERMOTHEORY_FAST=1`` runs fewer samples.

# %%
import dataclasses
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import sympy as sp  # noqa: E402

import thermotheory as tt  # noqa: E402
from thermotheory.export import output_dir, save_figure, write_derivation  # noqa: E402
from thermotheory.models import lattice as E  # noqa: E402
from thermotheory.derivation import Definition, Derivation  # noqa: E402
from thermotheory.montecarlo.uncertainty import Estimate  # noqa: E402

fast = os.environ.get("THERMOTHEORY_FAST") == "1"
out = output_dir(__file__)


def vals(f):
    return {E.m: np.sqrt(f.m2), E.lam: f.lam, E.a: f.a, E.Gamma: f.gamma, E.eps: f.eps}


# %% [markdown]
# ## Closed forms

# %%
flow = E.decimation()
L = sp.Symbol("L", positive=True, integer=True)
# The field's closed forms are its own (no registered quantity is a propagator or a length):
# each is a Definition, its notation written once here.
quantities = Derivation(None, [(key, Definition(key, symbol, text, units=units), expr)
                               for key, symbol, text, expr, units in [
    ("propagator", "G(k)", "propagator, $d = 1$", E.propagator(1), r"squared units of $\phi$"),
    ("propagator_3d", r"G_{d=3}(k)", "propagator, $d = 3$", E.propagator(3), r"squared units of $\phi$"),
    ("inverse_correlation_length", r"\kappa", "inverse correlation length", E.inverse_correlation_length(),
     "per site"),
    ("correlation_length", r"\xi = a / \kappa", "correlation length", E.correlation_length(), "units of $a$"),
    ("second_moment_length", r"\xi_{2}", "second-moment correlation length", E.second_moment_length(), "sites"),
    ("two_point_function", r"G(r)", "two-point function, infinite lattice", E.two_point_function(),
     r"squared units of $\phi$"),
    ("two_point_function_ring", r"G_L(r)", "two-point function on a ring of $L$ sites", E.two_point_function(L),
     r"squared units of $\phi$"),
    ("susceptibility", r"\chi", "susceptibility", E.susceptibility(), r"squared units of $\phi$"),
    ("entropy_production_density_1d", r"\Pi / N \;(d = 1)", "entropy production per site, $d = 1$",
     E.entropy_production_density(1), "nats per unit time"),
    ("entropy_production_density_2d", r"\Pi / N \;(d = 2)", "entropy production per site, $d = 2$",
     E.entropy_production_density(2), "nats per unit time"),
    ("mass_for_length", r"m^2(\xi)", "mass for a correlation length", E.mass_for_length(), "units of $m^2$"),
    ("flow_a", r"a'", "lattice spacing after one decimation", flow["a"], "units of $a$"),
    ("flow_kappa", r"\kappa'", "kappa after one decimation", flow["kappa"], "per site"),
    ("flow_lambda", r"\lambda'", "coupling after one decimation", flow["lambda"], r"units of $\lambda$"),
    ("flow_m2", r"m'^2", "mass after one decimation", flow["m2"], "units of $m^2$"),
    ("flow_correlation_length", r"\xi'", "correlation length after one decimation", flow["correlation_length"],
     "units of $a$"),
]])
for name, expr in quantities.notation().items():
    print(f"{name:>22} = {tt.compact(expr)}")

# %% [markdown]
# ## Checks: the FFT path against the dense engine, closed forms against sums
# Block-spin coarse-graining (averages over blocks of 2^d sites) is fitted by the nearest
# neighbour form at each step: ``m^2`` grows as ``2^d`` per step, and the physical
# correlation length ``a / kappa`` stays fixed up to ``(b / xi)^2``.

# %%
small = E.LatticeField(6, 2, m2=0.7, lam=1.3, gamma=0.8, eps=0.4)
dense = small.linear_sde()
assert np.allclose(tt.stationary_covariance(dense), small.covariance(np.arange(small.sites)), rtol=0, atol=1e-12)
assert abs(tt.entropy_production_rate(dense) - small.entropy_production_rate()) < 1e-10
chain = E.LatticeField(64, 1, m2=0.5, lam=1.0, eps=0.6)
k_chain = float(E.inverse_correlation_length().subs(vals(chain)))
ring = E.two_point_function(chain.L).subs({**vals(chain), E.kappa: k_chain})
G_chain = chain.correlation()
assert np.allclose([float(ring.subs(E.r, n)) for n in range(chain.L)], G_chain, rtol=1e-10, atol=1e-14)
long_chain = E.LatticeField(4096, 1, m2=0.5, lam=1.0, eps=0.6)
dens = float(E.entropy_production_density(1).subs({**vals(chain), E.kappa: k_chain}))
assert abs(long_chain.entropy_production_rate() / long_chain.sites - dens) < 1e-10 * dens
for d in (1, 2, 3):
    g = E.LatticeField({1: 1024, 2: 256, 3: 64}[d], d, m2=0.01, lam=1.0)
    steps = [g]
    for _ in range(3):
        steps.append(steps[-1].block(2))
    print(f"block-spin flow, d = {d}: m^2 " + " -> ".join(f"{x.m2:.4g}" for x in steps)
          + "; lambda " + " -> ".join(f"{x.lam:.4g}" for x in steps)
          + "; physical xi " + " -> ".join(f"{x.correlation_length():.4f}" for x in steps))
    assert abs(steps[1].correlation_length() / g.correlation_length() - 1) < 0.01
big = E.LatticeField(1000, 2, m2=0.1, lam=1.0)
print(f"10^6 sites: entropy {big.entropy():.1f} nats, susceptibility {big.correlation().sum():.6f} (1/m^2 = 10)")

# %% [markdown]
# ## Monte Carlo: exact Fourier sampling, Langevin dynamics, entropy production, phi^4

# %%
# The two-point function through registered quantities: the entropy of one site gives G(0),
# the mutual information between sites 0 and r gives (G(r) / G(0))^2; on exact Fourier samples
# of the field (tt.verify on the LatticeField) and on paths of its dense Langevin dynamics
# (tt.verify on chain.linear_sde()); the ring's closed form G_L(r) is the theory.
G_ring = quantities["two_point_function_ring"].subs({**vals(chain), E.kappa: k_chain, L: chain.L})
site_entropy = sp.log(2 * sp.pi * sp.E * G_ring.subs(E.r, 0)) / 2
shared = {n: -sp.log(1 - (G_ring.subs(E.r, n) / G_ring.subs(E.r, 0)) ** 2) / 2 for n in (1, 3, 6)}
sampled = tt.VerificationTable([
    tt.verify(chain, tt.entropy.of([0]), theory=site_entropy, seed=1, paths=400 if fast else 4000),
    *(tt.verify(chain, tt.mutual_information.of([0], [n]), theory=th, seed=1 + n, paths=400 if fast else 4000)
      for n, th in shared.items()),
])
print(sampled)
assert sampled.passed, "the two-point function disagrees with exact samples of the field"
dense_chain = chain.linear_sde()
phi_0, phi_1 = dense_chain.variables[:2]
langevin = tt.VerificationTable([
    tt.verify(dense_chain, tt.entropy.of(phi_0), theory=site_entropy, seed=2, paths=200 if fast else 1000),
    tt.verify(dense_chain, tt.mutual_information.of(phi_0, phi_1), theory=shared[1], seed=12,
              paths=200 if fast else 1000),
])
print(langevin)
assert langevin.passed, "the two-point function disagrees with the field's Langevin dynamics"
# for the figure: the two-point function along the chain, from samples and from the field's own integrator
mean_s, se_s = E.LatticeField.two_point_estimate(chain.sample(400 if fast else 4000, seed=1))
fields = chain.langevin(t_end=20.0, dt=0.002, n=200 if fast else 1000, seed=2)
mean_l, se_l = E.LatticeField.two_point_estimate(fields)
ring6 = E.LatticeField(6, 1, m2=0.5, lam=1.0, eps=0.7)
ep = tt.verify(ring6, tt.entropy_production_rate, seed=3, paths=200 if fast else 1000)
print(f"entropy production of a directed ring of 6: {ep}")
assert ep.passed
# phi^4: the quartic term shifts the mass by u G(0) / 2 at first order, so the entropy of the
# whole ring falls by u G(0)^2 L / 4; a nonlinear SDE of the ring, checked against that
# (theory=) and against its linear-noise approximation, which misses the shift
quartic = E.LatticeField(4, 1, m2=1.0, lam=1.0)
u = 0.5
A_q = np.array(quartic.linear_sde().A, float)
sites = quartic.linear_sde().variables
ring = tt.SDE({p: sum(A_q[i, j] * sites[j] for j in range(len(sites)) if A_q[i, j] != 0)
               - quartic.gamma * u / 6 * p**3 for i, p in enumerate(sites)}, {p: quartic.gamma for p in sites})
G0 = quartic.correlation().ravel()[0]
first_order = tt.entropy(quartic) - u * G0**2 * quartic.sites / 4
if fast:
    phi4 = tt.verify(ring, tt.entropy, list(sites), seed=7, paths=2048, theory=first_order)
else:
    # one simulation for both checks (the paths of seed 7 that verify(..., theory=first_order) would simulate
    # again): against the linear-noise approximation, which verify derives when given no theory, and against
    # the first-order theory, the same estimate's z as verify's (Student's t with the estimate's dof)
    gaussian = tt.verify(ring, tt.entropy, list(sites), seed=7, paths=8192)
    z = Estimate(gaussian.estimate, gaussian.stderr, gaussian.paths, gaussian.dof).z(float(first_order))
    phi4 = dataclasses.replace(gaussian, expression=sp.Float(float(first_order)), theory=float(first_order), z=z,
                               passed=bool(np.isfinite(z) and abs(z) <= gaussian.z_max), approximation="given")
print(phi4)
assert phi4.passed, "the phi^4 ring disagrees with first-order perturbation theory"
if not fast:  # the linear-noise approximation misses the quartic term's shift (resolved with the full paths)
    print(gaussian)
    assert not gaussian.passed

# %% [markdown]
# ## Figure

# %%
fig, (a1, a2, a3) = plt.subplots(1, 3, figsize=(13, 3.6))
rs = np.arange(0, 16)
a1.semilogy(rs, G_chain[rs], label="closed form")
a1.errorbar(rs, mean_s[rs], yerr=4 * se_s[rs], fmt="o", ms=3, label="Fourier sampling (4 s.e.)")
a1.errorbar(rs + 0.2, mean_l[rs], yerr=4 * se_l[rs], fmt="s", ms=3, label="Langevin (4 s.e.)")
a1.set_xlabel("r (sites)")
a1.set_ylabel(r"$\langle \phi_0 \phi_r \rangle$")
a1.set_ylim(1e-3, None)
a1.legend(fontsize=8)
epsilons = np.linspace(0, 1, 21)
a2.plot(epsilons, [float(E.entropy_production_density(1).subs({**vals(chain), E.eps: e_, E.kappa: k_chain}))
                   for e_ in epsilons], label="d = 1 closed form")
a2.plot(epsilons, [E.LatticeField(64, 2, 0.5, 1.0, eps=e_).entropy_production_rate() / 64**2 for e_ in epsilons],
        label="d = 2 (FFT, 64x64)")
a2.set_xlabel(r"non-reciprocity $\epsilon$")
a2.set_ylabel("entropy production per site")
a2.legend(fontsize=8)
ks = [k_chain * 2**j for j in range(5)]
a3.plot(range(5), [1 / k for k in ks], "o-", label=r"$1/\kappa$ (lattice units)")
a3.plot(range(5), [2**j / k for j, k in enumerate(ks)], "s--", label=r"$a/\kappa$ (physical, $a_0 = 1$)")
a3.set_xlabel("decimation steps")
a3.set_yscale("log")
a3.legend(fontsize=8)
fig.tight_layout()
fig_path = save_figure(fig, "lattice", out)

# %% [markdown]
# ## Export

# %%
# the model shown: the Langevin equation of one site, its couplings to the neighbours included
site = E.field_equation()
tex, md = write_derivation("lattice", "A lattice field theory of neural activity", site, quantities, out,
                           figures=[fig_path.name],
                           text="A Gaussian field on a periodic lattice, a model of the activity of a network of "
                                "neurons (Bardella et al. 2024), with Langevin dynamics: the propagator, the "
                                "two-point function and its correlation length, the susceptibility, the entropy "
                                "production of a non-reciprocal (directed) coupling, and the exact decimation flow "
                                "of the chain. The closed forms are checked against FFT sums on finite lattices "
                                "and against Langevin simulations.",
                           glossary=E.GLOSSARY,
                           references=["bardella2024"])
print(f"wrote {tex}, {md} and {fig_path}")
