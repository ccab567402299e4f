"""Surrogate-accelerated Bayesian inference of PDE parameters (surrnb.pde.inverse) against the solver itself.

Burgers (64 points): infer the viscosity nu and the amplitude a1 of sin(x) in the initial condition from u(x, T) observed at
16 points with noise sigma = 0.01, the other three initial-condition coefficients known. The same batched random-walk
Metropolis sampler (chains x steps forward evaluations) runs with the solver in the likelihood and with an MLP surrogate
trained online (surrnb.pde.online.train_online, one producer) on the full 5-parameter problem. Several true parameter sets.
Tolerance stated up front: posterior mean of nu within 10 % of the truth, of a1 within 0.03 (a1 lies in [-0.5, 0.5]).

    OMP_NUM_THREADS=1 python bench/pde_inverse.py            # ~5 minutes
    OMP_NUM_THREADS=1 python bench/pde_inverse.py --smoke
"""
import argparse, json, os, platform, time
import torch
from surrnb.pde.solvers import Burgers1D
from surrnb.pde.models import NeuralSurrogate, rel_l2
from surrnb.pde.online import train_online
from surrnb.pde.inverse import InverseProblem, infer

NU_TOL, A1_TOL = 0.10, 0.03

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--train-time", type=float, default=90.0, help="seconds of online training for the surrogate")
    ap.add_argument("--cases", type=int, default=3)
    ap.add_argument("--chains", type=int, default=64)
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--smoke", action="store_true")
    a = ap.parse_args()
    if a.smoke: a.train_time, a.cases, a.chains, a.steps = 20.0, 1, 16, 300
    torch.set_num_threads(1)
    p = Burgers1D(n=64)
    th_te = p.sample(256, seed=10_000); test = (th_te, p.solve(th_te))
    torch.manual_seed(0)
    sur = NeuralSurrogate(p, "mlp", width=256, depth=3)
    run = train_online(sur, test, time_limit=a.train_time, k=1, capacity=4096, policy="fifo", bs=64, lr=2e-3,
                       max_new_per_step=64, eval_every=a.train_time / 6)
    sur.cpu()
    train = dict(run.summary(), seconds=round(run.wall, 1))
    print("surrogate", json.dumps(train), flush=True)
    rows = []
    for case in range(a.cases):
        g = torch.Generator().manual_seed(case)
        theta = p.sample(1, seed=1000 + case)[0]
        theta[1] = 0.2 + 0.6 * torch.rand((), generator=g, dtype=torch.float64)     # a1 away from 0: its sign is identifiable
        inv = InverseProblem(p, theta, free=[0, 1], noise=0.01, obs=torch.arange(0, 64, 4), seed=case)
        nu_true, a1_true = p.nu(theta[None]).item(), ((2 * theta[1] - 1) * p.amp).item()
        row = dict(case=case, nu_true=round(nu_true, 4), a1_true=round(a1_true, 4))
        for name, fwd in [("solver", p.solve), ("surrogate", sur.predict)]:
            r = infer(inv, fwd, a.chains, a.steps, a.steps // 2, seed=case)
            S = r["samples"].reshape(-1, 2)
            nu, a1 = p.nu(inv.theta(S)), (2 * S[:, 1] - 1) * p.amp
            ok = abs(nu.mean().item() - nu_true) / nu_true < NU_TOL and abs(a1.mean().item() - a1_true) < A1_TOL
            row[name] = dict(nu=round(nu.mean().item(), 4), nu_sd=round(nu.std().item(), 4), a1=round(a1.mean().item(), 4),
                             a1_sd=round(a1.std().item(), 4), seconds=round(r["seconds"], 2), evaluations=r["evaluations"],
                             accept=round(r["accept"], 2), within_tolerance=ok)
        row["speedup_inference"] = round(row["solver"]["seconds"] / row["surrogate"]["seconds"], 1)
        print(json.dumps(row), flush=True)
        rows.append(row)
    t_sol = sum(r["solver"]["seconds"] for r in rows); t_sur = sum(r["surrogate"]["seconds"] for r in rows)
    summary = dict(
        surrogate_test_rel_l2=round(run.final_error, 5),
        all_within_tolerance={k: all(r[k]["within_tolerance"] for r in rows) for k in ("solver", "surrogate")},
        solver_seconds=round(t_sol, 2), surrogate_seconds=round(t_sur, 2),
        speedup_inference=round(t_sol / t_sur, 1),
        speedup_including_surrogate_training=round(t_sol / (t_sur + run.wall), 2),
        tolerance=dict(nu_relative=NU_TOL, a1_absolute=A1_TOL))
    print(json.dumps(summary, indent=1))
    os.makedirs("bench/results", exist_ok=True)
    meta = dict(chains=a.chains, steps=a.steps, burn=a.steps // 2, torch_threads=1, cores=os.cpu_count(),
                cpu=platform.processor() or platform.machine(), device="cpu", load_average_at_end=os.getloadavg())
    with open("bench/results/pde_inverse.json", "w") as f:
        json.dump(dict(meta=meta, surrogate_training=train, cases=rows, summary=summary), f, indent=1)

if __name__ == "__main__":
    main()
