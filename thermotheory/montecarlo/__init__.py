"""Monte Carlo: simulation of SDEs, estimators with standard errors, and verification of closed forms.

Works on numbers (numeric models); never on sympy expressions in its loops, and never
calls the closed forms it checks.
"""
