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
    python bench/batch_bo.py --qs 1,4 --locals tr,mean --json bench/results/batch_bo_local.json   # q = 1 against two
        local batch rules at q = 4 (`LocalBatchBO` below: the first point of a batch as in sequential BO, the others local)
"""
import os
for _v in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"): os.environ.setdefault(_v, "1")
import argparse, json, platform, statistics, sys, time
from pathlib import Path
import torch
torch.set_num_threads(1)
from surrnb.core import threads
from surrnb.study import Suggestion
from surrnb.search.bo import BayesOpt, power_warp
from surrnb.acquisition import acquisitions, optimize_acqf, AcqFunction

class _BoxAcq:
    "An acquisition restricted to the box [lo, hi], as a function on the box's own unit cube (closed-form gradient by the chain rule)."
    def __init__(self, f, lo, hi): self.f, self.lo, self.w, self.fast, self.acq = f, lo, hi - lo, f.fast, f.acq
    def __call__(self, U): return self.f(self.lo + self.w * U)
    def value_and_grad(self, U):
        v, g = self.f.value_and_grad(self.lo.numpy() + self.w.numpy() * U)
        return v, g * self.w.numpy()

class _MeanAcq:
    "Minus the posterior mean: pure exploitation, closed-form gradient from `moments_grad`."
    def __init__(self, model): self.model, self.fast, self.acq = model, hasattr(model, "moments_grad"), None
    def __call__(self, X): return -self.model.posterior(X).mean
    def value_and_grad(self, X):
        mu, _, dmu, _ = self.model.moments_grad(X)
        return -mu, -dmu

class LocalBatchBO(BayesOpt):
    "Batches whose first point is the sequential one (log EI) and whose later points stay local: 'tr' maximises the believer model's log EI in a box around the incumbent (sides length * l_i / geomean(l), TuRBO's shape), 'mean' takes the posterior-mean minimiser as the second point (the rest: believer)."
    def __init__(self, local="tr", length=0.2, **kw): super().__init__(**kw); self.local, self.length = local, length
    def ask(self, study):
        space, number, trials = study.space, study.next_number, study.trials
        X, y, P = study.observations(trials)
        if len(P) == 0 or len(X) + len(P) < self.init_size(space) or (self.local == "mean" and len(P) != 1): return super().ask(study)
        with threads(1):
            tried, yw = self._tried(study, trials), power_warp(y)
            model = self._surrogate(space).fit(X, yw)
            if self.local == "mean":
                x = self._maximise(_MeanAcq(model), study, number, tried, X[yw.argmin()])
                return Suggestion(space.decode(x[None])[0])
            ls = torch.as_tensor(model.hyperparameters["lengthscale"], dtype=torch.float64)
            f = AcqFunction(self._fantasise(model, X, yw, P), acquisitions.get("logei"), yw.min().item())
            half = 0.5 * self.length * ls / ls.log().mean().exp()
            lo, hi = (X[yw.argmin()] - half).clamp(0, 1), (X[yw.argmin()] + half).clamp(0, 1)
            U, _ = optimize_acqf(_BoxAcq(f, lo, hi), space.dim, n_raw=1024, n_restarts=5, seed=study.trial_seed(number, "bo-tr"),
                                 exclude=(tried - lo) / (hi - lo), maxiter=self.maxiter)
        return Suggestion(space.decode((lo + (hi - lo) * U)[None])[0])

def run(problem, q, seed, budget, pending="believer", strategy="bo"):
    "One study with q synchronous workers; returns the best-so-far regret after each evaluation."
    from surrnb.problems import get_problem
    from surrnb.study import Study
    from surrnb.search.bo import BayesOpt
    prob = get_problem(problem)
    strat = BayesOpt(pending=pending) if strategy == "bo" else LocalBatchBO(local=pending) if strategy == "local" else strategy
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
    ap.add_argument("--locals", default="", help="also run LocalBatchBO at the largest q with these rules (tr, mean)")
    ap.add_argument("--botorch", action="store_true", help="also run the BoTorch peer (qLogNEI, joint q-point optimisation) at every q")
    ap.add_argument("--only-botorch", action="store_true", help="run only the BoTorch peer (and write to --json)")
    ap.add_argument("--json", default=str(Path(__file__).parent / "results" / "batch_bo.json"))
    a = ap.parse_args(argv)
    settings = [(f"bo q={q}", q, "believer", "bo") for q in map(int, a.qs.split(","))]
    qmax = max(s[1] for s in settings)
    settings += [(f"bo q={qmax} liar", qmax, "liar", "bo"), ("random", 1, "believer", "random")]
    peer = [(f"botorch q={q}", q, None, "botorch") for q in map(int, a.qs.split(","))]
    settings = peer if a.only_botorch else settings + (peer if a.botorch else [])
    if a.locals: settings = [s for s in settings if s[0] != "random" and "liar" not in s[0]] + [(f"bo q={qmax} local-{m}", qmax, m, "local") for m in a.locals.split(",")]
    if a.pendings: settings = [(f"bo q={qmax} {p}", qmax, p, "bo") for p in a.pendings.split(",")]
    rows, t_all = [], time.time()
    for label, q, pend, strat in settings:
        t0 = time.time()
        curves = [run_botorch(a.problem, q, s, a.budget) if strat == "botorch" else run(a.problem, q, s, a.budget, pend, strat)
                  for s in range(a.seeds)]
        final = [c[-1] for c in curves]; mid = [c[min(19, a.budget - 1)] for c in curves]
        rows.append(dict(method=label, q=q, pending=pend if strat in ("bo", "local") else None, rounds=-(-a.budget // q),
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
