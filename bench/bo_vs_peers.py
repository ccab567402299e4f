#!/usr/bin/env python
"""surrnb's default BO against its peers: BoTorch (SingleTaskGP + LogExpectedImprovement + optimize_acqf, the same
number of Sobol initial points), Optuna TPE, Optuna GPSampler and random search, on Branin, Hartmann6 and Ackley-5
with inputs in [0,1]^d (noiseless). Prints the median final regret and the seconds per suggestion of each method,
the ratios surrnb / best peer, and writes JSON to bench/results/bo_vs_peers.json.

    python bench/bo_vs_peers.py                       # 10 seeds x 40 evaluations (slow: tens of minutes)
    python bench/bo_vs_peers.py --seeds 2 --budget 20 # quick look
    python bench/bo_vs_peers.py --check               # the stored run's claim: no peer has a lower median regret (fails loudly)
    python bench/bo_vs_peers.py --constrained         # constrained Branin: bo against Optuna GPSampler/TPE with constraints_func, random
    python bench/bo_vs_peers.py --constrained --check # the stored constrained run's claims (fails loudly when the file is missing)
    python bench/bo_vs_peers.py --constrained --constrained-problem constrained-hartmann6 --budget 60
                                                      # a second check: Hartmann6 subject to sum(x) <= 2 (optimum on the boundary)

Seconds per suggestion = total time spent proposing points (all `budget` of them, initial design included) / budget;
objective evaluations are not timed. Every library runs with one torch/BLAS thread (set before import) so that the
numbers are comparable and not dominated by thread start-up on small matrices.
"""
import os
for _v in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"): os.environ.setdefault(_v, "1")
import argparse, json, math, statistics, sys, time, warnings, platform
from pathlib import Path
import torch
torch.set_num_threads(1)

PROBLEMS = ["branin", "hartmann6", "ackley-5"]
METHODS = ["surrnb", "botorch", "optuna-tpe", "optuna-gp", "random"]

class _Timer:
    "Accumulates wall-clock and CPU time of the `with` blocks it times."
    def __init__(self): self.wall = self.cpu = 0.0
    def __enter__(self): self.w0, self.c0 = time.perf_counter(), time.process_time()
    def __exit__(self, *exc): self.wall += time.perf_counter() - self.w0; self.cpu += time.process_time() - self.c0

def _objective(prob):
    "Noiseless objective on the unit cube: x (list of d floats) -> float."
    return lambda x: float(prob(torch.tensor([x], dtype=torch.float64))[0])

def run_surrnb(prob, seed, budget, bo_kw):
    from surrnb.space import Space, Float
    from surrnb.study import Study
    from surrnb.search.bo import BayesOpt
    space = Space({f"x{i}": Float(0.0, 1.0) for i in range(prob.dim)})
    f, names = _objective(prob), space.names
    study = Study(space, strategy=BayesOpt(**bo_kw), storage=":memory:", seed=seed)
    best, T = math.inf, _Timer()
    for _ in range(budget):
        with T: trial = study.ask()
        y = f([trial.config[n] for n in names]); study.tell(trial, y); best = min(best, y)
    return best, T

def run_botorch(prob, seed, budget, n_init):
    from botorch.models import SingleTaskGP
    from botorch.models.transforms import Standardize
    from botorch.fit import fit_gpytorch_mll
    from botorch.acquisition import LogExpectedImprovement
    from botorch.optim import optimize_acqf
    from gpytorch.mlls import ExactMarginalLogLikelihood
    d, f = prob.dim, _objective(prob)
    bounds = torch.stack([torch.zeros(d), torch.ones(d)]).double()
    X = torch.quasirandom.SobolEngine(d, scramble=True, seed=seed).draw(n_init, dtype=torch.float64)
    T = _Timer()
    Y = torch.tensor([[-f(x.tolist())] for x in X], dtype=torch.float64)  # BoTorch maximises
    torch.manual_seed(seed)
    for _ in range(budget - n_init):
        with T, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = SingleTaskGP(X, Y, outcome_transform=Standardize(m=1))
            fit_gpytorch_mll(ExactMarginalLogLikelihood(model.likelihood, model))
            acq = LogExpectedImprovement(model, best_f=Y.max())
            x, _ = optimize_acqf(acq, bounds=bounds, q=1, num_restarts=10, raw_samples=512)
        X = torch.cat([X, x]); Y = torch.cat([Y, torch.tensor([[-f(x[0].tolist())]], dtype=torch.float64)])
    return -Y.max().item(), T

