#!/usr/bin/env python
"""surrnb's multi-objective strategies (ehvi, its Monte Carlo form ehvi-mc, ehvi-mean with the posterior-mean front for noisy objectives,
ehvi-auto with ehvi's own reference point (the worst feasible observed values + 10% of their range, where every other ehvi gets the problem's), parego,
parego-onehot (its GPs on the one-hot codes of categorical columns, every config of a discrete space of <= 16,384 scored), nsga2) against their peers: Optuna NSGAIISampler, TPESampler and
GPSampler (multi-objective; constraints_func on the constrained problems), a plain BoTorch qLogNEHVI loop, and random
search, on BraninCurrin, DTLZ2 (d=6, m=2), C2-DTLZ2 and nb201-cifar10-latency. The score is the log10 hypervolume
regret after N evaluations (60 analytic, 100 NB201): the true front's hypervolume minus that of the feasible trials,
with every trial scored at its noiseless objectives and constraints (`problem.true_value`).

    python bench/mo_vs_peers.py run --seeds 0-9                 # every problem x method x seed (slow: hours on one core)
    python bench/mo_vs_peers.py run --methods optuna-gp --seeds 0-2 --problems c2-dtlz2   # one chunk
    python bench/mo_vs_peers.py run --methods ehvi --redo ehvi --problems nb201-cifar10-latency --seeds 0-9   # re-run after a change
    python bench/mo_vs_peers.py report                          # the table from the stored runs
    python bench/mo_vs_peers.py check                           # the issue's claims on the stored runs (fails loudly)

The time claim compares CPU seconds (the machine is shared; wall-clock seconds are stored and printed too).
Each finished run is added to bench/results/mo_vs_peers.json at once (runs already there are skipped), so the job can
run in background chunks and be resumed. Seconds per suggestion = time spent proposing points (initial design
included; objective evaluations not timed) / N. Every library runs with one torch/BLAS thread. Initial designs:
surrnb's ehvi/parego and the BoTorch loop start with 2(d+1) Sobol points, Optuna's GP and TPE samplers with their
default 10 random points; both NSGA-II implementations use populations of 20 (Optuna's default of 50 would leave
one generation in 60 evaluations).
"""
import os
for _v in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"): os.environ.setdefault(_v, "1")
import argparse, fcntl, json, math, platform, statistics, sys, tempfile, time, warnings
from pathlib import Path
import torch
torch.set_num_threads(1)

PROBLEMS = ["branin-currin", "dtlz2", "c2-dtlz2", "nb201-cifar10-latency"]
BUDGET = {"nb201-cifar10-latency": 100}          # evaluations per run; 60 for the rest
SURRNB = ["ehvi", "ehvi-mc", "ehvi-mean", "ehvi-auto", "parego", "parego-onehot", "nsga2"]   # ehvi-mean: front="mean", the setting for noisy objectives (NB201's error is one training seed's)
PEERS = ["optuna-nsga2", "optuna-tpe", "optuna-gp", "botorch-qlognehvi"]
METHODS = SURRNB + PEERS + ["random"]
OUT = Path(__file__).parent / "results" / "mo_vs_peers.json"

class _Timer:
    "Accumulates wall-clock and CPU time of the `with` blocks it times."
    def __init__(self): self.wall = self.cpu = 0.0
    def __enter__(self): self.w0, self.c0 = time.perf_counter(), time.process_time()
    def __exit__(self, *exc): self.wall += time.perf_counter() - self.w0; self.cpu += time.process_time() - self.c0

def get(pname):
    from surrnb.problems import problems
    return problems.get(pname)

def score(prob, configs) -> dict:
    "Hypervolume regret of the feasible trials at their noiseless values, and whether any trial is feasible."
    R = [prob.true_value(c) for c in configs]
    Y = torch.tensor([r.values for r in R], dtype=torch.float64)
    C = torch.tensor([r.constraints for r in R], dtype=torch.float64) if prob.n_constraints else None
    reg = float(prob.hv_regret(Y, C))
    feas = bool((C <= 0).all(-1).any()) if C is not None else True
    return dict(regret=reg, log10_regret=math.log10(max(reg, 1e-12)), feasible=feas)

