"""One value, one name: sums named to fit the page are named once per document (the synapse page had C_1 = C_2)."""

import sympy as sp

from thermotheory.core.layout import fit_parts, new_namer


def _wide_sum():
    a = sp.symbols("a_1:30", positive=True)
    return sp.Add(*[a[k] * a[k + 1] for k in range(28)])


def test_a_sum_named_twice_on_a_page_keeps_its_first_name():
    s = _wide_sum()
    x, y = sp.symbols("x y", positive=True)
    namer = new_namer([x / s, y / s])
    first, first_defs = fit_parts("l", x / s, namer=namer)
    second, second_defs = fit_parts("\\eta", y / s, namer=namer)
    assert first_defs and "C_{1}" in first[0] and "C_{1}" in second[0]
    assert not any(line.startswith("C_{2}") for line in second_defs), second_defs
    # the name stands for the value: substituting it back gives the results
    assert namer.named == {s: sp.Symbol("C_1")}


def test_different_sums_get_different_names():
    s = _wide_sum()
    x = sp.Symbol("x", positive=True)
    namer = new_namer([x / s, x / (s + 1)])
    fit_parts("l", x / s, namer=namer)
    fit_parts("m", x / (s + 1), namer=namer)
    assert len(set(namer.named.values())) == len(namer.named) == 2
