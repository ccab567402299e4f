"Tests of the `surrnb` console script, run as a user would: in a subprocess, on a real database file."
import json, os, re, signal, sqlite3, subprocess, sys, time
from pathlib import Path
import pytest

SURRNB = [str(Path(sys.executable).parent / "surrnb")]


def run(*args, cwd=None, timeout=300):
    return subprocess.run(SURRNB + list(args), capture_output=True, text=True, cwd=cwd, timeout=timeout)


def test_console_script_installed():
    assert Path(SURRNB[0]).exists(), "the surrnb console script is not installed: pip install -e ."


def test_run_resume_show(tmp_path):
    db = str(tmp_path / "a.db")
    r = run("run", "branin", "--strategy", "sobol", "--budget", "12", "--db", db, "--study", "s", "--quiet")
    assert r.returncode == 0, r.stderr
    r = run("run", "branin", "--strategy", "sobol", "--budget", "20", "--db", db, "--study", "s", "--quiet")
    assert r.returncode == 0, r.stderr
    assert "8 new trial(s), 20 in total" in r.stdout
    r = run("show", "--db", db, "--study", "s", "--json")
    assert r.returncode == 0, r.stderr
    trials = json.loads(r.stdout)["trials"]
    assert len(trials) == 20 and all(t["state"] == "COMPLETE" for t in trials)
    assert len({json.dumps(t["config"], sort_keys=True) for t in trials}) == 20
    assert all({"state", "value", "config", "budget"} <= set(t) for t in trials)


def test_list_and_plot(tmp_path):
    r = run("list")
    assert r.returncode == 0 and "hartmann6" in r.stdout and "sobol" in r.stdout
    png = tmp_path / "h.png"
    r = run("run", "hartmann6", "--strategy", "random", "--budget", "5", "--db", str(tmp_path / "b.db"), "--plot", str(png), "--quiet")
    assert r.returncode == 0, r.stderr
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("args,msg", [
    (["run", "nope"], "unknown problem 'nope'"),
    (["run", "branin", "--budget", "-3"], "expected a positive integer"),
    (["run", "branin", "--seed", "x"], "expected an integer, got 'x'"),
    (["run", "branin", "--strategy", "zz", "--db", ":memory:"], "unknown strategy 'zz'"),
    (["show", "--db", "/no/such.db"], "no database at '/no/such.db'"),
    (["bench", "--problems", "branin", "--strategies", "nope"], "unknown strategy 'nope'"),
    (["explode"], "invalid choice"),
])
def test_bad_arguments_one_line_exit_2(args, msg, tmp_path):
    r = run(*args, cwd=tmp_path)
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("surrnb: error:") and msg in r.stderr, r.stderr
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize("strategy,msg", [("zz", "unknown strategy 'zz'"), ("bananas", "searches discrete spaces")])
def test_refused_strategy_writes_nothing(strategy, msg, tmp_path):
    "An unknown strategy, or one that cannot search the space, is refused before a database file or a study row is created."
    r = run("run", "branin", "--strategy", strategy, cwd=tmp_path)
    assert r.returncode == 2 and msg in r.stderr and r.stderr.count("\n") == 1, r.stderr
    assert list(tmp_path.iterdir()) == []


def test_not_a_database(tmp_path):
    bad = tmp_path / "junk.db"; bad.write_bytes(b"this is not sqlite" * 100)
    r = run("show", "--db", str(bad))
    assert r.returncode == 2 and "cannot open" in r.stderr and "Traceback" not in r.stderr


