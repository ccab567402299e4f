#!/usr/bin/env python
"""Seconds per suggestion of surrnb BO against Optuna GPSampler on every problem of the BO suite, in the same run.

Per seed, per problem, the methods run one after the other (interleaved, so that a change in the machine's load hits
all of them alike), each on one torch/BLAS thread, with the suite's budgets and its timing (`bench/bo_suite.py`:
time spent proposing points, initial design and surrnb's final `recommend` included, divided by the evaluations).
Wall-clock and process CPU seconds are both recorded; CPU time is the steadier of the two on a shared machine.

`--before REF` adds surrnb as it was at git commit REF (a copy of its `surrnb/` package, run by a worker process in the
same interleaved order): a before/after table from one run. Every surrnb run's recommended config and true value are
compared with the suite's stored cell for the same (problem, seed) (`bench/results/bo_suite_cells.json`): when they
agree, the suite's quality cells stay valid for the faster code and only timing needed re-measuring.

    python bench/bo_speed.py                         # 20 problems x 3 seeds: surrnb, optuna-gp
    python bench/bo_speed.py --before HEAD~1         # ... and surrnb at an earlier commit
    python bench/bo_speed.py --report                # the table from bench/results/bo_speed.json
    python bench/bo_speed.py --check                 # fail loudly when that file is missing or incomplete
"""
import os
for _v in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"): os.environ.setdefault(_v, "1")
import argparse, json, statistics, subprocess, sys, tempfile, time, platform
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
import bo_suite
from bo_suite import SUITE, RESULTS, run_cell, load_cells, _seeds, _key

OUT = RESULTS / "bo_speed.json"

def _cell(label, method, seed) -> dict:
    "One timed run: s/suggestion (wall, CPU), the recommended config and its true value."
    c = run_cell(label, method, seed, {})
    return {k: c[k] for k in ("sec_per_suggestion", "cpu_per_suggestion", "true_value", "config")}

def worker():
    "Run cells named on stdin ('label seed' per line) with whatever `surrnb` this process imports; one JSON line each."
    import surrnb
    print(json.dumps(dict(surrnb_file=surrnb.__file__)), flush=True)
    for line in sys.stdin:
        label, seed = line.split()
        print(json.dumps(_cell(label, "surrnb", int(seed))), flush=True)

