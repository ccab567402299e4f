"""Active producers (surrnb.pde.online, acquire="disagreement") against random producers, at equal solver calls, on Burgers-FNO and Darcy-FNO.

Every arm trains the same `EnsembleSurrogate` (3 FNOs; the prediction is their mean) for the same number of optimiser steps on
the same number of solver runs N (equal solver calls, equal training work; the step-based cosine schedule makes the runs
independent of the machine's load). Arms:
  offline-random : N uniform parameter sets solved first, then trained on (the usual data set)
  online-random  : the trainer requests N uniform parameter sets from the producers, spread over the first half of training
  online-active  : the same requests, each chunk the parameter sets (of 256 uniform candidates) where the ensemble disagrees most
  online-proportional : the same, each chunk drawn from the candidates with probability proportional to the disagreement
  online-spread  : each chunk picked greedily from 256 scrambled Sobol candidates by D * (1 - exp(-d^2/l^2)), d the distance to
                   the nearest parameter set already requested or picked (a diverse batch where the ensemble disagrees)
  online-residual: the same greedy spread pick, scored by the *measured* error: each sample's relative error under the model when it
                   arrives (before it is trained on), smoothed over the parameters by a Gaussian kernel (`error_score`)
  online-sobol   : the same greedy spread pick with a constant score: a space-filling design, not active (the control for the two above)
The relative disagreement D is already the predicted squared relative error (members' variance over the squared mean), so it is
aligned with the relative-L2 test metric; all active arms take their first 32 parameter sets uniformly (warm-up).
Test error: relative L2 of the ensemble mean on a fixed uniform test set. Repeats = seeds (network initialisation, draws);
arms run interleaved per seed. Prints mean, sd and per-seed values, the ratios random / active per seed (mean, min, max),
and writes bench/results/pde_active.json. Sized for 2 shared CPU cores (small grids and networks), not for accuracy.

    OMP_NUM_THREADS=1 python bench/pde_active.py                 # 2 problems x 7 arms x 3 seeds: ~45 minutes on a loaded 2-core machine
    OMP_NUM_THREADS=1 python bench/pde_active.py --arms online-spread,online-residual   # some arms; the others' stored runs are kept
    OMP_NUM_THREADS=1 python bench/pde_active.py --headroom --seeds 1  # offline random at 4N solves: what 4x the data buys (the scale of a 1.15x claim)
    OMP_NUM_THREADS=1 python bench/pde_active.py --smoke
    python bench/pde_active.py --check                           # re-check the stored claims (fails if the file is missing)
"""
import argparse, json, os, platform, statistics, sys, time
import torch
from surrnb.pde.solvers import Burgers1D, Darcy2D
from surrnb.pde.models import EnsembleSurrogate
from surrnb.pde.online import train_online, train_offline

OUT = "bench/results/pde_active.json"
SETUPS = {
    "burgers": dict(problem=lambda: Burgers1D(n=64), model=dict(kind="fno", width=12, modes=8, layers=2), N=128, steps=500, bs=16, lr=3e-3, test=128),
    "darcy": dict(problem=lambda: Darcy2D(s=16, k=3), model=dict(kind="fno", width=8, modes=4, layers=2, pad=2), N=96, steps=300, bs=16, lr=3e-3, test=64),
}
ARMS = ["offline-random", "online-random", "online-active", "online-proportional", "online-spread", "online-residual", "online-sobol"]
ACQ = {"online-active": "disagreement", "online-proportional": "proportional", "online-spread": "spread",
       "online-residual": "residual", "online-sobol": "sobol"}   # the chosen-parameter arms' acquisitions
ACTIVE = ["online-active", "online-proportional", "online-spread", "online-residual"]   # those that ask the model (sobol does not)

def run(arm, cfg, p, test, seed):
    "One training run; returns (final test error, RunResult)."
    torch.manual_seed(seed)
    m = EnsembleSurrogate(p, members=3, **cfg["model"])
    common = dict(time_limit=1e6, bs=cfg["bs"], lr=cfg["lr"], max_steps=cfg["steps"], eval_every=1e6, seed=seed)
    if arm == "offline-random": r = train_offline(m, test, n=cfg["N"], k=1, **common)
    else: r = train_online(m, test, k=1, budget=cfg["N"], capacity=cfg["N"], watermark=32, chunk=8,
                           acquire=ACQ.get(arm, "random"), **common)
    return r.final_error, r

def stats(xs): return dict(mean=round(statistics.mean(xs), 5), sd=round(statistics.stdev(xs), 5) if len(xs) > 1 else 0.0, runs=[round(x, 5) for x in xs])

