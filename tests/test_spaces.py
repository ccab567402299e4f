"""Conditional spaces meet every built-in strategy: whatever a strategy asks on a space with nested conditions is a
valid config (exactly the active parameters, each in range), for hypothesis-drawn spaces and seeds."""
import copy, math, signal, subprocess, sys, time
import pytest
import torch
from hypothesis import given, settings, strategies as st, HealthCheck
from surrnb.space import Space, Float, Int, Categorical
from surrnb.study import Study, strategies

# strategies that cannot run on these spaces, and why (checked below to still be registered, so the list stays honest)
DISCRETE_ONLY = {"rea": "searches discrete spaces only (checked below on hypothesis-drawn discrete conditional spaces)",
                 "local-search": "as rea", "bananas": "as rea"}
SLOW = {"gobi": "a heteroscedastic GP fit per ask: about 45 s for 12 trials on 2 busy cores"}
ELSEWHERE = {"grid": "enumerates the space, so random spaces exceed its size limit; checked on a small conditional space in 05_search.basic"}
CONTINUOUS_ONLY = {"turbo": "a trust-region box needs a continuous space: it refuses categorical and conditional ones before a study is written (checked below)"}
MODEL = {"bo", "bo-gp", "bo-auto", "warm-bo", "warm-best", "pibo"}


def _conditional_space(draw, leaves, x):
    "A root choice whose branches hold parameters drawn from `leaves` (some nested under a sibling integer), an integer that gates a width, and `x`."
    branches, i = {}, 0
    for b in range(draw(st.integers(2, 3))):
        sub = {}
        for _ in range(draw(st.integers(0, 2))):
            p = copy.copy(draw(st.sampled_from(leaves))); i += 1
            ints = [n for n in sub if sub[n].kind == "int" and not sub[n].when]
            if ints and draw(st.booleans()): p.when = {ints[-1]: {">=": sub[ints[-1]].low + 1}}
            sub[f"p{i}"] = p
        branches[f"b{b}"] = sub
    return Space(root=Categorical(branches), n=Int(1, 3), w=Int(8, 64, log=True, when={"n": (">=", 2)}), x=x)


@st.composite
def conditional_spaces(draw):
    "A root choice whose branches hold parameters (some nested under a sibling integer), plus an integer that gates a width."
    return _conditional_space(draw, [Float(-1, 1), Float(1e-3, 1, log=True), Int(0, 9), Int(1, 500, log=True), Categorical(["a", "b", "c"])],
                              Float(0, 1))


def value(c: dict) -> float:
    "A smooth objective that reads whatever parameters are present."
    return (c["x"] - 0.3) ** 2 + 0.1 * c["n"] + sum(0.01 * float(v) for k, v in c.items() if isinstance(v, (int, float)) and not isinstance(v, bool))


LIGHT = {"bananas": dict(K=2, steps=60, hidden=(16,))}   # a smaller ensemble: the test checks configs, not the model


def run(space, name, n, seed):
    "Ask and tell `n` trials (budgets scale the value for multi-fidelity strategies); the study."
    s = Study(space, strategy=strategies.get(name, **LIGHT.get(name, {})), seed=seed)
    for _ in range(n):
        t = s.ask()
        s.tell(t, value(t.config) * (1 + 1 / (t.budget or 1e9)))
    return s


def test_skip_lists_name_registered_strategies():
    names = set(strategies.names())
    listed = set(DISCRETE_ONLY) | set(SLOW) | set(ELSEWHERE) | set(CONTINUOUS_ONLY) | MODEL
    assert listed <= names, listed - names


CHEAP = [n for n in strategies.names() if n not in DISCRETE_ONLY and n not in SLOW and n not in MODEL and n not in ELSEWHERE
         and n not in CONTINUOUS_ONLY]

@pytest.mark.parametrize("name", CHEAP)
@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(space=conditional_spaces(), seed=st.integers(0, 2**31 - 1))
def test_cheap_strategies_ask_valid_configs(name, space, seed):
    s = run(space, name, 10, seed)
    bad = [t.config for t in s.trials if not space.is_valid(t.config)]
    assert not bad, bad


@pytest.mark.parametrize("name", sorted(CONTINUOUS_ONLY))
@settings(max_examples=3, deadline=None)
@given(space=conditional_spaces(), seed=st.integers(0, 2**31 - 1))
def test_continuous_only_strategies_refuse_conditional_spaces(name, space, seed):
    with pytest.raises(Exception, match="continuous spaces"): Study(space, strategy=name, seed=seed)


@pytest.mark.parametrize("name", sorted(MODEL & set(strategies.names())))
@settings(max_examples=1, deadline=None)
@given(space=conditional_spaces(), seed=st.integers(0, 2**31 - 1))
def test_model_strategies_ask_valid_configs(name, space, seed):
    n = space.dim + 3 + 2     # past the initial design: two asks from the surrogate and the acquisition optimiser
    s = run(space, name, n, seed)
    assert all(space.is_valid(t.config) for t in s.trials)
    assert s.best.value <= min(value(c) for c in space.sample(8, seed=seed)) + 1.0   # it runs, and the study records values


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(SLOW))
def test_slow_strategies_ask_valid_configs(name):
    sp = conditional_spaces().example()
    s = run(sp, name, 12, 0)
    assert all(sp.is_valid(t.config) for t in s.trials)


