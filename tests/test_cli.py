"""The command line: every subcommand, its errors and exit statuses."""

import io
import math
import subprocess
import sys

import pytest
import sympy as sp

import thermotheory as tt
from thermotheory.catalog import CATALOG, entry
from thermotheory.cli import main
from thermotheory.models import decoder as B


def run(*argv):
    buf = io.StringIO()
    code = main(list(argv), out=buf)
    return code, buf.getvalue()


def test_list_names_every_model_and_quantity():
    code, text = run("list")
    assert code == 0
    for name in CATALOG:
        assert text.count(f"{name}:") == 1
        for q in entry(name).quantities:
            assert q in text


def test_derive_prints_the_engine_closed_forms():
    code, text = run("derive", "decoder", "information_flow")
    assert code == 0
    printed = sp.sympify(text.split(" = ", 1)[1], locals={s.name: s for s in B.one_neuron().parameters})
    assert sp.simplify(printed - tt.information_flow(B.one_neuron(), subsystem=B.x)) == 0
    code, text = run("derive", "decoder", "--latex")
    assert code == 0 and r"\frac" in text and len(text.strip().splitlines()) == len(entry("decoder").quantities)


@pytest.mark.parametrize("argv,message", [
    (("derive", "nope"), "unknown model 'nope'"),
    (("derive", "decoder", "nope"), "unknown quantity 'nope'"),
    (("plot", "decoder", "heat_rate", "--vary", "nope"), "unknown parameter 'nope'"),
    (("verify", "decoder", "--set", "tau_n"), "NAME=VALUE"),
    (("verify",), "one MODEL or --all"),
    (("verify", "gyrator", "--budget", "1", "--paths", "100"), "not both"),
    (("verify", "gyrator", "--rtol", "-1"), "rtol"),
])
def test_unknown_names_exit_2_with_a_message(argv, message, capsys):
    code, _ = run(*argv)
    assert code == 2 and message in capsys.readouterr().err


def test_verify_passes_and_fails_with_the_right_status(capsys):
    code, text = run("verify", "underdamped_trap", "--paths", "400", "--quiet")
    assert code == 0 and "2 passed, 0 failed" in text
    code, text = run("verify", "underdamped_trap", "--paths", "400", "--z-max", "1e-9")
    assert code == 1 and "FAIL" in text
    assert "[####" in capsys.readouterr().err  # the progress bar


@pytest.mark.parametrize("name", ["trapped", "relaxation", "learning_step", "bcm", "lattice_1d"])
def test_verify_runs_on_every_kind_of_model(name):
    """A linear stationary model, a transient one, a nonlinear SDE (transient and stationary) and a lattice field."""
    code, text = run("verify", name, "--quiet")
    n = len(entry(name).quantities)
    assert code == 0 and f"{n} passed, 0 failed" in text


@pytest.mark.slow
def test_verify_all_checks_every_model():
    code, text = run("verify", "--all", "--quiet")
    assert code == 0
    for name in CATALOG:
        assert f"{name}\n" in text
    assert text.count(" failed") == len(CATALOG) and "FAIL" not in text


def test_derive_prints_a_lattice_field_as_numbers():
    from thermotheory.models.lattice import LatticeField

    code, text = run("derive", "lattice_2d", "mutual_information", "--set", "m=0.7")
    value = float(text.split(" = ", 1)[1])
    field = LatticeField(8, d=2, m2=0.49, lam=1.0)
    assert code == 0 and value == pytest.approx(field.mutual_information([0, 1], [8, 9]), rel=1e-9)


def test_derive_substitutes_values_and_names_the_approximation(capsys):
    code, text = run("derive", "decoder", "heat_rate", "--set", "g=2", "--set", "tau_v=1")
    printed = sp.sympify(text.split(" = ", 1)[1], locals={s.name: s for s in B.one_neuron().parameters})
    expected = tt.heat_rate(B.one_neuron(), B.x).subs({B.g: 2, B.tau_v: 1})
    assert code == 0 and sp.simplify(printed - expected) == 0
    code, text = run("derive", "bcm", "heat_rate")
    assert code == 0 and "linear-noise approximation" in capsys.readouterr().err


