"""digits-cnn on CPU: do ASHA and BOHB reach the best validation accuracy of 20 full-budget random trials with fewer epochs?

For each seed, random search trains 20 configs for the full 27 epochs (540 epochs); every epoch's validation error is
recorded, so the same runs are the learning curves used by the LC-PFN notebook. ASHA and BOHB (budgets 1, 3, 9, 27
epochs) then run on the same seed with a fraction of random's epochs; their result is their best *full-budget* trial.

    .venv/bin/python bench/mf_digits.py [--seeds 3] [--fraction 0.5] [--curves bench/results/digits_cnn_curves.json]
    .venv/bin/python bench/mf_digits.py --fraction 0.9 --per-seed --stop-at-target --json bench/results/mf_digits_cnn_v2.json

--per-seed compares each seed with the best of its own random trials; --stop-at-target ends a strategy's run once it
matches that target (the epochs it used by then are the figure of merit).
"""
import argparse, json, statistics, time, warnings, platform, sys
from pathlib import Path
import torch
from surrnb.problems import get_problem
from surrnb.study import Study
from surrnb.search.mf import run_until_budget
from surrnb.train.learner import optimize_reporting

def collect_curves(prob, seed, n):
    "n random configs of a seeded study, trained for the full budget; config, per-epoch errors, final error."
    st = Study(prob.space, strategy="random", storage=":memory:", seed=seed)
    optimize_reporting(st, lambda c, b: prob.evaluate(c, prob.max_budget), n)
    return [dict(config=t.config, curve=[t.intermediate[e] for e in sorted(t.intermediate)], final=t.value) for t in st.trials]

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--problem", default="digits-cnn")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--n-random", type=int, default=20)
    ap.add_argument("--fraction", type=float, default=0.5)
    ap.add_argument("--strategies", default="asha,bohb")
    ap.add_argument("--curves", default="bench/results/digits_cnn_curves.json")
    ap.add_argument("--json", default="bench/results/mf_digits_cnn.json")
    ap.add_argument("--per-seed", action="store_true", help="target of each seed = best of that seed's random trials (default: the median over seeds)")
    ap.add_argument("--stop-at-target", action="store_true", help="stop a strategy's run once it reaches the target")
    a = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    prob = get_problem(a.problem)
    R = prob.max_budget
    cp = Path(a.curves)
    curves = json.loads(cp.read_text()) if cp.exists() else {}
    t0 = time.time()
    for s in range(a.seeds):
        if len(curves.get(str(s), [])) < a.n_random:
            curves[str(s)] = collect_curves(prob, s, a.n_random)
            cp.parent.mkdir(parents=True, exist_ok=True); cp.write_text(json.dumps(curves))
            print(f"seed {s}: {a.n_random} curves collected ({time.time() - t0:.0f} s)", flush=True)
    rand = [min(c["final"] for c in curves[str(s)][: a.n_random]) for s in range(a.seeds)]
    target = statistics.median(rand)
    rows = [dict(strategy="random", epochs=a.n_random * R, values=rand, median_value=target, reached=sum(v <= target for v in rand))]
    for name in a.strategies.split(","):
        t0 = time.time()
        rs = [run_until_budget(prob, name, a.fraction * a.n_random * R, s, target=rand[s] if a.per_seed else target, stop_at_target=a.stop_at_target) for s in range(a.seeds)]
        rows.append(dict(strategy=name, epochs=statistics.median(r["used"] for r in rs), values=[r["value"] for r in rs],
                         median_value=statistics.median(r["value"] for r in rs), reached=sum(r["value"] <= (rand[i] if a.per_seed else target) for i, r in enumerate(rs)),
                         epochs_to_target=[r["hit"] for r in rs], seconds=round(time.time() - t0)))
        print(f"{name} done ({rows[-1]['seconds']} s)", flush=True)
    print(f"{prob.name}: {a.seeds} seeds; random = {a.n_random} trials x {R:g} epochs; others get {a.fraction:g} of its epochs")
    print(f"{'strategy':<8} {'epochs':>7} {'median best val. acc.':>22} {'per seed':>26} {'reached':>8} {'epochs to target':>22}")
    for r in rows:
        hit = "" if "epochs_to_target" not in r else ", ".join("-" if h is None else f"{h:g}" for h in r["epochs_to_target"])
        print(f"{r['strategy']:<8} {r['epochs']:>7g} {1 - r['median_value']:>22.4f} {', '.join(f'{1 - v:.4f}' for v in r['values']):>26}"
              f" {r['reached']:>5}/{a.seeds} {hit:>22}")
    if a.json:
        Path(a.json).write_text(json.dumps(dict(problem=prob.name, seeds=a.seeds, per_seed=a.per_seed, n_random=a.n_random, fraction=a.fraction,
                                                target=target, rows=rows, torch=torch.__version__, machine=platform.machine(),
                                                python=sys.version.split()[0]), indent=1))
        print(f"written to {a.json}")

if __name__ == "__main__": main()
