"""Studies that span processes and machines (issue 20): the same Storage on SQLite and PostgreSQL, several drivers on one
study, heartbeats that reap the trials of a killed driver, and a two-node Ray cluster that loses a node mid-run."""
import json, os, signal, subprocess, sys, time
import pytest
from surrnb.core import SurrnbError
from surrnb.space import Space, Float
from surrnb.store import Storage, SCHEMA_VERSION, TrialState, worker_id
from surrnb.study import Study

BACKENDS = ["sqlite", "postgresql"]

@pytest.fixture(params=BACKENDS)
def url(request, tmp_path):
    "A fresh storage of each kind: a SQLite file, a PostgreSQL database."
    return str(tmp_path / "runs.db") if request.param == "sqlite" else request.getfixturevalue("pg_url")

def test_same_promises(url):
    "Everything the store promises, checked the same way on both databases."
    st = Storage(url)
    assert st.schema == SCHEMA_VERSION and st.kind == ("sqlite" if "://" not in url else "postgresql")
    sid = st.create_study("s", "minimize", {"x": {"type": "float", "low": 0, "high": 1, "log": False}}, seed=2**62)["id"]
    assert st.load_study("s")["seed"] == 2**62                                   # 8-byte seeds
    with pytest.raises(SurrnbError, match="already exists"): st.create_study("s", "minimize", {}, 0)
    a, b = st.add_trial(sid, {"x": 0.1}), st.add_trial(sid, {"x": 0.2}, budget=3.0)
    assert (a.number, b.number) == (0, 1)
    assert st.add_trial(sid, {"x": 0.1}, distinct=True) is None                  # same config, no budget: refused
    assert st.add_trial(sid, {"x": 0.2}, distinct=True) is not None              # same config, other budget: a new trial
    st.report(sid, 0, 1, 2.0); st.report(sid, 0, 1, 1.5); st.report(sid, 0, 2, 0.5)
    st.finish(sid, 0, "COMPLETE", 1 / 3)
    st.finish(sid, 1, "FAILED", error="boom")
    with pytest.raises(SurrnbError, match="not RUNNING"): st.finish(sid, 1, "COMPLETE", 1.0)
    st.finish(sid, 2, "COMPLETE", values=[1.0], constraints=[-1.0])
    ts = st.trials(sid)
    assert [(t.number, str(t.state), t.value) for t in ts] == [(0, "COMPLETE", 1 / 3), (1, "FAILED", None), (2, "COMPLETE", 1.0)]
    assert ts[0].intermediate == {1: 1.5, 2: 0.5} and ts[2].constraints == (-1.0,)
    q = st.add_trial(sid, {"x": 0.9}, state="QUEUED")
    assert st.n_started(sid) == 3 and st.n_finished(sid) == 3 and st.next_number(sid) == 4
    assert st.claim_queued(sid, "w", cap=3) is None                              # the cap counts started trials
    assert st.claim_queued(sid, "w", cap=4).number == q.number
    assert st.add_trial(sid, {"x": 0.5}, cap=4) is None
    st.requeue(sid, q.number, "again"); assert st.trial(sid, q.number).state == TrialState.QUEUED
    assert st.studies()[0]["counts"] == {"COMPLETE": 2, "FAILED": 1, "QUEUED": 1}
    ro = Storage(url, readonly=True)
    assert [t.value for t in ro.trials(sid)] == [t.value for t in st.trials(sid)]
    with pytest.raises(SurrnbError, match="read-only"): ro.add_trial(sid, {"x": 0.3})
    st.delete_study("s"); assert st.studies() == [] and ro.studies() == []
    ro.close(); st.close()

def test_postgres_url_errors(pg_url):
    from surrnb.store import _free_port
    bad = pg_url.rsplit(":", 1)[0] + f":{_free_port()}/x"
    with pytest.raises(SurrnbError, match="cannot connect to"): Storage(bad, timeout=2)
    with pytest.raises(SurrnbError, match="give a SQLite file"): Storage("mysql://u@h/db")
    st = Storage(pg_url.replace("postgres@", "postgres:secret@"))                 # trust auth ignores it; messages hide it
    assert "secret" not in repr(st) and "***" in st.path

