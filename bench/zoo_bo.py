"""BO with every surrogate of the zoo, and the heteroscedastic comparison (GOBI vs bo-gp), written as JSON for the docs.

Default mode: the loop of ``surrnb bench`` (Sobol design, then BO; regret of the best observed point) for each
strategy on each problem, ``--seeds`` seeds and ``--budget`` evaluations, plus two stall diagnostics: the fraction
of suggestions on the boundary of the unit cube and the fraction of runs that ever beat the initial design. One
row per (problem, strategy) with every seed's regret, stored in ``--json`` after each row (earlier rows for the
same pair are replaced), so a long run can be split across invocations.

``--hetero``: ``hetero-branin`` (noise std 0.05 + 20 u1^3), strategies ``bo-gp``, ``gobi-hgp`` (GOBI on the
heteroscedastic GP), ``gobi-gp`` (the same with a homoscedastic GP: the ablation), ``bo-hgp``, ``random`` (``gobi``, the
ensemble, on request: 3 s/suggestion); the regret is that of the *recommended* point (each strategy's own
``recommend``; best observed for random), because on a noisy problem the best observed value is mostly luck.

``--check``: reads the stored JSON and fails loudly (non-zero exit) when a file is missing or a claim does not hold:
every neural surrogate's median regret at most 1/3 of random search's on every problem; on hetero-branin, gobi-hgp's
median regret below bo-gp's with more paired seed wins than losses and a two-sided sign-test p < 0.05. Ratios and spreads are printed either way.

Usage:
    python bench/zoo_bo.py --problems hartmann6,branin,hartmann3 --strategies bo-ensemble,random --seeds 10 --budget 50
    python bench/zoo_bo.py --hetero --seeds 20 --budget 30 [--strategies gobi,bo-gp --seed0 0]
    python bench/zoo_bo.py --check
"""
import argparse, json, math, os, statistics, sys, time, warnings
import torch
from surrnb.core import threads
from surrnb.problems import problems
from surrnb.study import Study, strategies
from surrnb.surrogates.core import surrogates
from surrnb.search.bo import BayesOpt

NEURAL = ["bo-ensemble", "bo-mc-dropout", "bo-bnn", "bo-hmc", "bo-dkl", "bo-nngp"]
MAIN, HETERO = "bench/results/zoo_bo50.json", "bench/results/zoo_hetero.json"

def _q(v, p): return float(torch.quantile(torch.tensor(v, dtype=torch.float64), p))

def _store(path, row, key=("problem", "strategy")):
    old = json.load(open(path)) if os.path.isfile(path) else dict(rows=[])
    rows = [r for r in old["rows"] if tuple(r[k] for k in key) != tuple(row[k] for k in key)] + [row]
    os.makedirs(os.path.dirname(path), exist_ok=True)
    json.dump(dict(rows=rows, loadavg=os.getloadavg()), open(path, "w"), indent=1)

def make_strategy(sn, reuse=False, surrogate_kw=None):
    "The strategy `sn`; with `reuse`, a `bo-NAME` gets one surrogate object for the whole run (warm starts, scale refreshed as the data grow)."
    kw = dict(surrogate_kw or {})
    if not (reuse and sn.startswith("bo-")): return strategies.get(sn, **kw)
    return BayesOpt(surrogate=surrogates.get(sn[3:], **kw))

def run_one(pn, sn, seed, budget, reuse=False, surrogate_kw=None):
    "One BO run: final regret of the best observed point, seconds per suggestion, and two stall diagnostics."
    prob = problems.get(pn)
    st = Study(prob.space, strategy=make_strategy(sn, reuse, surrogate_kw), storage=":memory:", name="zoo", seed=seed)
    t_ask, vals, edge = 0.0, [], 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(budget):
            t1 = time.perf_counter(); tr = st.ask(); t_ask += time.perf_counter() - t1
            x = prob.space.encode([tr.config])[0]
            edge += int(((x < 1e-3) | (x > 1 - 1e-3)).any())
            vals.append(prob.evaluate(tr.config)); st.tell(tr, vals[-1])
    n0 = st.strategy.init_size(prob.space) if hasattr(st.strategy, "init_size") else None   # None: no initial design
    return dict(regret=float(prob(prob.space.encode([st.best.config]))[0]) - prob.optimum, sps=t_ask / budget,
                edge=edge / budget, improved=None if n0 is None else bool(min(vals[n0:]) < min(vals[:n0])))

