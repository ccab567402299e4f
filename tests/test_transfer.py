"Warm starts (surrnb.search.transfer): an unusable source changes nothing, the transferred design sits at the source's optimum, a resumed study asks what the uninterrupted one asks."
import math, random
import torch
from surrnb.space import Space, Float, Categorical
from surrnb.study import Study
from surrnb.search.transfer import RGPE

SP = Space(a=Float(0, 1), b=Float(0, 1), c=Float(0, 1))
C = torch.tensor([0.3, 0.6, 0.2], dtype=torch.float64)

def well(X, s=0.0):
    "A Gaussian well of width 0.15 with its minimum -1 at C + s."
    return -torch.exp(-(X - C - s).square().sum(-1) / (2 * 0.15 ** 2))

def source(shuffle=None):
    "60 Sobol trials of the well (values permuted with seed `shuffle`, if given) as a (configs, values, direction) source."
    X = SP.sobol_X(60, seed=5); v = well(X).tolist()
    if shuffle is not None: random.Random(shuffle).shuffle(v)
    return (SP.decode(X), v, "minimize")

def target(cfg): return well(SP.encode(cfg), 0.05).item()

def test_shuffled_source_is_cold_bo():
    for s in range(3):
        warm = Study(SP, "warm-bo", seed=s, warm_start=[source(shuffle=s)]).optimize(target, 11)
        assert not warm.strategy.usable_sources(SP), warm.strategy.source_tau_
        cold = Study(SP, "bo", seed=s).optimize(target, 11)
        assert [t.config for t in warm.trials] == [t.config for t in cold.trials]

def test_design_at_the_source_optimum():
    r = RGPE([source()], n_local=6)
    D = r.warm_design(SP, r.usable_sources(SP))
    assert D.shape == (7, 3) and (D[0] - C).abs().max() < 0.03, D[0]
    assert ((D[1:] - D[0]).abs() <= r.max_width + 1e-9).all() and len({tuple(x.tolist()) for x in D}) == 7
    st = Study(SP, RGPE([source()], transfer="prior-mean", n_local=6), seed=0).optimize(target, 7)      # the design comes first, in order
    assert torch.allclose(SP.encode([t.config for t in st.trials]), D)

def test_prior_mean_beats_rgpe_on_a_moved_optimum():
    opt = well((C + 0.05)[None], 0.05).item()
    reg = {k: Study(SP, RGPE([source()], transfer=k), seed=0).optimize(target, 14).best.value - opt for k in ("prior-mean", "rgpe")}
    assert reg["prior-mean"] < 0.5 * reg["rgpe"], reg

def test_auto_uses_the_prior_mean_only_for_a_source_that_sampled_its_optimum():
    cfgs, vals, d = source()
    sampled = (cfgs + SP.decode(C[None]), vals + well(C[None]).tolist(), d)
    modes = {k: RGPE([s]) for k, s in (("sobol", source()), ("sampled", sampled))}
    assert {k: r.mode(SP, r.usable_sources(SP)) for k, r in modes.items()} == {"sobol": "rgpe", "sampled": "prior-mean"}
    st = Study(SP, "warm-bo", seed=0, warm_start=[sampled]).optimize(target, 3)
    assert st.strategy.mode_ == "prior-mean" and torch.allclose(SP.encode([st.trials[0].config]), st.strategy.warm_design(SP, [])[:1])

def test_resumed_study_asks_the_same(tmp_path):
    db = str(tmp_path / "w.db")
    full = Study(SP, "warm-bo", seed=1, warm_start=[source()]).optimize(target, 12)
    Study(SP, "warm-bo", seed=1, warm_start=[source()], storage=db, name="w").optimize(target, 6)
    resumed = Study(SP, "warm-bo", seed=1, warm_start=[source()], storage=db, name="w").optimize(target, 12)   # n_trials counts the stored ones
    assert [t.config for t in resumed.trials] == [t.config for t in full.trials]

def test_conditional_mixed_space_asks_valid_configs():
    sp = Space(opt=Categorical({"sgd": {"lr": Float(1e-3, 1.0, log=True)}, "adam": {"alr": Float(1e-4, 1e-1, log=True), "b1": Float(0.8, 0.99)}}), w=Float(0, 1))
    def f(cfg, s=0.0): return (math.log10(cfg.get("lr", cfg.get("alr"))) + 2 + s) ** 2 + (cfg["w"] - 0.3 - s) ** 2 + (0.5 if cfg["opt"] == "sgd" else 0.0)
    src = Study(sp, "random", seed=0).optimize(f, 30)
    st = Study(sp, "warm-bo", seed=0, warm_start=[src]).optimize(lambda c: 2 * f(c, 0.05), 10)
    assert st.strategy.usable_sources(sp) and all(sp.is_valid(t.config) for t in st.trials)
    assert st.best.value < 2 * min(t.value for t in src.trials) + 0.5    # near the source's best, on the target's scale