def run_surrnb(prob, method, seed, n):
    from surrnb.study import Study, strategies
    kw = dict(ref_point=list(prob.ref_point)) if method.startswith("ehvi") else {}
    if method == "ehvi-auto": method, kw = "ehvi", {}                       # ehvi's default reference point, picked from the data as GPSampler picks its own
    if method == "ehvi-mc": method, kw = "ehvi", dict(kw, mc=True)       # the Monte Carlo log NEHVI (ehvi before the exact form)
    if method == "ehvi-mean": method, kw = "ehvi", dict(kw, front="mean")  # the front at the posterior means of the feasible trials
    if method == "parego-onehot": method, kw = "parego", dict(encoding="onehot", max_enum=16384)   # on a continuous space: parego unchanged
    strat = strategies.get(method, **kw)
    study = Study(prob.space, directions=prob.directions, n_constraints=prob.n_constraints, strategy=strat, seed=seed)
    T, cfgs = _Timer(), []
    for _ in range(n):
        with T: tr = study.ask()
        r = prob.evaluate(tr.config)
        study.tell(tr, r.values, constraints=r.constraints)
        cfgs.append(tr.config)
    return cfgs, T

def _suggest(tr, space):
    "Ask an Optuna trial for every parameter of a surrnb space."
    out = {}
    for name, p in space.params.items():
        if p.kind == "float": out[name] = tr.suggest_float(name, p.low, p.high, log=p.log)
        elif p.kind == "int": out[name] = tr.suggest_int(name, p.low, p.high, log=p.log)
        else: out[name] = tr.suggest_categorical(name, list(p.choices))
    return out

def run_optuna(prob, method, seed, n):
    import optuna
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    cf = (lambda t: t.user_attrs["constraints"]) if prob.n_constraints else None
    sampler = {"optuna-nsga2": lambda: optuna.samplers.NSGAIISampler(seed=seed, population_size=20, constraints_func=cf),
               "optuna-tpe": lambda: optuna.samplers.TPESampler(seed=seed, constraints_func=cf),
               "optuna-gp": lambda: optuna.samplers.GPSampler(seed=seed, constraints_func=cf)}[method]()
    study = optuna.create_study(directions=prob.directions, sampler=sampler)
    T, cfgs = _Timer(), []
    for _ in range(n):
        with T: tr = study.ask(); cfg = _suggest(tr, prob.space)
        r = prob.evaluate(cfg)
        if prob.n_constraints: tr.set_user_attr("constraints", list(r.constraints))
        study.tell(tr, list(r.values))
        cfgs.append(cfg)
    return cfgs, T

def run_botorch(prob, seed, n):
    "A plain BoTorch loop: one multi-output GP (MixedSingleTaskGP on categorical spaces), qLogNEHVI, optimize_acqf."
    from botorch.models import SingleTaskGP, MixedSingleTaskGP
    from botorch.models.transforms import Standardize
    from botorch.fit import fit_gpytorch_mll
    from botorch.acquisition.multi_objective.logei import qLogNoisyExpectedHypervolumeImprovement
    from botorch.acquisition.multi_objective.objective import IdentityMCMultiOutputObjective
    from botorch.sampling.normal import SobolQMCNormalSampler
    from botorch.optim import optimize_acqf, optimize_acqf_discrete
    from gpytorch.mlls import ExactMarginalLogLikelihood
    space, m, k = prob.space, prob.n_obj, prob.n_constraints
    d, cats = space.dim, [i for i, kd in enumerate(space.kinds) if kd == "cat"]
    n_init, T = 2 * (d + 1), _Timer()
    with T: X = space.sobol_X(n_init, seed=seed)
    cfgs = space.decode(X)
    R = [prob.evaluate(c) for c in cfgs]
    torch.manual_seed(seed)
    for it in range(n - n_init):
        with T, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            Yall = torch.tensor([[-v for v in r.values] + list(r.constraints or ()) for r in R], dtype=torch.float64)
            if cats:
                Z = space.to_natural(X)
                model = MixedSingleTaskGP(Z, Yall, cat_dims=cats, outcome_transform=Standardize(m=m + k))
            else: Z, model = X, SingleTaskGP(X, Yall, outcome_transform=Standardize(m=m + k))
            fit_gpytorch_mll(ExactMarginalLogLikelihood(model.likelihood, model))
            acq = qLogNoisyExpectedHypervolumeImprovement(
                model, ref_point=[-r for r in prob.ref_point], X_baseline=Z, prune_baseline=True,
                objective=IdentityMCMultiOutputObjective(outcomes=list(range(m))),
                constraints=[(lambda S, i=i: S[..., m + i]) for i in range(k)] or None,
                sampler=SobolQMCNormalSampler(torch.Size([128]), seed=seed * 1000 + it))
            if cats:
                C = space.sample_X(2000, seed=seed * 1000 + it)
                C = C[(C[:, None, :] - X[None]).abs().amax(-1).min(-1).values > 1e-9]
                z, _ = optimize_acqf_discrete(acq, q=1, choices=space.to_natural(C))
                x = space.from_natural(z)
            else:
                x, _ = optimize_acqf(acq, bounds=torch.stack([torch.zeros(d), torch.ones(d)]).double(), q=1, num_restarts=10, raw_samples=512)
            x = space.round(x)
        X = torch.cat([X, x]); c = space.decode(x)[0]
        cfgs.append(c); R.append(prob.evaluate(c))
    return cfgs, T

