#!/usr/bin/env python
"""Storage throughput (issue 20): ask/tell round trips per second with 1, 4 and 8 driver processes on one study, on
SQLite and PostgreSQL, for surrnb's `Storage` beside Optuna's `RDBStorage` on the same two kinds of database in the
same run (a private PostgreSQL server from `surrnb.store.LocalPostgres`; one SQLite file per library, one database per
library on the server: their table names clash); and the cost of one ask+tell (random search, in one process) in a
study that already holds 1k, 20k and 100k trials, built by bulk insert.

Each driver does `t = study.ask(); study.tell(t, f(config))` on a 2-parameter space in a loop for `--seconds`; the
drivers of one setting start together and run `--rounds` timed rounds (the spread over rounds is reported). Optuna's
drivers suggest the same two parameters (define-by-run: its ask+suggest writes them). Both libraries get a 30 s lock
timeout on SQLite; an operation that still fails ("database is locked") is counted as an error, not a round trip.

    python bench/storage.py                     # everything (about 10 minutes on 2 busy cores)
    python bench/storage.py --drivers 1,4 --sizes 1000 --rounds 2 --seconds 2 --json /tmp/s.json   # a quick look
    python bench/storage.py --check             # read bench/results/storage.json and check the issue's claims
"""
import argparse, json, os, platform, statistics, subprocess, sys, tempfile, time
from pathlib import Path

RESULTS = Path(__file__).parent / "results" / "storage.json"

DRIVER = r"""
import json, os, sys, time
lib, url, name, sync, seconds, rounds = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5]), int(sys.argv[6])
f = lambda x, y: (x - 0.3) ** 2 + (y - 0.7) ** 2
if lib == "surrnb":
    from surrnb.study import Study
    from surrnb.search.basic import RandomSearch
    study = Study(storage=url, name=name, strategy=RandomSearch())
    def one():
        t = study.ask(total=10**9)
        study.tell(t, f(t.config["x"], t.config["y"]))
else:
    import optuna
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    kw = {"connect_args": {"timeout": 30}} if url.startswith("sqlite") else {}
    study = optuna.load_study(study_name=name, storage=optuna.storages.RDBStorage(url, engine_kwargs=kw),
                              sampler=optuna.samplers.RandomSampler())
    def one():
        t = study.ask()
        study.tell(t, f(t.suggest_float("x", 0, 1), t.suggest_float("y", 0, 1)))
for _ in range(3): one()                        # warm up (connections, prepared statements)
open(os.path.join(sync, f"ready-{os.getpid()}"), "w").close()
while not os.path.exists(os.path.join(sync, "go")): time.sleep(0.01)
t_go = float(open(os.path.join(sync, "go")).read())
out = []
for r in range(rounds):
    start = t_go + r * (seconds + 1.0)
    while time.time() < start: time.sleep(0.001)
    n = err = 0
    while time.time() < start + seconds:
        try: one(); n += 1
        except Exception as e: err += 1
    out.append([n, err])
print(json.dumps(out), flush=True)
"""

def create(lib, url, name):
    "An empty study of the 2-parameter space, made once before the drivers join it."
    if lib == "surrnb":
        from surrnb.space import Space, Float
        from surrnb.study import Study
        from surrnb.search.basic import RandomSearch
        Study(Space(x=Float(0, 1), y=Float(0, 1)), storage=url, name=name, strategy=RandomSearch()).storage.close()
    else:
        import optuna
        kw = {"connect_args": {"timeout": 30}} if url.startswith("sqlite") else {}
        optuna.create_study(study_name=name, storage=optuna.storages.RDBStorage(url, engine_kwargs=kw))

