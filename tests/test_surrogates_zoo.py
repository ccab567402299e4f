"Fast checks of the surrogate zoo through the installed package: every surrogate fits, predicts and plugs into BO."
import math
import pytest, torch
from torch import nn
from surrnb.surrogates.core import surrogates, Posterior
import surrnb.surrogates.forest, surrnb.surrogates.nngp, surrnb.surrogates.pfn  # noqa: F401
from surrnb.train.population import Population, fit_loop, init_members

SMALL = {  # cheap settings: these tests check plumbing, the notebooks check quality
    "ensemble": dict(K=3, steps=60), "mc-dropout": dict(steps=60, T=8), "bnn": dict(chains=2, n_samples=5, warmup=50, init_steps=30),
    "hmc": dict(chains=2, n_samples=5, warmup=10, n_leapfrog=3, init_steps=30), "dkl": dict(steps=20), "rf": dict(n_trees=10),
    "nngp": dict(steps=20), "pfn": {},
}

def data(n=15, d=2, seed=0):
    g = torch.Generator().manual_seed(seed)
    X = torch.rand(n, d, generator=g, dtype=torch.float64)
    return X, torch.sin(4 * X[:, 0]) + X[:, 1]

@pytest.mark.parametrize("name", sorted(SMALL))
def test_fit_posterior(name):
    X, y = data()
    s = surrogates.get(name, **SMALL[name]).fit(X, y)
    Xq = torch.rand(7, 2, dtype=torch.float64)
    with torch.no_grad(): p = s.posterior(Xq)
    assert isinstance(p, Posterior)
    assert p.mean.shape == (7,) and p.variance.shape == (7,)
    assert torch.isfinite(p.mean).all() and (p.variance > 0).all()
    assert p.sample(4, seed=0).shape == (4, 7)
    assert torch.equal(p.sample(3, seed=1), p.sample(3, seed=1))
    assert abs(p.mean.mean().item() - y.mean().item()) < 3 * y.std().item()     # predictions on the data's scale

@pytest.mark.parametrize("name", ["ensemble", "dkl", "nngp", "bnn", "pfn"])
def test_posterior_differentiable(name):
    X, y = data()
    s = surrogates.get(name, **SMALL[name]).fit(X, y)
    Xq = torch.rand(3, 2, dtype=torch.float64, requires_grad=True)
    p = s.posterior(Xq); (p.mean + p.variance).sum().backward()
    assert Xq.grad is not None and torch.isfinite(Xq.grad).all()

@pytest.mark.parametrize("name", sorted(SMALL))
def test_bo_name_resolves(name):
    from surrnb.study import strategies
    s = strategies.get(f"bo-{name}")
    assert type(s).__name__ == "BayesOpt" and s.surrogate == name

def test_bo_ensemble_runs():
    from surrnb.study import Study
    from surrnb.search.bo import BayesOpt
    from surrnb.problems import get_problem
    prob = get_problem("branin")
    st = Study(prob.space, strategy=BayesOpt(surrogate="ensemble", n_raw=64, n_restarts=1, maxiter=5, K=2, steps=30), storage=":memory:", seed=0)
    st.optimize(prob.evaluate, n_trials=7, show_progress=False)
    assert len(st.trials) == 7 and math.isfinite(st.best.value)

def test_population_equals_loop():
    mk = lambda: nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))
    X, y = data(20); y = y[:, None]
    kw = dict(epochs=5, batch_size=8, lr=1e-2, bootstrap=True, seed=3)
    pop = Population(mk, K=3, seed=1, dtype=torch.float64).fit(X, y, **kw)
    loop = fit_loop(init_members(mk, 3, seed=1, dtype=torch.float64), X, y, **kw)
    with torch.no_grad(): assert torch.allclose(pop(X), torch.stack([m(X) for m in loop]), atol=1e-10)

def test_pfn_checkpoint_ships():
    "The PFN checkpoint is package data: it must be inside the installed package and small."
    from surrnb.surrogates.pfn import DEFAULT_CHECKPOINT, load_pfn
    assert DEFAULT_CHECKPOINT.is_file() and DEFAULT_CHECKPOINT.stat().st_size < 5 * 2**20
    assert load_pfn() is load_pfn()                                                # cached

# --- recalibration, heteroscedastic ensemble, GOBI, bo-auto, house order -------------------------------------------
from surrnb.surrogates.core import Surrogate, GaussianPosterior, Recalibrated, coverage, cv_zscores, conformal_scale

class _Narrow(Surrogate):
    "The true mean of y = x1 + x2 + N(0, 0.5²) with a std five times too small."
    def fit(self, X, y): self.prepare(X, y); return self.calibrated(X, y)
    def posterior(self, X): return self.scaled(GaussianPosterior(X.sum(-1), torch.full((len(X),), 0.01, dtype=torch.float64)))

def _noisy(n, seed):
    g = torch.Generator().manual_seed(seed)
    X = torch.rand(n, 2, generator=g, dtype=torch.float64)
    return X, X.sum(-1) + 0.5 * torch.randn(n, generator=g, dtype=torch.float64)

def test_recalibration_restores_coverage():
    X, y = _noisy(1000, 0); Xt, yt = _noisy(4000, 1)
    raw, rc = _Narrow().fit(X, y), Recalibrated(_Narrow()).fit(X, y)
    assert coverage(raw.posterior(Xt), yt, 0.9) < 0.3
    assert abs(coverage(rc.posterior(Xt), yt, 0.9) - 0.9) < 0.04
    assert abs(rc.var_scale_ - 25.0) < 5.0                         # std 0.5 / 0.1

def test_conformal_scale_closed_form():
    z = torch.randn(200_000, generator=torch.Generator().manual_seed(0), dtype=torch.float64) * 3.0
    assert abs(conformal_scale(z, 0.9) - 3.0) < 0.03