def run_optuna(prob, seed, budget, kind, sampler=None):
    "Minimise prob inside Optuna with TPE, GPSampler, or the `sampler` given; (best value, ask timer)."
    import optuna
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    if sampler is None: sampler = optuna.samplers.TPESampler(seed=seed) if kind == "tpe" else optuna.samplers.GPSampler(seed=seed)
    study = optuna.create_study(sampler=sampler)
    f, T = _objective(prob), _Timer()
    for _ in range(budget):
        with T: tr = study.ask(); x = [tr.suggest_float(f"x{i}", 0.0, 1.0) for i in range(prob.dim)]
        study.tell(tr, f(x))
    return study.best_value, T

def run_random(prob, seed, budget):
    T = _Timer()
    with T: X = torch.rand(budget, prob.dim, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    return float(prob(X).min()), T

def run(method, prob, seed, budget, n_init, bo_kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if method == "surrnb": return run_surrnb(prob, seed, budget, bo_kw)
        if method == "botorch": return run_botorch(prob, seed, budget, n_init)
        if method == "optuna-tpe": return run_optuna(prob, seed, budget, "tpe")
        if method == "optuna-gp": return run_optuna(prob, seed, budget, "gp")
        if method == "random": return run_random(prob, seed, budget)
    raise ValueError(method)

CONSTRAINED = "constrained-branin"
C_METHODS = ["surrnb", "optuna-gp", "optuna-tpe", "random"]
C_PATHS = {"constrained-branin": "bo_constrained.json", "constrained-hartmann6": "bo_constrained_hartmann6.json"}

def constrained_hartmann6():
    "Hartmann6 subject to sum(x) - 2 <= 0: the unconstrained minimiser has sum 2.07, so the optimum lies on the boundary."
    from surrnb.moproblems import MOProblem
    from surrnb.problems import Hartmann6, box_space
    class ConstrainedHartmann6(MOProblem):
        "Hartmann6 on [0,1]^6 subject to sum(x) <= 2; optimum -3.3075363056 by SLSQP from 300 random starts."
        name, n_obj, n_constraints, ref_point = "constrained-hartmann6", 1, 1, [0.0]
        optimum = -3.3075363056195224
        def __init__(self): super().__init__(box_space([(0, 1)] * 6), 0.0, 0)
        def f(self, Z): return Hartmann6().f(Z)[:, None]
        def g(self, Z): return (Z.sum(1) - 2.0)[:, None]
    return ConstrainedHartmann6()

def _cproblem(name):
    "The constrained problem of this name (constrained-hartmann6 is defined here, the rest come from the registry)."
    from surrnb.problems import get_problem
    return constrained_hartmann6() if name == "constrained-hartmann6" else get_problem(name)

def run_constrained(method, seed, budget, problem=CONSTRAINED):
    "One constrained run: (regret of the best feasible trial or inf, number of the first feasible trial or None, timer)."
    prob = _cproblem(problem)
    T, out = _Timer(), []                                     # out: (value, feasible) per trial
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if method == "surrnb":
            from surrnb.study import Study
            st = Study(prob.space, strategy="bo", storage=":memory:", n_constraints=1, seed=seed)
            for _ in range(budget):
                with T: t = st.ask()
                r = prob.evaluate(t.config); st.tell(t, r); out.append((r.values[0], r.feasible))
        elif method in ("optuna-gp", "optuna-tpe"):
            import optuna
            optuna.logging.set_verbosity(optuna.logging.ERROR)
            cf = lambda ft: ft.user_attrs["c"]
            sampler = (optuna.samplers.GPSampler if method == "optuna-gp" else optuna.samplers.TPESampler)(seed=seed, constraints_func=cf)
            st = optuna.create_study(sampler=sampler)
            for _ in range(budget):
                with T: tr = st.ask(); cfg = {n: tr.suggest_float(n, p.low, p.high) for n, p in prob.space.params.items()}
                r = prob.evaluate(cfg); tr.set_user_attr("c", list(r.constraints)); st.tell(tr, r.values[0]); out.append((r.values[0], r.feasible))
        elif method == "random":
            with T: cfgs = prob.space.sample(budget, seed=seed)
            for c in cfgs: r = prob.evaluate(c); out.append((r.values[0], r.feasible))
        else: raise ValueError(method)
    feas = [v for v, ok in out if ok]
    first = next((i for i, (_, ok) in enumerate(out) if ok), None)
    return (min(feas) - prob.optimum if feas else math.inf), first, T

def constrained(seeds, budget, out, problem=CONSTRAINED, methods=C_METHODS):
    "A constrained problem, methods interleaved per seed: median regret over feasible trials, its spread, paired wins against Optuna GPSampler, feasible seeds, s/suggestion; JSON to `out`."
    from _stats import q, sign_p, boot_median
    rows = {m: dict(regrets=[], first_feasible=[], secs=[], cpu_secs=[]) for m in methods}
    for seed in range(seeds):
        for m in methods:
            reg, first, T = run_constrained(m, seed, budget, problem)
            r = rows[m]; r["regrets"].append(reg); r["first_feasible"].append(first); r["secs"].append(T.wall / budget); r["cpu_secs"].append(T.cpu / budget)
            print(f"{problem} {m:11s} seed {seed}: regret {reg:.4g}  first feasible trial {first}  cpu s/suggestion {T.cpu / budget:.3f}", file=sys.stderr, flush=True)
    print(f"\n{problem}, {seeds} seeds x {budget} evaluations: regret of the best feasible trial")
    for m, r in rows.items():
        fin = [x for x in r["regrets"] if math.isfinite(x)]
        r.update(median_regret=statistics.median(r["regrets"]), p80_regret=float(sorted(r["regrets"])[min(len(r["regrets"]) - 1, int(0.8 * len(r["regrets"])))]),
                 q25_regret=q(fin, 25) if len(fin) == len(r["regrets"]) else None, q75_regret=q(fin, 75) if len(fin) == len(r["regrets"]) else None,
                 median_ci95=boot_median(r["regrets"]) if len(fin) == len(r["regrets"]) else None,
                 log10_regrets=[round(math.log10(x), 2) if 0 < x < math.inf else None for x in r["regrets"]],
                 feasible_seeds=sum(f is not None for f in r["first_feasible"]), sec_per_suggestion=statistics.median(r["secs"]),
                 cpu_sec_per_suggestion=statistics.median(r["cpu_secs"]))
        iqr = f"IQR [{r['q25_regret']:.3g}, {r['q75_regret']:.3g}]" if r["q25_regret"] is not None else "IQR n/a"
        print(f"{m:11s} median {r['median_regret']:.4g}  {iqr}  p80 {r['p80_regret']:.4g}  min..max {min(r['regrets']):.3g}..{max(r['regrets']):.3g}  "
              f"feasible in {r['feasible_seeds']}/{seeds} seeds  s/suggestion {r['sec_per_suggestion']:.3f} (cpu {r['cpu_sec_per_suggestion']:.3f})")
    ratio = {}
    if "optuna-gp" in rows and "surrnb" in rows:
        og, sr = rows["optuna-gp"], rows["surrnb"]
        wins = sum(a < b for a, b in zip(sr["regrets"], og["regrets"])); losses = sum(a > b for a, b in zip(sr["regrets"], og["regrets"]))
        ratio = dict(regret_vs_optuna_gp=sr["median_regret"] / og["median_regret"] if og["median_regret"] > 0 else math.inf,
                     cpu_time_vs_optuna_gp=sr["cpu_sec_per_suggestion"] / og["cpu_sec_per_suggestion"],
                     paired_wins_vs_optuna_gp=wins, paired_losses_vs_optuna_gp=losses, sign_test_p=sign_p(wins, losses))
        print(f"surrnb / optuna-gp: median regret {ratio['regret_vs_optuna_gp']:.3g}, paired: surrnb lower in {wins}/{seeds} seeds "
              f"(sign test p = {ratio['sign_test_p']:.2g}), cpu s/suggestion {ratio['cpu_time_vs_optuna_gp']:.3g}")
    if out:
        import optuna, surrnb
        extra = "" if problem == CONSTRAINED else f" --constrained-problem {problem}"
        meta = dict(problem=problem, seeds=seeds, budget=budget, machine=platform.platform(), cpus=os.cpu_count(), threads=1,
                    versions=dict(surrnb=surrnb.__version__, torch=torch.__version__, optuna=optuna.__version__), when=time.strftime("%Y-%m-%d %H:%M"),
                    command=f"python bench/bo_vs_peers.py --constrained{extra} --seeds {seeds} --budget {budget}")
        Path(out).write_text(json.dumps(dict(meta=meta, results=rows, ratios=ratio), indent=1))
        print(f"wrote {out}")
    return rows

def check_constrained(path):
    "Fail loudly unless the stored constrained run exists, has 10 seeds, and surrnb is feasible in every seed with median regret <= Optuna GPSampler's."
    if not Path(path).exists(): raise SystemExit(f"FAIL: {path} is missing: run `python bench/bo_vs_peers.py --constrained`")
    d = json.loads(Path(path).read_text()); r = d["results"]
    if d["meta"]["seeds"] < 10: raise SystemExit(f"FAIL: {path} has {d['meta']['seeds']} seeds, fewer than 10")
    s, og = r["surrnb"], r["optuna-gp"]
    if s["feasible_seeds"] < d["meta"]["seeds"]: raise SystemExit(f"FAIL: surrnb found no feasible point in {d['meta']['seeds'] - s['feasible_seeds']} seeds")
    if s["median_regret"] > og["median_regret"]: raise SystemExit(f"FAIL: surrnb median regret {s['median_regret']:.4g} > Optuna GPSampler's {og['median_regret']:.4g}")
    print(f"OK: feasible in every seed; median regret {s['median_regret']:.3g} vs Optuna GPSampler {og['median_regret']:.3g}")

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, default=10, help="seeds per problem and method (0..seeds-1)")
    ap.add_argument("--budget", type=int, default=40, help="evaluations per run")
    ap.add_argument("--problems", default=",".join(PROBLEMS))
    ap.add_argument("--methods", default=",".join(METHODS))
    ap.add_argument("--bo-kw", default="{}", help="JSON dict of BayesOpt arguments (for experiments)")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "bo_vs_peers.json"), help="'' to skip writing")
    ap.add_argument("--check", action="store_true", help="check the claim of the stored run and exit")
    ap.add_argument("--constrained", action="store_true", help="the constrained comparison instead (JSON to bench/results/bo_constrained*.json)")
    ap.add_argument("--constrained-problem", default=CONSTRAINED, choices=sorted(C_PATHS), help="with --constrained: which problem")
    a = ap.parse_args(argv)
    if a.constrained:
        cpath = str(Path(__file__).parent / "results" / C_PATHS[a.constrained_problem])
        if a.check: return check_constrained(cpath)
        ms = a.methods.split(",") if a.methods != ",".join(METHODS) else C_METHODS
        return constrained(a.seeds, a.budget, cpath if a.out else "", a.constrained_problem, ms)
    if a.check: return check(a.out or str(Path(__file__).parent / "results" / "bo_vs_peers.json"))
    from surrnb.problems import get_problem
    from surrnb.search.bo import BayesOpt
    bo_kw = json.loads(a.bo_kw)
    methods, probs = a.methods.split(","), a.problems.split(",")
    res = {}
    for pname in probs:
        prob = get_problem(pname)
        n_init = BayesOpt(**bo_kw).init_size(prob.space)
        out = {m: ([], [], []) for m in methods}
        for seed in range(a.seeds):          # methods interleaved per seed, so that machine load drifts hit all alike
            for m in methods:
                best, T = run(m, prob, seed, a.budget, n_init, bo_kw)
                out[m][0].append(float(prob.regret(best))); out[m][1].append(T.wall / a.budget); out[m][2].append(T.cpu / a.budget)
        for m in methods:
            regs, secs, cpus = out[m]
            res.setdefault(pname, {})[m] = dict(median_regret=statistics.median(regs), sec_per_suggestion=statistics.median(secs),
                                                cpu_sec_per_suggestion=statistics.median(cpus), regrets=regs, secs=secs, cpu_secs=cpus)
            print(f"{pname:10s} {m:11s} median regret {statistics.median(regs):10.4g}   s/suggestion {statistics.median(secs):7.4f}"
                  f"   cpu s/suggestion {statistics.median(cpus):7.4f}", file=sys.stderr, flush=True)
    peers = [m for m in methods if m not in ("surrnb", "random")]
    print(f"\nmedian final regret over {a.seeds} seeds, {a.budget} evaluations (seconds per suggestion in brackets)")
    print(f"{'problem':10s} " + " ".join(f"{m:>20s}" for m in methods) + ("   surrnb/best peer: regret, time vs optuna-gp" if "surrnb" in methods and peers else ""))
    for pname, r in res.items():
        row = f"{pname:10s} " + " ".join(f"{r[m]['median_regret']:>10.4g} ({r[m]['sec_per_suggestion']:6.3f}s)" for m in methods)
        if "surrnb" in methods and peers:
            bp = min(r[m]["median_regret"] for m in peers)
            og = r.get("optuna-gp")
            r["ratios"] = dict(regret_vs_best_peer=r["surrnb"]["median_regret"] / bp if bp > 0 else (0.0 if r["surrnb"]["median_regret"] == 0 else math.inf),
                               time_vs_optuna_gp=r["surrnb"]["sec_per_suggestion"] / og["sec_per_suggestion"] if og else None,
                               cpu_time_vs_optuna_gp=r["surrnb"]["cpu_sec_per_suggestion"] / og["cpu_sec_per_suggestion"] if og else None)
            tr, tc = r["ratios"]["time_vs_optuna_gp"], r["ratios"]["cpu_time_vs_optuna_gp"]
            row += f"   {r['ratios']['regret_vs_best_peer']:8.3g}   " + (f"{tr:6.3g} (cpu {tc:5.3g})" if tr is not None else "-")
        print(row)
    if a.out:
        import botorch, optuna, surrnb
        meta = dict(seeds=a.seeds, budget=a.budget, bo_kw=bo_kw, machine=platform.platform(), cpus=os.cpu_count(),
                    threads=1, versions=dict(surrnb=surrnb.__version__, torch=torch.__version__, botorch=botorch.__version__,
                                             optuna=optuna.__version__), when=time.strftime("%Y-%m-%d %H:%M"))
        Path(a.out).parent.mkdir(parents=True, exist_ok=True)
        Path(a.out).write_text(json.dumps(dict(meta=meta, results=res), indent=1))
        print(f"wrote {a.out}")
    return res

def check(path):
    "The stored run's claim: on every problem no peer (BoTorch, Optuna TPE/GP) has a lower median regret than surrnb. Fails loudly."
    if not Path(path).exists(): raise SystemExit(f"FAIL: {path} is missing: run `python bench/bo_vs_peers.py`")
    R = json.loads(Path(path).read_text())["results"]
    for p, r in R.items():
        peers = [m for m in r if m not in ("surrnb", "random", "ratios")]
        best = min(r[m]["median_regret"] for m in peers)
        if r["surrnb"]["median_regret"] > best: raise SystemExit(f"FAIL: {p}: surrnb's median regret {r['surrnb']['median_regret']:.3g} > best peer's {best:.3g}")
        print(f"{p}: surrnb {r['surrnb']['median_regret']:.3g} <= best peer {best:.3g}")
    print("OK")

if __name__ == "__main__": main()
