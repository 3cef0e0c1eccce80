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
  bound on the entropy production rate that equals it under full observation (but not with
  a declared feedback force, whose entropy pumping the paths cannot see).

Each has a Monte Carlo estimator in :mod:`thermotheory.montecarlo.spectral` that never calls the
closed forms; :mod:`thermotheory.registry` registers the three as quantities.
"""

from .mutual import mutual_information_rate
from .reversal import kl_divergence_rate
from .transfer import full_history_transfer_entropy_rate

__all__ = ["full_history_transfer_entropy_rate", "mutual_information_rate", "kl_divergence_rate"]

