"""Online vs offline training of PDE surrogates (surrnb.pde.online), on Burgers and Darcy, each with an FNO and an MLP.

For each problem, with the same wall-clock budget T for every run (test evaluations kept off the clock) and the same
two processes' worth of CPU: offline generates with 2 producers, then trains in 1 process; online runs 1 producer
beside the trainer, which takes at most a batch of new samples per step (back-pressure); the producer runs at niceness
+10 (--nice) so that it uses the CPU time the trainer leaves:
  offline          : generate N samples first (to disk and back), then epochs over them until T
  online-budget    : stream the same N samples (equal solver budget) while training, keep training until T
  online-fifo      : stream for the whole of T (equal wall-clock), FIFO buffer of capacity N (equal memory)
  online-reservoir : same, reservoir buffer
Prints a JSON table (test relative L2, unique samples, steps, producer and trainer samples/s) and the ratios
offline error / online error, writes bench/results/pde_online.json and an error-vs-time plot bench/results/pde_online.png.

    OMP_NUM_THREADS=1 python bench/pde_online.py --time 40   # 4 problems x 4 modes x 2 repeats x 40 s: ~23 minutes
    OMP_NUM_THREADS=1 python bench/pde_online.py --problems burgers-mlp --nice 0 --repeats 1   # producers at normal priority
    OMP_NUM_THREADS=1 python bench/pde_online.py --smoke --repeats 1    # T = 8 s per run
Results of other problems already in the JSON are kept; each problem's settings are stored beside its table.
"""
import argparse, json, os, platform, time
import torch
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
from surrnb.pde.solvers import Burgers1D, Darcy2D
from surrnb.pde.models import NeuralSurrogate
from surrnb.pde.online import train_online, train_offline

SETUPS = {
    "burgers": dict(problem=lambda: Burgers1D(n=64), model=dict(kind="fno", width=24, modes=12, layers=3), N=512, bs=32, lr=3e-3),
    "darcy": dict(problem=lambda: Darcy2D(s=32, k=3), model=dict(kind="fno", width=12, modes=6, layers=3), N=256, bs=16, lr=3e-3),
    "burgers-mlp": dict(problem=lambda: Burgers1D(n=64), model=dict(kind="mlp", width=256, depth=3), N=512, bs=64, lr=2e-3),
    "darcy-mlp": dict(problem=lambda: Darcy2D(s=32, k=3), model=dict(kind="mlp", width=256, depth=3), N=256, bs=64, lr=2e-3),
}

MODES = ["offline", "online-budget", "online-fifo", "online-reservoir"]

def run_one(mode, name, T, k_off, k_on, test, nice=0, seed=0):
    "One training run of `mode` on setup `name`."
    cfg = SETUPS[name]; p = cfg["problem"]()
    N, common = cfg["N"], dict(time_limit=T, bs=cfg["bs"], lr=cfg["lr"], eval_every=T / 12, seed=seed)
    online = dict(common, k=k_on, max_new_per_step=cfg["bs"], watermark=min(64, N), nice=nice)
    torch.manual_seed(seed); model = NeuralSurrogate(p, **cfg["model"])
    if mode == "offline": r = train_offline(model, test, n=N, k=k_off, **common)
    elif mode == "online-budget": r = train_online(model, test, budget=N, capacity=N, **online)
    else: r = train_online(model, test, capacity=N, policy=mode.split("-")[1], **online)
    r.mode = mode
    return r