# ---- several drivers on one study -----------------------------------------------------------------------------

DRIVER = """
import sys, time
from surrnb.study import Study
from surrnb.search.bo import BayesOpt
from surrnb.search.basic import RandomSearch
url, name, strategy, sleep, n = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), int(sys.argv[5])
s = BayesOpt(n_raw=256, n_restarts=2, maxiter=10) if strategy == "bo" else RandomSearch()
def branin_ish(c):
    time.sleep(sleep)
    return (c["x"] - 0.3) ** 2 + (c["y"] - 0.7) ** 2
study = Study(storage=url, name=name, strategy=s, heartbeat=0.5, grace=6.0, on_stale=sys.argv[6])
study.optimize(branin_ish, n_trials=n, show_progress=False, max_failures=None)
"""

def start_drivers(url, name, strategy, k, sleep, n=100, on_stale="fail"):
    Study(Space(x=Float(0, 1), y=Float(0, 1)), storage=url, name=name, strategy=strategy, seed=7)   # created once, joined by all
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    return [subprocess.Popen([sys.executable, "-c", DRIVER, url, name, strategy, str(sleep), str(n), on_stale], env=env)
            for _ in range(k)]

def check_study(url, name, n=100):
    ts = Study.load(name, url).trials
    assert sorted(t.number for t in ts) == list(range(n)), [t.number for t in ts]     # n trials, n distinct numbers, none lost
    return ts

@pytest.mark.slow   # about 2 min per database on 2 cores shared with other jobs (load 10): 100 GP fits in 4 processes
def test_four_drivers_bo(url):
    "4 drivers x 25 trials of BO on one study: exactly 100 COMPLETE, 100 numbers, no config twice (pending trials are seen)."
    ps = start_drivers(url, "four", "bo", 4, sleep=0.05)
    assert [p.wait(timeout=600) for p in ps] == [0] * 4
    ts = check_study(url, "four")
    assert all(t.state == TrialState.COMPLETE for t in ts)
    assert len({json.dumps(t.config, sort_keys=True) for t in ts}) == 100
    assert len({t.worker for t in ts}) == 4                                          # every driver took part

@pytest.mark.parametrize("on_stale", ["fail", "requeue"])
def test_killed_driver(url, on_stale):
    "One of 4 drivers SIGKILLed mid-trial: the study still reaches its 40 trials; its trial is FAILED (or re-run) by another driver's heartbeat check."
    ps = start_drivers(url, f"kill-{on_stale}", "random", 4, sleep=0.4, n=40, on_stale=on_stale)
    victim = ps[0]
    st, sid, t0 = Storage(url), None, time.time()
    sid = st.load_study(f"kill-{on_stale}")["id"]
    mine = lambda t: t.worker is not None and t.worker.split(":")[1] == str(victim.pid)
    while time.time() - t0 < 300:   # every driver has opened the study (a late one would find the dead trial on resume instead),
        ts = st.trials(sid)          # and the victim has finished two trials and runs a third
        if (len({t.worker.split(":")[1] for t in ts if t.worker}) == 4 and sum(mine(t) and t.state == TrialState.COMPLETE for t in ts) >= 2
                and any(mine(t) and t.state == TrialState.RUNNING for t in ts)): break
        time.sleep(0.02)
    victim.send_signal(signal.SIGKILL); victim.wait()
    killed = [t for t in st.trials(sid) if mine(t) and t.state == TrialState.RUNNING]
    assert len(killed) == 1 and killed[0].heartbeat is not None
    assert [p.wait(timeout=600) for p in ps[1:]] == [0] * 3
    ts = check_study(url, f"kill-{on_stale}", n=40)
    k = next(t for t in ts if t.number == killed[0].number)
    if on_stale == "fail":
        assert k.state == TrialState.FAILED and "no heartbeat from its driver" in k.error, k
        assert sum(t.state == TrialState.COMPLETE for t in ts) == 39
    else:
        assert k.state == TrialState.COMPLETE and not mine(k) and k.config == killed[0].config   # same number, same config, another driver
        assert all(t.state == TrialState.COMPLETE for t in ts)
    st.close()

