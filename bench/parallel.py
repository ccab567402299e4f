#!/usr/bin/env python
"""Speed-up of parallel executors: an objective that sleeps 1 s, 20 trials, 1 worker against 2 workers, with
executor="process" (spawned worker processes) and executor="ray" (a local Ray runtime), plus "local" (threads) for
reference. Wall time of `study.optimize` includes starting the worker processes (process executor); the Ray runtime
is started and warmed up (one worker per CPU) before timing, and its start-up time is printed separately.
Target: 2 workers >= 1.8x faster than 1. Writes bench/results/parallel.json.

    python bench/parallel.py                      # 20 trials of 1 s, all executors (about 2 minutes)
    python bench/parallel.py --executors process  # one executor
"""
import argparse, json, os, platform, time
from pathlib import Path

def sleep1(config):
    "The benchmark objective: 1 s of waiting, then a value."
    time.sleep(1.0)
    return config["x"]

def noop(config): return config["x"]

def timed_run(executor, n_workers, n_trials, seed):
    from surrnb.space import Space, Float
    from surrnb.study import Study
    study = Study(Space(x=Float(0, 1)), strategy="random", storage=":memory:", seed=seed)
    t0 = time.perf_counter()
    study.optimize(sleep1, n_trials=n_trials, n_workers=n_workers, executor=executor, show_progress=False)
    dt = time.perf_counter() - t0
    assert study.n_finished == n_trials and all(str(t.state) == "COMPLETE" for t in study.trials)
    assert len({t.config["x"] for t in study.trials}) == n_trials
    return dt

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--trials", type=int, default=20)
    ap.add_argument("--executors", default="process,ray,local")
    ap.add_argument("--json", default=str(Path(__file__).parent / "results" / "parallel.json"))
    a = ap.parse_args(argv)
    rows = []
    for ex in a.executors.split(","):
        extra = {}
        if ex == "ray":
            import ray
            from surrnb.space import Space, Float
            from surrnb.study import Study
            t0 = time.perf_counter()
            warm = Study(Space(x=Float(0, 1)), storage=":memory:")   # starts the runtime (2 CPUs) and its 2 workers
            warm.optimize(noop, n_trials=4, n_workers=2, executor="ray", show_progress=False)
            extra["ray_start_and_warmup_s"] = round(time.perf_counter() - t0, 2)
        t1 = timed_run(ex, 1, a.trials, seed=1)
        t2 = timed_run(ex, 2, a.trials, seed=2)
        rows.append(dict(executor=ex, trials=a.trials, seconds_1_worker=round(t1, 2), seconds_2_workers=round(t2, 2),
                         speedup=round(t1 / t2, 3), ideal=2.0, **extra))
        print(f"{ex:<8} 1 worker {t1:6.2f} s   2 workers {t2:6.2f} s   speed-up {t1 / t2:.2f}x (target >= 1.8x)"
              + (f"   [Ray start + warm-up {extra['ray_start_and_warmup_s']:.1f} s, not timed]" if extra else ""), flush=True)
        if ex == "ray": ray.shutdown()
    out = dict(objective="sleep 1 s", rows=rows, machine=f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
               load_average=os.getloadavg())
    Path(a.json).parent.mkdir(parents=True, exist_ok=True)
    Path(a.json).write_text(json.dumps(out, indent=1))
    print(f"wrote {a.json} (load average during the run: {out['load_average'][0]:.1f})")

if __name__ == "__main__": main()