def median(xs): xs = sorted(xs); return xs[len(xs) // 2] if len(xs) % 2 else 0.5 * (xs[len(xs) // 2 - 1] + xs[len(xs) // 2])

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--time", type=float, default=60.0, help="wall-clock seconds per run")
    ap.add_argument("--k-offline", type=int, default=2, help="producer processes generating the offline data set")
    ap.add_argument("--k-online", type=int, default=1, help="producer processes beside the online trainer")
    ap.add_argument("--problems", default="burgers,darcy,burgers-mlp,darcy-mlp")
    ap.add_argument("--nice", type=int, default=10, help="niceness added to the online producers (>0: the trainer has priority)")
    ap.add_argument("--repeats", type=int, default=2, help="repeats (seeds); modes run interleaved, in rotated order")
    ap.add_argument("--smoke", action="store_true")
    a = ap.parse_args()
    T = 8.0 if a.smoke else a.time
    torch.set_num_threads(1)
    old = json.load(open("bench/results/pde_online.json")) if os.path.exists("bench/results/pde_online.json") else {}
    table, hist = old.get("table", {}), old.get("history", {})     # runs of other problems are kept (re-run them to refresh)
    for name in a.problems.split(","):
        t0 = time.perf_counter()
        p = SETUPS[name]["problem"]()
        th_te = p.sample(64, seed=10_000); test = (th_te, p.solve(th_te))
        runs = {m: [] for m in MODES}
        for rep in range(a.repeats):
            for m in MODES[rep % 4:] + MODES[: rep % 4]:       # rotate the order: load drifts hit every mode alike
                runs[m].append(run_one(m, name, T, a.k_offline, a.k_online, test, a.nice, seed=rep))
        key = name
        table[key] = {}
        for m, rs in runs.items():
            errs = [r.final_error for r in rs]
            row = rs[0].summary()
            row.update(test_rel_l2=round(median(errs), 5), test_rel_l2_runs=[round(e, 5) for e in errs],
                       steps=round(median([r.steps for r in rs])), consumed=round(median([r.consumed for r in rs])),
                       producer_samples_per_s=round(median([r.producer_rate for r in rs]), 1),
                       trainer_samples_per_s=round(median([r.trainer_rate for r in rs]), 1),
                       restarts=sum(r.restarts for r in rs), duplicates=sum(r.duplicates for r in rs))
            table[key][m] = row
        hist[key] = {m: rs[0].history for m, rs in runs.items()}
        table[key]["settings"] = dict(time_per_run_s=T, repeats=a.repeats, producers_offline=a.k_offline,
                                      producers_online=a.k_online, producer_nice=a.nice, load_average=os.getloadavg())
        off = table[key]["offline"]["test_rel_l2"]
        table[key]["ratios"] = {
            "offline/online-fifo (equal wall-clock)": round(off / table[key]["online-fifo"]["test_rel_l2"], 3),
            "offline/online-reservoir (equal wall-clock)": round(off / table[key]["online-reservoir"]["test_rel_l2"], 3),
            "offline/online-budget (equal solver budget)": round(off / table[key]["online-budget"]["test_rel_l2"], 3),
        }
        print(key, f"{time.perf_counter() - t0:.0f}s", json.dumps(table[key], indent=1), flush=True)
    meta = dict(torch_threads=1, cpu=platform.processor() or platform.machine(), cores=os.cpu_count(), device="cpu",
                setups={n: dict(N=c["N"], bs=c["bs"], model=c["model"]) for n, c in SETUPS.items()},
                note="ratio > 1: online has the lower test error; medians over repeats; settings per problem in table[...]['settings']")
    os.makedirs("bench/results", exist_ok=True)
    with open("bench/results/pde_online.json", "w") as f: json.dump(dict(meta=meta, table=table, history=hist), f, indent=1)
    cols = min(len(hist), 2); rows = (len(hist) + cols - 1) // cols
    fig, axs = plt.subplots(rows, cols, figsize=(6 * cols, 4 * rows), squeeze=False)
    for ax in axs.flat[len(hist):]: ax.axis("off")
    for ax, (name, hs) in zip(axs.flat, sorted(hist.items())):
        base = name.split("+")[0]
        for m, h in hs.items():
            ax.plot([e["time"] for e in h], [e["test_rel_l2"] for e in h], "o-", ms=3, label=f"{m}: {table[name][m]['test_rel_l2']:.4f}")
        ax.set_yscale("log"); ax.set_xlabel("wall-clock seconds"); ax.set_ylabel("test relative L2")
        ax.set_title(f"{base.split('-')[0]} ({SETUPS[base]['model']['kind'].upper()})" + (f", producers {name.split('+')[1]}" if "+" in name else ""))
        ax.legend(title="median final error", fontsize=8)
    plt.tight_layout(); fig.savefig("bench/results/pde_online.png", dpi=110)
    print(json.dumps({n: t["ratios"] for n, t in table.items()}, indent=1))

if __name__ == "__main__":
    main()