# ---- Ray as a cluster -----------------------------------------------------------------------------------------

@pytest.mark.slow   # 100 s on 2 busy cores: two Ray nodes start (about 20 s), 10 trials of 1 s (39 s), then the command line joins
def test_ray_two_nodes_lose_one(tmp_path):
    "A head and a second node (1 CPU each): trials land on both; the second node is removed mid-run; only its in-flight trial fails."
    ray = pytest.importorskip("ray", reason="Ray is not installed (pip install 'surrnb[ray]')")
    from ray.cluster_utils import Cluster
    marks = str(tmp_path)
    def timed(config):                                       # sent by value (cloudpickle): workers need not import this file
        import os, time, ray
        node, x = ray.get_runtime_context().get_node_id(), f"{config['x']:.17g}"
        open(os.path.join(marks, f"start-{x}"), "w").write(node)
        time.sleep(1.0)
        open(os.path.join(marks, f"end-{x}"), "w").write(node)
        return config["x"]
    cluster = Cluster(initialize_head=True, head_node_args=dict(num_cpus=1, include_dashboard=False))
    try:
        for attempt in range(3):                             # a raylet gets 30 s to register: on a busy machine, try again
            try: second = cluster.add_node(num_cpus=1); break
            except Exception:
                if attempt == 2: raise
        cluster.wait_for_nodes()
        head_id = None
        in_flight, removed = set(), []
        def lose_second(study, trial):                       # from the 4th finished trial on: remove the node while it runs one
            if removed or study.n_finished < 4: return
            busy = {f.name[6:] for f in tmp_path.glob("start-*") if f.read_text() == second.node_id
                    and not (tmp_path / f"end-{f.name[6:]}").exists()}
            if not busy: return                              # between two trials: try again when the next one finishes
            # (waiting here would block the driver, which then dispatches nothing to the node being watched)
            in_flight.update(busy); cluster.remove_node(second, allow_graceful=False); removed.append(time.time())
        study = Study(Space(x=Float(0, 1)), storage=str(tmp_path / "ray.db"), name="ray2", seed=0)
        t0 = time.time()
        study.optimize(timed, n_trials=10, n_workers=2, executor="ray", address=cluster.address, callbacks=[lose_second],
                       show_progress=False, max_failures=None)
        took = time.time() - t0
        ts = study.trials
        nodes = {f.read_text() for f in tmp_path.glob("start-*")}
        assert second.node_id in nodes and len(nodes) == 2, nodes                    # trials ran on both nodes
        assert removed and len(in_flight) == 1, in_flight
        failed = {f"{t.config['x']:.17g}" for t in ts if t.state == TrialState.FAILED}
        assert failed == in_flight, (failed, in_flight)                               # only the in-flight trial is lost
        assert all("died" in t.error for t in ts if t.state == TrialState.FAILED)
        assert len(ts) == 10 and sum(t.state == TrialState.COMPLETE for t in ts) == 9
        print(f"two-node Ray study: {took:.1f} s")
        # the command line joins the same (now one-node) cluster: `surrnb run --executor ray --address ADDRESS` ("auto" finds
        # the cluster `ray start` runs on this machine; here the address is explicit, since other Ray runtimes may share the machine)
        db = tmp_path / "cli.db"
        r = subprocess.run([sys.executable, "-c", "import sys; from surrnb.cli import main; sys.exit(main(sys.argv[1:]))", "run", "branin",
                            "--strategy", "random", "--budget", "4", "--workers", "2", "--executor", "ray", "--address", cluster.address,
                            "--db", str(db), "--study", "cli", "--quiet"], capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stderr[-2000:]
        assert [str(t.state) for t in Study.load("cli", str(db)).trials] == ["COMPLETE"] * 4
    finally:
        ray.shutdown(); cluster.shutdown()

def test_cli_address_needs_ray(tmp_path, capsys):
    from surrnb.cli import main
    assert main(["run", "branin", "--budget", "2", "--address", "auto", "--db", str(tmp_path / "x.db")]) == 2
    assert "--address auto names a Ray cluster: give it with --executor ray" in capsys.readouterr().err
    assert not (tmp_path / "x.db").exists()                                    # refused before anything was written
