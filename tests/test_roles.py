"""One spelling per role: the deprecated keywords still work (with a warning) and agree with the new ones."""

import inspect

import numpy as np
import pytest
import sympy as sp

import thermotheory as tt
from thermotheory.core import _compat, filtering, gaussian, thermo
from thermotheory.core.model import LinearSDE
from thermotheory.core.roles import DEPRECATED, ROLES

v, r = sp.symbols("v r", real=True)
tau, lam = sp.symbols("tau lambda", positive=True)


def sensor(symbolic: bool):
    m = LinearSDE({v: -v / tau, r: lam * v - r}, {v: 1, r: sp.Rational(1, 2)})
    return m if symbolic else m.subs({tau: 2, lam: 3})


OLD_KEYWORDS = [(thermo.heat_rate, "Y"), (thermo.efficiency, "Y"), (thermo.information_flow, "into")]


@pytest.mark.parametrize("symbolic", [False, True])
@pytest.mark.parametrize("fn, old", OLD_KEYWORDS, ids=lambda p: getattr(p, "__name__", p))
def test_old_keyword_warns_and_gives_the_same_value(fn, old, symbolic):
    m = sensor(symbolic)
    new = fn(m, subsystem=r)
    with pytest.warns(DeprecationWarning, match=f"{fn.__name__}: the keyword {old}= is deprecated.*use subsystem="):
        got = fn(m, **{old: r})
    assert got == new
    assert fn(m, r) == new  # positionally


@pytest.mark.parametrize("fn, old", OLD_KEYWORDS, ids=lambda p: getattr(p, "__name__", p))
def test_old_and_new_keyword_together_are_refused(fn, old):
    m = sensor(False)
    with pytest.raises(tt.ModelError, match=f"{old}= is the deprecated name of subsystem="):
        fn(m, subsystem=r, **{old: r})
    with pytest.raises(tt.ModelError, match="not both"):
        fn(m, r, **{old: r})


def test_the_warning_points_at_the_caller():
    for fn in (thermo.heat_rate, tt.heat_rate):  # directly, and through the public object
        with pytest.warns(DeprecationWarning) as caught:
            fn(sensor(False), Y=r)
        assert caught[0].filename == __file__
    with pytest.warns(DeprecationWarning) as caught:
        LinearSDE.from_matrices([[-1.0]], [1.0], [0.5])
    assert caught[0].filename == __file__


def test_signatures_use_one_name_per_role():
    core = [thermo.entropy_production_rate, thermo.heat_rate, thermo.information_flow, thermo.efficiency,
            thermo.heat, thermo.entropy_production, gaussian.entropy, gaussian.mutual_information,
            gaussian.conditional_mutual_information, filtering.filter_error, filtering.transfer_entropy_rate,
            tt.covariance, tt.core.moments.mean]
    for fn in core:
        names = [p for p in inspect.signature(fn).parameters if p != "model"]
        unknown = [p for p in names if p not in ROLES]
        assert not unknown, f"{fn.__name__} takes {unknown}, which are not roles"
        assert not set(names) & {"into"}
    for name, renames in DEPRECATED.items():
        assert getattr(getattr(thermo, name), _compat.RENAMED) == renames


def test_canonical_keywords_translates_for_binders():
    with pytest.warns(DeprecationWarning, match="into="):
        out = _compat.canonical_keywords(thermo.information_flow, {"into": r, "form": None}, n_args=1)
    assert out == {"subsystem": r, "form": None}
    inspect.signature(thermo.information_flow).bind(sensor(False), **out)
    assert _compat.canonical_keywords(thermo.entropy_production_rate, {"subsystem": r}) == {"subsystem": r}
    with pytest.raises(tt.ModelError, match="not both"):
        _compat.canonical_keywords(thermo.heat_rate, {"Y": r}, n_args=2)


def test_alias_decorators_refuse_impossible_aliases():
    with pytest.raises(TypeError):
        _compat.renamed_keywords(old="missing")(lambda model, subsystem: None)
    with pytest.raises(TypeError):
        _compat.keyword_only_after("b")(lambda A, D, b=None: None)


# -- LinearSDE.from_matrices: b and the rest are keywords; arrays() by name --------------------------------
def test_from_matrices_positional_b_is_deprecated_and_means_the_same():
    A, D, b = np.array([[-1.0, 0.0], [1.0, -2.0]]), np.array([1.0, 0.5]), np.array([0.3, -0.1])
    new = LinearSDE.from_matrices(A, D, b=b, variables=["x", "y"])
    with pytest.warns(DeprecationWarning, match=r"passing b, variables positionally is deprecated.*b=, variables="):
        old = LinearSDE.from_matrices(A, D, b, ["x", "y"])
    assert old == new
    np.testing.assert_array_equal(new.arrays().b, b)
    assert new.arrays().D is new.arrays()[2]
    with pytest.raises(tt.ModelError, match="both positionally and as b="):
        LinearSDE.from_matrices(A, D, b, b=b)
    with pytest.raises(tt.ModelError, match="at most 6 positional"):
        LinearSDE.from_matrices(A, D, b, None, None, None, None)


def test_arrays_is_a_named_triple_in_the_old_order():
    m = LinearSDE.from_matrices([[-2.0]], [0.5], b=[1.0])
    A, b, D = m.arrays()
    assert (A[0, 0], b[0], D[0, 0]) == (-2.0, 1.0, 0.5)
    assert m.arrays()._fields == ("A", "b", "D")
