#!/usr/bin/env python
"""Zero-cost proxies vs trained accuracy on digits-cell: Spearman rank correlation over random NB201 cells.

Draws `--cells` distinct random cells (seeded), trains each CellNetwork (C=8, N=1) `--seeds` times (different weights and
batch order) for `--epochs` epochs on the digits training split (AdamW, cosine schedule, one CPU thread) and records
the mean validation accuracy; computes every proxy of surrnb.nas.zerocost at initialisation on one fixed minibatch of
64 training images. Prints a JSON table of Spearman's rho with the mean accuracy (all cells, and live cells only: those
that train above 20% accuracy), its ratio to the named peer `params` (the size baseline every zero-cost paper compares
with), the cost of each proxy relative to one training run, and, as the ceiling, the rank correlation between two
training seeds of the same cells (`first training run` predicting the second: column spearman_run2, where every proxy
is also scored against the second run alone, so that the two compare like for like).
Writes bench/results/zerocost_digits.json (per-cell rows included, read by nbs/46_nas.zerocost.ipynb).

    python bench/zerocost_digits.py                      # 150 cells x 2 seeds x 4 epochs, ~10-12 min on one core
    python bench/zerocost_digits.py --cells 20 --epochs 1  # quick look
    python bench/zerocost_digits.py --rescore bench/results/zerocost_digits.json   # recompute the table, no training
"""
import os
for _v in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"): os.environ.setdefault(_v, "1")
import argparse, json, math, platform, random, time
from pathlib import Path
import numpy as np
import torch
torch.set_num_threads(1)

def distinct_cells(n, seed):
    "n distinct random cells (tuples of 6 op names), in a seeded order."
    from surrnb.nas.spaces import NB201_OPS
    rng, seen = random.Random(seed), {}
    while len(seen) < n: seen.setdefault(tuple(rng.choice(NB201_OPS) for _ in range(6)), None)
    return list(seen)

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cells", type=int, default=150)
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--seeds", type=int, default=2, help="training runs per cell (>= 2 gives the seed-to-seed ceiling)")
    ap.add_argument("--C", type=int, default=8)
    ap.add_argument("--N", type=int, default=1)
    ap.add_argument("--bs", type=int, default=64, help="proxy minibatch size")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", default=str(Path(__file__).parent / "results" / "zerocost_digits.json"))
    ap.add_argument("--rescore", default=None, help="recompute the table from the per-cell rows of this JSON (no training)")
    a = ap.parse_args(argv)
    if a.rescore:
        old = json.loads(Path(a.rescore).read_text())
        st = old["settings"]
        if "proxy_ms_per_cell" not in st: st["proxy_ms_per_cell"] = {t["proxy"]: t["ms_per_cell"] for t in old["table"] if "training" not in t["proxy"]}
        return write(summarise(old["cells"], st), a.json)
    from scipy.stats import spearmanr
    from fastprogress.fastprogress import progress_bar
    from surrnb.nas.networks import train_cell, digits_data, CellNetwork
    from surrnb.nas.spaces import cell_to_str
    from surrnb.nas.zerocost import PROXIES, zero_cost, minibatch
    from surrnb.core import derive_seed
    data = digits_data()
    x, y = minibatch(data, a.bs, a.seed)
    rows, t0 = [], time.time()
    proxy_secs = {n: 0.0 for n in PROXIES}
    for cell in progress_bar(distinct_cells(a.cells, a.seed)):
        runs = [train_cell(cell, a.epochs, data, a.C, a.N, seed=a.seed + k) for k in range(a.seeds)]
        torch.manual_seed(derive_seed("zero-cost", a.seed, cell, a.C, a.N))
        net = CellNetwork(cell, C=a.C, N=a.N)
        sc = {}
        for n in PROXIES:
            t = time.perf_counter(); sc[n] = zero_cost(net, x, y, [n])[n]; proxy_secs[n] += time.perf_counter() - t
        rows.append(dict(cell=list(cell), nb201=cell_to_str(cell), accuracy=float(np.mean([1 - r["error"] for r in runs])),
                         accuracies=[1 - r["error"] for r in runs], train_seconds=float(np.mean([r["seconds"] for r in runs])),
                         proxies={k: (v if math.isfinite(v) else None) for k, v in sc.items()}))
    train_s = float(np.mean([r["train_seconds"] for r in rows]))
    settings = dict(n_cells=len(rows), epochs=a.epochs, seeds=a.seeds, C=a.C, N=a.N, bs=a.bs, seed=a.seed, threads=1,
                    mean_train_seconds=round(train_s, 2), total_seconds=round(time.time() - t0, 1),
                    proxy_ms_per_cell={n: round(1000 * proxy_secs[n] / len(rows), 2) for n in PROXIES},
                    python=platform.python_version(), torch=torch.__version__, machine=platform.processor() or platform.machine())
    write(summarise(rows, settings), a.json)

