#!/usr/bin/env python
"""Warm-starting a study from an earlier one: cold BO against `warm-best` (the source's best configs first), `warm-bo`
(a design around the sources' optimum, then a GP whose prior mean is the rescaled source model) and `warm-rgpe` (`warm-bo`
with transfer="rgpe": a ranking-weighted ensemble of per-task GPs), on two transfer tasks, plus the warm starts fed an
unrelated source (the same source trials with their values shuffled):

  * hartmann6 -> hartmann6 shifted by 0.05 in every coordinate and scaled (2 f + 1); source: 100 trials of BO on hartmann6
  * nb201-cifar10 -> nb201-cifar100 (NAS-Bench-201); source: 200 trials of regularized evolution on CIFAR-10
  * (optional, --tasks hartmann6-sobol) the Hartmann6 pair with a source of 100 Sobol points instead of BO

Each seed builds its own source (seed + 1000) and runs every method with the same study seed and its own copy of the
target problem, so that on the noisy NB201 target every method draws from the same stream of training-seed noise (two
methods that ask the same configs see the same values). The target quality is
cold start's median final regret over the seeds (NAS-Bench-201: regret of the mean accuracy of the best-observed cell, as
in bench/nas_nb201.py); for each method the script reports, per seed, the evaluations needed to reach it (median and
quartiles over seeds; runs that never reach it count as infinite), and the median best-so-far regret at checkpoints.
Writes (or updates, task by task) bench/results/transfer.json.

    python bench/transfer.py                       # 10 seeds, 50 evaluations per target study (about half an hour)
    python bench/transfer.py --seeds 2 --budget 12 # quick look
    python bench/transfer.py --check               # the issue's claims on the stored results
"""
import os
for _v in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"): os.environ.setdefault(_v, "1")
import argparse, json, math, random, statistics, sys, time, warnings, platform
from pathlib import Path
import torch
torch.set_num_threads(1)

TASKS = ["hartmann6", "nb201"]
METHODS = ["cold", "warm-best", "warm-bo", "warm-rgpe", "warm-best-shuffled", "warm-bo-shuffled"]
VARIANTS = {"warm-rgpe": ("warm-bo", dict(transfer="rgpe"))}   # the ensemble alone (warm-bo before the transferred design and prior mean)

def make_task(task, seed):
    "(source problem, source strategy, source trials, target problem, score(trial config, value) -> regret)."
    from surrnb.problems import get_problem
    from surrnb.search.transfer import Shifted
    if task in ("hartmann6", "hartmann6-sobol"):    # -sobol: a source that explored (100 Sobol points) instead of optimising
        src = get_problem("hartmann6"); tgt = Shifted(src, 0.05, 2.0, 1.0)
        return src, "sobol" if task.endswith("sobol") else "bo", 100, tgt, lambda cfg, v: v - tgt.optimum
    if task == "nb201":
        src, tgt = get_problem("nb201-cifar10", seed=seed), get_problem("nb201-cifar100", seed=seed)
        return src, "rea", 200, tgt, lambda cfg, v: tgt.best_accuracy - tgt.accuracy(cfg)
    raise ValueError(task)

def shuffled(study, seed):
    "The source's COMPLETE trials with their values permuted: an unrelated task on the same space."
    done = [t for t in study.trials if str(t.state) == "COMPLETE"]
    vals = [t.value for t in done]; random.Random(seed).shuffle(vals)
    return ([t.config for t in done], vals, study.direction)

def run(task, seed, budget, methods):
    from surrnb.study import Study, strategies
    src_prob, src_strat, n_src, tgt, score = make_task(task, seed)
    t0 = time.perf_counter()
    source = Study(src_prob.space, src_strat, storage=":memory:", name="source", seed=seed + 1000).optimize(src_prob.evaluate, n_src, show_progress=False)
    out = dict(source_seconds=time.perf_counter() - t0)
    for i, m in enumerate(methods):
        if i: tgt, score = make_task(task, seed)[3:]     # a fresh target per method: a noisy one (NB201) replays the same noise stream
        kind, kw = VARIANTS.get(m.replace("-shuffled", ""), (m.replace("-shuffled", ""), {}))
        srcs = [shuffled(source, seed) if m.endswith("-shuffled") else source]
        strat = strategies.get("bo") if m == "cold" else strategies.get(kind, sources=srcs, **kw)
        study = Study(tgt.space, strat, storage=":memory:", name=m, seed=seed)
        best, curve, t0 = None, [], time.perf_counter()
        for _ in range(budget):
            t = study.ask(); t = study.tell(t, tgt.evaluate(t.config))
            if t.value is not None and (best is None or t.value < best.value): best = t
            curve.append(float(score(best.config, best.value)))
        out[m] = dict(curve=curve, seconds=time.perf_counter() - t0, source_tau=getattr(strat, "source_tau_", None), mode=getattr(strat, "mode_", None))
    return out

def evals_to(curve, q):
    "First number of evaluations whose best-so-far regret is <= q (inf if never)."
    return next((i + 1 for i, r in enumerate(curve) if r <= q + 1e-12), math.inf)

