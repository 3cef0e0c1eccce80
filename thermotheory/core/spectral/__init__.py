r"""Information rates of stationary paths: full-history transfer entropy, mutual-information rate, KL rate.

Three rates of a stationary :class:`~thermotheory.LinearSDE`, in nats per unit time:

- :func:`full_history_transfer_entropy_rate`: Schreiber's transfer entropy, conditioned on
  the source's whole past (Kalman–Bucy filters and Duncan's theorem). Not to be confused
  with :func:`~thermotheory.transfer_entropy_rate`, the *present-source* rate, which
  conditions on the source's present value only and is never larger.
- :func:`mutual_information_rate`: the mutual information of two sets of paths per unit
  time (Tostevin & ten Wolde's spectral formula).
- :func:`kl_divergence_rate`: the Kullback–Leibler rate between the forward and the
  time-reversed paths of the observed variables (Whittle's spectral formula), a lower
  bound on the entropy production rate that equals it under full observation.

Each has a Monte Carlo estimator in :mod:`.estimators` that never calls the closed forms;
:data:`QUANTITY_INFO` describes the three for the registry of quantities.
"""

from .estimators import (estimate_full_history_transfer_entropy_rate, estimate_kl_divergence_rate,
                         estimate_mutual_information_rate)
from .mutual import mutual_information_rate
from .reversal import kl_divergence_rate
from .transfer import full_history_transfer_entropy_rate

__all__ = ["full_history_transfer_entropy_rate", "mutual_information_rate", "kl_divergence_rate",
           "estimate_full_history_transfer_entropy_rate", "estimate_mutual_information_rate",
           "estimate_kl_divergence_rate", "QUANTITY_INFO"]

#: One entry per quantity: the closed form, its Monte Carlo estimator, roles, notation, units and reference.
QUANTITY_INFO: list[dict] = [
    {
        "function": full_history_transfer_entropy_rate,
        "estimator": estimate_full_history_transfer_entropy_rate,
        "roles": ("source", "target"),
        "kind": "rate",
        "symbol": r"T^{{\mathrm{{path}}}}_{{{source} \to {target}}}",
        "units": "nats per unit time",
        "reference": "schreiber2000",
        "bibtex": """@article{schreiber2000,
  author  = {Schreiber, Thomas},
  title   = {Measuring Information Transfer},
  journal = {Physical Review Letters},
  volume  = {85},
  number  = {2},
  pages   = {461--464},
  year    = {2000},
  doi     = {10.1103/PhysRevLett.85.461}
}""",
        "description": "transfer entropy rate conditioned on the source's whole past (Schreiber), "
                       "at least the present-source rate",
    },
    {
        "function": mutual_information_rate,
        "estimator": estimate_mutual_information_rate,
        "roles": ("X", "Y"),
        "kind": "rate",
        "symbol": r"\dot I({X}; {Y})",
        "units": "nats per unit time",
        "reference": "tostevin2009",
        "bibtex": """@article{tostevin2009,
  author  = {Tostevin, Filipe and ten Wolde, Pieter Rein},
  title   = {Mutual Information between Input and Output Trajectories of Biochemical Networks},
  journal = {Physical Review Letters},
  volume  = {102},
  number  = {21},
  pages   = {218101},
  year    = {2009},
  doi     = {10.1103/PhysRevLett.102.218101}
}""",
        "description": "mutual information between the stationary paths of X and Y per unit time (spectral formula)",
    },
    {
        "function": kl_divergence_rate,
        "estimator": estimate_kl_divergence_rate,
        "roles": ("observed",),
        "kind": "rate",
        "symbol": r"\dot D_{{{observed}}}",
        "units": "nats per unit time",
        "reference": "gomezmarin2008",
        "bibtex": """@article{gomezmarin2008,
  author  = {G{\\'o}mez-Mar{\\'i}n, A. and Parrondo, J. M. R. and Van den Broeck, C.},
  title   = {Lower bounds on dissipation upon coarse graining},
  journal = {Physical Review E},
  volume  = {78},
  number  = {1},
  pages   = {011107},
  year    = {2008},
  doi     = {10.1103/PhysRevE.78.011107}
}""",
        "description": "KL rate between forward and time-reversed paths of the observed variables, a lower bound "
                       "on the entropy production rate (equal under full observation)",
    },
]
