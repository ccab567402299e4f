"""Vectorised population training (torch.func vmap) against a plain per-model PyTorch loop.

Trains K small MLPs (6 -> H -> H -> 1) on the same regression data both ways: same initialisations, same
per-member data orders (with bootstrap samples), same epochs, batch size and Adam settings. Prints a table and
the speed-up, and writes JSON.  Usage:
    python bench/vmap_vs_loop.py [--K 8,32,128] [--epochs 20] [--n 256] [--batch-size 32] [--hidden 32]
                                 [--threads 1] [--json bench/results/vmap.json]
"""
import argparse, json, os, platform, time
import torch
from torch import nn
from surrnb.train.population import Population, fit_loop, init_members

def mlp(d, h): return nn.Sequential(nn.Linear(d, h), nn.ReLU(), nn.Linear(h, h), nn.ReLU(), nn.Linear(h, 1))

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--K", default="8,32,128"); ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--n", type=int, default=256); ap.add_argument("--d", type=int, default=6)
    ap.add_argument("--batch-size", type=int, default=32); ap.add_argument("--hidden", type=int, default=32)
    ap.add_argument("--threads", type=int, default=1); ap.add_argument("--json", default=None)
    a = ap.parse_args()
    g = torch.Generator().manual_seed(0)
    X = torch.rand(a.n, a.d, generator=g); y = torch.sin(3 * X).sum(-1, keepdim=True)
    kw = dict(epochs=a.epochs, batch_size=a.batch_size, lr=1e-3, bootstrap=True, seed=0, threads=a.threads)
    make = lambda: mlp(a.d, a.hidden)
    Population(make, K=2).fit(X, y, **dict(kw, epochs=1)); fit_loop(init_members(make, 2), X, y, **dict(kw, epochs=1))  # warm-up: first calls pay one-off costs
    load0, rows = os.getloadavg(), []
    for K in [int(k) for k in a.K.split(",")]:
        pop = Population(make, K=K, seed=0)
        t0 = time.perf_counter(); pop.fit(X, y, **kw); tv = time.perf_counter() - t0
        models = init_members(make, K, seed=0)
        t0 = time.perf_counter(); fit_loop(models, X, y, **kw); tl = time.perf_counter() - t0
        with torch.no_grad(): diff = (pop(X) - torch.stack([m(X) for m in models])).abs().max().item()
        rows.append(dict(K=K, loop_s=round(tl, 3), vmap_s=round(tv, 3), speedup=round(tl / tv, 2), max_abs_diff=diff))
        print(f"K={K:4d}  loop {tl:8.2f} s  vmap {tv:7.2f} s  speed-up {tl / tv:6.1f}x  (max |pred diff| {diff:.1e})", flush=True)
    out = dict(rows=rows, loadavg_before=[round(x, 2) for x in load0], loadavg_after=[round(x, 2) for x in os.getloadavg()],
               cpus=os.cpu_count(), threads=a.threads, torch=torch.__version__, machine=platform.processor() or platform.machine(),
               config=dict(epochs=a.epochs, n=a.n, d=a.d, batch_size=a.batch_size, hidden=a.hidden, optimizer="Adam lr=1e-3", bootstrap=True))
    print(json.dumps({k: v for k, v in out.items() if k != "rows"}))
    if a.json:
        os.makedirs(os.path.dirname(a.json) or ".", exist_ok=True)
        with open(a.json, "w") as f: json.dump(out, f, indent=1)

if __name__ == "__main__": main()
