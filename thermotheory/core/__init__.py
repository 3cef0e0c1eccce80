"""The linear-Gaussian engine: models, moments and closed forms. Knows no neuroscience.

The argument names of the closed forms, one per role, are listed in :mod:`thermotheory.core.roles`.
"""


def __getattr__(name: str):
    """``thermotheory.core.covariance`` (deprecated, one release), imported when first asked for as an attribute."""
    if name == "covariance":
        import importlib

        return importlib.import_module(f"{__name__}.covariance")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