def run_random(prob, seed, n):
    T = _Timer()
    with T: cfgs = prob.space.sample(n, seed=seed)
    return cfgs, T

def run_one(pname, method, seed, n=None):
    prob = get(pname)
    n = n or BUDGET.get(pname, 60)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if method in SURRNB: cfgs, T = run_surrnb(prob, method, seed, n)
        elif method.startswith("optuna"): cfgs, T = run_optuna(prob, method, seed, n)
        elif method == "botorch-qlognehvi": cfgs, T = run_botorch(prob, seed, n)
        elif method == "random": cfgs, T = run_random(prob, seed, n)
        else: raise SystemExit(f"unknown method {method!r}; one of {METHODS}")
    return dict(problem=pname, method=method, seed=seed, n=n, sec_per_suggestion=T.wall / n, cpu_sec_per_suggestion=T.cpu / n,
                **score(prob, cfgs), when=time.strftime("%Y-%m-%d %H:%M:%S"))

def _load(path) -> dict:
    return json.loads(Path(path).read_text()) if Path(path).exists() else dict(meta={}, runs=[])

def _add(path, rec):
    "Add one run to the JSON file under an exclusive lock (several chunks may run at once)."
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(Path(tempfile.gettempdir()) / "mo_vs_peers.lock", "w") as lk:
        fcntl.flock(lk, fcntl.LOCK_EX)
        D = _load(path)
        D["runs"] = [r for r in D["runs"] if (r["problem"], r["method"], r["seed"]) != (rec["problem"], rec["method"], rec["seed"])] + [rec]
        import botorch, optuna, surrnb
        D["meta"] = dict(machine=platform.platform(), cpus=os.cpu_count(), threads=1, budget=dict(BUDGET, default=60),
                         versions=dict(surrnb=surrnb.__version__, torch=torch.__version__, botorch=botorch.__version__, optuna=optuna.__version__))
        tmp = Path(str(path) + ".tmp"); tmp.write_text(json.dumps(D, indent=1)); tmp.replace(path)

def _seeds(s: str) -> list[int]:
    if "-" in s: a, b = s.split("-"); return list(range(int(a), int(b) + 1))
    return [int(v) for v in s.split(",")]

def run(a):
    done = {(r["problem"], r["method"], r["seed"]) for r in _load(a.out)["runs"]}
    for seed in _seeds(a.seeds):                 # seed-major: whatever finishes covers every problem and method alike
        for pname in a.problems.split(","):
            for method in a.methods.split(","):
                if (pname, method, seed) in done and method not in a.redo.split(","): continue
                rec = run_one(pname, method, seed, a.n)
                _add(a.out, rec)
                print(f"{pname:22s} {method:18s} seed {seed}: log10 regret {rec['log10_regret']:7.3f}  "
                      f"feasible {rec['feasible']}  {rec['sec_per_suggestion']:.3f} s/suggestion", flush=True)

def table(path) -> dict:
    "Per problem and method: seeds, median and quartiles of log10 regret, median seconds per suggestion, feasible share."
    T = {}
    for r in _load(path)["runs"]:
        T.setdefault(r["problem"], {}).setdefault(r["method"], []).append(r)
    out = {}
    for p, byM in T.items():
        for m, rs in byM.items():
            lr = sorted(r["log10_regret"] for r in rs)
            q = statistics.quantiles(lr, n=4) if len(lr) >= 2 else [lr[0]] * 3
            out.setdefault(p, {})[m] = dict(seeds=sorted(r["seed"] for r in rs), median=statistics.median(lr), q1=q[0], q3=q[2],
                                            sec=statistics.median(r["sec_per_suggestion"] for r in rs),
                                            cpu=statistics.median(r["cpu_sec_per_suggestion"] for r in rs),
                                            feasible=sum(r["feasible"] for r in rs) / len(rs))
    return out

