"""TuRBO (`surrnb.search.turbo`): the trust region survives a kill, and the strategy finds a known optimum."""
import os, signal, subprocess, sys, textwrap
import pytest
from surrnb.problems import get_problem
from surrnb.study import Study
from surrnb.search.turbo import TrustRegionBO

KW = dict(fail_tol=2, L_min=0.1)   # restarts within a short run, so the replay crosses an epoch boundary

_CHILD = textwrap.dedent('''
    import os, signal, sys
    from surrnb.problems import get_problem
    from surrnb.study import Study
    from surrnb.search.turbo import TrustRegionBO
    prob = get_problem("hartmann6")
    st = Study(prob.space, strategy=TrustRegionBO(fail_tol=2, L_min=0.1), storage=sys.argv[1], name="k", seed=7)
    st.optimize(prob.evaluate, n_trials=int(sys.argv[2]), show_progress=False)
    os.kill(os.getpid(), signal.SIGKILL)          # no clean shutdown: the database is all that is left
''')

def test_turbo_kill_and_resume_asks_the_same(tmp_path):
    "A process killed after 36 trials, resumed from its SQLite file: the same trust region and the same next config as an uninterrupted study."
    db = str(tmp_path / "t.db")
    r = subprocess.run([sys.executable, "-c", _CHILD, db, "36"], capture_output=True, text=True, timeout=600)
    assert r.returncode == -signal.SIGKILL, r.stderr[-2000:]
    prob = get_problem("hartmann6")
    resumed = Study(storage=db, name="k", strategy=TrustRegionBO(**KW))
    ref = Study(prob.space, strategy=TrustRegionBO(**KW), seed=7).optimize(prob.evaluate, n_trials=36, show_progress=False)
    assert [t.config for t in resumed.trials] == [t.config for t in ref.trials]
    a, b = resumed.strategy.replay(resumed), ref.strategy.replay(ref)
    assert b.epoch >= 1, "the run should have restarted at least once"
    assert (a.epoch, a.start, a.L, a.succ, a.fail, a.history) == (b.epoch, b.start, b.L, b.succ, b.fail, b.history)
    assert resumed.ask().config == ref.ask().config

def test_turbo_finds_the_branin_optimum():
    "Branin's known minimum 0.397887 within 1e-3 in 40 evaluations."
    prob = get_problem("branin")
    st = Study(prob.space, strategy="turbo", seed=0).optimize(prob.evaluate, n_trials=40, show_progress=False)
    assert st.best.value - 0.397887 < 1e-3, st.best.value