def check(path=OUT):
    "Fail loudly unless the stored results hold the issue's claims."
    if not os.path.exists(path): sys.exit(f"{path} is missing: run python bench/pde_active.py first")
    t = json.load(open(path))["table"]
    print(json.dumps({k: v["claims"] for k, v in t.items()}, indent=1))
    issue = ("active >= 1.15x lower error than online random (mean of seeds)", "online active beats offline random by more than its spread")
    sys.exit(0 if all(v["claims"][k] for v in t.values() for k in issue) else 1)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--problems", default="burgers,darcy")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--arms", default=",".join(ARMS), help="arms to run; the stored results of the others are kept")
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--out", default=OUT, help="results file (screening runs: another path)")
    ap.add_argument("--headroom", action="store_true", help="only run offline-random with 4N solves (same steps) per seed: what 4x the uniform data buys")
    a = ap.parse_args()
    if a.check: check()
    torch.set_num_threads(1)
    old = json.load(open(a.out)) if os.path.exists(a.out) and not a.smoke else {}
    table = old.get("table", {})
    for name in a.problems.split(","):
        cfg = dict(SETUPS[name]); p = cfg["problem"]()
        if a.smoke: cfg.update(steps=40, N=48); a.seeds = 1
        th = p.sample(cfg["test"], seed=10_000); test = (th, p.solve(th))
        if a.headroom:                                           # the data-efficiency headroom: offline random at N against 4N solves
            e4 = [run("offline-random", dict(cfg, N=4 * cfg["N"]), p, test, seed)[0] for seed in range(a.seeds)]
            e1 = table[name]["errors"]["offline-random"]["runs"][: a.seeds]
            table[name]["headroom_4N"] = dict(N=4 * cfg["N"], errors=stats(e4), ratio_N_over_4N=[round(x / y, 3) for x, y in zip(e1, e4)])
            print(name, table[name]["headroom_4N"], flush=True); continue
        arms = [x for x in a.arms.split(",") if x and x != "none"]     # --arms none: only re-summarise the stored runs
        prev = table.get(name, {})
        errs = {k: list(v["runs"]) for k, v in prev.get("errors", {}).items() if k not in arms}
        extra = {k: v for k, v in prev.get("runs", {}).items() if k not in arms}
        errs.update({k: [] for k in arms}); extra.update({k: [] for k in arms}); t0 = time.perf_counter()
        for seed in range(a.seeds if arms else 0):
            for arm in arms[seed % len(arms):] + arms[: seed % len(arms)]:
                e, r = run(arm, cfg, p, test, seed)
                errs[arm].append(e); extra[arm].append(dict(consumed=r.consumed, steps=r.steps, restarts=r.restarts, duplicates=r.duplicates, wall_s=round(r.wall, 1)))
                print(name, seed, arm, round(e, 5), extra[arm][-1], flush=True)
        ratio = lambda a_, b_: [x / y for x, y in zip(errs.get(a_, []), errs.get(b_, []))]
        span = lambda r: dict(mean=round(statistics.mean(r), 3), min=round(min(r), 3), max=round(max(r), 3), runs=[round(x, 3) for x in r]) if r else None
        s = {k: stats(v) for k, v in errs.items() if v}
        act_arms = [k for k in ACQ if k in s]                      # ratios for all chosen-parameter arms; the claims for the active ones
        active = [k for k in ACTIVE if k in s]
        row = dict(errors=s, runs=extra,
                   ratio_online_random_over_active=span(ratio("online-random", "online-active")),
                   ratio_offline_random_over_active=span(ratio("offline-random", "online-active")),
                   ratios_random_over={k: span(ratio("online-random", k)) for k in act_arms},
                   ratios_offline_over={k: span(ratio("offline-random", k)) for k in act_arms},
                   settings=dict(N=cfg["N"], steps=cfg["steps"], bs=cfg["bs"], model=cfg["model"], members=3, seeds=max(map(len, errs.values())),
                                 test_size=cfg["test"], seconds=round(time.perf_counter() - t0), load_average=os.getloadavg()) if arms else prev["settings"])
        if not active or "online-random" not in s or "offline-random" not in s: table[name] = row; print(name, json.dumps(row, indent=1), flush=True); continue
        best = min(active, key=lambda k: s[k]["mean"]); act = s[best]
        row["claims"] = {"best active arm": best,
                         "active >= 1.15x lower error than online random (mean of seeds)": s["online-random"]["mean"] >= 1.15 * act["mean"],
                         "online active beats offline random by more than its spread": s["offline-random"]["mean"] - act["mean"] > max(act["sd"], s["offline-random"]["sd"])}
        if "online-sobol" in s: row["claims"]["space-filling design (online-sobol, not active) >= 1.15x lower error than online random"] = s["online-random"]["mean"] >= 1.15 * s["online-sobol"]["mean"]
        table[name] = row
        print(name, json.dumps(row, indent=1), flush=True)
    meta = dict(torch_threads=1, cores=os.cpu_count(), cpu=platform.processor() or platform.machine(), device="cpu",
                note="equal solver calls N and equal optimiser steps per arm; ratio > 1: active has the lower test error")
    if not a.smoke:
        os.makedirs("bench/results", exist_ok=True)
        with open(a.out, "w") as f: json.dump(dict(meta=meta, table=table), f, indent=1)

if __name__ == "__main__":
    main()
