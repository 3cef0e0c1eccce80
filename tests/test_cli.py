"""The command line: every subcommand, its errors and exit statuses."""

import io
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
    assert sp.simplify(printed - tt.information_flow(B.one_neuron(), into=B.x)) == 0
    code, text = run("derive", "decoder", "--latex")
    assert code == 0 and r"\frac" in text and len(text.strip().splitlines()) == len(entry("decoder").quantities)


@pytest.mark.parametrize("argv,message", [
    (("derive", "nope"), "unknown model 'nope'"),
    (("derive", "decoder", "nope"), "unknown quantity 'nope'"),
    (("plot", "decoder", "heat_rate", "--vary", "nope"), "unknown parameter 'nope'"),
    (("verify", "decoder", "--set", "tau_n"), "NAME=VALUE"),
    (("verify",), "one MODEL or --all"),
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


def test_report_is_a_complete_latex_document(tmp_path):
    path = tmp_path / "trap.tex"
    code, _ = run("report", "underdamped_trap", "-o", str(path), "--paths", "400", "--quiet")
    tex = path.read_text()
    assert code == 0
    assert tex.startswith(r"\documentclass") and tex.rstrip().endswith(r"\end{document}")
    assert tex.count(r"\begin{align}") == tex.count(r"\end{align}") == 2
    assert r"\begin{tabular}" in tex and "pass" in tex and "Assumptions" in tex
    code, _ = run("report", "decoder", "-o", str(tmp_path / "d.tex"), "--no-verify")
    assert code == 0 and "tabular" not in (tmp_path / "d.tex").read_text()


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
    code, _ = run("report", "tracking", "-o", str(tmp_path / "r.tex"), "--no-verify")
    assert code == 0
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "r.tex"], cwd=tmp_path,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-2000:]
    assert (tmp_path / "r.pdf").exists()
