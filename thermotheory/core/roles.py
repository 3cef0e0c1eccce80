r"""The names of the arguments of the closed forms: one name per role.

Every quantity of :mod:`thermotheory.core` takes the model first and then, for each
role below, the argument of that name (positionally or as a keyword). A variable set
is a state variable (its Symbol or its name) or a sequence of them.

================== ======================================================================
role               meaning (quantities that take it)
================== ======================================================================
``subsystem``      the variables whose own dynamics the quantity is about; their noise
                   must be independent of the rest's (bipartite):
                   :func:`~thermotheory.heat_rate`, :func:`~thermotheory.information_flow`,
                   :func:`~thermotheory.efficiency`; optional (default: the whole system)
                   in :func:`~thermotheory.entropy_production_rate` and
                   :func:`~thermotheory.heat`
``X, Y, Z``        the variable sets of a Gaussian marginal: :func:`~thermotheory.entropy`
                   of ``X``, :func:`~thermotheory.mutual_information` of ``X`` and ``Y``,
                   :func:`~thermotheory.conditional_mutual_information` of ``X`` and ``Y``
                   given ``Z``
``hidden``         the variables estimated by the optimal filter
                   (:func:`~thermotheory.filter_error`)
``observed``       the variables whose paths the filter sees (:func:`~thermotheory.filter_error`)
``source``         the variables whose influence is measured
                   (:func:`~thermotheory.transfer_entropy_rate`)
``target``         the variables influenced, whose paths are observed
                   (:func:`~thermotheory.transfer_entropy_rate`)
``t``              the time since the start, ``t >= 0``, of a transient quantity
``initial``        the covariance at time 0: an ``(n, n)`` matrix, or a mapping from
                   variable to variance
``initial_mean``   the mean at time 0: a length-``n`` vector, or a mapping from variable
                   to value (default zero)
``form``           the shape of a symbolic result (``None``, ``"structured"``,
                   ``"rational"``, ``"factored"``)
``parameter``      the model parameter varied along a grid (:func:`~thermotheory.sweep`,
                   :func:`~thermotheory.plot.plot_check`, the decoder's ``tradeoff`` and
                   ``optimum``)
================== ======================================================================

Deprecated spellings, accepted for one release with a ``DeprecationWarning``, are declared
once, in :data:`RENAMED_KEYWORDS` and :data:`KEYWORD_ONLY` below (the decorators of
:mod:`thermotheory.core._compat` and the quantity records read them): ``Y=`` of :func:`~thermotheory.heat_rate` and
:func:`~thermotheory.efficiency`, and ``into=`` of
:func:`~thermotheory.information_flow`, are now ``subsystem=``; ``b``, ``variables``,
``parity`` and ``time`` of :meth:`~thermotheory.LinearSDE.from_matrices` are keywords
(positionally, ``b`` sat after ``D`` while :meth:`~thermotheory.LinearSDE.arrays`
returns ``(A, b, D)``); ``vary=`` of the decoder's ``tradeoff`` and ``optimum`` is now
``parameter=``; so are ``Y=`` of the per-path estimators ``thermotheory.montecarlo.paths.heat``
and ``heat_rate`` and ``into=`` of ``thermotheory.montecarlo.paths.information_flow``.

Shapes: a mean is a vector of shape ``(n,)`` (a float array, or a one-dimensional sympy
``ImmutableDenseNDimArray`` for a symbolic model); a covariance is an ``(n, n)`` matrix
(a float array or a sympy ``ImmutableMatrix``).

Examples
--------
>>> from thermotheory.core.roles import ROLES
>>> ROLES["subsystem"].split(";")[0]
'the variables whose own dynamics the quantity is about'
>>> RENAMED_KEYWORDS["information_flow"]
{'into': 'subsystem'}
"""

from __future__ import annotations

__all__ = ["ROLES", "RENAMED_KEYWORDS", "KEYWORD_ONLY", "DEPRECATED"]

#: One line per role: the argument names used by every closed form.
ROLES: dict[str, str] = {
    "subsystem": "the variables whose own dynamics the quantity is about; their noise independent of the rest's",
    "X": "first variable set of a Gaussian marginal (entropy, mutual information)",
    "Y": "second variable set of a mutual information",
    "Z": "conditioning variable set of a conditional mutual information",
    "hidden": "variables estimated by the optimal filter",
    "observed": "variables whose paths the filter sees",
    "source": "variables whose influence a transfer entropy measures",
    "target": "variables influenced, whose paths are observed",
    "t": "time since the start of a transient quantity, t >= 0",
    "initial": "covariance at time 0: (n, n) matrix or mapping variable -> variance",
    "initial_mean": "mean at time 0: length-n vector or mapping variable -> value (default zero)",
    "form": "shape of a symbolic result: None, 'structured', 'rational' or 'factored'",
    "parameter": "the model parameter varied along a grid (sweep, plot_check)",
}

#: Every renamed keyword of the package, declared once (one release): the function (its public
#: name, relative to ``thermotheory``) -> {deprecated keyword: the role it stands for}. Read by
#: :func:`thermotheory.core._compat.deprecated_keywords` and by the quantity records' ``aliases``.
RENAMED_KEYWORDS: dict[str, dict[str, str]] = {
    "heat_rate": {"Y": "subsystem"},
    "efficiency": {"Y": "subsystem"},
    "information_flow": {"into": "subsystem"},
    "montecarlo.paths.heat": {"Y": "subsystem"},
    "montecarlo.paths.heat_rate": {"Y": "subsystem"},
    "montecarlo.paths.information_flow": {"into": "subsystem"},
    "models.decoder.tradeoff": {"vary": "parameter"},
    "models.decoder.optimum": {"vary": "parameter"},
}

#: Parameters that became keyword-only, still accepted in their old positional slots (in this order), one
#: release: the function -> the parameters. Read by :func:`thermotheory.core._compat.deprecated_keywords`.
KEYWORD_ONLY: dict[str, tuple[str, ...]] = {
    "LinearSDE.from_matrices": ("b", "variables", "parity", "time"),
}

#: Deprecated keyword -> its role, per closed form of a registered quantity (the entries of
#: :data:`RENAMED_KEYWORDS` named by a quantity alone).
DEPRECATED: dict[str, dict[str, str]] = {name: renames for name, renames in RENAMED_KEYWORDS.items()
                                         if "." not in name}
