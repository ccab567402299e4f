#!/usr/bin/env python
"""Latency predictor of surrnb.nas.latency against end-to-end measured latency on this CPU.

Builds a fresh per-layer lookup table (torch.utils.benchmark, one thread, batch 1) for `--nets` random networks of the
CPU-sized macro space (`cpu_macro_space`, 16x16 digits input), times every network end to end (every entry and every
network `--rounds` times in shuffled rounds, keeping the fastest: on a shared machine a burst of load spoils one round), fits the scale and
overhead (beta: median ratio, alpha: median residual) on the first third and scores the predictor on the rest: RMSE of the relative error (%) and Kendall's tau.
The peer is the naive predictor a FLOPs count gives (multiply-adds, with the same median fit of scale and overhead),
scored on the same networks: the ratio says how much better the lookup table ranks and predicts latency than FLOPs.
Runs with the process CPU-time clock (robust on a shared machine) and, with --wall, the wall clock too.
Writes bench/results/latency_<clock>.json (per-network rows included) and bench/results/latency_<clock>.png.

    python bench/latency.py                  # 40 networks, CPU-time clock, ~2-4 min on one core
    python bench/latency.py --nets 60 --wall # also the wall clock (meaningful only on an idle machine)
    python bench/latency.py --check          # fail loudly if the stored result is missing or the predictor is poor
"""
import os
for _v in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"): os.environ.setdefault(_v, "1")
import argparse, json, platform, sys, tempfile, time
from pathlib import Path
import numpy as np
import torch
from scipy.stats import kendalltau
torch.set_num_threads(1)
from surrnb.nas.latency import cpu_macro_space, macro_net, machine_id, measure_latency, macro_layers, make_layer, layer_input
from surrnb.nas.zerocost import flops

OUT = Path(__file__).parent / "results"

def run(n, seed, min_run_time, cpu_time, rounds):
    "Table sums, end-to-end timings and FLOPs of n random networks; every timing is the fastest of `rounds` rounds."
    cfgs = cpu_macro_space().sample(n, seed=seed)
    keys = sorted({k for c in cfgs for k in macro_layers(c)}, key=str)
    nets = [macro_net(c) for c in cfgs]
    rng = np.random.default_rng(seed)
    lut, e2e, t_lut, t_e2e = {k: [] for k in keys}, [[] for _ in cfgs], 0.0, 0.0
    for _ in range(rounds):        # rounds spread each entry's timings over the run: a burst of load spoils one, not all
        t0 = time.time()
        for i in rng.permutation(len(keys)):
            k = keys[i]; lut[k].append(measure_latency(make_layer(k), layer_input(k), min_run_time, 1, cpu_time))
        t1 = time.time()
        for i in rng.permutation(len(cfgs)): e2e[i].append(measure_latency(nets[i], (1, 1, 16, 16), 2 * min_run_time, 1, cpu_time))
        t_lut, t_e2e = t_lut + t1 - t0, t_e2e + time.time() - t1
    best = {k: min(v) for k, v in lut.items()}
    sums = np.array([sum(best[k] for k in macro_layers(c)) for c in cfgs])
    fl = np.array([flops(net, torch.zeros(1, 1, 16, 16)) for net in nets])
    return cfgs, sums, np.array([min(v) for v in e2e]), fl, len(keys), t_lut, t_e2e

def score(x, m, k):
    "Fit m ~ a + b x on the first k (b: median ratio, a: median residual), score the rest: RMSE (%) of relative error and Kendall tau."
    b = float(np.median(m[:k] / x[:k])); a = float(np.median(m[:k] - b * x[:k]))
    p = a + b * x
    return p, dict(rmse_pct=float(100 * np.sqrt(np.mean(((p[k:] - m[k:]) / m[k:]) ** 2))),
                   kendall_tau=float(kendalltau(p[k:], m[k:]).statistic), alpha=float(a), beta=float(b))

def plot(res, path):
    import matplotlib; matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    m, p, k = np.array(res["measured_ms"]), np.array(res["predicted_ms"]), res["n_fit"]
    fig, ax = plt.subplots(figsize=(4.8, 4.2))
    ax.scatter(m[:k], p[:k], s=14, label="fit alpha, beta")
    ax.scatter(m[k:], p[k:], s=14, label="test")
    lim = [0, 1.1 * max(m.max(), p.max())]
    ax.plot(lim, lim, "k--", lw=1)
    t = res["lut"]
    ax.set(xlabel="measured latency (ms)", ylabel="LUT-predicted latency (ms)", xlim=lim, ylim=lim,
           title=f"{res['clock']} clock: RMSE {t['rmse_pct']:.1f} %, tau {t['kendall_tau']:.2f}")
    ax.legend(); fig.tight_layout(); fig.savefig(path, dpi=110); plt.close(fig)

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--nets", type=int, default=40)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--min-run-time", type=float, default=0.05)
    ap.add_argument("--rounds", type=int, default=3, help="time everything this many times, keep the fastest")
    ap.add_argument("--wall", action="store_true", help="also run with the wall clock")
    ap.add_argument("--check", action="store_true", help="check the stored result instead of measuring")
    a = ap.parse_args(argv)
    if a.check:
        f = OUT / "latency_cpu.json"
        if not f.exists(): sys.exit(f"missing {f}: run python bench/latency.py")
        r = json.loads(f.read_text())
        ok = r["n_test"] >= 20 and r["lut"]["kendall_tau"] > 0.7 and r["lut"]["rmse_pct"] < 15
        print(json.dumps({k: r[k] for k in ("n_test", "lut", "flops_peer", "ratio_rmse_flops_over_lut")}, indent=1))
        sys.exit(0 if ok else "latency predictor claim fails: need >= 20 test networks, tau > 0.7, RMSE < 15 %")
    OUT.mkdir(exist_ok=True)
    for clock in (["cpu", "wall"] if a.wall else ["cpu"]):
        cfgs, sums, meas, fl, n_entries, t_lut, t_e2e = run(a.nets, a.seed, a.min_run_time, clock == "cpu", a.rounds)
        k = max(2, round(a.nets / 3))
        pred, lut = score(sums, meas, k)
        _, peer = score(fl, meas, k)
        res = dict(clock=clock, machine=machine_id(), cpu=platform.processor() or platform.machine(), torch=torch.__version__,
                   nets=a.nets, rounds=a.rounds, n_fit=k, n_test=a.nets - k, min_run_time=a.min_run_time, lut_entries=n_entries,
                   seconds_lut=round(t_lut, 1), seconds_end_to_end=round(t_e2e, 1), lut=lut, flops_peer=peer,
                   ratio_rmse_flops_over_lut=peer["rmse_pct"] / lut["rmse_pct"],
                   measured_ms=meas.tolist(), predicted_ms=pred.tolist(), lut_sum_ms=sums.tolist(), mflops=(fl / 1e6).tolist(),
                   configs=cfgs)
        (OUT / f"latency_{clock}.json").write_text(json.dumps(res, indent=1))
        plot(res, OUT / f"latency_{clock}.png")
        print(json.dumps({x: res[x] for x in ("clock", "nets", "n_test", "lut_entries", "seconds_lut", "seconds_end_to_end",
                                             "lut", "flops_peer", "ratio_rmse_flops_over_lut")}, indent=1))

if __name__ == "__main__": main()
