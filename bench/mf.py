"""Multi-fidelity benchmark: Hyperband, BOHB, ASHA and SH against random search at the full budget.

Random search evaluates N configs at the full budget R (N*R budget units); the median over seeds of the true
full-budget value of its best config is the target. Each multi-fidelity strategy runs until it has used a third of
that budget (N*R/3); we report the median true value of its incumbent (best trial at the highest budget reached),
how many seeds reached the target, and the median budget at which they did, as a fraction of random's total.

    .venv/bin/python bench/mf.py [--problem hartmann6-mf] [--seeds 10] [--n-random 40] [--json bench/results/mf.json]
"""
import argparse, json, statistics, time, sys, platform
from pathlib import Path
import torch
from surrnb.problems import get_problem
from surrnb.search.mf import run_until_budget

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--problem", default="hartmann6-mf")
    ap.add_argument("--strategies", default="hyperband,bohb,asha,sh")
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--n-random", type=int, default=100, help="full-budget trials of random search")
    ap.add_argument("--fraction", type=float, default=1 / 3, help="budget of the MF strategies, as a fraction of random's")
    ap.add_argument("--json", default=None)
    a = ap.parse_args(argv)
    torch.set_num_threads(1)
    prob = get_problem(a.problem)
    R, seeds = prob.max_budget, range(a.seeds)
    t0 = time.time()
    rand = [run_until_budget(prob, "random", a.n_random * R, s) for s in seeds]
    target = statistics.median(r["value"] for r in rand)
    rows = [dict(strategy="random", budget=a.n_random * R, median_value=target, median_regret=prob.regret(target),
                 reached=sum(r["value"] <= target for r in rand), median_hit_fraction=None, values=[r["value"] for r in rand],
                 seconds=round(time.time() - t0, 2))]
    for name in a.strategies.split(","):
        t0 = time.time()
        rs = [run_until_budget(prob, name, a.fraction * a.n_random * R, s, target=target) for s in seeds]
        hits = [r["hit"] / (a.n_random * R) for r in rs if r["hit"] is not None]
        med = statistics.median(r["value"] for r in rs)
        rows.append(dict(strategy=name, budget=a.fraction * a.n_random * R, median_value=med, median_regret=prob.regret(med),
                         reached=len(hits), median_hit_fraction=statistics.median(hits + [float("inf")] * (len(rs) - len(hits))),
                         values=[r["value"] for r in rs], median_trials=statistics.median(r["n_trials"] for r in rs),
                         seconds=round(time.time() - t0, 2)))
    print(f"{prob.name}: {a.seeds} seeds; random search = {a.n_random} trials at budget {R:g} (total {a.n_random * R:g});"
          f" multi-fidelity strategies get {a.fraction:.3g} of that")
    head = f"{'strategy':<10} {'budget':>7} {'median value':>13} {'median regret':>14} {'reached target':>15} {'budget to target':>17} {'sec':>6}"
    print(head); print("-" * len(head))
    for r in rows:
        hf = "" if r["median_hit_fraction"] is None else ("never" if r["median_hit_fraction"] == float("inf") else f"{r['median_hit_fraction']:.3f} x random")
        print(f"{r['strategy']:<10} {r['budget']:>7g} {r['median_value']:>13.4f} {r['median_regret']:>14.4f} {r['reached']:>9}/{a.seeds:<5} {hf:>17} {r['seconds']:>6.1f}")
    if a.json:
        Path(a.json).parent.mkdir(parents=True, exist_ok=True)
        out = dict(problem=prob.name, seeds=a.seeds, n_random=a.n_random, fraction=a.fraction, target=target, rows=rows,
                   python=sys.version.split()[0], torch=torch.__version__, machine=platform.machine())
        Path(a.json).write_text(json.dumps(out, indent=1, default=lambda x: None if x == float("inf") else x))
        print(f"written to {a.json}")

if __name__ == "__main__": main()
