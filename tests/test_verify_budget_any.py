"""``verify(budget=, rtol=)`` on every kind of check (issue #25): sizing in paths alone.

Checks whose estimator row has no stationary family of a linear model (``row.sizing`` None:
jump processes, transient checks, nonlinear SDEs, lattice fields, currents) are sized by timed
pilot runs in paths alone: their cost is fitted as ``fixed + per_path x paths``, their error as
``sigma / sqrt(paths)``. The contract tests replace the clock (``verify._clock``) by a fake one that a
fake estimator row advances by a known cost, so that the sizes are compared exactly with a hand
computation (never timed against the real clock); the real runs check what the records say.
"""

from __future__ import annotations

import importlib
import math
import types
import warnings

import numpy as np
import pytest
import sympy as sp

import thermotheory as tt
from thermotheory.cli import main
from thermotheory.errors import ModelError, TooLarge
from thermotheory.montecarlo import jump as jump_mc
from thermotheory.montecarlo.gillespie import JUMP_BLOCK
from thermotheory.montecarlo.simulate import BLOCK
from thermotheory.montecarlo.uncertainty import Estimate

V = importlib.import_module("thermotheory.verify")

v, r = sp.symbols("v r", real=True)
LINEAR = tt.LinearSDE({v: -v, r: v - r}, {v: 1, r: 1})
# a driven three-state ring: entropy production > 0
RING = tt.MarkovJumpProcess({(0, 1): 3.0, (1, 2): 3.0, (2, 0): 3.0, (1, 0): 1.0, (0, 2): 1.0, (2, 1): 1.0})
# rates with detailed balance (the product around the ring is the same both ways): every current is 0
BALANCED = tt.MarkovJumpProcess({(0, 1): 2.0, (1, 0): 1.0, (1, 2): 1.0, (2, 1): 2.0, (2, 0): 1.0, (0, 2): 1.0})


# -- the contract, on a fake clock ---------------------------------------------------------------------------------

class FakeRow:
    """A fake estimator row without a stationary family, and a fake clock that its runs advance."""

    def __init__(self, fixed=0.01, per_path=1e-5, value=2.0, sigma=3.0, largest=None):
        self.fixed, self.per_path, self.value, self.sigma, self.largest = fixed, per_path, value, sigma, largest
        self.now = 0.0
        self.runs: list[tuple[int, int]] = []  # (paths, seed) of every run, pilots first
        self.sizing, self.paths = None, 4096

    def cost(self, paths: int) -> float:
        return self.fixed + self.per_path * paths

    def clock(self) -> float:
        return self.now

    def measure(self, numeric, bound, run):
        if self.largest is not None and run.paths > self.largest:
            raise TooLarge(f"{run.paths} paths are too many")
        self.runs.append((run.paths, run.seed))
        self.now += self.cost(run.paths)
        return Estimate(self.value, self.sigma / math.sqrt(run.paths), run.paths, 127), 0.0, 5.0

    def install(self, monkeypatch) -> None:
        monkeypatch.setattr(V, "_clock", self.clock)
        monkeypatch.setattr(V, "estimator_for", lambda q, kind, regime: self)

    def check(self, model=RING, **settings):
        return V.verify(model, tt.entropy_production_rate, seed=3, **settings)


def _most_paths(fake: FakeRow, seconds: float, unit: int) -> int:
    """By hand: the most whole blocks whose true cost fits in ``seconds`` (at least MIN_BUDGET_PATHS)."""
    paths = V.MIN_BUDGET_PATHS
    while paths + unit <= V.MAX_SIZED_PATHS and fake.cost(paths + unit) <= seconds:
        paths += unit
    return paths


@pytest.mark.parametrize("model, unit", [(RING, JUMP_BLOCK), (LINEAR, BLOCK)])
def test_budget_fills_its_share_with_whole_blocks(monkeypatch, model, unit):
    fake = FakeRow()
    fake.install(monkeypatch)
    budget = 2.0
    rec = fake.check(model, budget=budget) if model is RING else \
        V.verify(model, tt.heat, t=1.0, initial={v: 1.0, r: 1.0}, seed=3, budget=budget)
    *pilots, main = fake.runs
    spent_by_pilots = sum(fake.cost(p) for p, _ in pilots)
    assert [s for _, s in pilots] == [3 + 7919 * (k + 1) for k in range(len(pilots))]  # distinct seeds
    assert [p for p, _ in pilots] == [128 * 2**k for k in range(len(pilots))]  # a ladder in paths alone
    assert len(pilots) >= V.MIN_PILOTS and spent_by_pilots <= V.PILOT_SHARE * budget + fake.cost(pilots[-1][0])
    assert main[1] == 3 and rec.paths == main[0]
    assert rec.paths % unit == 0 and rec.paths > max(p for p, _ in pilots)
    assert rec.paths == _most_paths(fake, V.BUDGET_SHARE * budget - spent_by_pilots, unit)
    assert rec.spent == pytest.approx(spent_by_pilots + fake.cost(rec.paths))
    assert rec.planned == pytest.approx(rec.spent, rel=1e-6)  # an exact cost model is predicted exactly
    assert 0.7 * budget <= rec.spent <= budget
    assert rec.rtol is None and rec.rtol_reached is None


