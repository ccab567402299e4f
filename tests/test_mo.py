"The multi-objective strategies of surrnb.search.mo: the EHVI arithmetic against BoTorch, and the strategies inside a Study."
import math, warnings
import pytest
import torch
from surrnb.pareto import hypervolume, is_non_dominated
from surrnb.space import Space, Float, Int, Categorical
from surrnb.search.mo import LogNEHVI, nondominated_boxes, hvi, log_hvi, _gp, nsga_order, constrained_ranks

botorch = pytest.importorskip("botorch")
from botorch.models.model import Model
from botorch.posteriors.gpytorch import GPyTorchPosterior
from gpytorch.distributions import MultivariateNormal, MultitaskMultivariateNormal
from botorch.acquisition.multi_objective.monte_carlo import qNoisyExpectedHypervolumeImprovement
from botorch.acquisition.multi_objective.logei import qLogNoisyExpectedHypervolumeImprovement
from botorch.sampling.normal import SobolQMCNormalSampler
from botorch.utils.multi_objective.hypervolume import Hypervolume
from botorch.utils.multi_objective.pareto import is_non_dominated as bt_non_dominated

class _Wrapped(Model):
    "surrnb GPs seen by BoTorch as one model of the negated (maximised) objectives, with the same joint posterior."
    def __init__(self, gps): super().__init__(); self.gps = gps
    @property
    def num_outputs(self): return len(self.gps)
    def posterior(self, X, output_indices=None, observation_noise=False, posterior_transform=None, **kw):
        shp, Xf, mvns = X.shape[:-2], X.reshape(-1, *X.shape[-2:]), []
        for gp in self.gps:
            ps = [gp.posterior(x) for x in Xf]
            mean = -torch.stack([p.mean for p in ps]).reshape(*shp, X.shape[-2])
            cov = torch.stack([p.covariance for p in ps]).reshape(*shp, X.shape[-2], X.shape[-2])
            mvns.append(MultivariateNormal(mean, cov))
        return GPyTorchPosterior(MultitaskMultivariateNormal.from_independent_mvns(mvns))

