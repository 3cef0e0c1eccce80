"""Monte Carlo: simulation of SDEs and estimators with standard errors (the estimator table).

Verification of closed forms and parameter sweeps sit above this package: :mod:`thermotheory.verify`,
:mod:`thermotheory.sweep`.

Works on numbers (numeric models); never on sympy expressions in its loops, and never
calls the closed forms it checks.
"""
