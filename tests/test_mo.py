"The multi-objective strategies of surrnb.search.mo: the EHVI arithmetic against BoTorch, and the strategies inside a Study."
import math, warnings
import pytest
import torch
from surrnb.pareto import hypervolume, is_non_dominated
from surrnb.space import Space, Float, Int, Categorical
from surrnb.study import Study, strategies
from surrnb.problems import problems
from surrnb.search.mo import LogNEHVI, LogEHVI, log_ehvi, log_ehvi_grad, log_h_diff, nondominated_boxes, hvi, log_hvi, _gp, nsga_order, constrained_ranks

botorch = pytest.importorskip("botorch")
from botorch.models.model import Model
from botorch.posteriors.gpytorch import GPyTorchPosterior
from gpytorch.distributions import MultivariateNormal, MultitaskMultivariateNormal
from botorch.acquisition.multi_objective.monte_carlo import qNoisyExpectedHypervolumeImprovement
from botorch.acquisition.multi_objective.logei import qLogNoisyExpectedHypervolumeImprovement
from botorch.sampling.normal import SobolQMCNormalSampler
from botorch.utils.multi_objective.hypervolume import Hypervolume
from botorch.utils.multi_objective.pareto import is_non_dominated as bt_non_dominated
from botorch.acquisition.multi_objective.analytic import ExpectedHypervolumeImprovement
from botorch.utils.multi_objective.box_decompositions.non_dominated import NondominatedPartitioning

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

class _Fixed(Model):
    "Independent normals with given means and variances [q, m], candidate i addressed by X[i, 0, 0] = i (BoTorch maximises: pass negated means)."
    def __init__(self, mean, var): super().__init__(); self.mean, self.var = mean, var
    @property
    def num_outputs(self): return self.mean.shape[-1]
    def posterior(self, X, **kw):
        i = X[..., 0, 0].long()
        mvns = [MultivariateNormal(self.mean[i, j][:, None], torch.diag_embed(self.var[i, j][:, None])) for j in range(self.mean.shape[1])]
        return GPyTorchPosterior(MultitaskMultivariateNormal.from_independent_mvns(mvns))

@pytest.mark.parametrize("m", [2, 3])
def test_exact_ehvi_matches_botorch_analytic_ehvi(m):
    g = torch.Generator().manual_seed(10 + m)
    for _ in range(4):
        P, q = torch.rand(7, m, generator=g, dtype=torch.float64), 40
        mean = torch.rand(q, m, generator=g, dtype=torch.float64) * 1.4 - 0.2
        sd = torch.rand(q, m, generator=g, dtype=torch.float64) * 0.3 + 1e-3
        lo, up = nondominated_boxes(P[None])
        keep = (up[0] > lo[0]).all(-1)
        mine = log_ehvi(mean, sd, lo[0, keep], up[0, keep]).exp()
        part = NondominatedPartitioning(ref_point=-torch.ones(m, dtype=torch.float64), Y=-P)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            bt = ExpectedHypervolumeImprovement(_Fixed(-mean, sd ** 2), ref_point=[-1.0] * m, partitioning=part)(
                torch.arange(q, dtype=torch.float64)[:, None, None])
        assert (mine - bt).abs().max() < 1e-12 and bt.max() > 1e-3

def test_log_h_diff_is_accurate_in_every_regime():
    mp = pytest.importorskip("mpmath"); mp.mp.dps = 50
    h = lambda z: mp.npdf(z) + z * mp.ncdf(z)
    for zl in [-200.0, -40.0, -3.0, -0.3, 0.0, 0.7, 10.0, 1e4]:
        for w in [1e-9, 1e-5, 1e-3, 0.1, 1.0, 100.0]:
            zu = zl + w                                                 # the float the function sees
            want = float(mp.log(h(mp.mpf(zu)) - h(mp.mpf(zl))))
            got = log_h_diff(torch.tensor(zl, dtype=torch.float64), torch.tensor(zu, dtype=torch.float64)).item()
            assert abs(got - want) < 1e-8, (zl, w, got, want)      # error of the log = relative error of the difference