def test_rtol_takes_the_fewest_paths_that_reach_it(monkeypatch):
    fake = FakeRow(value=20.0, sigma=40.0)
    fake.install(monkeypatch)
    rtol = 0.01
    rec = fake.check(rtol=rtol)
    need = (fake.sigma / (rtol * fake.value)) ** 2  # stderr = sigma / sqrt(paths)
    assert rec.paths == math.ceil(need / JUMP_BLOCK) * JUMP_BLOCK
    assert rec.stderr / abs(rec.estimate) <= rtol and rec.rtol_reached is True and rec.rtol == rtol


def test_rtol_below_the_smallest_run_takes_the_smallest(monkeypatch):
    fake = FakeRow(value=2.0, sigma=1.0)
    fake.install(monkeypatch)
    rec = fake.check(rtol=0.1)
    assert rec.paths == V.MIN_BUDGET_PATHS and rec.rtol_reached is True


def test_rtol_within_the_refusal_factor_runs_the_time_allowed_and_warns(monkeypatch):
    fake = FakeRow(value=20.0, sigma=40.0, per_path=1e-4)
    fake.install(monkeypatch)
    budget, rtol = 10.0, 0.005  # 160000 paths, 16 s: between one and four times the 8.5 s left
    with pytest.warns(V.TargetNotReached, match="rtol_reached=False"):
        rec = fake.check(rtol=rtol, budget=budget)
    assert rec.rtol_reached is False
    pilots = fake.runs[:-1]
    left = V.BUDGET_SHARE * budget - sum(fake.cost(p) for p, _ in pilots)
    assert rec.paths == _most_paths(fake, left, JUMP_BLOCK)


def test_rtol_far_beyond_the_time_allowed_is_refused_with_the_reachable_rtol(monkeypatch):
    fake = FakeRow(value=20.0, sigma=40.0, per_path=1e-4)
    fake.install(monkeypatch)
    with pytest.raises(TooLarge, match=r"budget=1 s.*about rtol=(\S+) is reachable") as info:
        fake.check(rtol=0.005, budget=1.0)
    reach = float(info.value.args[0].split("about rtol=")[1].split(" ")[0])
    # by hand: the paths that the target needs cost ``wanted``; the error falls as 1/sqrt(paths)
    spent = sum(fake.cost(p) for p, _ in fake.runs)
    wanted = fake.cost(math.ceil((40.0 / (0.005 * 20.0)) ** 2 / JUMP_BLOCK) * JUMP_BLOCK)
    assert reach == pytest.approx(0.005 * math.sqrt(wanted / (V.BUDGET_SHARE - spent)), rel=0.02)


def test_rtol_of_a_quantity_the_pilots_cannot_tell_from_zero_is_refused(monkeypatch):
    fake = FakeRow(value=0.0)
    fake.install(monkeypatch)
    with pytest.raises(ModelError, match="cannot be told from 0"):
        fake.check(rtol=0.1)


def test_a_run_too_large_for_its_estimator_is_halved(monkeypatch):
    fake = FakeRow(per_path=1e-6, largest=100_000)  # a budget that buys more paths than the estimator takes
    fake.install(monkeypatch)
    rec = fake.check(budget=2.0)
    assert V.MIN_BUDGET_PATHS <= rec.paths <= 100_000 and rec.paths % JUMP_BLOCK == 0
    assert rec.paths > 100_000 // 2 - JUMP_BLOCK  # halved once or twice, not further
    assert all(p <= 100_000 for p, _ in fake.runs)  # the pilots stopped at the first too large


# -- real runs -------------------------------------------------------------------------------------------------

def _largest_pilot(monkeypatch):
    seen = []
    pilots = V._pilots

    def spy(*args, **kwargs):
        out = pilots(*args, **kwargs)
        seen.extend(p for p, _, _ in out[0])
        return out

    monkeypatch.setattr(V, "_pilots", spy)
    return seen


