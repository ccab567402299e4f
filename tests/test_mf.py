"Multi-fidelity strategies and problems: closed forms, ASHA's promotion rule under asynchrony, resume, the CLI."
import json, math, subprocess, sys
from pathlib import Path
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from surrnb.problems import get_problem
from surrnb.study import Study, strategies
from surrnb.search.mf import (ASHA, BOHB, Hyperband, SuccessiveHalving, budget_ladder, budget_used, hyperband_brackets,
                              incumbent)


@settings(max_examples=60, deadline=None)
@given(eta=st.integers(2, 5), lo=st.integers(1, 4), k=st.integers(0, 5))
def test_hyperband_closed_form(eta, lo, k):
    hi = lo * eta ** k
    hb = hyperband_brackets(lo, hi, eta)
    K = k
    assert len(hb) == K + 1
    assert budget_ladder(lo, hi, eta) == [lo * eta ** i for i in range(K + 1)]
    for s, b in zip(range(K, -1, -1), hb):
        n = math.ceil((K + 1) * eta ** s / (s + 1))           # Li et al. 2018, Algorithm 1
        assert b == [(n // eta ** i, hi / eta ** (s - i)) for i in range(s + 1)]
        assert b[-1][1] == hi and b[-1][0] >= 1               # every bracket ends at the full budget with >= 1 config


def _sim_async(strategy, prob, n_total, n_workers, seed):
    "Random-order asynchronous completion; yields (asked trial, completed trials before the ask)."
    study = Study(prob.space, strategy=strategy, storage=":memory:", seed=seed)
    rng, running, log = np.random.default_rng(seed), [], []
    while len(study.trials) < n_total:
        while len(running) < n_workers:
            before = [t for t in study.trials if str(t.state) == "COMPLETE"]
            t = study.ask(); running.append(t); log.append((t, before))
        t = running.pop(int(rng.integers(len(running))))
        study.tell(t, prob.evaluate(t.config, t.budget))
    return study, log


@pytest.mark.parametrize("n_workers,seed", [(1, 0), (3, 1), (8, 2)])
def test_asha_promotes_only_the_top_third(n_workers, seed):
    prob = get_problem("branin-mf", max_budget=27, seed=seed)
    study, log = _sim_async(ASHA(min_budget=1, max_budget=27), prob, 120, n_workers, seed)
    promos = 0
    for t, before in log:
        if t.budget == 1: continue
        rung = sorted((u for u in before if u.budget == t.budget / 3), key=lambda u: u.value)
        assert json.dumps(t.config, sort_keys=True) in {json.dumps(u.config, sort_keys=True) for u in rung[: len(rung) // 3]}
        promos += 1
    assert promos > 10
    # no config is promoted twice out of the same rung
    for b in (3, 9, 27):
        cfgs = [json.dumps(t.config, sort_keys=True) for t in study.trials if t.budget == b]
        assert len(cfgs) == len(set(cfgs))


@pytest.mark.parametrize("strategy", ["sh", "hyperband", "bohb"])
def test_synchronous_brackets_with_pending_trials(strategy):
    "With several trials pending, SH/HB/BOHB never promote out of an unfinished rung and open new brackets instead."
    prob = get_problem("hartmann6-mf", max_budget=9)
    study, log = _sim_async(strategies.get(strategy, min_budget=1, max_budget=9), prob, 100, 4, 0)
    s = strategies.get(strategy, min_budget=1, max_budget=9)
    for b in s.brackets(study):
        for i in range(1, len(b.rungs)):
            promoted = b.rungs[i]
            if not promoted: continue
            lower = sorted((t for t in b.rungs[i - 1] if str(t.state) == "COMPLETE"), key=lambda t: t.value)
            assert [t.config for t in promoted] == [t.config for t in lower[: len(promoted)]]
    assert len(s.brackets(study)) > 2


@pytest.mark.parametrize("strategy", ["sh", "hyperband", "asha", "bohb"])
def test_resume_is_exact(tmp_path, strategy):
    p1, p2 = get_problem("branin-mf", seed=1), get_problem("branin-mf", seed=1)
    ref = Study(p1.space, strategy=strategy, storage=":memory:", seed=3).optimize(p1.evaluate, 90, show_progress=False)
    db = tmp_path / "s.db"
    Study(p2.space, strategy=strategy, storage=db, name="s", seed=3).optimize(p2.evaluate, 37, show_progress=False)
    res = Study(storage=db, name="s", seed=3, strategy=strategy).optimize(p2.evaluate, 90, show_progress=False)
    assert [(t.config, t.budget, t.value) for t in res.trials] == [(t.config, t.budget, t.value) for t in ref.trials]


def test_budget_range_from_problem_in_meta():
    p = get_problem("branin-mf", max_budget=27)
    st_ = Study(p.space, strategy="hyperband", storage=":memory:", meta={"problem": "branin-mf"})
    assert st_.ask().budget == 1
    st_ = Study(p.space, strategy="hyperband", storage=":memory:", meta={"min_budget": 2, "max_budget": 18})
    assert st_.ask().budget == 2
    assert Hyperband().plans(st_)[0][-1][1] == 18


def test_maximize_promotes_the_largest():
    p = get_problem("branin-mf", max_budget=9)
    st_ = Study(p.space, strategy=SuccessiveHalving(min_budget=1, max_budget=9), direction="maximize", storage=":memory:")
    st_.optimize(p.evaluate, 13, show_progress=False)
    r0 = sorted((t for t in st_.trials if t.budget == 1), key=lambda t: -t.value)
    assert [t.config for t in st_.trials if t.budget == 3] == [t.config for t in r0[:3]]
    assert incumbent(st_).value == max(t.value for t in st_.trials if t.budget == 9)


def test_failures_are_never_promoted():
    p = get_problem("branin-mf", max_budget=9)
    def f(c, b):
        if c["x1"] < 0: raise RuntimeError("diverged")
        return p.evaluate(c, b)
    st_ = Study(p.space, strategy=SuccessiveHalving(min_budget=1, max_budget=9), storage=":memory:").optimize(f, 40, show_progress=False)
    assert all(t.config["x1"] >= 0 for t in st_.trials if t.budget > 1)
    assert budget_used(st_) == sum(t.budget for t in st_.trials if t.state.finished)


def test_cli_runs_a_multifidelity_study(tmp_path):
    "`surrnb run branin-mf --strategy hyperband`: bracket s=4 starts 81 configs at the problem's smallest budget."
    exe = Path(sys.executable).parent / "surrnb"
    db = str(tmp_path / "mf.db")
    r = subprocess.run([str(exe), "run", "branin-mf", "--strategy", "hyperband", "--budget", "30", "--db", db, "--study", "mf", "--quiet"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    trials = Study(storage=db, name="mf").trials
    assert len(trials) == 30 and {t.budget for t in trials} == {1}
    assert len({json.dumps(t.config, sort_keys=True) for t in trials}) == 30
    p = get_problem("branin-mf")
    assert all(t.value != p.evaluate(t.config, 81) for t in trials)      # judged at budget 1: biased
