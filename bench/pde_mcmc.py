"""Delayed-acceptance MCMC (surrnb.pde.mcmc) against plain solver MCMC, and BO on the solver vs BO on the surrogate, on burgers-inverse.

Burgers (64 points), noisy data (sigma = 0.01 at 16 points), unknown viscosity nu and amplitude a1: three true parameter sets
(`BurgersInverse(case, data_noise=0.01)`). One MLP surrogate trained offline on solver runs of the full 5-parameter problem.
Samplers, same chains and starting points: plain random-walk Metropolis with the solver (two seeds: the second shows how far
two exact runs differ), the same with the surrogate, delayed acceptance with sub=1 (Christen & Fox 2005) and sub=10.
Cost: solver calls during sampling per effective sample (min ESS of the two parameters); the plain chain's burn-in calls
are left out (they flatter the baseline), and also reported included. Agreement: Wasserstein-1 distance of the nu and a1
marginals to the plain solver chain (seed 0), in units of its posterior sd. Tolerance stated up front: W1/sd < 0.25.
Then BO (30 trials) on the solver and on the surrogate: nu recovered within 10 %?

    OMP_NUM_THREADS=1 python bench/pde_mcmc.py            # ~20 minutes on 2 shared cores
    OMP_NUM_THREADS=1 python bench/pde_mcmc.py --smoke
    OMP_NUM_THREADS=1 python bench/pde_mcmc.py --only 2 --train-steps 8000 --out bench/results/pde_mcmc_case2_longer.json
    python bench/pde_mcmc.py --check                      # re-check the stored claims (fails if the file is missing)
"""
import argparse, json, os, platform, statistics, sys, time
import torch
from scipy.stats import wasserstein_distance
from surrnb.study import Study
from surrnb.pde.solvers import Burgers1D
from surrnb.pde.models import NeuralSurrogate, fit_surrogate, rel_l2
from surrnb.pde.inverse import BurgersInverse, metropolis
from surrnb.pde.mcmc import ess, delayed_acceptance

W1_TOL, NU_TOL, OUT = 0.25, 0.10, "bench/results/pde_mcmc.json"

def natural(p, inv, S):
    "(nu, a1) [n, 2] of unit-cube unknowns S [n, 2]."
    return torch.stack([p.nu(inv.theta(S)), (2 * S[:, 1] - 1) * p.amp], 1)

def spread(xs): return dict(mean=round(statistics.mean(xs), 2), min=round(min(xs), 2), max=round(max(xs), 2))