def test_log_ehvi_grad_closed_form_matches_autograd():
    g = torch.Generator().manual_seed(7)
    for m in (2, 3):
        for _ in range(6):
            P = torch.rand(8, m, generator=g, dtype=torch.float64)
            lo, up = nondominated_boxes(P[None]); keep = (up[0] > lo[0]).all(-1); lo, up = lo[0, keep], up[0, keep]
            a = (torch.rand(30, m, generator=g, dtype=torch.float64) * 3 - 1).requires_grad_(True)
            s = (torch.rand(30, m, generator=g, dtype=torch.float64) * 10 ** (3 * torch.rand(1, generator=g).item() - 2) + 1e-4).requires_grad_(True)
            vt = log_ehvi(a, s, lo, up); ga, gs = torch.autograd.grad(vt.sum(), (a, s))
            v, gan, gsn = log_ehvi_grad(a.detach().numpy(), s.detach().numpy(), lo.numpy(), up.numpy())
            assert torch.allclose(torch.from_numpy(v), vt.detach(), rtol=1e-12, atol=1e-12)
            scale = torch.cat([ga, gs], -1).abs().amax(-1, keepdim=True)      # each candidate's largest derivative
            for mine, want in ((gan, ga), (gsn, gs)):
                assert ((torch.from_numpy(mine) - want).abs() <= 1e-6 * scale + 1e-10).all()

def test_exact_ehvi_gradients_and_constraints():
    X, Y, gps, g = _fitted(seed=4)
    ref, origin = Y.max(0).values + 0.1, Y.min(0).values - 0.2
    sp = Space(**{f"x{i}": Float(0, 1) for i in range(X.shape[1])})
    cgp = _gp(sp).fit(X, X[:, 0] - 0.5)
    front = torch.stack([gp.posterior(X).mean for gp in gps], -1).detach()
    for a in (LogEHVI(gps, front, ref, origin), LogEHVI(gps, front[X[:, 0] <= 0.5], ref, origin, [cgp])):
        mean = torch.rand(5, 2, generator=g, dtype=torch.float64).requires_grad_(True)
        sd = (0.05 + 0.2 * torch.rand(5, 2, generator=g, dtype=torch.float64)).requires_grad_(True)
        assert torch.autograd.gradcheck(lambda u, s: log_ehvi(u, s, a.lower, a.upper), (mean, sd))
        Xc = torch.rand(5, X.shape[1], generator=g, dtype=torch.float64)
        v, G = a.value_and_grad(Xc.numpy())
        Xr = Xc.clone().requires_grad_(True)
        va = a(Xr); ga, = torch.autograd.grad(va.sum(), Xr)
        assert torch.allclose(torch.from_numpy(v), va.detach(), atol=1e-9) and torch.allclose(torch.from_numpy(G), ga, rtol=1e-6, atol=1e-8)
        e, fd = 1e-6, torch.zeros_like(ga)
        for k in range(X.shape[1]):
            d = torch.zeros(X.shape[1], dtype=torch.float64); d[k] = e
            fd[:, k] = (a(Xc + d) - a(Xc - d)).detach() / (2 * e)
        assert torch.allclose(fd, ga, rtol=1e-4, atol=1e-4 * ga.abs().max().item())
    # with a constraint: EHVI x P(c <= 0) equals a Monte Carlo average of HVI x 1[c <= 0] (independent draws)
    Xc = torch.tensor([[0.45, 0.2, 0.3], [0.4, 0.6, 0.5]], dtype=torch.float64)
    with torch.no_grad():
        post = [m.posterior(Xc) for m in gps + [cgp]]
        mu, sd = torch.stack([p.mean for p in post], -1), torch.stack([p.variance for p in post], -1).sqrt()
        S = mu + sd * torch.randn(400_000, 2, 3, generator=g, dtype=torch.float64)
        hv = hvi((S[..., :2] - a.origin) / a.scale, a.lower[None], a.upper[None]) * (S[..., 2] <= 0)
        assert ((hv.mean(0) - a(Xc).exp()).abs() < 5 * hv.std(0) / math.sqrt(len(hv))).all() and (hv.mean(0) > 0).all()

def test_ehvi_exact_and_mc_with_pending_and_constraints():
    c2 = problems.get("c2-dtlz2")
    for mc in (False, True):
        st = Study(c2.space, directions=c2.directions, n_constraints=c2.n_constraints, seed=0, meta={"ref_point": c2.ref_point},
                   strategy=strategies.get("ehvi", mc=mc, n_samples=16))
        st.optimize(c2.evaluate, n_trials=16)
        asked = [st.ask() for _ in range(3)]                                    # three workers, nothing told yet
        Xa = c2.space.encode([t.config for t in asked])
        assert torch.pdist(Xa).min() > 1e-3
        assert isinstance(st.strategy.acq, LogNEHVI if mc else LogEHVI)

