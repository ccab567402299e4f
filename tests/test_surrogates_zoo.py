"Fast checks of the surrogate zoo through the installed package: every surrogate fits, predicts and plugs into BO."
import math
import pytest, torch
from torch import nn
from surrnb.surrogates.core import surrogates, Posterior
import surrnb.surrogates.ensemble, surrnb.surrogates.bnn, surrnb.surrogates.dkl  # noqa: F401 (register)
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