def check(path=OUT):
    "Fail loudly unless the stored results hold the claims."
    if not os.path.exists(path): sys.exit(f"{path} is missing: run python bench/pde_mcmc.py first")
    s = json.load(open(path))["summary"]
    ok = s["da_within_tolerance"] and s["bo_surrogate_nu_within_10pct_every_case"] and s["calls_per_ess_ratio_sub10"]["min"] >= 5
    print(json.dumps(s, indent=1)); print("claims hold" if ok else "CLAIMS FAIL")
    sys.exit(0 if ok else 1)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=3)
    ap.add_argument("--only", default=None, help="comma-separated case numbers to run instead of 0..cases-1")
    ap.add_argument("--out", default=OUT, help="where to write the JSON")
    ap.add_argument("--chains", type=int, default=32)
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--train", type=int, default=2048, help="solver runs the surrogate is trained on")
    ap.add_argument("--train-steps", type=int, default=8000)
    ap.add_argument("--bo-trials", type=int, default=30)
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args()
    if a.check: check()
    if a.smoke: a.cases, a.chains, a.steps, a.train, a.train_steps, a.bo_trials = 1, 16, 300, 512, 500, 15
    torch.set_num_threads(1)
    p = Burgers1D(n=64)
    t0 = time.perf_counter(); torch.manual_seed(0)
    th = p.sample(a.train, seed=0)
    sur = fit_surrogate(NeuralSurrogate(p, "mlp", width=256, depth=3), th, p.solve(th), steps=a.train_steps, bs=64, lr=2e-3)
    te = p.sample(256, seed=1)
    surrogate = dict(test_rel_l2=round(rel_l2(sur.predict(te), p.solve(te)).item(), 5), solver_runs=a.train,
                     seconds=round(time.perf_counter() - t0, 1))
    print("surrogate", surrogate, flush=True)
    C, steps, burn = a.chains, a.steps, a.steps // 2
    cases = []
    for case in (map(int, a.only.split(",")) if a.only else range(a.cases)):
        bi = BurgersInverse(case, data_noise=0.01); inv = bi.inv
        lp, lq = inv.log_post(p.solve), inv.log_post(sur.predict)
        z0 = torch.rand(C, 2, generator=torch.Generator().manual_seed(100 + case), dtype=torch.float64)
        runs, secs = {}, {}
        for name, fn in [("solver", lambda: dict(metropolis(lp, z0, steps, burn, seed=case), calls=C * (steps - burn), calls_all=C * steps)),
                         ("solver-seed1", lambda: dict(metropolis(lp, z0.flip(0), steps, burn, seed=case + 1000), calls=C * (steps - burn), calls_all=C * steps)),
                         ("surrogate", lambda: dict(metropolis(lq, z0, steps, burn, seed=case), calls=0, calls_all=0)),
                         ("da-sub1", lambda: delayed_acceptance(lp, lq, z0, steps, burn, sub=1, seed=case)),
                         ("da-sub10", lambda: delayed_acceptance(lp, lq, z0, steps, burn, sub=10, seed=case))]:
            t = time.perf_counter(); runs[name] = fn(); secs[name] = time.perf_counter() - t
            runs[name].setdefault("calls_all", runs[name]["calls"])
        ref = natural(p, inv, runs["solver"]["samples"].reshape(-1, 2))
        row = dict(case=case, truth={k: round(v, 4) for k, v in bi.optimizer[0].items()}, samplers={})
        for name, r in runs.items():
            S = natural(p, inv, r["samples"].reshape(-1, 2)); e = ess(r["samples"]).min().item()
            w = [wasserstein_distance(S[:, j], ref[:, j]) / ref[:, j].std().item() for j in range(2)]
            row["samplers"][name] = dict(nu=round(S[:, 0].mean().item(), 4), nu_sd=round(S[:, 0].std().item(), 4),
                                         a1=round(S[:, 1].mean().item(), 4), a1_sd=round(S[:, 1].std().item(), 4), ess=round(e),
                                         solver_calls=r["calls"], calls_per_ess=round(r["calls"] / e, 3),
                                         calls_per_ess_incl_burnin=round(r["calls_all"] / e, 3),
                                         w1_nu=round(w[0], 3), w1_a1=round(w[1], 3), seconds=round(secs[name], 1),
                                         **({"accept1": round(r["accept1"], 3), "accept2": round(r["accept2"], 3)} if "accept1" in r else {}))
        for name, fwd in [("bo-solver", None), ("bo-surrogate", sur.predict)]:
            prob = BurgersInverse(case, data_noise=0.01, forward=fwd)
            t = time.perf_counter()
            st = Study(prob.space, strategy="bo", seed=case); st.optimize(prob.evaluate, n_trials=a.bo_trials, show_progress=False)
            rec = bi.recovery(st.best.config)
            row[name] = dict(**{k: round(v, 4) for k, v in st.best.config.items()}, nu_rel_err=round(rec["nu"], 4),
                             solver_calls=a.bo_trials if fwd is None else 0, seconds=round(time.perf_counter() - t, 1))
        print(json.dumps(row), flush=True)
        cases.append(row)
    sm = lambda n, k: [c["samplers"][n][k] for c in cases]
    ratio = lambda n: [c["samplers"]["solver"]["calls_per_ess"] / c["samplers"][n]["calls_per_ess"] for c in cases]
    ratio_all = lambda n: [c["samplers"]["solver"]["calls_per_ess_incl_burnin"] / c["samplers"][n]["calls_per_ess_incl_burnin"] for c in cases]
    summary = dict(
        calls_per_ess_ratio_sub1=spread(ratio("da-sub1")), calls_per_ess_ratio_sub10=spread(ratio("da-sub10")),
        calls_per_ess_ratio_sub10_incl_burnin=spread(ratio_all("da-sub10")),
        calls_per_ess_ratio_solver_seed1=spread(ratio("solver-seed1")),
        w1_max={n: max(sm(n, "w1_nu") + sm(n, "w1_a1")) for n in ("solver-seed1", "surrogate", "da-sub1", "da-sub10")},
        da_within_tolerance=all(max(sm(n, "w1_nu") + sm(n, "w1_a1")) < W1_TOL for n in ("da-sub1", "da-sub10")),
        bo_surrogate_nu_within_10pct_every_case=all(c["bo-surrogate"]["nu_rel_err"] < NU_TOL for c in cases),
        bo_solver_nu_within_10pct_every_case=all(c["bo-solver"]["nu_rel_err"] < NU_TOL for c in cases),
        note="ratio = plain solver calls per ESS / sampler's (sampling phase; > 1: fewer solver calls); spread over cases")
    print(json.dumps(summary, indent=1))
    meta = dict(chains=C, steps=steps, burn=burn, torch_threads=1, cores=os.cpu_count(), cpu=platform.processor() or platform.machine(),
                device="cpu", w1_tolerance=W1_TOL, nu_tolerance=NU_TOL, smoke=a.smoke, load_average_at_end=os.getloadavg())
    if not a.smoke:
        os.makedirs("bench/results", exist_ok=True)
        with open(a.out, "w") as f: json.dump(dict(meta=meta, surrogate=surrogate, cases=cases, summary=summary), f, indent=1)

if __name__ == "__main__":
    main()