def throughput(lib, url, k, seconds, rounds, tag):
    "Round trips per second of k drivers on one new study, per round: (list of rates, errors)."
    name = f"tp-{lib}-{k}-{tag}"
    create(lib, url, name)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    sync = tempfile.mkdtemp(prefix="surrnb-sync-")
    ps = [subprocess.Popen([sys.executable, "-c", DRIVER, lib, url, name, sync, str(seconds), str(rounds)],
                           stdout=subprocess.PIPE, text=True, env=env) for _ in range(k)]
    while len(list(Path(sync).glob("ready-*"))) < k:      # every driver has imported its library and warmed up
        if any(p.poll() not in (None, 0) for p in ps): raise RuntimeError(f"a {lib} driver failed to start")
        time.sleep(0.05)
    Path(sync, "go.tmp").write_text(str(time.time() + 0.5)); os.replace(Path(sync, "go.tmp"), Path(sync, "go"))
    outs = [json.loads(p.communicate()[0].strip().splitlines()[-1]) for p in ps]
    rates = [sum(o[r][0] for o in outs) / seconds for r in range(rounds)]
    return rates, sum(o[r][1] for o in outs for r in range(rounds))

def bulk_study(url, n, name):
    "A surrnb study holding n COMPLETE random-search trials, inserted in one transaction."
    import random
    from surrnb.space import Space, Float
    from surrnb.study import Study
    from surrnb.search.basic import RandomSearch
    study = Study(Space(x=Float(0, 1), y=Float(0, 1)), storage=url, name=name, strategy=RandomSearch(), heartbeat=None)
    rng, now = random.Random(0), time.time()
    rows = []
    for i in range(n):
        x, y = rng.random(), rng.random()
        rows.append((study._id, i, json.dumps({"x": x, "y": y}), None, "COMPLETE", (x - .3) ** 2 + (y - .7) ** 2, None, now, now, "bulk", None, None, None))
    sql = ('INSERT INTO trials(study_id, number, config, budget, state, value, error, start, "end", worker, vals, cons, heartbeat) '
           "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)")
    st = study.storage
    if st.kind == "sqlite":
        with st.tx() as c: c.executemany(sql, rows)
    else:
        with st.tx():
            with st.con.dbapi.cursor() as cur: cur.executemany(sql.replace("?", "%s"), rows)
    return study

def ask_tell_cost(url, n, reps, blocks, tag):
    "Milliseconds per ask+tell in a study of n trials: one figure per block of `reps` round trips."
    study = bulk_study(url, n, f"size-{n}-{tag}")
    f = lambda c: (c["x"] - 0.3) ** 2 + (c["y"] - 0.7) ** 2
    for _ in range(5): t = study.ask(total=10**9); study.tell(t, f(t.config))     # warm up
    out = []
    for _ in range(blocks):
        t0 = time.perf_counter()
        for _ in range(reps): t = study.ask(total=10**9); study.tell(t, f(t.config))
        out.append((time.perf_counter() - t0) / reps * 1000)
    assert study.n_finished == n + 5 + reps * blocks
    study.storage.close()
    return out

def spread(xs):
    return dict(median=round(statistics.median(xs), 3), min=round(min(xs), 3), max=round(max(xs), 3), runs=[round(x, 3) for x in xs])