def paired_wins(path, problem, m1, m2) -> tuple[int, int]:
    "Seeds where m1's log10 regret is below m2's, and the number of seeds both have."
    R = {}
    for r in _load(path)["runs"]:
        if r["problem"] == problem and r["method"] in (m1, m2): R.setdefault(r["seed"], {})[r["method"]] = r["log10_regret"]
    both = [v for v in R.values() if len(v) == 2]
    return sum(v[m1] < v[m2] for v in both), len(both)

def report(a):
    T = table(a.out)
    for p in [p for p in PROBLEMS if p in T] + [p for p in T if p not in PROBLEMS]:
        r = T[p]
        peers = [m for m in PEERS if m in r]
        best_peer = min(peers, key=lambda m: r[m]["median"]) if peers else None
        print(f"\n{p}: log10 hypervolume regret after {BUDGET.get(p, 60)} evaluations (median [q1, q3] over seeds), "
              f"ratio of regrets to the best peer ({best_peer}), wall and CPU seconds per suggestion (medians)")
        for m in [m for m in METHODS if m in r]:
            x = r[m]
            ratio = 10 ** (x["median"] - r[best_peer]["median"]) if best_peer else float("nan")
            w, k = paired_wins(a.out, p, m, best_peer) if best_peer and m != best_peer else (0, 0)
            print(f"  {m:18s} {x['median']:7.3f} [{x['q1']:7.3f}, {x['q3']:7.3f}]  x{ratio:7.3g}  {x['sec']:8.3f} s  cpu {x['cpu']:7.3f} s  "
                  f"seeds {len(x['seeds']):2d}  feasible {x['feasible']:.0%}" + (f"  beats {best_peer} on {w}/{k} paired seeds" if k else ""))
    return T

def check(a):
    "The issue's claims on the stored runs: best surrnb median <= best peer's; ehvi's s/suggestion <= optuna-gp's; constrained: feasible in every seed, median <= optuna-gp's."
    if not Path(a.out).exists(): raise SystemExit(f"FAIL: {a.out} is missing: run `python bench/mo_vs_peers.py run`")
    T, fails = table(a.out), []
    for p in PROBLEMS:
        if p not in T: fails.append(f"{p}: no runs stored"); continue
        r = T[p]
        ours = [m for m in SURRNB if m in r]; peers = [m for m in PEERS if m in r]
        if not ours or not peers: fails.append(f"{p}: missing surrnb or peer runs"); continue
        b = min(ours, key=lambda m: r[m]["median"]); bp = min(peers, key=lambda m: r[m]["median"])
        ok = r[b]["median"] <= r[bp]["median"]
        print(f"{p}: best surrnb {b} {r[b]['median']:.3f} {'<=' if ok else '>'} best peer {bp} {r[bp]['median']:.3f}")
        if not ok: fails.append(f"{p}: {b} median log10 regret {r[b]['median']:.3f} > {bp}'s {r[bp]['median']:.3f}")
        if "ehvi" in r and "optuna-gp" in r:      # CPU seconds: wall-clock on a shared machine depends on the load of the moment
            ok = r["ehvi"]["cpu"] <= r["optuna-gp"]["cpu"]
            print(f"{p}: ehvi {r['ehvi']['cpu']:.3f} CPU s/suggestion {'<=' if ok else '>'} optuna-gp {r['optuna-gp']['cpu']:.3f}")
            if not ok: fails.append(f"{p}: ehvi slower than optuna-gp")
        if p == "c2-dtlz2":
            if r[b]["feasible"] < 1: fails.append(f"{p}: {b} found no feasible point in some seed")
            if "optuna-gp" in r and r[b]["median"] > r["optuna-gp"]["median"]: fails.append(f"{p}: {b} worse than optuna-gp with constraints")
    if fails: raise SystemExit("FAIL:\n  " + "\n  ".join(fails))
    print("OK")

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["run", "report", "check"])
    ap.add_argument("--seeds", default="0-9", help="seeds: '0-9' or '0,3,5'")
    ap.add_argument("--problems", default=",".join(PROBLEMS))
    ap.add_argument("--methods", default=",".join(METHODS))
    ap.add_argument("--out", default=str(OUT))
    ap.add_argument("--redo", default="", help="methods to run again even where stored (after a change to them): 'ehvi'")
    ap.add_argument("--n", type=int, default=None, help="evaluations per run instead of 60/100 (quick looks; use another --out)")
    a = ap.parse_args(argv)
    return {"run": run, "report": report, "check": check}[a.what](a)

if __name__ == "__main__": main()