def summarise(rows, settings):
    "Spearman table from per-cell rows: each proxy vs the mean accuracy and vs the second run alone; the run-vs-run ceiling."
    from scipy.stats import spearmanr
    from surrnb.nas.zerocost import PROXIES
    acc = np.array([r["accuracy"] for r in rows])
    A = np.array([r["accuracies"] for r in rows])
    live = acc > 0.2
    def score(n): return np.array([(-math.inf if r["proxies"][n] is None else r["proxies"][n]) for r in rows])
    def rho(u, v, mask=None):
        mask = np.ones(len(u), bool) if mask is None else mask
        return float(spearmanr(u[mask], v[mask])[0])
    sp = {n: rho(score(n), acc) for n in PROXIES}
    sp_live = {n: rho(score(n), acc, live) for n in PROXIES}
    ms, train_s = settings["proxy_ms_per_cell"], settings["mean_train_seconds"]
    table = [dict(proxy=n, spearman=round(sp[n], 3), spearman_live=round(sp_live[n], 3),
                  spearman_run2=round(rho(score(n), A[:, 1]), 3) if A.shape[1] > 1 else None,
                  ratio_vs_params=round(sp[n] / sp["params"], 2) if sp["params"] else None,
                  ms_per_cell=ms[n], train_over_proxy=round(1000 * train_s / ms[n], 1)) for n in PROXIES]
    table.sort(key=lambda t: -t["spearman"])
    ceiling = None
    if A.shape[1] > 1:   # the ceiling: how well one training run ranks the cells of another
        ceiling = dict(spearman_run2=rho(A[:, 0], A[:, 1]), spearman_run2_live=rho(A[:, 0], A[:, 1], live))
        table.insert(0, dict(proxy="first training run", spearman=None, spearman_live=None,
                             spearman_run2=round(ceiling["spearman_run2"], 3), ratio_vs_params=None,
                             ms_per_cell=round(1000 * train_s, 1), train_over_proxy=1.0))
    settings = {**settings, "n_live": int(live.sum())}
    return dict(settings=settings, peer="params", spearman=sp, spearman_live=sp_live,
                spearman_run2={n: rho(score(n), A[:, 1]) for n in PROXIES} if A.shape[1] > 1 else None,
                ceiling=ceiling, table=table, cells=rows)

def write(out, path):
    "Print the table and write the JSON."
    table, rows, st = out["table"], out["cells"], out["settings"]
    acc = np.array([r["accuracy"] for r in rows])
    print(json.dumps(table, indent=1))
    print(f"{len(rows)} cells ({st['n_live']} live), {st['seeds']} x {st['epochs']} epochs each, mean training "
          f"{st['mean_train_seconds']:.2f} s; accuracy range {acc.min():.3f}..{acc.max():.3f}")
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(out, indent=1))
    print("wrote", path)

if __name__ == "__main__": main()