def test_plot_of_a_lattice_rebuilds_the_field_and_of_a_transient_varies_t(tmp_path):
    for argv in (("lattice_1d", "mutual_information", "--vary", "m"), ("relaxation", "heat", "--vary", "t")):
        png = tmp_path / f"{argv[0]}.png"
        code, _ = run("plot", *argv, "--points", "1", "--quiet", "-o", str(png))
        assert code == 0 and png.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("argv, message", [
    (("plot", "population", "heat_rate", "--vary", "N"), "N is declared integer"),
    (("derive", "lattice_1d", "--set", "epsilon=0.5"), "unknown parameter 'epsilon'"),
    (("plot", "lattice_nonreciprocal", "entropy", "--vary", "epsilon", "--range", "0.5", "2"), "|eps| <= 1"),
    (("derive", "heat_engine", "--set", "t=2"), "unknown parameter 't'"),
])
def test_what_cannot_work_for_an_entry_exits_2(argv, message, capsys):
    code, _ = run(*argv, *(("--quiet",) if argv[0] in ("verify", "plot") else ()))
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err


def test_verify_sized_by_a_target_error():
    code, text = run("verify", "gyrator", "--rtol", "0.05", "--quiet")
    assert code == 0 and "passed, 0 failed" in text


def test_report_is_a_complete_latex_document(tmp_path):
    path = tmp_path / "trap.tex"
    code, _ = run("report", "underdamped_trap", "-o", str(path), "--paths", "400", "--quiet")
    tex = path.read_text()
    assert code == 0
    assert tex.startswith(r"\documentclass") and tex.rstrip().endswith(r"\end{document}")
    assert tex.count(r"\begin{align}") == tex.count(r"\end{align}") == 2
    assert r"\begin{tabular}" in tex and "pass" in tex and "Assumptions" in tex
    code, _ = run("report", "decoder", "-o", str(tmp_path / "d.tex"), "--no-verify")
    unverified = (tmp_path / "d.tex").read_text()
    assert code == 0 and r"\begin{tabular}{lrrrrl}" not in unverified and "s.e." not in unverified  # no Monte Carlo table
    assert "symbol & meaning & units" in unverified  # the glossary is there with or without verification


def test_plot_writes_a_png_with_monte_carlo_points(tmp_path):
    path = tmp_path / "p.png"
    code, text = run("plot", "decoder", "heat_rate", "--vary", "tau_n", "--points", "2", "--paths", "300",
                     "--quiet", "-o", str(path))
    assert code == 0 and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    code, _ = run("plot", "decoder", "heat_rate", "--vary", "tau_n", "--range", "2", "1", "-o", str(path))
    assert code == 2


@pytest.mark.parametrize("sub", ["list", "derive", "verify", "report", "plot"])
def test_every_subcommand_has_help(sub):
    with pytest.raises(SystemExit) as exc:
        main([sub, "--help"])
    assert exc.value.code == 0


def test_runs_as_a_module():
    done = subprocess.run([sys.executable, "-m", "thermotheory", "derive", "gyrator"], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.startswith("entropy_production_rate = ")


def test_the_console_script_runs_where_installed():
    import shutil

    exe = shutil.which("thermotheory")
    if exe is None:
        pytest.skip("the package is not installed (pip install -e . puts the script on the path)")
    done = subprocess.run([exe, "list"], capture_output=True, text=True)
    assert done.returncode == 0 and "decoder:" in done.stdout


def test_the_report_compiles_with_pdflatex_where_available(tmp_path):
    import shutil

    if shutil.which("pdflatex") is None:
        pytest.skip("no pdflatex on this machine")
    code, _ = run("report", "relaxation", "-o", str(tmp_path / "r.tex"), "--no-verify")
    assert code == 0
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "r.tex"], cwd=tmp_path,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-2000:]
    assert (tmp_path / "r.pdf").exists()


class _Table:
    passed = True

    def __str__(self):
        return "fake table"


