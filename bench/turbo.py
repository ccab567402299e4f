"""Trust-region BO (`turbo`, TuRBO-1) against surrnb's default BO and the suite's peers, on the suite's continuous
problems where a local search could matter: the multimodal 6-D problems whose bad seeds stick (Hartmann6, Shekel,
Michalewicz-5) and the two 20-D problems. Same problems, budgets and seeds as `bench/bo_suite.py`; the peers' and the
default BO's cells are read from `bench/results/bo_suite_cells.json` (deterministic problems, same seeds), the turbo
cells are computed here and kept in `bench/results/turbo_cells.json`.

    python bench/turbo.py --seeds 0-9                 # run what is missing (both turbo variants), then print the table
    python bench/turbo.py --report                    # only print the table (bench/results/turbo.json)
    python bench/turbo.py --check                     # fail loudly if the stored table is missing or incomplete

Regret = best value found - known optimum (noiseless problems). Seconds per suggestion = time in `study.ask()`.
One torch/BLAS thread."""
import argparse, json, os, sys, time
from pathlib import Path
os.environ.setdefault("OMP_NUM_THREADS", "1")
import numpy as np
import torch
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bo_suite import SUITE, RESULTS, load_cells as suite_cells, _seeds, _regret
from _stats import sign_p

torch.set_num_threads(1)
PROBLEMS = ["hartmann6", "shekel", "michalewicz-5", "ackley-20", "rosenbrock-20"]   # fixed before any turbo run
VARIANTS = {"turbo": {}, "turbo-logei": {"tr_acq": "logei"}}
PEERS = ["surrnb", "optuna-gp", "optuna-tpe", "random"]
CELLS, OUT = RESULTS / "turbo_cells.json", RESULTS / "turbo.json"

def run(label, variant, seed):
    "One turbo run of a suite problem: best value found and seconds per suggestion."
    from surrnb.problems import get_problem
    from surrnb.study import Study
    from surrnb.search.turbo import TrustRegionBO
    _, name, noise, budget = next(s for s in SUITE if s[0] == label)
    prob = get_problem(name)
    st, wall = Study(prob.space, strategy=TrustRegionBO(**VARIANTS[variant]), seed=seed), 0.0
    for _ in range(budget):
        t0 = time.perf_counter(); tr = st.ask(); wall += time.perf_counter() - t0
        st.tell(tr, prob.evaluate(tr.config))
    s = st.strategy.replay(st)
    return dict(problem=label, method=variant, seed=seed, best=st.best.value, restarts=s.epoch, final_L=s.L,
                sec_per_suggestion=wall / budget, optimum=prob.optimum)

def table(cells) -> dict:
    "Per problem and method: regrets over the seeds they share, median, 80th percentile, wins of turbo over BO."
    sc, out = suite_cells(), {}
    for p in PROBLEMS:
        opt = next(c["optimum"] for c in cells.values() if c["problem"] == p)
        rows = {}
        for m in PEERS:
            rows[m] = {s: _regret(sc[f"{p}|{m}|{s}"]["true_value"], opt) for s in range(10) if f"{p}|{m}|{s}" in sc}
        for v in VARIANTS:
            rows[v] = {c["seed"]: _regret(c["best"], opt) for c in cells.values() if c["problem"] == p and c["method"] == v}
        seeds = sorted(set.intersection(*(set(r) for r in rows.values() if r)))
        row = {m: dict(median=float(np.median([r[s] for s in seeds])), p80=float(np.percentile([r[s] for s in seeds], 80)),
                       regrets=[r[s] for s in seeds]) for m, r in rows.items() if r}
        for v in VARIANTS:
            if v in row:
                a, b = row[v]["regrets"], row["surrnb"]["regrets"]
                row[v]["vs_bo"] = dict(ratio=row[v]["median"] / max(row["surrnb"]["median"], 1e-300),
                                       wins=int(sum(x < y for x, y in zip(a, b))), p=sign_p(sum(x < y for x, y in zip(a, b)), sum(x > y for x, y in zip(a, b))))
                row[v]["sec_per_suggestion"] = float(np.median([c["sec_per_suggestion"] for c in cells.values() if c["problem"] == p and c["method"] == v]))
                row[v]["restarts"] = [c["restarts"] for c in cells.values() if c["problem"] == p and c["method"] == v]
        out[p] = dict(seeds=seeds, methods=row)
    return out

def show(t):
    print(f"{'problem':15s} " + " ".join(f"{m:>20s}" for m in PEERS + list(VARIANTS)) + "   turbo/bo  wins  | turbo-logei/bo wins")
    for p, r in t.items():
        ms = r["methods"]
        cells = [f"{ms[m]['median']:.3g}/{ms[m]['p80']:.3g}" if m in ms else "-" for m in PEERS + list(VARIANTS)]
        extra = "  ".join(f"{ms[v]['vs_bo']['ratio']:8.3g} {ms[v]['vs_bo']['wins']:2d}/{len(r['seeds'])} (p={ms[v]['vs_bo']['p']:.2f})" for v in VARIANTS if v in ms)
        print(f"{p:15s} " + " ".join(f"{c:>20s}" for c in cells) + "   " + extra)
    print("median / 80th-percentile regret over the shared seeds; wins: seeds where turbo's regret < default BO's; p: two-sided sign test")

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", default="0-9"); ap.add_argument("--problems", default=",".join(PROBLEMS))
    ap.add_argument("--variants", default=",".join(VARIANTS)); ap.add_argument("--report", action="store_true")
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args()
    if a.check:
        if not OUT.exists(): raise SystemExit(f"FAIL: {OUT} missing: run python bench/turbo.py")
        t = json.loads(OUT.read_text())["table"]
        bad = [p for p in PROBLEMS if p not in t or any(len(t[p]["methods"].get(v, {}).get("regrets", [])) < 10 for v in VARIANTS)]
        if bad: raise SystemExit(f"FAIL: fewer than 10 seeds of turbo on {bad}")
        show(t); print("complete"); sys.exit(0)
    cells = json.loads(CELLS.read_text()) if CELLS.exists() else {}
    if not a.report:
        for p in a.problems.split(","):
            for s in _seeds(a.seeds):
                for v in a.variants.split(","):
                    k = f"{p}|{v}|{s}"
                    if k in cells: continue
                    cells[k] = run(p, v, s)
                    CELLS.write_text(json.dumps(cells, indent=0, sort_keys=True))
                    c = cells[k]; print(f"{k}: best {c['best']:.6g} restarts {c['restarts']} L {c['final_L']:.3g} {c['sec_per_suggestion']:.2f} s/sugg", flush=True)
    t = table(cells)
    show(t)
    OUT.write_text(json.dumps(dict(meta=dict(command="python bench/turbo.py", when=time.strftime("%Y-%m-%d %H:%M"),
                                             torch=torch.__version__, cpus=os.cpu_count()), table=t), indent=1))
    print(f"wrote {OUT}")
