"""Parallel executors (surrnb.parallel): worker processes and Ray run a study with the driver owning the storage;
a worker killed mid-trial fails that trial only. Objectives live at module level so spawned workers import them."""
import os, signal, time, warnings
import pytest
from surrnb.space import Space, Float
from surrnb.study import Study
from surrnb.parallel import optimize_parallel
from surrnb.core import SurrnbError

from _parallel_objectives import KILL_AT, record_pid, kill_self, kill_once, sleepy

XS = (0.1, 0.2, KILL_AT, 0.3, 0.4, 0.6)

def queued_study(xs=XS, storage=":memory:"):
    study = Study(Space(x=Float(0, 1)), storage=storage, name="par")
    for x in xs: study.enqueue({"x": x})
    return study

def check_killed(study, n=len(XS)):
    "The trial at KILL_AT is FAILED with the cause; every other one COMPLETE with its value; nothing left running."
    ts = study.trials
    assert len(ts) == n and [t.number for t in ts] == list(range(n))
    bad = [t for t in ts if t.config["x"] == KILL_AT]
    assert len(bad) == 1 and str(bad[0].state) == "FAILED" and bad[0].error.startswith("worker process died"), bad
    ok = [t for t in ts if t.config["x"] != KILL_AT]
    assert all(str(t.state) == "COMPLETE" and t.value == t.config["x"] for t in ok), ok

def test_two_processes(tmp_path, monkeypatch):
    monkeypatch.setenv("SURRNB_TEST_DIR", str(tmp_path))
    study = Study(Space(x=Float(0, 1)), storage=str(tmp_path / "db.sqlite"), name="two", seed=3)
    study.optimize(record_pid, n_trials=10, n_workers=2, executor="process", show_progress=False)
    ts = study.trials
    assert [t.number for t in ts] == list(range(10))
    assert all(str(t.state) == "COMPLETE" for t in ts)
    assert len({t.config["x"] for t in ts}) == 10                       # no duplicates
    for t in ts: assert t.value == pytest.approx((t.config["x"] - 0.25) ** 2)
    pids = {p.read_text() for p in tmp_path.iterdir() if p.name[0] == "0"}
    assert len(pids) == 2 and str(os.getpid()) not in pids              # two worker processes, not the driver
    study.optimize(record_pid, n_trials=12, n_workers=2, executor="process", show_progress=False)  # continues
    assert len(study.trials) == 12

def test_killed_worker_fails_only_its_trial(tmp_path):
    study = queued_study(storage=str(tmp_path / "db.sqlite"))
    optimize_parallel(study, kill_self, n_trials=len(XS), n_workers=2, executor="process", show_progress=False)
    check_killed(study)
    assert "SIGKILL" in next(t.error for t in study.trials if str(t.state) == "FAILED")
    optimize_parallel(study, kill_self, n_trials=8, n_workers=2, executor="process", show_progress=False)
    assert len(study.trials) == 8 and study.n_finished == 8               # a fresh pool carries on

def test_retries_and_trial_timeout(tmp_path, monkeypatch):
    monkeypatch.setenv("SURRNB_TEST_DIR", str(tmp_path))
    study = queued_study((0.1, KILL_AT, 0.2))
    with pytest.warns(UserWarning, match="retry 1 of 2"):
        optimize_parallel(study, kill_once, n_trials=3, n_workers=2, executor="process", retries=2, show_progress=False)
    assert [(str(t.state), t.value) for t in study.trials] == [("COMPLETE", 0.1), ("COMPLETE", KILL_AT), ("COMPLETE", 0.2)]
    study = queued_study((0.1, KILL_AT, 0.2))
    t0 = time.time()
    optimize_parallel(study, sleepy, n_trials=3, n_workers=2, executor="process", trial_timeout=1.0, show_progress=False)
    assert time.time() - t0 < 450   # without the timeout it would take 900 s; a loaded machine may take a minute or two
    st = {t.config["x"]: t for t in study.trials}
    assert str(st[KILL_AT].state) == "FAILED" and "longer than 1 s" in st[KILL_AT].error
    assert str(st[0.1].state) == str(st[0.2].state) == "COMPLETE"

def test_interrupt_leaves_nothing_running():
    study = queued_study()
    def stop(study, trial): raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        optimize_parallel(study, record_pid, n_trials=6, n_workers=2, executor="process", callbacks=[stop], show_progress=False)
    states = [str(t.state) for t in study.trials]
    assert "RUNNING" not in states and states.count("COMPLETE") >= 1
    assert any(t.error and "interrupted" in t.error for t in study.trials)

