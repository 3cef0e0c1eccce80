"""docs/references.bib: every registered quantity's reference is an entry, and the entries are complete.

The keys are read two ways: by pybtex (what the docs build uses) and by a plain scan of the
file's ``@type{key,`` lines (which also sees a key given twice).
"""

import importlib
import pkgutil
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIB = ROOT / "docs" / "references.bib"

#: The seed papers of the models (../shared/SCIENCE.md) and the key each is cited by.
SEED_PAPERS = {
    "karbowski2024": ("Karbowski", "2024", "Entropy"),
    "goldt2017": ("Goldt", "2017", "Physical Review Letters"),
    "goldt2017njp": ("Goldt", "2017", "New Journal of Physics"),
    "horowitz2014": ("Horowitz", "2014", "Physical Review X"),
    "horowitzsandberg2014": ("Sandberg", "2014", "New Journal of Physics"),
    "hartich2016": ("Hartich", "2016", "Physical Review E"),
    "bardella2024": ("Bardella", "2024", "Entropy"),
    "godreche2019": ("Luck", "2019", "Journal of Physics A"),
}

REQUIRED = {"article": ("author", "title", "journal", "volume", "pages", "year"),
            "book": ("author", "title", "publisher", "year")}


def registered_quantities():
    """Every registered quantity: the engine's registry and whatever the model modules register."""
    import thermotheory.models
    import thermotheory.registry  # noqa: F401
    from thermotheory.quantity import QUANTITIES

    for info in pkgutil.iter_modules(thermotheory.models.__path__, "thermotheory.models."):
        importlib.import_module(info.name)
    return dict(QUANTITIES)


def scanned_keys(text):
    """The keys of a .bib file's entries, in order, by a scan of its ``@type{key,`` lines."""
    return re.findall(r"^@\w+\s*\{\s*([^,\s]+)\s*,", text, flags=re.M)


def missing_references(quantities, keys):
    """The quantities whose reference is not a key of the bibliography: name -> key."""
    return {name: q.reference for name, q in quantities.items() if q.reference not in keys}


@pytest.fixture(scope="module")
def entries():
    database = pytest.importorskip("pybtex.database")
    return database.parse_file(BIB).entries


def test_every_registered_quantity_has_its_reference_in_the_bib(entries):
    quantities = registered_quantities()
    assert len(quantities) >= 11
    assert missing_references(quantities, set(entries)) == {}
    assert missing_references(quantities, set(scanned_keys(BIB.read_text()))) == {}


def test_a_missing_reference_is_reported(entries):
    from thermotheory.quantity import Quantity

    fake = Quantity("fake_quantity", lambda model: 0, symbol="F", roles=(), kind="static", units="nats",
                    reference="nobody2099", description="not registered")
    quantities = {**registered_quantities(), "fake_quantity": fake}
    assert missing_references(quantities, set(entries)) == {"fake_quantity": "nobody2099"}


def test_the_scan_and_pybtex_agree_and_no_key_is_given_twice(entries):
    keys = scanned_keys(BIB.read_text())
    assert len(keys) == len(set(keys)), sorted(k for k in keys if keys.count(k) > 1)
    assert set(keys) == set(entries)
    assert scanned_keys("@article{a,\n}\n@book{ b ,\n}\n  @misc{c,\n") == ["a", "b"]  # an indented @ is not an entry


def test_seed_papers_are_in_the_bib(entries):
    for key, (author, year, journal) in SEED_PAPERS.items():
        entry = entries[key]
        assert any(author == p.last_names[-1].replace("{", "").replace("}", "") for p in entry.persons["author"]), key
        assert entry.fields["year"] == year, key
        assert entry.fields["journal"].startswith(journal), key


def test_entries_are_complete(entries):
    for key, entry in entries.items():
        for name in REQUIRED.get(entry.type, ("author", "title", "year")):
            present = entry.persons.get(name) if name == "author" else entry.fields.get(name)
            assert present, f"{key}: no {name}"
        year = int(entry.fields["year"])
        assert 1900 <= year <= 2030, f"{key}: year {year}"
        assert re.fullmatch(r"[a-z]+\d{4}[a-z]*", key), f"{key}: keys are author + year (+ a suffix)"
        assert str(year) in key, f"{key}: the key's year is not the entry's ({year})"
        if "doi" in entry.fields:
            assert re.fullmatch(r"10\.\d{4,9}/\S+", entry.fields["doi"]), f"{key}: doi {entry.fields['doi']}"
        if "pages" in entry.fields:
            assert re.fullmatch(r"[A-Z]?\d+(--\d+)?", entry.fields["pages"]), f"{key}: pages {entry.fields['pages']}"


def test_citations_in_the_docs_and_the_package_are_in_the_bib(entries):
    cited = set()
    files = [*(ROOT / "docs").glob("*.md"), *(ROOT / "thermotheory").rglob("*.py"), *(ROOT / "docs" / "_ext").glob("*.py")]
    for path in files:
        text = path.read_text(encoding="utf-8")
        for group in re.findall(r"(?:\{cite(?::\w+)?\}|:cite(?::\w+)?:)`([^`]+)`", text):
            cited.update(k.strip() for k in group.split(",") if re.fullmatch(r"\w+", k.strip()))
    assert cited - set(entries) == set()
