"""Linear-noise approximation: a nonlinear :class:`~thermotheory.SDE` linearised at a fixed point.

The drift is expanded to first order around a stable fixed point ``z*`` of the
deterministic dynamics (``f(z*) = 0``) and the diffusion is frozen at ``z*``:

.. math:: dz = J (z - z^*)\\, dt + \\sqrt{2 D(z^*)}\\, dW, \\qquad J_{ij} = \\partial f_i / \\partial z_j \\,(z^*).

The result is a :class:`~thermotheory.LinearSDE`, so every closed form of the engine
applies to it. It is exact for a linear drift with additive noise and accurate when the
fluctuations are small compared with the scale on which the drift bends.

The functions live beside :class:`~thermotheory.SDE` (:meth:`SDE.linearize
<thermotheory.SDE.linearize>` is the method form); this module re-exports them.
"""

from __future__ import annotations

from .sde import _is_stable, _nonzero, fixed_points, linear_noise_approximation

__all__ = ["linear_noise_approximation", "fixed_points"]
