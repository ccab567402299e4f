#!/usr/bin/env python
"""Batch BO at equal evaluations: q = 1, 2, 4 parallel workers simulated synchronously on Hartmann6 (noiseless).

Each round asks q trials (each later ask sees the earlier ones as pending, RUNNING, trials: BayesOpt fantasises their
values, Kriging believer by default), then evaluates and tells all q. So q workers take budget/q rounds instead of
budget: the question is how much regret that costs at equal evaluations. Deterministic (no processes, no clocks).
Prints a table (median and IQR of final regret, median regret at 20 evaluations, rounds) and writes
bench/results/batch_bo.json.

    python bench/batch_bo.py                         # 10 seeds x 40 evaluations, q = 1, 2, 4 (+ q=4 constant liar)
    python bench/batch_bo.py --seeds 2 --budget 20   # quick look
    python bench/batch_bo.py --only-botorch --qs 1,4 --json bench/results/batch_bo_botorch.json   # the peer: BoTorch
        qLogNEI with the same Sobol design, q points per round optimised jointly (optimize_acqf, 10 restarts, 512 raw)
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

def run_botorch(problem, q, seed, budget):
    "The peer: BoTorch SingleTaskGP + qLogNoisyExpectedImprovement, q points per round jointly optimised by optimize_acqf."
    from surrnb.problems import get_problem
    from surrnb.search.bo import BayesOpt
    from botorch.models import SingleTaskGP
    from botorch.fit import fit_gpytorch_mll
    from botorch.acquisition.logei import qLogNoisyExpectedImprovement
    from botorch.optim import optimize_acqf
    from gpytorch.mlls import ExactMarginalLogLikelihood
    prob = get_problem(problem); space = prob.space; d = space.dim
    n_init = BayesOpt().init_size(space)                     # the same Sobol design size as surrnb's
    X = space.round(torch.quasirandom.SobolEngine(d, scramble=True, seed=seed).draw(n_init, dtype=torch.float64))
    ys = [prob.evaluate(c) for c in space.decode(X)]
    best, curve = float("inf"), []
    for y in ys: best = min(best, y); curve.append(prob.regret(best))
    Y = -torch.tensor(ys, dtype=torch.float64)[:, None]       # BoTorch maximises
    torch.manual_seed(seed)
    bounds = torch.stack([torch.zeros(d), torch.ones(d)]).double()
    while len(curve) < budget:
        k = min(q, budget - len(curve))
        model = SingleTaskGP(X, Y); fit_gpytorch_mll(ExactMarginalLogLikelihood(model.likelihood, model))
        acq = qLogNoisyExpectedImprovement(model, X_baseline=X, prune_baseline=True)
        x, _ = optimize_acqf(acq, bounds=bounds, q=k, num_restarts=10, raw_samples=512)
        x = space.round(x)
        new = [prob.evaluate(c) for c in space.decode(x)]
        for y in new: best = min(best, y); curve.append(prob.regret(best))
        X = torch.cat([X, x]); Y = torch.cat([Y, -torch.tensor(new, dtype=torch.float64)[:, None]])
    return [float(r) for r in curve]

def q25(xs): return statistics.quantiles(xs, n=4)[0] if len(xs) > 1 else xs[0]
def q75(xs): return statistics.quantiles(xs, n=4)[2] if len(xs) > 1 else xs[0]

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--problem", default="hartmann6")
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--budget", type=int, default=40)
    ap.add_argument("--qs", default="1,2,4")
    ap.add_argument("--pendings", default="", help="run only these pending modes at the largest q (e.g. penalise,liar), with --json")
    ap.add_argument("--botorch", action="store_true", help="also run the BoTorch peer (qLogNEI, joint q-point optimisation) at every q")
    ap.add_argument("--only-botorch", action="store_true", help="run only the BoTorch peer (and write to --json)")
    ap.add_argument("--json", default=str(Path(__file__).parent / "results" / "batch_bo.json"))
    a = ap.parse_args(argv)
    settings = [(f"bo q={q}", q, "believer", "bo") for q in map(int, a.qs.split(","))]
    qmax = max(s[1] for s in settings)
    settings += [(f"bo q={qmax} liar", qmax, "liar", "bo"), ("random", 1, "believer", "random")]
    peer = [(f"botorch q={q}", q, None, "botorch") for q in map(int, a.qs.split(","))]
    settings = peer if a.only_botorch else settings + (peer if a.botorch else [])
    if a.pendings: settings = [(f"bo q={qmax} {p}", qmax, p, "bo") for p in a.pendings.split(",")]
    rows, t_all = [], time.time()
    for label, q, pend, strat in settings:
        t0 = time.time()
        curves = [run_botorch(a.problem, q, s, a.budget) if strat == "botorch" else run(a.problem, q, s, a.budget, pend, strat)
                  for s in range(a.seeds)]
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