def test_bad_objectives_and_arguments():
    import threading
    lock = threading.Lock()
    study = queued_study()
    with pytest.raises(SurrnbError, match="define it with `def` at module level"):
        optimize_parallel(study, lambda c, lock=lock: 0.0 if lock else 1.0, n_trials=2, n_workers=2, executor="process")
    assert len(study.trials) == len(XS) and study.n_finished == 0      # nothing started, nothing lost
    with pytest.raises(SurrnbError, match="unknown executor 'mpi'; choose one of: .*local, process, ray"):
        study.optimize(record_pid, n_trials=2, n_workers=2, executor="mpi")
    with pytest.raises(SurrnbError, match="for executor='ray'"):
        optimize_parallel(study, record_pid, n_trials=2, executor="process", resources={"num_gpus": 1})

def test_cli_workers(tmp_path):
    from surrnb.cli import main
    db = str(tmp_path / "runs.db")
    args = ["run", "branin", "--strategy", "random", "--budget", "6", "--workers", "2", "--executor", "process", "--db", db, "--quiet"]
    assert main(args) == 0
    study = Study(storage=db, name="branin-random-s0")
    assert [str(t.state) for t in study.trials] == ["COMPLETE"] * 6
    assert len({tuple(t.config.values()) for t in study.trials}) == 6

@pytest.fixture(scope="module")
def ray_runtime():
    ray = pytest.importorskip("ray", reason="Ray is not installed (pip install 'surrnb[ray]'): the Ray executor is not tested")
    yield ray   # optimize_parallel starts a local runtime with n_workers (2) CPUs
    ray.shutdown()

def test_ray_two_workers_and_killed_worker(ray_runtime):
    study = Study(Space(x=Float(0, 1)), storage=":memory:", seed=5)
    study.optimize(record_pid, n_trials=6, n_workers=2, executor="ray", show_progress=False)
    ts = study.trials
    assert [t.number for t in ts] == list(range(6)) and all(str(t.state) == "COMPLETE" for t in ts)
    assert len({t.config["x"] for t in ts}) == 6
    study = queued_study()
    optimize_parallel(study, kill_self, n_trials=len(XS), n_workers=2, executor="ray", show_progress=False)
    check_killed(study)


def test_workers_die_with_a_killed_driver(tmp_path):
    "SIGKILL the driver of a process-executor run: its workers (one of them mid-trial) are gone 5 s later."
    import subprocess, sys, signal, os
    prog = tmp_path / "driver.py"
    prog.write_text("import time\nfrom surrnb.space import Space, Float\nfrom surrnb.study import Study\n"
                    "import os\n"
                    f"def slow(c):\n    open(os.path.join({str(tmp_path)!r}, f'started-{{os.getpid()}}'), 'w').close(); time.sleep(120); return c['x']\n"
                    "if __name__ == '__main__':\n"
                    "    Study(Space(x=Float(0, 1)), strategy='random').optimize(slow, n_trials=4, n_workers=2, executor='process')\n")
    err = open(tmp_path / "err.txt", "w")
    p = subprocess.Popen([sys.executable, str(prog)], stderr=err)
    def workers():
        out = subprocess.run(["ps", "-ww", "-eo", "pid=,ppid=,args="], capture_output=True, text=True).stdout   # -ww: whole lines
        return [int(l.split()[0]) for l in out.splitlines() if l.split()[1] == str(p.pid) and "spawn_main" in l]
    t0 = time.time()
    while len(workers()) < 2 and time.time() - t0 < 90: time.sleep(0.5)   # slow only on a loaded machine
    ws = workers()
    assert len(ws) == 2, (p.poll(), (tmp_path / "err.txt").read_text()[-2000:])
    while len(list(tmp_path.glob("started-*"))) < 2 and time.time() - t0 < 180: time.sleep(0.5)   # both mid-trial (slow to start on a loaded machine)
    assert len(list(tmp_path.glob("started-*"))) == 2, (tmp_path / "err.txt").read_text()[-2000:]
    os.kill(p.pid, signal.SIGKILL); p.wait()
    time.sleep(5)
    alive = [w for w in ws if os.path.exists(f"/proc/{w}") and open(f"/proc/{w}/stat").read().split()[2] != "Z"]
    assert not alive, f"workers still alive 5 s after their driver was killed: {alive}"