@pytest.fixture
def ran(monkeypatch):
    """Replace the Monte Carlo of ``verify`` by a record of the values each model would run at."""
    from thermotheory import cli

    calls = []

    def fake(item, values, *args):
        calls.append((item.name, {s.name: v for s, v in values.items()}))
        return _Table()

    monkeypatch.setattr(cli, "_verify_entry", fake)
    return calls


def test_verify_all_sets_a_parameter_on_the_models_that_have_it(ran, capsys):
    code, text = run("verify", "--all", "--set", "tau_n=0.2", "--quiet")  # the README's example
    assert code == 0 and [name for name, _ in ran] == list(CATALOG)
    for name, values in ran:
        defaults = {s.name: v for s, v in entry(name).defaults.items()}
        expected = {**defaults, "tau_n": 0.2} if "tau_n" in defaults else defaults
        assert values == expected
    takers = [n for n in CATALOG if any(s.name == "tau_n" for s in entry(n).defaults)]
    assert takers == ["decoder", "population", "tracking", "bcm", "decoder_currents"]
    assert f"tau_n=0.2 applies to: {', '.join(takers)}" in capsys.readouterr().err


def test_verify_all_exits_1_when_one_model_fails(monkeypatch):
    from thermotheory import cli

    class Failed(_Table):
        passed = False

    monkeypatch.setattr(cli, "_verify_entry", lambda item, *args: Failed() if item.name == "storing" else _Table())
    code, text = run("verify", "--all", "--quiet")
    assert code == 1 and text.count("fake table") == len(CATALOG)


def test_verify_all_refuses_a_parameter_that_no_model_has(ran, capsys):
    code, _ = run("verify", "--all", "--set", "nope=1", "--quiet")
    assert code == 2 and not ran
    assert "no model has a parameter 'nope'" in capsys.readouterr().err


@pytest.mark.parametrize("value, message", [
    ("nan", "expected a finite number but found 'nan'"),
    ("inf", "expected a finite number but found 'inf'"),
    ("-inf", "expected a finite number"),
    ("abc", "expected a number but found 'abc'"),
    ("-0.2", "expected a positive number (tau_n is declared positive) but found -0.2"),
    ("0", "expected a positive number"),
])
@pytest.mark.parametrize("which", [("decoder",), ("--all",)])
def test_bad_parameter_values_exit_2_before_anything_runs(ran, capsys, value, message, which):
    code, _ = run("verify", *which, "--set", f"tau_n={value}", "--quiet")
    err = capsys.readouterr().err
    assert code == 2 and not ran
    assert message in err and "Traceback" not in err and "applies to" not in err
    assert len(err.strip().splitlines()) == 1


def test_check_value_reads_the_symbol_assumptions():
    from thermotheory.catalog import check_value

    assert check_value(sp.Symbol("s", nonnegative=True), 0) == 0.0
    with pytest.raises(tt.ModelError, match="nonnegative"):
        check_value(sp.Symbol("s", nonnegative=True), -1e-3)
    with pytest.raises(tt.ModelError, match="integer"):
        check_value(sp.Symbol("N", integer=True, positive=True), 2.5)
    with pytest.raises(tt.ModelError, match="negative"):
        check_value(sp.Symbol("c", negative=True), 1)
    assert check_value(sp.Symbol("x", real=True), -3) == -3.0


def test_a_model_error_inside_a_subcommand_is_one_clean_line(monkeypatch, capsys):
    from thermotheory import cli

    def broken(*args):
        raise tt.NotStable("the drift is not stable\n  eigenvalue 0")

    monkeypatch.setattr(cli, "_verify_entry", broken)
    code, _ = run("verify", "decoder", "--quiet")
    assert code == 2
    assert capsys.readouterr().err == "thermotheory verify: the drift is not stable eigenvalue 0\n"


