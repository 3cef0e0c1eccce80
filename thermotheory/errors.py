"""Exceptions raised by thermotheory.

Every error about a model or its use derives from :class:`ModelError`, itself a
:class:`ValueError`, so ``except ValueError`` keeps working for callers that do
not care about the details.
"""

from __future__ import annotations

__all__ = [
    "ModelError",
    "NonlinearDrift",
    "InvalidDiffusion",
    "InvalidParity",
    "UnknownVariable",
    "NotStable",
    "NotBipartite",
    "SingularCovariance",
    "TooLarge",
    "IllConditioned",
    "ConditioningWarning",
    "NotAModel",
    "InvalidExport",
    "UnknownName",
]


class ModelError(ValueError):
    """Root of all errors about a model, its input or a quantity asked of it."""


class NonlinearDrift(ModelError):
    """The drift given to the linear engine is not linear in the state variables."""


class InvalidDiffusion(ModelError):
    """The diffusion is not symmetric, negative, or depends on the state."""


class InvalidParity(ModelError):
    """A parity other than +1 (even) or -1 (odd) was given."""


class UnknownVariable(ModelError):
    """A variable passed to a function is not a state variable of the model."""


class NotStable(ModelError):
    """A stationary quantity was asked of a model whose drift matrix is not Hurwitz."""


class NotBipartite(ModelError):
    """A subsystem quantity needs the noise of the subsystem independent of the rest."""


class SingularCovariance(ModelError):
    """A covariance that must be invertible (for an entropy or a density) is singular."""


class TooLarge(ModelError):
    """A symbolic computation would exceed the size the engine attempts; substitute numbers."""


class IllConditioned(ModelError):
    """A numeric problem so ill-conditioned that floating point leaves no meaningful digits."""


class ConditioningWarning(UserWarning):
    """A numeric result that may have lost many of its digits to ill-conditioning (the message says how many)."""


class InvalidExport(ModelError):
    """An export (a LaTeX or Markdown page, a figure) was asked with an unusable file name, folder or title."""


class NotAModel(ModelError, TypeError):
    """A quantity was asked of something that is not a model (a dict, a matrix): the message names what was expected."""


class UnknownName(ModelError, KeyError):
    """A name asked of a named collection (a Derivation's entries) that it does not hold; also a ``KeyError``."""

    def __str__(self) -> str:  # the message, not KeyError's quoted repr of it
        return str(self.args[0]) if self.args else ""


# -- Markov jump processes (thermotheory.core.jump) ------------------------------------------------------------------
class InvalidRate(ModelError):
    """A transition rate that is negative, complex, not finite or unreadable, or a jump from a state to itself."""


class UnknownState(ModelError):
    """A state (or a subsystem, or a state index) that the Markov jump process does not have."""


class DuplicateState(ModelError):
    """A state listed twice in a Markov jump process's ``states``."""


class NotErgodic(ModelError):
    """A stationary quantity asked of a jump process with several closed classes (several stationary states)."""


class IrreversibleTransition(ModelError):
    """An entropy production (or an entropy flow from local detailed balance) asked of a jump without its reverse."""


class InvalidProbability(ModelError):
    """A probability distribution (an initial state of a jump process) with negative entries or a sum other than 1."""


__all__ += ["InvalidRate", "UnknownState", "DuplicateState", "NotErgodic", "IrreversibleTransition",
            "InvalidProbability"]


class InvalidWorkers(ModelError):
    """A number of worker processes that is not a positive whole number, or a Dask scheduler that is not an address."""


class SchedulerUnreachable(ModelError):
    """No Dask scheduler answered at the address given within the connection timeout."""


__all__ += ["InvalidWorkers", "SchedulerUnreachable"]


# -- machines with declared input and output reservoirs (thermotheory.core.jump_efficiency) -----------------------
class UnknownReservoir(ModelError):
    """A reservoir name that the Markov jump process does not have (its reservoirs are ``model.reservoir_names``)."""


class UndefinedEfficiency(ModelError):
    """A conversion efficiency whose input reservoir has zero entropy flow, or whose input and output are one reservoir."""


__all__ += ["UnknownReservoir", "UndefinedEfficiency"]


# -- numeric-only closed forms (thermotheory.core.jump_filter) -------------------------------------------------------
class NoClosedForm(ModelError):
    """A quantity whose closed form is not computed for this model (a symbolic model where it is numeric only, or a
    case outside what it covers): the message says what to change (substitute numbers, fewer states, ...)."""


__all__ += ["NoClosedForm"]
