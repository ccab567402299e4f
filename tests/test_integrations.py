"Optuna integration: import from a real Optuna SQLite storage, export to files, the sampler's errors and its handling of odd studies."
import json, math
import pytest
import optuna
from surrnb.core import SurrnbError
from surrnb.study import Study
from surrnb.space import Space, Float, Int, Categorical
from surrnb.integrations.optuna import SurrnbSampler, import_optuna, export_trials, to_optuna, OptunaSpace

optuna.logging.set_verbosity(optuna.logging.ERROR)

def _objective(t):
    x, n, c = t.suggest_float("x", 1e-3, 1.0, log=True), t.suggest_int("n", 1, 4), t.suggest_categorical("c", ["a", "b"])
    t.report(x, 0)
    if n == 4: raise ValueError("diverged")
    if c == "b" and n == 3: raise optuna.TrialPruned()
    return (math.log10(x) + 1) ** 2 + n

@pytest.fixture(scope="module")
def optuna_db(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('o')}/optuna.db"
    st = optuna.create_study(storage=url, study_name="demo", direction="maximize", sampler=optuna.samplers.RandomSampler(seed=3))
    st.optimize(lambda t: -_objective(t), 12, catch=(ValueError,))
    return url, st

def test_import_round_trip_sqlite(optuna_db, tmp_path):
    url, ost = optuna_db
    st = import_optuna(url, "demo", db=str(tmp_path / "s.db"), name="imported")
    assert st.direction == "maximize" and len(st.trials) == 12
    states = {"COMPLETE": optuna.trial.TrialState.COMPLETE, "FAILED": optuna.trial.TrialState.FAIL, "PRUNED": optuna.trial.TrialState.PRUNED}
    assert [(t.config, t.value, states[str(t.state)]) for t in st.trials] == [(t.params, t.value, t.state) for t in ost.trials]
    assert {str(t.state) for t in st.trials} >= {"COMPLETE", "FAILED"}
    assert st.best.value == ost.best_value
    # the imported study lives in the surrnb database and can be loaded again by name
    again = Study(storage=str(tmp_path / "s.db"), name="imported")
    assert [t.config for t in again.trials] == [t.params for t in ost.trials]
    assert [t.params for t in to_optuna(st).trials] == [t.params for t in ost.trials]

def test_import_errors(optuna_db):
    url, _ = optuna_db
    with pytest.raises(SurrnbError, match="no Optuna study"): import_optuna(url, "missing")
    mo = optuna.create_study(directions=["minimize", "minimize"])
    mo.optimize(lambda t: (t.suggest_float("x", 0, 1), 0.0), 2)
    with pytest.raises(SurrnbError, match="several objectives"): import_optuna(mo._storage, mo.study_name)
    cond = optuna.create_study()
    cond.optimize(lambda t: t.suggest_float("a", 0, 1) if t.number % 2 else t.suggest_float("b", 0, 1), 4)
    with pytest.raises(SurrnbError, match="conditional"): import_optuna(cond._storage, cond.study_name)

def test_export_files(optuna_db, tmp_path):
    st = import_optuna(optuna_db[0], "demo")
    text = export_trials(st, "json", path=tmp_path / "t.json")
    d = json.loads((tmp_path / "t.json").read_text())
    assert text == (tmp_path / "t.json").read_text() and len(d["trials"]) == 12 and d["direction"] == "maximize"
    assert d["trials"][0]["config"] == st.trials[0].config
    csv = export_trials(st, "csv", path=tmp_path / "t.csv")
    assert csv.splitlines()[0].startswith("number,state,value") and len(csv.strip().splitlines()) == 13
    with pytest.raises(SurrnbError, match="csv"): export_trials(st, "parquet")

def test_sampler_bad_strategy():
    with pytest.raises(SurrnbError): SurrnbSampler("no-such-strategy")

def test_sampler_odd_names_and_steps():
    "Parameter names that are not identifiers, stepped floats and a conditional parameter sampled independently."
    def f(t):
        a, b = t.suggest_float("layer/0 lr", 0.0, 1.0, step=0.25), t.suggest_int("n-units", 8, 64, step=8)
        extra = t.suggest_float("only-sometimes", 0, 1) if b > 32 else 0.0
        return (a - 0.5) ** 2 + (b - 24) ** 2 / 100 + extra
    st = optuna.create_study(sampler=SurrnbSampler(seed=0))
    st.optimize(f, 15)
    for t in st.trials:
        assert t.params["layer/0 lr"] in (0.0, 0.25, 0.5, 0.75, 1.0) and t.params["n-units"] % 8 == 0
    assert st.best_value == 0.0     # a = 0.5, b = 24: the grid's minimum

def test_sampler_pending_trials_differ():
    "Running trials (ask without tell) are pending points: the next suggestion avoids them."
    st = optuna.create_study(sampler=SurrnbSampler(seed=0))
    for _ in range(8):
        t = st.ask(); st.tell(t, t.suggest_float("x", 0, 1) ** 2)
    a, b = st.ask(), st.ask()
    xa, xb = a.suggest_float("x", 0, 1), b.suggest_float("x", 0, 1)
    assert xa != xb

def test_sampler_same_trials_as_bo_mixed_space():
    "Inside Optuna the sampler asks what surrnb's BO asks, trial for trial, on a log-float, int and categorical space."
    space = Space(a_lr=Float(1e-4, 1.0, log=True), b_n=Int(1, 8), c_act=Categorical(["relu", "gelu", "tanh"]))
    f = lambda lr, n, act: (math.log10(lr) + 2) ** 2 + (n - 3) ** 2 / 4 + {"relu": 0.5, "gelu": 0.0, "tanh": 1.0}[act]
    direct = Study(space, "bo", seed=5).optimize(lambda c: f(c["a_lr"], c["b_n"], c["c_act"]), 12)
    inside = optuna.create_study(sampler=SurrnbSampler(seed=5))
    inside.optimize(lambda t: f(t.suggest_float("a_lr", 1e-4, 1.0, log=True), t.suggest_int("b_n", 1, 8),
                                t.suggest_categorical("c_act", ["relu", "gelu", "tanh"])), 12)
    assert [t.config for t in direct.trials] == [t.params for t in inside.trials]
    assert min(t.value for t in direct.trials) < 1.0            # the search got somewhere (minimum 0 at lr 1e-2, n 3, gelu)