def test_report_creates_a_missing_folder_or_says_why_not(tmp_path, capsys):
    path = tmp_path / "new" / "deeper" / "trap.tex"
    code, _ = run("report", "underdamped_trap", "-o", str(path), "--no-verify")
    assert code == 0 and path.read_text().startswith(r"\documentclass")
    code, _ = run("report", "underdamped_trap", "-o", str(tmp_path), "--no-verify")
    assert code == 2 and "it is a folder" in capsys.readouterr().err
    (tmp_path / "file").write_text("")
    code, _ = run("report", "underdamped_trap", "-o", str(tmp_path / "file" / "r.tex"), "--no-verify")
    err = capsys.readouterr().err
    assert code == 2 and "cannot create the folder" in err and "Traceback" not in err


def test_plot_creates_a_missing_folder(tmp_path):
    png = tmp_path / "plots" / "p.png"
    code, _ = run("plot", "decoder", "heat_rate", "--vary", "tau_n", "--points", "0", "-o", str(png))
    assert code == 0 and png.read_bytes()[:4] == b"\x89PNG"


def test_plot_refuses_a_range_outside_the_parameter_assumptions(capsys):
    code, _ = run("plot", "decoder", "heat_rate", "--vary", "tau_n", "--range", "-1", "1", "--points", "0")
    assert code == 2 and "tau_n is declared positive" in capsys.readouterr().err
    code, _ = run("plot", "decoder", "heat_rate", "--vary", "tau_n", "--points", "-1")
    assert code == 2 and "--points" in capsys.readouterr().err


# --- the entries beyond the seeds (issue #16) ----------------------------------------------------------------

@pytest.mark.parametrize("name", ["decoder_currents", "cascade", "heat_engine"])
def test_verify_runs_on_the_entries_beyond_the_seeds(name):
    """Currents of a stationary model, information and KL rates of paths, a protocol on A(t) and D(t)."""
    code, text = run("verify", name, "--quiet")
    n = len(entry(name).quantities)
    assert code == 0 and f"{n} passed, 0 failed" in text


def test_a_quantity_without_an_estimator_is_derived_and_named_as_not_checked(tmp_path):
    code, text = run("verify", "cold_damping", "--quiet")
    assert code == 0 and "2 passed, 0 failed" in text
    assert "not checked (no Monte Carlo estimator: a constant of the model): entropy_pumping_rate" in text
    code, text = run("derive", "cold_damping", "entropy_pumping_rate")
    assert code == 0 and text == "entropy_pumping_rate = gamma_fb/m\n"
    path = tmp_path / "cold.tex"
    code, _ = run("report", "cold_damping", "-o", str(path), "--quiet")
    tex = path.read_text()
    assert code == 0 and tex.count(" & pass") == 2 and "Not checked" in tex and r"\dot S^{\mathrm{pump}}" in tex


def test_a_protocol_entry_derives_its_published_closed_forms_and_plots_them(tmp_path):
    code, text = run("derive", "heat_engine", "work")
    printed = sp.sympify(text.split(" = ", 1)[1])
    Th, Tc, w1, w2, t1, t3 = (1.0, 0.25, 1.0, 2.0, 2.64, 2.64)  # Schmiedl & Seifert 2008, Eq. for W
    ref = -(Th - Tc) * 0.5 * math.log(w2 / w1) + (math.sqrt(w2) - math.sqrt(w1)) ** 2 * (1 / t1 + 1 / t3)
    names = {"T_h": Th, "T_c": Tc, "w_1": w1, "w_2": w2, "t_1": t1, "t_3": t3}
    assert code == 0 and float(printed.subs({sp.Symbol(k): v for k, v in names.items()})) == pytest.approx(ref)
    png = tmp_path / "engine.png"
    code, _ = run("plot", "heat_engine", "work", "--vary", "t_1", "--points", "1", "--quiet", "-o", str(png))
    assert code == 0 and png.read_bytes()[:4] == b"\x89PNG"
    path = tmp_path / "opt.tex"
    code, _ = run("report", "optimal_protocol", "-o", str(path), "--no-verify")
    tex = path.read_text()
    assert code == 0 and r"\lambda{\left(s \right)}" in tex and "follow a protocol in the time $s$" in tex