def test_constrained_ranks_and_order():
    Y = torch.tensor([[1., 2.], [2., 1.], [2., 2.], [3., 3.], [0., 4.]])
    C = torch.tensor([[0.], [0.], [-1.], [2.], [1.]])
    assert constrained_ranks(Y, C).tolist() == [0, 0, 1, 3, 2]
    assert nsga_order(Y, C).tolist()[-2:] == [4, 3]

# ---- the strategies inside a Study ----

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

def test_ehvi_on_a_discrete_space_enumerates_and_never_repeats():
    sp = Space(a=Categorical(list("abcd")), b=Categorical(list("xyz")), n=Int(0, 3))
    f = lambda c: ["abcd".index(c["a"]) + c["n"], 2 - "xyz".index(c["b"]) + (3 - c["n"])]
    st = Study(sp, directions=["minimize", "minimize"], strategy="ehvi", seed=0, meta={"ref_point": [7.0, 6.0]})
    st.optimize(f, n_trials=24)
    cfgs = [tuple(sorted(t.config.items())) for t in st.trials]
    assert len(set(cfgs)) == 24                                             # 48 configs, scored exhaustively, tried ones excluded
    front = {(c["a"], c["b"]) for c in (t.config for t in st.best_trials)}
    assert ("a", "z") in front                                              # a = "a", b = "z" is on every optimal trade-off

def test_front_2d_matches_pareto():
    from surrnb.nas.mo import front_2d
    Z = torch.rand(300, 2, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    assert torch.equal(front_2d(Z), is_non_dominated(Z))

def test_exact_ehvi_ignores_dominated_front_rows():
    "Dominated rows of the front only split boxes: fewer boxes, the same log EHVI (to rounding) and the same as BoTorch's analytic EHVI."
    X, Y, gps, g = _fitted(n=30, seed=7)
    ref, origin = Y.max(0).values + 0.1, Y.min(0).values - 0.2
    full = LogEHVI(gps, Y, ref, origin)
    nd = Y[is_non_dominated(Y)]
    lo, up = nondominated_boxes(((Y - origin) / (ref - origin))[None])           # every row: one strip per observed point
    assert len(full.lower) == int(is_non_dominated(Y).sum()) + 1 < int((up[0] > lo[0]).all(-1).sum())
    Xc = torch.rand(200, X.shape[1], generator=g, dtype=torch.float64)
    with torch.no_grad():
        post = [m.posterior(Xc) for m in gps]
        mu, sd = torch.stack([p.mean for p in post], -1), torch.stack([p.variance for p in post], -1).sqrt()
        keep = (up[0] > lo[0]).all(-1)
        many = log_ehvi((mu - origin) / (ref - origin), sd / (ref - origin), lo[0, keep], up[0, keep])
        assert torch.allclose(full(Xc), many, rtol=0, atol=1e-10) and torch.allclose(LogEHVI(gps, nd, ref, origin)(Xc), many, rtol=0, atol=1e-10)

def test_ehvi_scores_every_nb201_cell():
    "On NAS-Bench-201 (15,625 cells) ehvi scores every cell at each ask: its answer is the best untried cell of the acquisition."
    nb = problems.get("nb201-cifar10-latency")
    st = Study(nb.space, directions=nb.directions, strategy=strategies.get("ehvi", ref_point=list(nb.ref_point), n_init=31), seed=0)
    assert st.strategy.enumerable(nb.space)
    for c in nb.space.sample(30, seed=1):                                    # random cells, told while the strategy is in its design
        t = st.ask(); r = nb.evaluate(c); st.tell(t, r.values)
    st.strategy.n_init = 1
    s = st.strategy.ask(st)
    A = torch.cartesian_prod(*[nb.space.levels(i) for i in range(nb.space.dim)])
    with torch.no_grad(): v = st.strategy.acq(A)
    tried = nb.space.encode([t.config for t in st.trials])
    v[(A[:, None] - tried[None]).abs().amax(-1).min(-1).values < 1e-9] = -math.inf
    assert nb.space.encode([s.config])[0].tolist() == A[int(v.argmax())].tolist()
