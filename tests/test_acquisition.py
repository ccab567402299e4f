"Property tests of `surrnb.acquisition` over random spaces and random acquisition surfaces (the notebook checks known optima)."
import math
import pytest
import torch
from hypothesis import given, settings, strategies as st
from surrnb.acquisition import optimize_acqf, log_h, LogExpectedImprovement, ExpectedImprovement, _unique_rows, _near_any
from surrnb.surrogates.core import GaussianPosterior
from surrnb.space import Space, Float, Int, Categorical
from surrnb.core import SurrnbError


@st.composite
def spaces(draw):
    params = {}
    for i in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["float", "flog", "int", "ilog", "cat"]))
        if kind == "float": params[f"p{i}"] = Float(-1.0, 2.0)
        elif kind == "flog": params[f"p{i}"] = Float(1e-3, 1.0, log=True)
        elif kind == "int": params[f"p{i}"] = Int(0, draw(st.integers(1, 30)))
        elif kind == "ilog": params[f"p{i}"] = Int(1, draw(st.integers(2, 500)), log=True)
        else: params[f"p{i}"] = Categorical([f"c{j}" for j in range(draw(st.integers(2, 6)))])
    return Space(params)


@settings(max_examples=25, deadline=None)
@given(spaces(), st.integers(0, 2**16), st.integers(0, 3))
def test_result_is_a_rounded_point_and_no_worse_than_raw(space, seed, n_restarts):
    g = torch.Generator().manual_seed(seed)
    centre, w = torch.rand(space.dim, generator=g, dtype=torch.float64), torch.rand(space.dim, generator=g, dtype=torch.float64) + 0.1
    f = lambda X: -(w * (X - centre) ** 2).sum(-1) + 0.1 * torch.sin(9 * X).sum(-1)
    x, val = optimize_acqf(f, space, n_raw=64, n_restarts=n_restarts, seed=seed)
    assert torch.equal(space.round(x[None])[0], x)
    assert math.isclose(val, f(x[None]).item(), rel_tol=1e-12, abs_tol=1e-12)
    _, val_raw = optimize_acqf(f, space, n_raw=64, n_restarts=0, seed=seed)
    assert val >= val_raw - 1e-12   # polishing never loses the best raw candidate


@settings(max_examples=20, deadline=None)
@given(spaces(), st.integers(0, 2**16))
def test_exclude_is_respected(space, seed):
    f = lambda X: -((X - 0.37) ** 2).sum(-1)
    x, _ = optimize_acqf(f, space, n_raw=32, n_restarts=1, seed=seed)
    try: x2, _ = optimize_acqf(f, space, n_raw=32, n_restarts=1, seed=seed, exclude=x[None])
    except SurrnbError: return   # a one-point space would be exhausted; nothing else can raise here
    assert (x2 - x).abs().max() > 1e-9


@given(st.floats(-30, 30), st.floats(1e-3, 1e2))
def test_logei_is_log_ei_where_representable(z, sigma):
    post = GaussianPosterior(torch.tensor([-z * sigma], dtype=torch.float64), torch.tensor([sigma ** 2], dtype=torch.float64))
    ei, lei = ExpectedImprovement()(post, 0.0), LogExpectedImprovement()(post, 0.0)
    assert torch.allclose(lei, ei.log(), rtol=1e-9, atol=1e-9)


@given(st.floats(-1e12, 1e3))
def test_log_h_is_finite_and_increasing(z):
    a = log_h(torch.tensor([z, z + abs(z) * 1e-3 + 1e-3], dtype=torch.float64))
    assert torch.isfinite(a).all() and a[1] > a[0]