def run_main(a):
    for pn in a.problems.split(","):
        for sn in a.strategies.split(","):
            t0 = time.time()
            runs = []
            for seed in range(a.seeds):
                runs.append(run_one(pn, sn, seed, a.budget, a.reuse, json.loads(a.surrogate_kw)))
                print(f"  {pn} {sn} seed {seed}: regret {runs[-1]['regret']:.4g} ({runs[-1]['sps']:.2f} s/suggestion)", flush=True)
            regrets = [r["regret"] for r in runs]
            r = dict(problem=pn, strategy=sn, seeds=a.seeds, budget=a.budget, regrets=regrets, median_regret=statistics.median(regrets),
                     q25=_q(regrets, 0.25), q75=_q(regrets, 0.75), sec_per_suggestion=statistics.median([r["sps"] for r in runs]),
                     boundary_fraction=statistics.mean([r["edge"] for r in runs]),
                     improved_after_design=None if runs[0]["improved"] is None else statistics.mean([r["improved"] for r in runs]),
                     wall_s=time.time() - t0, reuse=a.reuse, surrogate_kw=json.loads(a.surrogate_kw))
            _store(a.json, r)
            print(f"{pn:10s} {sn:14s} median regret {r['median_regret']:.4g} [q25 {r['q25']:.3g}, q75 {r['q75']:.3g}] "
                  f"{r['sec_per_suggestion']:.2f} s/suggestion ({r['wall_s']:.0f} s)", flush=True)

def _recommend(study, strat):
    "The recommended config: the strategy's own, or the tried point with the lowest posterior mean of its model."
    if hasattr(strat, "recommend"): return strat.recommend(study)
    m = getattr(strat, "model", None)
    X, y, _ = study.observations()
    if m is None or not len(X): return study.best.config
    with torch.no_grad(), threads(1): i = int(m.posterior(X).mean.argmin())
    return study.space.decode(X[i:i + 1])[0]

# --hetero strategies: registered names, or (registered name, options) for ablations measured in the same run
HETERO_DEFAULT = ["bo-gp", "gobi-hgp", "gobi-gp", "bo-hgp", "random"]
HETERO_VARIANTS = {"gobi-gp": ("gobi", dict(surrogate="gp", explore="kg", rec_k=2.0, warp="power")),   # gobi-hgp with a homoscedastic GP
                   "gobi-hgp-averse": ("gobi-hgp", dict(k_ale=-1.0))}   # penalises the predicted noise std in the acquisition

def _hetero_strategy(sn):
    name, kw = HETERO_VARIANTS.get(sn, (sn, {}))
    return strategies.get(name, **kw)

def sign_test(wins, losses):
    "Two-sided exact sign test p-value (ties dropped)."
    n, k = wins + losses, min(wins, losses)
    return 1.0 if n == 0 else min(1.0, 2 * sum(math.comb(n, i) for i in range(k + 1)) / 2 ** n)

def run_hetero(a):
    prob_name = "hetero-branin"
    seeds = list(range(a.seed0, a.seed0 + a.seeds))
    for sn in a.strategies.split(",") if a.strategies != "default" else HETERO_DEFAULT:
        regrets, sps, t0 = [], [], time.time()
        for seed in seeds:
            prob = problems.get(prob_name, seed=seed)
            strat = _hetero_strategy(sn)
            st = Study(prob.space, strategy=strat, storage=":memory:", name="hetero", seed=seed)
            t_ask = 0.0
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for _ in range(a.budget):
                    t1 = time.perf_counter(); tr = st.ask(); t_ask += time.perf_counter() - t1
                    st.tell(tr, prob.evaluate(tr.config))
            rec = _recommend(st, strat)
            regrets.append(float(prob(prob.space.encode([rec]))[0]) - prob.optimum); sps.append(t_ask / a.budget)
            print(f"  {prob_name} {sn} seed {seed}: regret {regrets[-1]:.4g} ({sps[-1]:.2f} s/suggestion)", flush=True)
        r = dict(problem=prob_name, strategy=sn, seeds=a.seeds, seed_list=seeds, budget=a.budget, regrets=regrets,
                 median_regret=statistics.median(regrets), q25=_q(regrets, 0.25), q75=_q(regrets, 0.75),
                 sec_per_suggestion=statistics.median(sps), wall_s=time.time() - t0, options=HETERO_VARIANTS.get(sn, (sn, {}))[1])
        _store(a.json_hetero, r)
        print(f"{prob_name} {sn:8s} median regret {r['median_regret']:.4g} [q25 {r['q25']:.3g}, q75 {r['q75']:.3g}] "
              f"{r['sec_per_suggestion']:.2f} s/suggestion", flush=True)

