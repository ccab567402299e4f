#!/usr/bin/env python
"""surrnb inside Optuna: `SurrnbSampler` (surrnb's BO as an Optuna sampler) against Optuna's own `GPSampler` and `TPESampler`,
and against surrnb's BO run directly (to show what the adapter costs), on Branin, Hartmann6 and Ackley-5 with inputs in [0,1]^d.
Same protocol as bench/bo_vs_peers.py: noiseless, 10 seeds x 40 evaluations, one torch/BLAS thread, seconds per suggestion
= time spent in ask (suggest calls included) / budget. Prints median final regret with its spread over seeds and writes
bench/results/optuna_sampler.json.

    python bench/optuna_sampler.py                        # 10 seeds x 40 evaluations (a few minutes)
    python bench/optuna_sampler.py --seeds 2 --budget 15  # quick look
"""
import os
for _v in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"): os.environ.setdefault(_v, "1")
import argparse, json, math, statistics, sys, time, warnings, platform
from pathlib import Path
import torch
torch.set_num_threads(1)
sys.path.insert(0, str(Path(__file__).parent))
import bo_vs_peers
from bo_vs_peers import _Timer, _objective, run_surrnb

PROBLEMS = ["branin", "hartmann6", "ackley-5"]
METHODS = ["surrnb-sampler", "optuna-gp", "optuna-tpe", "surrnb-direct"]

def run_optuna(prob, seed, budget, method):
    import optuna
    from surrnb.integrations.optuna import SurrnbSampler
    sampler = {"surrnb-sampler": lambda: SurrnbSampler(seed=seed), "optuna-gp": lambda: optuna.samplers.GPSampler(seed=seed),
               "optuna-tpe": lambda: optuna.samplers.TPESampler(seed=seed)}[method]()
    return bo_vs_peers.run_optuna(prob, seed, budget, method, sampler=sampler)

def quartiles(v):
    q = statistics.quantiles(v, n=4) if len(v) > 1 else [v[0]] * 3
    return q[0], q[2]

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--budget", type=int, default=40)
    ap.add_argument("--problems", default=",".join(PROBLEMS))
    ap.add_argument("--methods", default=",".join(METHODS))
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "optuna_sampler.json"), help="'' to skip writing")
    a = ap.parse_args(argv)
    from surrnb.problems import get_problem
    methods, res = a.methods.split(","), {}
    for pname in a.problems.split(","):
        prob = get_problem(pname)
        out = {m: ([], []) for m in methods}
        for seed in range(a.seeds):        # methods interleaved per seed, so that load drifts hit all alike
            for m in methods:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    best, T = run_surrnb(prob, seed, a.budget, {}) if m == "surrnb-direct" else run_optuna(prob, seed, a.budget, m)
                out[m][0].append(float(prob.regret(best))); out[m][1].append(T.wall / a.budget)
        for m in methods:
            regs, secs = out[m]
            lo, hi = quartiles(regs)
            res.setdefault(pname, {})[m] = dict(median_regret=statistics.median(regs), q25=lo, q75=hi, regrets=regs,
                                                sec_per_suggestion=statistics.median(secs), secs=secs)
            print(f"{pname:10s} {m:15s} median regret {statistics.median(regs):10.4g} [{lo:.3g}, {hi:.3g}]  s/suggestion {statistics.median(secs):.4f}",
                  file=sys.stderr, flush=True)
        if "surrnb-sampler" in methods and "optuna-gp" in methods:
            s, g = res[pname]["surrnb-sampler"], res[pname]["optuna-gp"]
            wins = sum(a_ <= b_ for a_, b_ in zip(s["regrets"], g["regrets"]))
            res[pname]["ratios"] = dict(regret_vs_optuna_gp=s["median_regret"] / g["median_regret"] if g["median_regret"] > 0 else math.inf,
                                        time_vs_optuna_gp=s["sec_per_suggestion"] / g["sec_per_suggestion"], seeds_not_worse=wins)
    print(f"\nmedian final regret [quartiles] over {a.seeds} seeds, {a.budget} evaluations; seconds per suggestion")
    for pname, r in res.items():
        print(f"{pname:10s} " + "  ".join(f"{m}: {r[m]['median_regret']:.3g} [{r[m]['q25']:.2g}, {r[m]['q75']:.2g}] ({r[m]['sec_per_suggestion']:.3f}s)" for m in methods))
        if "ratios" in r:
            q = r["ratios"]; print(f"{'':10s} SurrnbSampler / GPSampler: regret x{q['regret_vs_optuna_gp']:.3g}, time x{q['time_vs_optuna_gp']:.3g}, "
                                   f"not worse on {q['seeds_not_worse']}/{a.seeds} seeds")
    if a.out:
        import optuna, surrnb
        meta = dict(seeds=a.seeds, budget=a.budget, machine=platform.platform(), cpus=os.cpu_count(), threads=1,
                    versions=dict(surrnb=surrnb.__version__, torch=torch.__version__, optuna=optuna.__version__), when=time.strftime("%Y-%m-%d %H:%M"))
        Path(a.out).parent.mkdir(parents=True, exist_ok=True)
        Path(a.out).write_text(json.dumps(dict(meta=meta, results=res), indent=1))
        print(f"wrote {a.out}")
    return res

if __name__ == "__main__": main()