def test_sigkill_mid_study_then_resume(tmp_path):
    "SIGKILL the command mid-study: the database opens, completed trials are intact, the same command finishes it."
    db = str(tmp_path / "k.db")
    # a 1-second sleep per trial makes "mid-study" certain; PYTHONSTARTUP-free injection via a wrapper script
    wrapper = tmp_path / "slow_run.py"
    wrapper.write_text(
        "import sys, time\n"
        "import surrnb.problems as P\n"
        "orig = P.Problem.evaluate\n"
        "def slow(self, config, budget=None):\n"
        "    time.sleep(0.25); return orig(self, config, budget)\n"
        "P.Problem.evaluate = slow\n"
        "from surrnb.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n")
    args = ["run", "branin", "--strategy", "random", "--budget", "40", "--db", db, "--study", "k", "--quiet"]
    p = subprocess.Popen([sys.executable, str(wrapper)] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 60
    while time.time() < deadline:  # wait until some trials are done
        time.sleep(0.5)
        if Path(db).exists():
            try:
                n = sqlite3.connect(db).execute("SELECT COUNT(*) FROM trials WHERE state='COMPLETE'").fetchone()[0]
            except sqlite3.Error: n = 0
            if n >= 5: break
    os.kill(p.pid, signal.SIGKILL); p.wait()
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    done = con.execute("SELECT number, config, value FROM trials WHERE state='COMPLETE' ORDER BY number").fetchall()
    assert 5 <= len(done) < 40
    assert all(v is not None and json.loads(c) for _, c, v in done)
    con.close()
    r = run(*args)
    assert r.returncode == 0, r.stderr
    js = json.loads(run("show", "--db", db, "--study", "k", "--json").stdout)
    states = [t["state"] for t in js["trials"]]
    assert sum(s in ("COMPLETE", "FAILED") for s in states) == 40 and "RUNNING" not in states
    # every trial that was complete before the kill is unchanged
    after = {t["number"]: (t["config"], t["value"]) for t in js["trials"]}
    assert all(after[n] == (json.loads(c), v) for n, c, v in done)
    # at most the one trial being evaluated at the kill is FAILED, with the cause
    failed = [t for t in js["trials"] if t["state"] == "FAILED"]
    assert len(failed) <= 1 and all("died while running this trial" in t["error"] for t in failed)


def test_every_registered_name_resolves_in_a_fresh_interpreter():
    "Each registry loads the modules it declares: every listed name (and random-lcpfn, bo-rf) resolves without imports."
    prog = ("from surrnb.problems import problems\nfrom surrnb.study import strategies, executors\n"
            "from surrnb.surrogates.core import surrogates\n"
            "for reg in (problems, strategies, surrogates, executors):\n"
            "    d = reg.describe()\n"
            "    assert all(v.strip() for v in d.values()), [k for k, v in d.items() if not v.strip()]\n"
            "    for n in reg.names(): reg.factory(n)\n"
            "    assert not reg.unavailable, reg.unavailable\n"
            "strategies.factory('random-lcpfn'); strategies.get('bo-rf'); problems.get('ackley-5')\n"
            "print('ok', sum(len(r.names()) for r in (problems, strategies, surrogates, executors)))\n")
    r = subprocess.run([sys.executable, "-c", prog], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and r.stdout.startswith("ok"), r.stderr[-2000:]


def test_multi_objective_run_and_show(tmp_path):
    "A two-objective problem: every trial keeps two values; `show` prints the Pareto set; --json has values and constraints."
    db = str(tmp_path / "mo.db")
    r = run("run", "branin-currin", "--strategy", "random", "--budget", "30", "--db", db, "--study", "s", "--quiet")
    assert r.returncode == 0, r.stderr
    assert "Pareto set:" in r.stdout and "value_1 (min)" in r.stdout
    r = run("show", "--db", db, "--study", "s", "--json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert len(d["trials"]) == 30 and all(len(t["values"]) == 2 and t["constraints"] is None for t in d["trials"])
    assert d["directions"] == ["minimize", "minimize"] and 1 <= len(d["best_trials"]) <= 30
    r = run("run", "constrained-branin", "--strategy", "random", "--budget", "8", "--db", db, "--study", "c", "--quiet")
    assert r.returncode == 0, r.stderr
    trials = json.loads(run("show", "--db", db, "--study", "c", "--json").stdout)["trials"]
    assert len(trials) == 8 and all(len(t["constraints"]) == 1 for t in trials)


def test_objective_with_directions(tmp_path):
    "--objective returning two values with --directions; a typo in --directions is a usage error (exit 2)."
    (tmp_path / "obj.py").write_text("def f(c): return [c['x'] ** 2, (c['x'] - 2) ** 2]\n")
    (tmp_path / "space.json").write_text(json.dumps({"x": {"type": "float", "low": -1, "high": 3, "log": False}}))
    r = run("run", "--objective", "obj:f", "--space", "space.json", "--directions", "minimize,maximise", "--budget", "5",
            "--db", "o.db", "--quiet", cwd=tmp_path)
    assert r.returncode == 2 and "minimize/maximize" in r.stderr and r.stderr.count("\n") == 1
    r = run("run", "--objective", "obj:f", "--space", "space.json", "--directions", "minimize,minimize", "--budget", "6",
            "--db", "o.db", "--study", "o", "--quiet", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert len(json.loads(run("show", "--db", "o.db", "--study", "o", "--json", cwd=tmp_path).stdout)["trials"][0]["values"]) == 2


def test_inverse_problem_reports_recovered_parameters(tmp_path):
    "`surrnb run burgers-inverse` ends with the recovered parameters beside the truth; 30 BO trials on the solver find nu within 10 %."
    r = run("run", "burgers-inverse", "--strategy", "bo", "--budget", "30", "--db", str(tmp_path / "i.db"), "--quiet")
    assert r.returncode == 0, r.stderr
    line = next(l for l in r.stdout.splitlines() if l.startswith("recovered: "))
    nu = re.search(r"nu [-0-9.e]+ \(truth [0-9.e]+, ([0-9.]+) % off\)", line)
    assert nu and float(nu.group(1)) < 10, line