def _fitted(n=12, d=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    X = torch.rand(n, d, generator=g, dtype=torch.float64)
    e = lambda: 0.05 * torch.randn(n, generator=g, dtype=torch.float64)
    Y = torch.stack([X.sum(1) + e(), (1 - X).pow(2).sum(1) + e()], 1)
    sp = Space(**{f"x{i}": Float(0, 1) for i in range(d)})
    return X, Y, [_gp(sp).fit(X, Y[:, j]) for j in range(2)], g

@pytest.mark.parametrize("m", [2, 3])
def test_boxes_hvi_match_botorch_hypervolume(m):
    g = torch.Generator().manual_seed(m)
    for _ in range(10):
        P, y = torch.rand(8, m, generator=g, dtype=torch.float64), torch.rand(4, m, generator=g, dtype=torch.float64)
        lo, up = nondominated_boxes(P[None])
        hv = Hypervolume(ref_point=-torch.ones(m, dtype=torch.float64))      # BoTorch maximises
        base = hv.compute(-P[bt_non_dominated(-P)])
        want = torch.tensor([hv.compute(-(Q := torch.cat([P, v[None]]))[bt_non_dominated(-Q)]) - base for v in y], dtype=torch.float64)
        assert torch.allclose(hvi(y[None], lo, up)[0], want, atol=1e-12)
        assert torch.allclose(log_hvi(y[None], lo, up, tau=1e-10)[0].exp(), want, atol=1e-8)

def test_nehvi_equals_botorch_qnehvi_on_the_same_samples():
    X, Y, gps, g = _fitted()
    n, N = len(X), 64
    ref, origin = Y.max(0).values + 0.1, Y.min(0).values - 0.5
    acq = qNoisyExpectedHypervolumeImprovement(_Wrapped(gps), ref_point=(-ref).tolist(), X_baseline=X, prune_baseline=False,
                                               cache_root=False, sampler=SobolQMCNormalSampler(torch.Size([N]), seed=3))
    Xc = torch.rand(6, 1, X.shape[1], generator=g, dtype=torch.float64)
    want = acq(Xc)
    S = -acq.sampler(_Wrapped(gps).posterior(torch.cat([X.expand(6, n, -1), Xc], 1)))   # the joint samples BoTorch used
    mine = LogNEHVI(gps, X, ref, origin, n_samples=N, log=False)
    got = []
    for b in range(6):
        mine.set_baseline(S[:, b, :n]); got.append(mine.from_samples(S[:, b, n:])[0] * mine.scale.prod())
    assert torch.allclose(torch.stack(got), want, rtol=1e-9, atol=1e-12)
    assert (want > 0).all()

def test_conditional_sampling_is_the_joint_posterior():
    X, Y, gps, g = _fitted(seed=1)
    Xc = torch.rand(3, X.shape[1], generator=g, dtype=torch.float64)
    a = LogNEHVI(gps, X, Y.max(0).values + 0.1, Y.min(0).values, n_samples=4096, log=False)
    S = a.samples(Xc)                                                 # [N, 3, 2] conditioned on a.zb
    FB = gps[0].posterior(X).mean + a.zb[:, :, 0] @ a.L[0].T          # the baseline samples they were conditioned on
    J, n = torch.cat([FB, S[:, :, 0]], 1), len(X)
    post = gps[0].posterior(torch.cat([X, Xc]))
    emp = torch.cov(J.T)
    assert torch.allclose(J.mean(0), post.mean, atol=0.05 * post.variance.max().sqrt().item())
    keep = torch.ones_like(emp, dtype=torch.bool); keep[n:, n:] = torch.eye(3, dtype=torch.bool)   # candidates are scored one at a time:
    assert ((emp - post.covariance).abs()[keep]).max() < 0.05 * post.covariance.diagonal().max()   # only (baseline, candidate) joints matter

def test_log_nehvi_agrees_with_botorch_qlognehvi():
    X, Y, gps, g = _fitted(seed=2)
    ref, origin = Y.max(0).values + 0.1, Y.min(0).values - 0.5
    Xc = torch.rand(8, 1, X.shape[1], generator=g, dtype=torch.float64)
    bt = qLogNoisyExpectedHypervolumeImprovement(_Wrapped(gps), ref_point=(-ref).tolist(), X_baseline=X, prune_baseline=False,
                                                 cache_root=False, sampler=SobolQMCNormalSampler(torch.Size([512]), seed=3))(Xc)
    a = LogNEHVI(gps, X, ref, origin, n_samples=512)
    mine = a(Xc[:, 0]) + a.scale.prod().log()
    assert (mine - bt).abs().max() < 0.15                               # same quantity; the smoothing and the MC draws differ
    assert torch.equal(mine.argsort(), bt.argsort()) or (mine.argmax() == bt.argmax())

def test_constrained_ranks_and_order():
    Y = torch.tensor([[1., 2.], [2., 1.], [2., 2.], [3., 3.], [0., 4.]])
    C = torch.tensor([[0.], [0.], [-1.], [2.], [1.]])
    assert constrained_ranks(Y, C).tolist() == [0, 0, 1, 3, 2]
    assert nsga_order(Y, C).tolist()[-2:] == [4, 3]

# ---- the strategies inside a Study ----
from surrnb.study import Study, strategies
from surrnb.problems import problems

def _bc_study(strategy, seed=0, n=0):
    bc = problems.get("branin-currin")
    st = Study(bc.space, directions=bc.directions, strategy=strategy, seed=seed, meta={"ref_point": bc.ref_point})
    if n: st.optimize(bc.evaluate, n_trials=n)
    return bc, st

@pytest.mark.parametrize("name", ["random", "sobol"])
def test_random_and_sobol_unchanged_on_multi_objective_studies(name):
    bc, st = _bc_study(name, n=12)
    assert len(st.trials) == 12 and all(len(t.values) == 2 for t in st.trials)
    _, ref = _bc_study(name, seed=0)                                       # the same configs as a fresh study with the same seed
    ref.optimize(bc.evaluate, n_trials=12)
    assert [t.config for t in st.trials] == [t.config for t in ref.trials]

@pytest.mark.parametrize("name", ["nsga2", "parego", "ehvi"])
def test_strategies_registered_and_resume_deterministic(name, tmp_path):
    assert name in strategies.describe() and strategies.describe()[name]
    bc = problems.get("branin-currin")
    db = str(tmp_path / "mo.db")
    a = Study(bc.space, directions=bc.directions, strategy=name, seed=3, storage=db, name="a")
    a.optimize(bc.evaluate, n_trials=8 if name != "nsga2" else 25)
    a = Study(storage=db, name="a", strategy=name)                          # resumed in a new object
    a.optimize(bc.evaluate, n_trials=10 if name != "nsga2" else 30)        # n_trials counts the whole study
    b = Study(bc.space, directions=bc.directions, strategy=name, seed=3)   # uninterrupted
    b.optimize(bc.evaluate, n_trials=10 if name != "nsga2" else 30)
    assert [t.config for t in a.trials] == [t.config for t in b.trials]

def test_ehvi_beats_random_on_branin_currin():
    bc, e = _bc_study("ehvi", n=20)
    _, r = _bc_study("random", n=20)
    assert bc.hv_regret(e.mo_observations()[1]) < 0.5 * bc.hv_regret(r.mo_observations()[1])

def test_nsga2_constraint_domination_prefers_feasible_parents():
    c2 = problems.get("c2-dtlz2")
    st = Study(c2.space, directions=c2.directions, n_constraints=c2.n_constraints, strategy=strategies.get("nsga2", population_size=10), seed=0)
    st.optimize(c2.evaluate, n_trials=60)
    feas = [t.feasible for t in st.trials]
    assert sum(feas[40:]) > sum(feas[:10])                                  # later generations are feasible more often than random ones

def test_nsga2_on_a_categorical_space_asks_new_configs():
    sp = Space(a=Categorical(list("abcd")), b=Categorical(list("xyz")), n=Int(0, 3))
    st = Study(sp, directions=["minimize", "maximize"], strategy=strategies.get("nsga2", population_size=6), seed=0)
    st.optimize(lambda c: ["abcd".index(c["a"]) + c["n"], "xyz".index(c["b"]) - c["n"]], n_trials=30)
    cfgs = [tuple(sorted(t.config.items())) for t in st.trials]
    assert len(set(cfgs)) >= 25                                              # 48 configs exist: children repeat little

def test_front_2d_matches_pareto():
    from surrnb.nas.mo import front_2d
    Z = torch.rand(300, 2, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    assert torch.equal(front_2d(Z), is_non_dominated(Z))
