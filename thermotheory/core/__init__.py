"""The linear-Gaussian engine: models, moments and closed forms. Knows no neuroscience.

The argument names of the closed forms, one per role, are listed in :mod:`thermotheory.core.roles`.
"""