@st.composite
def discrete_conditional_spaces(draw):
    "As `conditional_spaces`, with integer and categorical parameters only (what the NAS strategies search)."
    return _conditional_space(draw, [Int(0, 9), Int(1, 500, log=True), Categorical(["a", "b", "c"]), Int(2, 3)], Int(0, 4))


@pytest.mark.parametrize("name", sorted(DISCRETE_ONLY))
def test_discrete_strategies_refuse_floats_and_search_conditional_spaces(name):
    "They refuse float spaces with one line; on a discrete conditional space they ask valid, distinct configs and reach the optimum of a small one."
    fl = Space(a=Categorical({"x": {"f": Float(0, 1)}, "y": None}))
    with pytest.raises(Exception, match="discrete spaces"): run(fl, name, 3, 0)
    disc = Space(opt=Categorical({"a": {"k": Int(1, 5)}, "b": {"m": Categorical(["x", "y", "z"])}}), n=Int(1, 4))
    f = lambda c: c["n"] + (c["k"] if c["opt"] == "a" else 3 + "xyz".index(c["m"]))   # minimum 2 at opt=a, k=1, n=1 (one of 32 configs)
    s = Study(disc, strategy=strategies.get(name, **LIGHT.get(name, {})), seed=0)
    for _ in range(24):
        t = s.ask(); s.tell(t, f(t.config))
    assert all(disc.is_valid(t.config) for t in s.trials)
    assert len({repr(sorted(t.config.items())) for t in s.trials}) == len(s.trials)   # no config asked twice
    assert s.best.value == 2, s.best


@pytest.mark.parametrize("name", sorted(DISCRETE_ONLY))
@settings(max_examples=3, deadline=None)
@given(space=discrete_conditional_spaces(), seed=st.integers(0, 2**31 - 1))
def test_discrete_strategies_ask_valid_configs(name, space, seed):
    s = run(space, name, 14, seed)     # past the 10 random configs: mutations, neighbours, model proposals
    bad = [t.config for t in s.trials if not space.is_valid(t.config)]
    assert not bad, bad


def test_bo_on_conditional_space_finds_the_branch_optimum():
    "BO on a two-branch space: the optimum (0) sits in branch 'b' at y = 0.7; 25 trials get within 0.05 of it."
    sp = Space(br=Categorical({"a": {"x": Float(0, 1)}, "b": {"y": Float(0, 1), "z": Int(1, 4)}}))
    f = lambda c: 1 + (c["x"] - 0.5) ** 2 if c["br"] == "a" else (c["y"] - 0.7) ** 2 + 0.1 * (c["z"] - 1)
    s = Study(sp, strategy="bo", seed=0).optimize(f, 25, show_progress=False)
    assert all(sp.is_valid(t.config) for t in s.trials)
    assert s.best.config["br"] == "b" and s.best.value < 0.05, s.best


def test_pibo_on_conditional_space_with_priors():
    "πBO with priors inside branches: with mode_first=True its first ask is the priors' mode, every ask is valid, and a prior on the wrong branch does not keep it from the optimum (0, in branch 'b')."
    sp = Space(br=Categorical({"a": {"x": Float(0, 1, prior=("normal", 0.2, 0.1))}, "b": {"y": Float(0, 1), "z": Int(1, 4, prior=("normal", 2, 0.5))}}, weights=[0.7, 0.3]))
    f = lambda c: 1 + (c["x"] - 0.5) ** 2 if c["br"] == "a" else (c["y"] - 0.7) ** 2 + 0.1 * (c["z"] - 1)
    s = Study(sp, strategy=strategies.get("pibo", mode_first=True), seed=0).optimize(f, 14, show_progress=False)
    assert s.trials[0].config == {"br": "a", "x": 0.2}
    assert all(sp.is_valid(t.config) for t in s.trials)
    assert s.best.config["br"] == "b" and s.best.value < 0.05, s.best


SCRIPT = """
import time, sys
from surrnb.study import Study
def objective(trial):
    k = trial.suggest_categorical("k", ["a", "b"])
    x = trial.suggest_float("x", 0, 1)
    if k == "b": x += trial.suggest_int("n", 1, 4)
    time.sleep(0.2)
    return x
Study(storage=sys.argv[1], name="dbr", strategy="random", seed=0, define_by_run=True).optimize(objective, int(sys.argv[2]))
"""

@pytest.mark.slow
def test_define_by_run_resumes_after_sigkill(tmp_path):
    "An Optuna-style objective killed with SIGKILL mid-run continues from its stored trials, asking what an uninterrupted run asks (4 min on 2 busy cores)."
    db, script = tmp_path / "dbr.db", tmp_path / "obj.py"
    script.write_text(SCRIPT)
    p = subprocess.Popen([sys.executable, str(script), str(db), "1000"])
    t0 = time.time()
    while time.time() - t0 < 120:
        time.sleep(0.5)
        try:
            if db.exists() and len(Study.load("dbr", db).trials) >= 4: break
        except Exception: pass
    p.send_signal(signal.SIGKILL); p.wait()
    n = len(Study.load("dbr", db).trials)
    assert 4 <= n < 1000
    subprocess.run([sys.executable, str(script), str(db), str(n + 4)], check=True)
    done = Study.load("dbr", db)
    ref = tmp_path / "ref.db"
    subprocess.run([sys.executable, str(script), str(ref), str(n + 4)], check=True)
    assert [t.config for t in done.trials] == [t.config for t in Study.load("dbr", ref).trials]
    assert all(done.space.is_valid(t.config) for t in done.trials)
    assert ("n" in done.space.names) == any(t.config["k"] == "b" for t in done.trials)
