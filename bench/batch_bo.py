#!/usr/bin/env python
"""Batch BO at equal evaluations: q = 1, 2, 4 parallel workers simulated synchronously on Hartmann6 (noiseless).

Each round asks q trials (each later ask sees the earlier ones as pending, RUNNING, trials: BayesOpt fantasises their
values, Kriging believer by default), then evaluates and tells all q. So q workers take budget/q rounds instead of
budget: the question is how much regret that costs at equal evaluations. Deterministic (no processes, no clocks).
Prints a table (median and IQR of final regret, median regret at 20 evaluations, rounds) and writes
bench/results/batch_bo.json.

    python bench/batch_bo.py                         # 10 seeds x 40 evaluations, q = 1, 2, 4 (+ q=4 constant liar)
    python bench/batch_bo.py --seeds 2 --budget 20   # quick look
"""
import os
for _v in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"): os.environ.setdefault(_v, "1")
import argparse, json, platform, statistics, sys, time
from pathlib import Path
import torch
torch.set_num_threads(1)

def run(problem, q, seed, budget, pending="believer", strategy="bo"):
    "One study with q synchronous workers; returns the best-so-far regret after each evaluation."
    from surrnb.problems import get_problem
    from surrnb.study import Study
    from surrnb.search.bo import BayesOpt
    prob = get_problem(problem)
    strat = BayesOpt(pending=pending) if strategy == "bo" else strategy
    study = Study(prob.space, strategy=strat, storage=":memory:", seed=seed)
    best, curve = float("inf"), []
    while len(curve) < budget:
        trials = [study.ask() for _ in range(min(q, budget - len(curve)))]   # q pending asks
        for t in trials:                                                      # then q tells
            y = prob.evaluate(t.config); study.tell(t, y)
            best = min(best, y); curve.append(prob.regret(best))
    return [float(r) for r in curve]

def q25(xs): return statistics.quantiles(xs, n=4)[0] if len(xs) > 1 else xs[0]
def q75(xs): return statistics.quantiles(xs, n=4)[2] if len(xs) > 1 else xs[0]

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--problem", default="hartmann6")
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--budget", type=int, default=40)
    ap.add_argument("--qs", default="1,2,4")
    ap.add_argument("--json", default=str(Path(__file__).parent / "results" / "batch_bo.json"))
    a = ap.parse_args(argv)
    settings = [(f"bo q={q}", q, "believer", "bo") for q in map(int, a.qs.split(","))]
    qmax = max(s[1] for s in settings)
    settings += [(f"bo q={qmax} liar", qmax, "liar", "bo"), ("random", 1, "believer", "random")]
    rows, t_all = [], time.time()
    for label, q, pend, strat in settings:
        t0 = time.time()
        curves = [run(a.problem, q, s, a.budget, pend, strat) for s in range(a.seeds)]
        final = [c[-1] for c in curves]; mid = [c[min(19, a.budget - 1)] for c in curves]
        rows.append(dict(method=label, q=q, pending=pend if strat == "bo" else None, rounds=-(-a.budget // q),
                         median_final_regret=statistics.median(final), q25=q25(final), q75=q75(final),
                         median_regret_at_20=statistics.median(mid), seconds=round(time.time() - t0, 1),
                         final_regrets=final, median_curve=[statistics.median(c[i] for c in curves) for i in range(a.budget)]))
        print(f"{label:<16} rounds {rows[-1]['rounds']:>3}  median final regret {rows[-1]['median_final_regret']:.4f} "
              f"[IQR {rows[-1]['q25']:.4f}, {rows[-1]['q75']:.4f}]  median regret@20 {rows[-1]['median_regret_at_20']:.4f} "
              f"({rows[-1]['seconds']} s)", flush=True)
    out = dict(problem=a.problem, seeds=a.seeds, budget=a.budget, rows=rows, total_seconds=round(time.time() - t_all, 1),
               machine=f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores", torch=torch.__version__)
    Path(a.json).parent.mkdir(parents=True, exist_ok=True)
    Path(a.json).write_text(json.dumps(out, indent=1))
    print(f"wrote {a.json}")

if __name__ == "__main__": main()