def check(path=RESULTS):
    "The issue's claims, read from the results file (fails loudly when it is missing)."
    if not Path(path).exists(): sys.exit(f"no {path}: run python bench/storage.py first")
    r, ok = json.loads(Path(path).read_text()), True
    for db in r["throughput"]:
        for k in ("4", "8"):
            if k not in r["throughput"][db]["surrnb"]: continue
            s, o = r["throughput"][db]["surrnb"][k]["median"], r["throughput"][db]["optuna"][k]["median"]
            good = s >= o
            ok &= good
            print(f"{db:<10} {k} drivers: surrnb {s:8.1f}/s  optuna {o:8.1f}/s  ratio {s / max(o, 1e-9):5.2f}  {'ok' if good else 'FAILS (>= optuna)'}")
    for db, sizes in r["ask_tell_ms"].items():
        if "1000" in sizes and "100000" in sizes:
            ratio = sizes["100000"]["median"] / sizes["1000"]["median"]
            good = ratio <= 2.0
            ok &= good
            print(f"{db:<10} ask+tell at 100k / at 1k: {ratio:.2f}  {'ok' if good else 'FAILS (<= 2)'}")
    return ok

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--drivers", default="1,4,8")
    ap.add_argument("--seconds", type=float, default=4.0, help="length of one timed round")
    ap.add_argument("--rounds", type=int, default=3, help="timed rounds per setting (the spread)")
    ap.add_argument("--sizes", default="1000,20000,100000")
    ap.add_argument("--reps", type=int, default=100, help="ask+tell round trips per block (study-size part)")
    ap.add_argument("--blocks", type=int, default=5, help="blocks per size (the spread)")
    ap.add_argument("--dbs", default="sqlite,postgresql")
    ap.add_argument("--libs", default="surrnb,optuna")
    ap.add_argument("--json", default=str(RESULTS))
    ap.add_argument("--check", action="store_true", help="only check the stored results")
    a = ap.parse_args(argv)
    if a.check: sys.exit(0 if check(a.json) else 1)
    from surrnb.store import LocalPostgres
    tmp, tag = Path(tempfile.mkdtemp(prefix="surrnb-bench-")), str(int(time.time()))
    dbs = a.dbs.split(",")
    pg = LocalPostgres("bench_surrnb") if "postgresql" in dbs else None
    urls = {("sqlite", "surrnb"): f"sqlite:///{tmp / 'surrnb.db'}", ("sqlite", "optuna"): f"sqlite:///{tmp / 'optuna.db'}"}
    if pg:
        urls[("postgresql", "surrnb")] = pg.url
        urls[("postgresql", "optuna")] = pg.create_database("bench_optuna").replace("postgresql://", "postgresql+psycopg://")
    res = dict(throughput={}, ask_tell_ms={}, seconds_per_round=a.seconds, rounds=a.rounds, reps_per_block=a.reps,
               machine=f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, shared with other jobs",
               load_average_start=os.getloadavg())
    try:
        for db in dbs:
            res["throughput"][db] = {lib: {} for lib in a.libs.split(",")}
            for k in map(int, a.drivers.split(",")):
                for lib in a.libs.split(","):
                    rates, errs = throughput(lib, urls[(db, lib)], k, a.seconds, a.rounds, tag)
                    res["throughput"][db][lib][str(k)] = {**spread(rates), "errors": errs}
                    Path(a.json + ".partial").write_text(json.dumps(res, indent=1))     # kept if a later setting fails
                    print(f"{db:<10} {lib:<6} {k} drivers: {statistics.median(rates):8.1f} round trips/s "
                          f"(rounds {min(rates):.1f}..{max(rates):.1f}, errors {errs})", flush=True)
                if {"surrnb", "optuna"} <= set(a.libs.split(",")):
                    s, o = (res["throughput"][db][l][str(k)]["median"] for l in ("surrnb", "optuna"))
                    print(f"{db:<10} {k} drivers: surrnb / optuna = {s / max(o, 1e-9):.2f}", flush=True)
        for db in dbs:
            res["ask_tell_ms"][db] = {}
            for n in map(int, a.sizes.split(",")):
                ms = ask_tell_cost(urls[(db, "surrnb")], n, a.reps, a.blocks, tag)
                res["ask_tell_ms"][db][str(n)] = spread(ms)
                Path(a.json + ".partial").write_text(json.dumps(res, indent=1))
                print(f"{db:<10} surrnb ask+tell with {n:>6} trials: {statistics.median(ms):.2f} ms (blocks {min(ms):.2f}..{max(ms):.2f})", flush=True)
            s = res["ask_tell_ms"][db]
            if "1000" in s and "100000" in s: print(f"{db:<10} 100k / 1k = {s['100000']['median'] / s['1000']['median']:.2f}", flush=True)
    finally:
        if pg: pg.stop()
    res["load_average_end"] = os.getloadavg()
    Path(a.json).parent.mkdir(parents=True, exist_ok=True)
    Path(a.json).write_text(json.dumps(res, indent=1))
    Path(a.json + ".partial").unlink(missing_ok=True)
    print(f"wrote {a.json} (load average {res['load_average_start'][0]:.1f} at the start, {res['load_average_end'][0]:.1f} at the end: "
          "the machine is shared, so absolute rates move with the other jobs; the ratios are taken in the same run)")
    if Path(a.json) == RESULTS: check(a.json)

if __name__ == "__main__": main()