def test_posterior_mean_incumbent_ei_matches_monte_carlo():
    "BO's noisy incumbent (smallest posterior mean at the observed points): EI over it equals a Monte Carlo average of max(y* - f, 0)."
    from surrnb.surrogates.gp import GP
    from surrnb.search.bo import BayesOpt
    from surrnb.acquisition import ExpectedImprovement, LogExpectedImprovement, AcqFunction
    g = torch.Generator().manual_seed(1)
    X = torch.rand(20, 3, generator=g, dtype=torch.float64)
    y = (X - 0.5).pow(2).sum(-1) + 0.1 * torch.randn(20, generator=g, dtype=torch.float64)
    gp = GP().fit(X, y)
    best = BayesOpt(incumbent="mean")._incumbent(gp, X, y)
    assert best == gp.posterior(X).mean.min().item() and best > y.min().item()
    Q = 0.5 + 0.3 * (torch.rand(5, 3, generator=g, dtype=torch.float64) - 0.5)   # near the minimum, where EI is not negligible
    post = gp.posterior(Q)
    draws = post.mean + post.variance.sqrt() * torch.randn(400_000, 5, generator=g, dtype=torch.float64)
    imp = (best - draws).clamp_min(0)
    mc, se = imp.mean(0), imp.std(0) / len(imp) ** 0.5                  # Monte Carlo estimate and its standard error
    ei = ExpectedImprovement()(post, best)
    assert ((ei - mc).abs() < 4 * se).all() and (mc > 10 * se).all(), (ei, mc, se)
    f = AcqFunction(gp, LogExpectedImprovement(), best)                # the BO path: log EI, closed form
    assert ((f(Q).exp() - mc).abs() < 4 * se).all()


@pytest.mark.parametrize("mode", ["feasible incumbent", "nothing feasible"])
def test_constrained_acquisition_closed_form_matches_autograd(mode):
    "ConstrainedAcqFunction: closed-form values and gradients (the optimiser's fast path) equal autograd's, in both modes, on GPs with a categorical column."
    import numpy as np
    from surrnb.acquisition import ConstrainedAcqFunction
    from surrnb.surrogates.gp import GP
    g = torch.Generator().manual_seed(3)
    X = torch.rand(15, 3, generator=g, dtype=torch.float64)
    cat = {2: 3}
    fit = lambda y: GP(cat_dims=cat).fit(X, y)
    f = ConstrainedAcqFunction(fit((X[:, :2] - 0.4).pow(2).sum(-1)), LogExpectedImprovement(), 0.05 if mode == "feasible incumbent" else None,
                               [fit(0.5 - X[:, 0]), fit(X[:, 1] - 0.7 + 0.1 * X[:, 2])])
    Q = torch.rand(9, 3, generator=g, dtype=torch.float64)
    Qg = Q.clone().requires_grad_(True)
    v = f(Qg); gr, = torch.autograd.grad(v.sum(), Qg)
    v2, g2 = f.value_and_grad(Q.numpy())
    assert np.allclose(v2, v.detach().numpy(), rtol=1e-9, atol=1e-9)
    assert np.allclose(g2[:, :2], gr[:, :2].numpy(), rtol=1e-6, atol=1e-7)

def test_constrained_acquisition_prefers_the_feasible_side():
    "With one certain constraint x0 >= 0.5, log PoF is ~0 on the feasible side and very negative on the other; EI alone does not see it."
    from surrnb.acquisition import ConstrainedAcqFunction, log_pof
    from surrnb.surrogates.gp import GP
    X = torch.linspace(0, 1, 12, dtype=torch.float64)[:, None]
    obj, con = GP().fit(X, X[:, 0]), GP().fit(X, 0.5 - X[:, 0])
    f = ConstrainedAcqFunction(obj, LogExpectedImprovement(), 0.6, [con])
    Q = torch.tensor([[0.1], [0.9]], dtype=torch.float64)
    with torch.no_grad(): lp = log_pof(con.posterior(Q))
    assert lp[1] > -1e-3 and lp[0] < -10
    with torch.no_grad(): assert f(Q)[0] < f(Q)[1] - 5
    with pytest.raises(SurrnbError, match="logei"): ConstrainedAcqFunction(obj, ExpectedImprovement(), 0.6, [con])