def test_cv_does_not_leak():
    "Fold models are fresh: a warm-started ensemble's CV z-scores match a cold one's to within noise, not a leak's."
    X, y = data(30)
    s = surrogates.get("ensemble", K=2, steps=40, calibrate=False).fit(X, y)
    assert s.fresh().pop_ is None and s.fresh().var_scale_ == 1.0 and s.pop_ is not None

def test_hetero_split_exact():
    X, y = data(20)
    h = surrogates.get("hetero-ensemble", K=2, steps=40, calibrate=False).fit(X, y)
    Xq = torch.rand(5, 2, dtype=torch.float64)
    with torch.no_grad():
        assert torch.allclose(h.posterior(Xq).variance, h.latent(Xq).variance + h.aleatoric(Xq), atol=1e-10)
    hc = surrogates.get("hetero-ensemble", K=2, steps=40).fit(X, y)      # the default scales the sum by the CV fit's s²
    with torch.no_grad():
        assert hc.var_scale_ != 1.0 and torch.allclose(hc.posterior(Xq).variance, hc.var_scale_ * (hc.latent(Xq).variance + hc.aleatoric(Xq)), rtol=1e-8)

def test_gobi_and_bo_auto_run():
    from surrnb.study import Study, strategies
    from surrnb.problems import problems
    prob = problems.get("hetero-branin")
    st = Study(prob.space, strategy=strategies.get("gobi", n_starts=8, ascent_steps=20, K=2, steps=40, warm_steps=10), storage=":memory:", seed=0)
    st.optimize(prob.evaluate, n_trials=7, show_progress=False)
    assert len(st.trials) == 7 and st.recommend() is not None
    auto = strategies.get("bo-auto", candidates=("mean", "gp"), every=2)
    st2 = Study(prob.space, strategy=auto, storage=":memory:", seed=0)
    st2.optimize(prob.evaluate, n_trials=8, show_progress=False)
    rep = st2.surrogate_report()
    assert set(rep["surrogate"]) == {"mean", "gp"} and rep["chosen"].sum() == rep["n"].nunique()

def test_house_order():
    "One gaussian_nll; no methods assigned by hand in the surrogate modules or the population trainer."
    import pathlib, re, surrnb
    root = pathlib.Path(surrnb.__file__).parent
    files = list((root / "surrogates").glob("*.py")) + [root / "train" / "population.py"]
    assert not [f.name for f in files if re.search(r"^[A-Z][A-Za-z]*\.[a-z_]+ = ", f.read_text(), re.M)]
    defs = [f.name for f in root.rglob("*.py") if re.search(r"^def gaussian_nll\b", f.read_text(), re.M)]
    assert defs == ["core.py"], defs

# --- heteroscedastic GP (19_surrogates.hetero) -------------------------------------------------------------------------
def test_hgp_homoscedastic_special_case():
    "With no noise rounds HeteroGP is the GP: same hyperparameters, same posterior."
    from surrnb.surrogates.gp import GP
    X, y = data(20)
    h, g = surrogates.get("hgp", iters=0, calibrate=False).fit(X, y), GP(calibrate=False).fit(X, y)   # the exact posteriors
    Xq = torch.rand(6, 2, dtype=torch.float64)
    with torch.no_grad(): ph, pg = h.posterior(Xq), g.posterior(Xq)
    assert torch.allclose(ph.mean, pg.mean, atol=1e-10) and torch.allclose(ph.variance, pg.variance, atol=1e-10)
    hc = surrogates.get("hgp", iters=0).fit(X, y)                  # the default: the same posterior, its variance scaled by the CV fit
    with torch.no_grad(): pc = hc.posterior(Xq)
    assert hc.var_scale_ != 1.0 and torch.allclose(pc.mean, ph.mean, atol=1e-10) and torch.allclose(pc.variance, ph.variance * hc.var_scale_, rtol=1e-8)

def test_hgp_learns_input_dependent_noise():
    "Noise std 0.02 on the left half, 0.5 on the right: the fitted noise is at least 4x larger on the right, and fantasies keep it."
    g = torch.Generator().manual_seed(0)
    X = torch.rand(60, 1, generator=g, dtype=torch.float64)
    sd = torch.where(X[:, 0] < 0.5, 0.02, 0.5)
    y = torch.sin(6 * X[:, 0]) + sd * torch.randn(60, generator=g, dtype=torch.float64)
    h = surrogates.get("hgp").fit(X, y)
    nsd = h.noise_variance(torch.tensor([[0.2], [0.8]], dtype=torch.float64)).detach().sqrt()
    assert nsd[1] > 4 * nsd[0], nsd
    Xp = torch.tensor([[0.25], [0.75]], dtype=torch.float64)
    c = h.condition_on(Xp, torch.zeros(2, dtype=torch.float64))
    assert torch.allclose(c.noise_factors()[-2:], h._log_rel_at(Xp).exp()) and len(c.y_) == 62
    assert torch.equal(c.noise_factors()[:60], h.rel_) and torch.equal(h.noise_factors(), h.rel_)   # the fitted points keep theirs

def test_gobi_hgp_and_bo_hgp_run():
    from surrnb.study import Study, strategies
    from surrnb.problems import problems
    prob = problems.get("hetero-branin")
    for s in (strategies.get("gobi-hgp", n_starts=8, ascent_steps=20), strategies.get("bo-hgp", n_raw=64, n_restarts=1, maxiter=5)):
        st = Study(prob.space, strategy=s, storage=":memory:", seed=0)
        st.optimize(prob.evaluate, n_trials=7, show_progress=False)
        assert len(st.trials) == 7 and st.recommend() is not None
