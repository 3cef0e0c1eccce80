"""The public API: every name documented with an example, typed, and its docs matching its signature."""

import inspect
import re

import pytest

import thermotheory as tt

PUBLIC = [name for name in tt.__all__ if name != "__version__"]


def test_all_names_exist():
    for name in tt.__all__:
        assert hasattr(tt, name), name


@pytest.mark.parametrize("name", PUBLIC)
def test_documented(name):
    obj = getattr(tt, name)
    doc = inspect.getdoc(obj)
    assert doc and len(doc) > 20, f"{name} has no docstring"
    if inspect.isfunction(obj) or (inspect.isclass(obj) and not issubclass(obj, Exception)):
        assert "Examples" in doc and ">>>" in doc, f"{name} has no example"


@pytest.mark.parametrize("name", [n for n in PUBLIC if inspect.isfunction(getattr(tt, n))])
def test_functions_are_typed_and_docs_match_signature(name):
    func = getattr(tt, name)
    sig = inspect.signature(func)
    assert sig.return_annotation is not inspect.Signature.empty, f"{name} has no return annotation"
    for param in sig.parameters.values():
        assert param.annotation is not inspect.Parameter.empty, f"{name}({param.name}) has no annotation"
    doc = inspect.getdoc(func)
    if "Parameters\n----------" in doc:
        section = doc.split("Parameters\n----------")[1].split("\n\n")[0]
        documented = set()
        for line in section.splitlines():
            m = re.match(r"^([A-Za-z_][\w, ]*?) :", line)
            if m:
                documented |= {p.strip() for p in m.group(1).split(",")}
        stray = documented - set(sig.parameters)
        assert not stray, f"{name} documents parameters it does not have: {stray}"


def test_errors_are_value_errors():
    for name in PUBLIC:
        obj = getattr(tt, name)
        if inspect.isclass(obj) and issubclass(obj, Exception):
            assert issubclass(obj, tt.ModelError) and issubclass(obj, ValueError)