@st.composite
def conditional_spaces(draw):
    "A categorical root with 2-3 branches, each with one to three float/int/categorical parameters of its own (one nested)."
    k = draw(st.integers(2, 3))
    params = {"root": Categorical([f"b{j}" for j in range(k)])}
    for j in range(k):
        for i in range(draw(st.integers(1, 3))):
            kind = draw(st.sampled_from(["float", "int", "cat"]))
            when = {"root": f"b{j}"} if i == 0 or kind == "cat" else {f"b{j}_0": (">", 0.0)} if params.get(f"b{j}_0") is not None and params[f"b{j}_0"].kind != "cat" else {"root": f"b{j}"}
            if kind == "float": params[f"b{j}_{i}"] = Float(-1.0, 2.0, when=when)
            elif kind == "int": params[f"b{j}_{i}"] = Int(0, draw(st.integers(1, 200)), when=when)
            else: params[f"b{j}_{i}"] = Categorical(["u", "v", "w"], when=when)
    return Space(params)


@settings(max_examples=25, deadline=None)
@given(conditional_spaces(), st.integers(0, 2**16))
def test_conditional_space_scored_where_it_lands(space, seed):
    # the acquisition depends on inactive columns too (a surrogate reading the encoding as is): the optimiser must
    # report the value of the point it returns, inactive columns at their imputed value, and never an excluded config
    g = torch.Generator().manual_seed(seed)
    centre = torch.rand(space.dim, generator=g, dtype=torch.float64)
    f = lambda X: -((X - centre) ** 2).sum(-1)
    x, val = optimize_acqf(f, space, n_raw=64, n_restarts=2, seed=seed)
    assert torch.equal(space.round(x[None])[0], x) and space.is_valid(space.decode(x)[0])
    assert math.isclose(val, f(x[None]).item(), rel_tol=1e-12, abs_tol=1e-12)
    try: x2, _ = optimize_acqf(f, space, n_raw=64, n_restarts=2, seed=seed, exclude=x[None])
    except SurrnbError: return
    assert (x2 - x).abs().max() > 1e-9


# The acquisition optimiser's fast helpers must give exactly what the plain tensor formulas they replace give
# (the default BO's configs are pinned: tests/test_bo.py::test_flat_space_bo_configs_unchanged).
_rows = st.tuples(st.integers(1, 200), st.integers(1, 7), st.integers(1, 6), st.integers(0, 2**31 - 1), st.booleans())

def _grid_rows(n, d, levels, seed, float_first):
    "n rows of d columns on a grid of `levels` values (many duplicates), the first column continuous when asked."
    g = torch.Generator().manual_seed(seed)
    X = torch.randint(0, levels, (n, d), generator=g).double() / levels
    if float_first: X[:, 0] = torch.rand(n, generator=g, dtype=torch.float64)
    return X, g

@given(_rows)
@settings(max_examples=60, deadline=None)
def test_unique_rows_is_torch_unique(args):
    X, _ = _grid_rows(*args)
    assert torch.equal(_unique_rows(X), torch.unique(X, dim=0))      # same rows, same (lexicographic) order

@given(_rows, st.integers(0, 60))
@settings(max_examples=60, deadline=None)
def test_near_any_is_the_dense_distance_test(args, p):
    X, g = _grid_rows(*args)
    E = X[torch.randint(0, len(X), (p,), generator=g)]
    E = E + 1e-9 * torch.randint(-2, 3, E.shape, generator=g) * (torch.rand(E.shape, generator=g) < 0.3)   # some just inside, some just outside tol
    want = (X[:, None, :] - E[None]).abs().amax(-1).min(-1).values <= 1e-9 if p else torch.zeros(len(X), dtype=torch.bool)
    assert torch.equal(_near_any(X, E), want)
