"""NAS-Bench-201 black-box search: random, regularized evolution, local search and BANANAS on CIFAR-10 and CIFAR-100.

Protocol of the issue's anchor table: each query returns one random training seed's validation accuracy; the score of a
run after n queries is the *mean* accuracy of the cell with the best observed accuracy so far. Regularized evolution
(population 10, tournament 3) is the named peer: the script prints every strategy's mean and standard error at each
checkpoint, the anchors, and each strategy's difference to `rea`, and writes bench/results/nas_nb201.json.

    python bench/nas_nb201.py            # 20 seeds, 300 queries, both datasets (several minutes per strategy)
    python bench/nas_nb201.py --quick    # 3 seeds, 100 queries
"""
from __future__ import annotations
import argparse, json, math, os, sys, time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ANCHORS = {"cifar10": {"optimum": 91.61, "random@100": 91.02, "rea@100": 91.34, "rea@300": 91.51},
           "cifar100": {"optimum": 73.49, "random@100": 71.32, "rea@100": 72.40, "rea@300": 73.09}}

def run_one(job) -> dict:
    "One search: (dataset, strategy, seed, budget, checkpoints) -> scores at the checkpoints and seconds."
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import torch; torch.set_num_threads(1)
    from surrnb.study import Study, strategies
    from surrnb.problems import problems
    dataset, strategy, seed, budget, checks = job
    prob = problems.get(f"nb201-{dataset}", seed=seed)
    study = Study(prob.space, strategies.get(strategy), storage=":memory:", name="bench", seed=seed)
    best, out, t0 = None, {}, time.perf_counter()
    for n in range(1, budget + 1):
        t = study.ask(); t = study.tell(t, prob.evaluate(t.config))
        if best is None or t.value < best.value: best = t
        if n in checks: out[n] = prob.accuracy(best.config)
    return dict(dataset=dataset, strategy=strategy, seed=seed, scores=out, seconds=time.perf_counter() - t0)

def summarise(runs, checks) -> list[dict]:
    rows = []
    for (ds, sn) in dict.fromkeys((r["dataset"], r["strategy"]) for r in runs):
        rs = [r for r in runs if r["dataset"] == ds and r["strategy"] == sn]
        row = dict(dataset=ds, strategy=sn, seeds=len(rs), seconds_per_run=sum(r["seconds"] for r in rs) / len(rs))
        for c in checks:
            v = [r["scores"][c] for r in rs]
            m = sum(v) / len(v); se = (sum((x - m) ** 2 for x in v) / (len(v) - 1)) ** 0.5 / len(v) ** 0.5 if len(v) > 1 else float("nan")
            row[f"mean@{c}"], row[f"se@{c}"] = m, se
        rows.append(row)
    for row in rows:   # difference to the peer (rea) on the same dataset, in accuracy points and in standard errors
        peer = next((r for r in rows if r["dataset"] == row["dataset"] and r["strategy"] == "rea"), None)
        if peer is None: continue
        for c in checks:
            d = row[f"mean@{c}"] - peer[f"mean@{c}"]
            row[f"minus_rea@{c}"] = d
            row[f"z_vs_rea@{c}"] = d / math.hypot(row[f"se@{c}"], peer[f"se@{c}"]) if row is not peer else 0.0
            opt = ANCHORS.get(row["dataset"], {}).get("optimum")
            if opt is not None:   # regret (optimum - score) relative to rea's: < 1 means closer to the optimum than rea
                row[f"regret_ratio_vs_rea@{c}"] = (opt - row[f"mean@{c}"]) / (opt - peer[f"mean@{c}"])
    return rows

def table(rows, checks) -> str:
    head = (["dataset", "strategy", "seeds"] + [f"@{c} mean ± se" for c in checks] + [f"-rea @{c}" for c in checks]
            + [f"regret/rea @{c}" for c in checks] + ["anchor", "s/run"])
    body = []
    for r in rows:
        a = ANCHORS.get(r["dataset"], {})
        anc = ", ".join(f"{k[len(r['strategy']) + 1:]}: {v}" for k, v in a.items() if k.startswith(r["strategy"] + "@"))
        body.append([r["dataset"], r["strategy"], str(r["seeds"])] + [f"{r[f'mean@{c}']:.2f} ± {r[f'se@{c}']:.2f}" for c in checks]
                    + [f"{r.get(f'minus_rea@{c}', float('nan')):+.2f}" for c in checks]
                    + [f"{r.get(f'regret_ratio_vs_rea@{c}', float('nan')):.2f}" for c in checks] + [anc or "-", f"{r['seconds_per_run']:.1f}"])
    w = [max(len(x[i]) for x in [head] + body) for i in range(len(head))]
    return "\n".join("  ".join(c.rjust(w[i]) if i > 1 else c.ljust(w[i]) for i, c in enumerate(x)) for x in [head] + body)

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seeds", type=int, default=20); p.add_argument("--budget", type=int, default=300)
    p.add_argument("--datasets", default="cifar10,cifar100"); p.add_argument("--strategies", default="random,rea,local-search,bananas")
    p.add_argument("--workers", type=int, default=2, help="parallel processes (default 2)")
    p.add_argument("--quick", action="store_true", help="3 seeds, 100 queries")
    p.add_argument("--out", default=str(Path(__file__).parent / "results" / "nas_nb201.json"))
    p.add_argument("--summarise", default=None, metavar="JSON", help="re-print the table of a results file and exit")
    a = p.parse_args(argv)
    if a.summarise:
        res = json.loads(Path(a.summarise).read_text())
        for r in res["runs"]: r["scores"] = {int(k): v for k, v in r["scores"].items()}
        res["rows"] = summarise(res["runs"], res["checkpoints"])
        print(table(res["rows"], res["checkpoints"])); print(json.dumps(dict(rows=res["rows"]), indent=1))
        Path(a.summarise).write_text(json.dumps(res, indent=1)); return
    if a.quick: a.seeds, a.budget = 3, 100
    checks = sorted({c for c in (100, 300) if c <= a.budget} | {a.budget})
    jobs = [(ds, sn, s, a.budget, checks) for ds in a.datasets.split(",") for sn in a.strategies.split(",") for s in range(a.seeds)]
    jobs.sort(key=lambda j: j[1] != "bananas")          # slowest first, for a better load balance
    t0 = time.time(); runs = []
    with ProcessPoolExecutor(a.workers) as ex:
        for i, r in enumerate(ex.map(run_one, jobs, chunksize=1)):
            runs.append(r)
            print(f"\r{i + 1}/{len(jobs)} runs, {time.time() - t0:.0f} s", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    order = {(ds, sn): i for i, (ds, sn) in enumerate(dict.fromkeys((j[0], j[1]) for j in sorted(jobs, key=lambda j: (a.datasets.split(",").index(j[0]), a.strategies.split(",").index(j[1])))))}
    runs.sort(key=lambda r: (order[(r["dataset"], r["strategy"])], r["seed"]))
    rows = summarise(runs, checks)
    print(table(rows, checks))
    res = dict(protocol="one random training seed per query; score = mean validation accuracy of the best-observed cell",
               peer="rea", anchors=ANCHORS, seeds=a.seeds, budget=a.budget, checkpoints=checks, rows=rows,
               runs=runs, wall_seconds=time.time() - t0)
    print(json.dumps(dict(rows=rows), indent=1))
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(res, indent=1))
    print(f"written {a.out}", file=sys.stderr)

if __name__ == "__main__": main()
