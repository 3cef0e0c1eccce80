"""Parameter sweeps: the same records in this process, in worker processes and on a Dask cluster."""

import pickle

import pytest

import thermotheory as tt
from thermotheory.errors import ModelError
from thermotheory.models import decoder as B
from .conftest import FREE_PORT

VALUES = {B.tau_v: 1.0, B.sigma_v: 1.0, B.sigma_n: 0.5, B.g: 1.0}
GRID = [0.3, 1.0, 2.0]


@pytest.fixture(scope="module")
def serial():
    return tt.sweep(B.one_neuron(), tt.heat_rate, B.x, parameter="tau_n", grid=GRID, values=VALUES, paths=300,
                    processes=1)


def test_serial_sweep_checks_every_grid_value(serial):
    assert len(serial) == 3 and serial.passed
    assert [r.quantity for r in serial] == [f"heat_rate(x) at tau_n={x:g}" for x in GRID]
    theory = [tt.heat_rate(B.one_neuron().subs({**VALUES, B.tau_n: x}), B.x) for x in GRID]
    assert [r.theory for r in serial] == pytest.approx(theory, rel=1e-12)


def test_processes_give_the_same_records(serial):
    par = tt.sweep(B.one_neuron(), tt.heat_rate, B.x, parameter=B.tau_n, grid=GRID, values=VALUES, paths=300,
                   processes=2)
    assert [(r.estimate, r.stderr) for r in par] == [(r.estimate, r.stderr) for r in serial]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_dask_cluster_gives_the_same_records(serial):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  scheduler_kwargs=FREE_PORT) as cl:
        table = tt.sweep(B.one_neuron(), tt.heat_rate, B.x, parameter="tau_n", grid=GRID, values=VALUES, paths=300,
                         scheduler=cl.scheduler_address)
    assert [(r.estimate, r.stderr) for r in table] == [(r.estimate, r.stderr) for r in serial]


def test_models_pickle_without_their_caches():
    m = B.one_neuron()
    tt.stationary_covariance(m)
    again = pickle.loads(pickle.dumps(m))
    assert again == m and tt.heat_rate(again, B.x) == tt.heat_rate(m, B.x)
    sde = tt.SDE({B.x: -B.x**3}, {B.x: 1})
    sde.compile()
    assert pickle.loads(pickle.dumps(sde)).drift == sde.drift


def test_sweep_errors():
    with pytest.raises(ModelError, match="not a parameter"):
        tt.sweep(B.one_neuron(), tt.heat_rate, B.x, parameter="nope", grid=GRID, values=VALUES)
    with pytest.raises(ModelError, match="swept parameter"):
        tt.sweep(B.one_neuron(), tt.heat_rate, B.x, parameter="tau_n", grid=GRID, values={**VALUES, B.tau_n: 1.0})
    with pytest.raises(ModelError, match="at least one"):
        tt.sweep(B.one_neuron(), tt.heat_rate, B.x, parameter="tau_n", grid=[], values=VALUES)