def test_a_jump_process_sized_by_budget(monkeypatch):
    seen = _largest_pilot(monkeypatch)
    budget = 1.0
    rec = tt.verify(RING, tt.entropy_production_rate, seed=4, budget=budget)
    assert rec.passed and rec.paths % JUMP_BLOCK == 0 and rec.paths >= V.MIN_BUDGET_PATHS
    assert seen and rec.paths > max(seen)
    assert rec.planned is not None and rec.planned <= V.BUDGET_SHARE * budget * 1.01 or rec.paths == V.MIN_BUDGET_PATHS
    assert 0.2 * budget <= rec.spent <= 3 * budget


def test_a_transient_check_of_a_linear_model_sized_by_budget(monkeypatch):
    seen = _largest_pilot(monkeypatch)
    budget = 1.0
    rec = tt.verify(LINEAR, tt.heat, t=1.0, initial={v: 2.0, r: 0.5}, seed=2, budget=budget)
    assert rec.passed and rec.paths % BLOCK == 0 and rec.paths > max(seen)
    assert 0.2 * budget <= rec.spent <= 3 * budget and rec.planned > 0


def test_rtol_reached_on_a_jump_process():
    rtol = 0.02
    rec = tt.verify(RING, tt.entropy_production_rate, seed=5, rtol=rtol)
    assert rec.passed and rec.rtol_reached is True
    assert rec.stderr / abs(rec.estimate) <= 1.5 * rtol


def test_rtol_of_a_current_that_is_zero_at_detailed_balance_is_refused():
    J = tt.JumpCurrent({(0, 1): 1.0, (1, 2): 1.0, (2, 0): 1.0})  # the cycle current
    assert abs(tt.current_mean_rate(BALANCED, J)) < 1e-12
    with pytest.raises(ModelError, match="cannot be told from 0"):
        tt.verify(BALANCED, tt.current_mean_rate, J, seed=1, rtol=0.05)


def test_paths_given_runs_as_before(monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("a run with paths= is not sized")

    monkeypatch.setattr(V, "_sized_paths", never)
    rec = tt.verify(RING, tt.entropy_production_rate, seed=6, paths=512)
    e, _, _ = jump_mc.entropy_production_rate(RING.numeric(None), paths=512, seed=6)
    assert rec.estimate == e.value and rec.stderr == e.stderr and rec.paths == 512
    assert rec.planned is None and rec.spent is None


def test_verify_all_of_a_jump_process_with_a_budget():
    table = tt.verify_all(RING, budget=0.3, workers=1)
    assert table and table.passed
    assert all(rec.spent is not None and rec.paths % JUMP_BLOCK == 0 for rec in table)


def test_cli_verify_with_a_budget_on_a_jump_process(capsys):
    import io

    buf = io.StringIO()
    code = main(["verify", "ion_channel", "--budget", "0.4", "--quiet", "--workers", "1"], out=buf)
    assert code == 0 and "2 passed, 0 failed" in buf.getvalue()
    assert "Traceback" not in capsys.readouterr().err


def test_a_lattice_check_sized_by_budget_stays_within_the_memory_of_its_rows(monkeypatch):
    from thermotheory.core.lattice import LatticeField
    from thermotheory.montecarlo import lattice as lattice_mc

    field = LatticeField(8)
    region = [0, 1, 2, 3]  # rows of 4 + 16 + 1 numbers a sample
    limit = 8 * 21 * 10_000  # bytes for 10000 samples
    monkeypatch.setattr(lattice_mc, "MAX_WORKING_BYTES", limit)
    with pytest.raises(TooLarge, match="fewer samples"):
        lattice_mc.entropy(field, region, paths=10_001, seed=0)
    rec = tt.verify(field, tt.entropy, region, seed=1, budget=2.0)
    assert rec.passed and V.MIN_BUDGET_PATHS <= rec.paths <= 10_000 and rec.paths % BLOCK == 0


def test_a_derivation_of_a_jump_process_verified_with_a_budget():
    sigma = tt.entropy_production_rate(RING)
    d = tt.Derivation(RING, [("sigma", tt.entropy_production_rate.of(), sigma)])
    table = d.verify(budget=0.4, seed=2)
    assert len(table) == 1 and table.passed
    assert table[0].theory == pytest.approx(float(sigma)) and table[0].spent is not None
    assert table[0].paths % JUMP_BLOCK == 0 and table[0].paths >= V.MIN_BUDGET_PATHS


def test_cli_verify_with_rtol_of_a_quantity_that_is_zero_exits_2(capsys):
    import io

    # the potassium channel is a chain: detailed balance, no entropy production to aim an rtol at
    code = main(["verify", "ion_channel", "--rtol", "0.05", "--quiet", "--workers", "1"], out=io.StringIO())
    err = capsys.readouterr().err
    assert code == 2 and "cannot be told from 0" in err and "Traceback" not in err