def check(path):
    "Issue #21's claims on the stored results: warm-bo needs <= half of cold's budget (median over seeds) on hartmann6 and nb201, and with a shuffled source it is cold BO on every seed."
    p = Path(path)
    if not p.exists(): sys.exit(f"no results at {p}: run python bench/transfer.py first")
    res, bad = json.loads(p.read_text()), []
    for task in ("hartmann6", "nb201", "hartmann6-sobol"):
        if task not in res: bad.append(f"{task}: not in {p}"); continue
        r = res[task]; m = r["methods"]
        if task != "hartmann6-sobol" and not m["warm-bo"]["median_evals"] <= 0.5 * r["budget"]:
            bad.append(f"{task}: warm-bo needs {m['warm-bo']['median_evals']} evaluations, more than half of {r['budget']}")
        if "warm-bo-shuffled" in m and m["warm-bo-shuffled"]["final"] != m["cold"]["final"]:
            bad.append(f"{task}: warm-bo with a shuffled source differs from cold BO")
        print(f"{task}: warm-bo {m['warm-bo']['median_evals']} evaluations [{m['warm-bo']['evals_q25']}, {m['warm-bo']['evals_q75']}] of {r['budget']}, "
              f"shuffled = cold on {sum(a == b for a, b in zip(m['warm-bo-shuffled']['final'], m['cold']['final']))}/{r['seeds']} seeds")
    if bad: sys.exit("transfer claims do not hold:\n  " + "\n  ".join(bad))
    print("transfer claims hold")

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--budget", type=int, default=50, help="evaluations per target study")
    ap.add_argument("--tasks", default=",".join(TASKS))
    ap.add_argument("--methods", default=",".join(METHODS))
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "transfer.json"), help="'' to skip writing")
    ap.add_argument("--check", action="store_true", help="only check issue #21's claims on the stored results (fails loudly when they are missing)")
    a = ap.parse_args(argv)
    if a.check: return check(a.out or str(Path(__file__).parent / "results" / "transfer.json"))
    methods, res = a.methods.split(","), {}
    assert methods[0] == "cold", "the first method must be 'cold' (it sets the target quality)"
    for task in a.tasks.split(","):
        runs = []
        for seed in range(a.seeds):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                runs.append(run(task, seed, a.budget, methods))
            print(f"{task} seed {seed}: " + "  ".join(f"{m} {runs[-1][m]['curve'][-1]:.4g} ({runs[-1][m]['seconds']:.0f}s)" for m in methods),
                  file=sys.stderr, flush=True)
        q = statistics.median(r["cold"]["curve"][-1] for r in runs)
        r_task = dict(target_regret=q, budget=a.budget, seeds=a.seeds, methods={})
        for m in methods:
            e = [evals_to(r[m]["curve"], q) for r in runs]
            qs = statistics.quantiles(e, n=4) if len(e) > 1 else [e[0]] * 3
            curves = [r[m]["curve"] for r in runs]
            med = [statistics.median(c[i] for c in curves) for i in range(a.budget)]
            finals = [c[-1] for c in curves]
            fq = statistics.quantiles(finals, n=4) if len(finals) > 1 else [finals[0]] * 3
            r_task["methods"][m] = dict(source_tau=[r[m]["source_tau"] for r in runs], mode=[r[m].get("mode") for r in runs], evals_to_target=e, median_evals=statistics.median(e), evals_q25=qs[0], evals_q75=qs[2],
                                        median_curve=med, median_curve_evals=evals_to(med, q), final=finals,
                                        median_final=statistics.median(finals), final_q25=fq[0], final_q75=fq[2],
                                        seconds_per_run=statistics.median(r[m]["seconds"] for r in runs))
        res[task] = r_task
    print(f"\nevaluations to reach cold start's median final regret after {a.budget} evaluations "
          f"(median [quartiles] over {a.seeds} seeds; inf = not reached), and median final regret [quartiles]")
    for task, r in res.items():
        print(f"{task}: target regret {r['target_regret']:.4g}")
        for m, s in r["methods"].items():
            print(f"  {m:20s} evals {s['median_evals']:>5} [{s['evals_q25']}, {s['evals_q75']}]   final regret {s['median_final']:.4g} "
                  f"[{s['final_q25']:.3g}, {s['final_q75']:.3g}]   median curve reaches it at {s['median_curve_evals']}   {s['seconds_per_run']:.0f}s/run")
        c, w, ws = (r["methods"].get(k) for k in ("cold", "warm-bo", "warm-bo-shuffled"))
        for k in ("warm-bo", "warm-rgpe"):
            if k in r["methods"]: print(f"  {k} needs {r['methods'][k]['median_evals'] / a.budget:.2f} x cold's budget (done means <= 0.5 for warm-bo)")
        if ws: print(f"  warm-bo with a shuffled source: median final regret {ws['median_final']:.4g} vs cold {c['median_final']:.4g}; "
                     f"not worse on {sum(x <= y for x, y in zip(ws['final'], c['final']))}/{a.seeds} seeds")
    if a.out:
        import surrnb
        meta = dict(seeds=a.seeds, budget=a.budget, machine=platform.platform(), cpus=os.cpu_count(), threads=1,
                    versions=dict(surrnb=surrnb.__version__, torch=torch.__version__), when=time.strftime("%Y-%m-%d %H:%M"))
        Path(a.out).parent.mkdir(parents=True, exist_ok=True)
        old = json.loads(Path(a.out).read_text()) if Path(a.out).exists() else {}
        if "meta" in old: old = {t: dict(meta=old["meta"], **r) for t, r in old["results"].items()}   # the first layout
        old.update({task: dict(meta=meta, **r) for task, r in res.items()})   # tasks run separately keep their own meta
        Path(a.out).write_text(json.dumps(old, indent=1, default=str))
        print(f"wrote {a.out}")
    return res

if __name__ == "__main__": main()
