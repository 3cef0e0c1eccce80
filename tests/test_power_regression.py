"""The block regression observer (transfer entropy, filter error) over a warm-up longer than a tile:
the same Gram matrices as the step-by-step observer, whatever the chunking and the drawing thread."""

import numpy as np
import pytest

import thermotheory as tt
from thermotheory.montecarlo import blocks
from thermotheory.montecarlo import estimators as est
from thermotheory.montecarlo.simulate import BLOCK, TILE

A = np.array([[-1.0, 0.0], [15.0, -5.0]])
D = np.diag([1.0, 0.5])
NUMERIC = tt.LinearSDE.from_matrices(A, D)
DT = 0.01


@pytest.mark.parametrize("warmup", [2 * TILE + 17, 3 * TILE])  # whole tiles of warm-up, then part of one or none
def test_a_long_warm_up_gives_the_step_by_step_grams(warmup):
    kappas = est.filter_rates(A)
    kw = dict(t_end=6 * TILE * DT, dt=DT, paths=4 * BLOCK, seed=9, burn_in=0.5, record=False)
    observers = {
        "blocks": lambda: blocks.RegressionMoments([0], [1], kappas, DT, warmup),
        "steps": lambda: est.transfer_entropy_observer([0], [1], A, DT, warmup),
    }
    tr = tt.simulate(NUMERIC, threads=1, chunk_paths=BLOCK, observers=observers, **kw)
    rows = tr.observed["blocks"]
    k = int(round(np.sqrt(rows.shape[1] / 2)))
    fine, coarse = rows.sum(axis=0)[:k * k].reshape(k, k), rows.sum(axis=0)[k * k:].reshape(k, k)
    steps = tr.observed["steps"]  # per path: (fine, coarse) Gram matrices in the same feature order
    np.testing.assert_allclose(fine, steps[:, 0].sum(axis=0), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(coarse, steps[:, 1].sum(axis=0), rtol=1e-9, atol=1e-9)
    # the samples counted are those after the warm-up (the constant feature counts them)
    assert fine[0, 0] == 4 * BLOCK * (6 * TILE - warmup)
    assert coarse[0, 0] == 4 * BLOCK * (3 * TILE - warmup // 2)
    again = tt.simulate(NUMERIC, threads=2, chunk_paths=3 * BLOCK, observers={"blocks": observers["blocks"]}, **kw)
    np.testing.assert_array_equal(again.observed["blocks"], rows)


def test_a_warm_up_longer_than_the_run_is_refused():
    kappas = est.filter_rates(A)
    with pytest.raises(tt.ModelError, match="warm-up"):
        tt.simulate(NUMERIC, t_end=2 * TILE * DT, dt=DT, paths=BLOCK, seed=0, record=False,
                    observers={"g": lambda: blocks.RegressionMoments([0], [1], kappas, DT, 3 * TILE)})