class Before:
    "surrnb at git commit `ref`, in a worker process (its own copy of the package first on PYTHONPATH)."
    def __init__(self, ref):
        self.dir = tempfile.mkdtemp(prefix="surrnb_before_")
        root = Path(__file__).resolve().parent.parent
        arch = subprocess.run(["git", "archive", ref, "surrnb"], cwd=root, check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", self.dir], input=arch, check=True)
        self.commit = subprocess.run(["git", "rev-parse", ref], cwd=root, check=True, capture_output=True, text=True).stdout.strip()
        env = {**os.environ, "PYTHONPATH": self.dir}
        self.p = subprocess.Popen([sys.executable, __file__, "--worker"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
        hello = json.loads(self.p.stdout.readline())
        if not hello["surrnb_file"].startswith(self.dir): raise SystemExit(f"the worker imported {hello['surrnb_file']}, not the copy in {self.dir}")
    def __call__(self, label, seed) -> dict:
        self.p.stdin.write(f"{label} {seed}\n"); self.p.stdin.flush()
        line = self.p.stdout.readline()
        if not line: raise SystemExit("the surrnb-before worker died")
        return json.loads(line)

def _same(a: dict, b: dict) -> bool:
    "Two configs equal (floats to 1e-9 relative, as tests/test_bo.py pins them)."
    if a.keys() != b.keys(): return False
    return all(abs(a[k] - b[k]) <= 1e-9 * max(1.0, abs(b[k])) if isinstance(b[k], float) else a[k] == b[k] for k in a)

def summarise(cells: dict, methods: list) -> dict:
    "Per problem: median s/suggestion (wall and CPU) over seeds per method, surrnb / optuna-gp ratios, and the stored-cell agreement."
    stored, res = load_cells(), {}
    for label, *_ in SUITE:
        row = {}
        for m in methods:
            cs = [c for k, c in cells.items() if k.startswith(f"{label}|{m}|")]
            if not cs: continue
            row[m] = dict(seeds=len(cs), wall=statistics.median(c["sec_per_suggestion"] for c in cs),
                          cpu=statistics.median(c["cpu_per_suggestion"] for c in cs),
                          wall_per_seed=[c["sec_per_suggestion"] for c in cs], cpu_per_seed=[c["cpu_per_suggestion"] for c in cs])
            if m.startswith("surrnb"):
                same = [(_same(c["config"], stored[_key(label, "surrnb", c["seed"])]["config"])) for c in cs if _key(label, "surrnb", c["seed"]) in stored]
                row[m]["same_config_as_suite"] = f"{sum(same)}/{len(same)}"
        if "surrnb" in row and "optuna-gp" in row:
            g = row["optuna-gp"]
            row["ratio"] = dict(wall=row["surrnb"]["wall"] / g["wall"], cpu=row["surrnb"]["cpu"] / g["cpu"])
            if "surrnb-before" in row:   # before/after on the seeds the before-run has (paired), all three methods on those seeds
                bs = sorted(c["seed"] for k, c in cells.items() if k.startswith(f"{label}|surrnb-before|"))
                med = lambda m, k: statistics.median(cells[_key(label, m, s)][k] for s in bs)
                row["before_seeds"] = bs
                for m in ("surrnb", "surrnb-before", "optuna-gp"):
                    row[m]["on_before_seeds"] = dict(wall=med(m, "sec_per_suggestion"), cpu=med(m, "cpu_per_suggestion"))
                b, a, gb = row["surrnb-before"]["on_before_seeds"], row["surrnb"]["on_before_seeds"], row["optuna-gp"]["on_before_seeds"]
                row["ratio_before"] = dict(wall=b["wall"] / gb["wall"], cpu=b["cpu"] / gb["cpu"])
                row["ratio_after_on_before_seeds"] = dict(wall=a["wall"] / gb["wall"], cpu=a["cpu"] / gb["cpu"])
                row["speedup"] = dict(wall=b["wall"] / a["wall"], cpu=b["cpu"] / a["cpu"])
        if row: res[label] = row
    return res

def print_table(res: dict):
    has_before = any("ratio_before" in r for r in res.values())
    print("median seconds per suggestion over seeds, wall / CPU; ratio = surrnb / Optuna GPSampler")
    hdr = f"{'problem':20s} {'surrnb':>15s} " + (f"{'surrnb before':>15s} " if has_before else "") + f"{'optuna-gp':>15s} {'ratio wall/cpu':>15s}" + \
          (f" {'before/gp (seeds of before)':>28s} {'speed-up (same seeds)':>22s}" if has_before else "") + "  same config as suite"
    print(hdr)
    f = lambda r: f"{r['wall']:.3f}/{r['cpu']:.3f}"
    for label, r in res.items():
        if "ratio" not in r: continue
        line = f"{label:20s} {f(r['surrnb']):>15s} " + (f"{f(r['surrnb-before']):>15s} " if has_before and 'surrnb-before' in r else "") + \
               f"{f(r['optuna-gp']):>15s} {r['ratio']['wall']:7.2f}/{r['ratio']['cpu']:.2f}"
        if has_before and "ratio_before" in r: line += f" {r['ratio_before']['wall']:20.2f}/{r['ratio_before']['cpu']:.2f} {r['speedup']['wall']:17.2f}/{r['speedup']['cpu']:.2f}"
        print(line + f"  {r['surrnb'].get('same_config_as_suite', '-')}")
    rs = [r for r in res.values() if "ratio" in r]
    for k in ("wall", "cpu"):
        line = f"surrnb <= optuna-gp ({k}): {sum(r['ratio'][k] <= 1 for r in rs)}/{len(rs)} problems"
        if has_before: line += f";  before: {sum(r['ratio_before'][k] <= 1 for r in rs if 'ratio_before' in r)}/{sum('ratio_before' in r for r in rs)}"
        print(line)

def run(labels, seeds, before, out):
    data = json.loads(out.read_text()) if out.exists() else dict(meta={}, cells={})
    cells = data["cells"]
    bw = Before(before) if before else None
    methods = ["surrnb"] + (["surrnb-before"] if bw else []) + ["optuna-gp"]
    load0, started = os.getloadavg(), time.strftime("%Y-%m-%d %H:%M:%S")
    for seed in seeds:                                  # seed-major, methods interleaved per problem
        for label in labels:
            for m in methods:
                k = _key(label, m, seed)
                if k in cells: continue
                c = bw(label, seed) if m == "surrnb-before" else _cell(label, m, seed)
                cells[k] = dict(c, problem=label, method=m, seed=seed, load=os.getloadavg()[0])
                print(f"{label:20s} {m:14s} seed {seed}: s/suggestion {c['sec_per_suggestion']:.3f} wall, {c['cpu_per_suggestion']:.3f} cpu  (load {os.getloadavg()[0]:.1f})", flush=True)
            m0 = data["meta"]
            prev = m0.get("runs") or ([dict(command=m0["command"], started=m0.get("when"), last=m0.get("when"), loadavg_start=m0.get("loadavg_start"),
                                            loadavg_last=m0.get("loadavg_now"), before_commit=m0.get("before_commit"))] if "command" in m0 else [])
            runs = [r for r in prev if r["started"] != started]   # one entry per invocation, this one updated
            runs.append(dict(command="python bench/bo_speed.py " + " ".join(sys.argv[1:]), started=started, last=time.strftime("%Y-%m-%d %H:%M"),
                             loadavg_start=load0, loadavg_last=os.getloadavg(), before_commit=bw.commit if bw else None))
            data["meta"] = dict(machine=platform.platform(), cpus=os.cpu_count(), threads=1, runs=runs)
            data["results"] = summarise(cells, [m for m in ("surrnb", "surrnb-before", "optuna-gp") if any(c["method"] == m for c in cells.values())])
            out.write_text(json.dumps(data, indent=1))
    print_table(data["results"])
    print(f"load average (1-minute) at the start {load0[0]:.1f}, at the end {os.getloadavg()[0]:.1f}, on {os.cpu_count()} CPUs; wrote {out}")

def check(out=OUT, min_seeds=3):
    "Fail loudly when the timing file is missing or does not cover every suite problem with min_seeds seeds of both methods."
    if not out.exists(): raise SystemExit(f"FAIL: {out} is missing: run `python bench/bo_speed.py`")
    res = json.loads(out.read_text())["results"]
    short = [l for l, *_ in SUITE if l not in res or any(res[l].get(m, {}).get("seeds", 0) < min_seeds for m in ("surrnb", "optuna-gp"))]
    if short: raise SystemExit(f"FAIL: fewer than {min_seeds} seeds of surrnb and optuna-gp on {short}")
    print_table(res)

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--problems", default=",".join(s[0] for s in SUITE))
    ap.add_argument("--seeds", default="0-2")
    ap.add_argument("--before", default="", help="a git commit: also time surrnb as it was there")
    ap.add_argument("--out", default=str(OUT))
    ap.add_argument("--report", action="store_true")
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.worker: return worker()
    if a.check: return check(Path(a.out))
    if a.report:   # recompute the summary from the stored cells (no new runs), rewrite it, print it
        data = json.loads(Path(a.out).read_text())
        data["results"] = summarise(data["cells"], [m for m in ("surrnb", "surrnb-before", "optuna-gp") if any(c["method"] == m for c in data["cells"].values())])
        Path(a.out).write_text(json.dumps(data, indent=1))
        return print_table(data["results"])
    labels = a.problems.split(",")
    bad = [l for l in labels if l not in {s[0] for s in SUITE}]
    if bad: raise SystemExit(f"unknown suite problems {bad}")
    run(labels, _seeds(a.seeds), a.before, Path(a.out))

if __name__ == "__main__": main()
