"""The nonlinear SDE: simulated by Euler (Itô) and Heun (Stratonovich), checked against exact densities."""

import numpy as np
import pytest
import sympy as sp
from scipy.integrate import quad

import thermotheory as tt

x, y = sp.symbols("x y", real=True)


def test_linear_drift_gives_the_same_paths_as_the_linear_engine():
    lin = tt.LinearSDE({x: -x, y: 2 * x - 3 * y}, {x: 1, y: sp.Rational(1, 2)})
    gen = tt.SDE({x: -x, y: 2 * x - 3 * y}, {x: 1, y: sp.Rational(1, 2)})
    for method in ("euler", "heun"):
        a = tt.simulate(lin, t_end=0.5, dt=0.01, paths=1500, seed=4, method=method)
        b = tt.simulate(gen, t_end=0.5, dt=0.01, paths=1500, seed=4, method=method)
        np.testing.assert_allclose(a.states, b.states, rtol=1e-10, atol=1e-12)


def stationary_second_moment(density):
    norm = quad(density, -np.inf, np.inf)[0]
    return quad(lambda u: u * u * density(u), -np.inf, np.inf)[0] / norm


def test_double_well_matches_its_boltzmann_density():
    D = 0.5
    well = tt.SDE({x: x - x**3}, {x: D})
    tr = tt.simulate(well, t_end=0.02, dt=0.02, paths=20000, seed=1, method="heun", burn_in=12.0)
    est = tt.estimate.per_path(tr.states[-1, :, 0] ** 2)
    theory = stationary_second_moment(lambda u: np.exp((u**2 / 2 - u**4 / 4) / D))
    assert abs(est.z(theory)) <= 4


@pytest.mark.parametrize("convention, method, power", [("ito", "euler", 6.0), ("stratonovich", "heun", 5.5)])
def test_multiplicative_noise_reaches_the_density_of_its_convention(convention, method, power):
    # dx = -x dt + sqrt(2 D(x)) dW with D = (1 + x^2)/10: p ~ (1 + x^2)^-6 (Itô), ^-5.5 (Stratonovich)
    m = tt.SDE({x: -x}, {x: (1 + x**2) / 10}, convention=convention)
    assert not m.additive
    tr = tt.simulate(m, t_end=0.005, dt=0.005, paths=20000, seed=7, method=method, burn_in=12.0)
    est = tt.estimate.per_path(tr.states[-1, :, 0] ** 2)
    theory = stationary_second_moment(lambda u: (1 + u * u) ** -power)
    other = stationary_second_moment(lambda u: (1 + u * u) ** -(11.5 - power))
    assert abs(est.z(theory)) <= 4
    assert abs(est.z(other)) > 4  # the two readings are told apart


def test_errors_and_conventions():
    m = tt.SDE({x: -x}, {x: (1 + x**2) / 10})
    with pytest.raises(tt.ModelError, match="'exact' needs a linear model"):
        tt.simulate(m, t_end=1.0, dt=0.1, paths=2, method="exact")
    with pytest.raises(tt.ModelError, match="ito"):
        tt.simulate(m, t_end=1.0, dt=0.1, paths=2, method="heun")
    with pytest.raises(tt.ModelError, match="convention"):
        tt.SDE({x: -x}, {x: 1}, convention="klimontovich")
    with pytest.raises(tt.InvalidDiffusion):
        tt.SDE({x: -x}, {x: -1})
    with pytest.raises(tt.UnknownVariable):
        tt.SDE({x: -x}, {y: 1})
    bad = tt.SDE({x: -x}, {x: x})  # becomes negative for x < 0
    with pytest.raises(tt.ModelError, match="negative"):
        tt.simulate(bad, t_end=1.0, dt=0.01, paths=100, seed=0, method="euler", initial=[-1.0])
    a = sp.Symbol("a", positive=True)
    sym = tt.SDE({x: -a * x**3}, {x: 1})
    with pytest.raises(tt.ModelError, match="values="):
        tt.simulate(sym, t_end=1.0, dt=0.1, paths=2, method="euler")
    tr = tt.simulate(sym, t_end=0.1, dt=0.1, paths=2, method="euler", values={a: 1})
    assert tr.states.shape == (2, 2, 1)
    with pytest.raises(AttributeError):
        sym.foo = 1
    assert "dW_{x}" in sym._repr_latex_()