def hetero_table(rows, ref="bo-gp"):
    "Rows of the hetero comparison with paired wins/losses against `ref` on the shared seeds and the sign-test p, on all seeds and on halves."
    by, out = {r["strategy"]: r for r in rows}, []
    for sn, r in by.items():
        row = dict(strategy=sn, seeds=r["seeds"], median=r["median_regret"], q25=r["q25"], q75=r["q75"], sps=r["sec_per_suggestion"])
        if ref in by and sn != ref and r.get("seed_list") and r.get("seed_list") == by[ref].get("seed_list"):
            a, b = r["regrets"], by[ref]["regrets"]
            w, l = sum(x < y for x, y in zip(a, b)), sum(x > y for x, y in zip(a, b))
            row.update(wins=w, losses=l, p_sign=sign_test(w, l), ratio=r["median_regret"] / by[ref]["median_regret"])
        out.append(row)
    return out

def check(a):
    fails = []
    for path in (a.json, a.json_hetero):
        if not os.path.isfile(path): raise SystemExit(f"missing {path}: run python bench/zoo_bo.py (see --help)")
    rows = json.load(open(a.json))["rows"]
    for pn in sorted({r["problem"] for r in rows}):
        by = {r["strategy"]: r for r in rows if r["problem"] == pn}
        if "random" not in by: fails.append(f"{pn}: no random baseline"); continue
        rnd = by["random"]["median_regret"]
        for sn, r in sorted(by.items(), key=lambda kv: kv[1]["median_regret"]):
            ratio = r["median_regret"] / rnd if rnd > 0 else float("nan")
            print(f"{pn:10s} {sn:14s} median {r['median_regret']:.4g} [q25 {r['q25']:.3g}, q75 {r['q75']:.3g}] "
                  f"x{ratio:.2f} of random ({r['seeds']} seeds, {r['budget']} evals)")
            if sn in NEURAL and not ratio <= 1 / 3: fails.append(f"{pn} {sn}: {ratio:.2f} x random (claim: <= 0.33)")
        fails += [f"{pn} {sn}: not run" for sn in NEURAL if sn not in by]
    hrows = json.load(open(a.json_hetero))["rows"]
    for t in hetero_table(hrows):
        vs = f" vs bo-gp: x{t['ratio']:.2f}, wins {t['wins']}/losses {t['losses']}, sign-test p {t['p_sign']:.3f}" if "wins" in t else ""
        print(f"hetero-branin {t['strategy']:9s} median {t['median']:.4g} [q25 {t['q25']:.3g}, q75 {t['q75']:.3g}] ({t['seeds']} seeds){vs}")
    het = {t["strategy"]: t for t in hetero_table(hrows)}
    if "gobi-hgp" not in het or "wins" not in het["gobi-hgp"]: fails.append("hetero-branin: gobi-hgp and bo-gp not measured on the same seeds")
    else:   # the claim: the heteroscedastic surrogate beats bo-gp, beyond noise (paired sign test)
        t = het["gobi-hgp"]
        if not (t["ratio"] < 1 and t["wins"] > t["losses"] and t["p_sign"] < 0.05):
            fails.append(f"hetero-branin: gobi-hgp {t['median']:.3g} vs bo-gp x{t['ratio']:.2f}, {t['wins']} wins/{t['losses']} losses, sign p {t['p_sign']:.3f} (claim: lower median, p < 0.05)")
    if fails: raise SystemExit("claims that do not hold:\n  " + "\n  ".join(fails))
    print("ok: every claim holds")

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--problems", default="hartmann6,branin,hartmann3")
    ap.add_argument("--strategies", default=None)
    ap.add_argument("--seeds", type=int, default=10); ap.add_argument("--budget", type=int, default=None)
    ap.add_argument("--seed0", type=int, default=0, help="--hetero: first seed (seeds seed0 .. seed0 + seeds - 1)")
    ap.add_argument("--json", default=MAIN); ap.add_argument("--json-hetero", default=HETERO)
    ap.add_argument("--hetero", action="store_true"); ap.add_argument("--check", action="store_true")
    ap.add_argument("--reuse", action="store_true", help="one surrogate object per BO run (warm starts; the variance scale refreshed as the data grow)")
    ap.add_argument("--surrogate-kw", default="{}", help="JSON options for the surrogate (or the strategy without --reuse)")
    a = ap.parse_args()
    if a.check: check(a); sys.exit(0)
    if a.hetero:
        a.strategies, a.budget = a.strategies or "default", a.budget or 40
        run_hetero(a)
    else:
        a.strategies, a.budget = a.strategies or ",".join(["bo-gp", "random"] + NEURAL), a.budget or 50
        run_main(a)
