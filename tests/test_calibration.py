"Recalibration (`surrnb.surrogates.core`): the variance scale against closed forms, and the coverage it buys on GP samples."
import math
import pytest, torch
from scipy.optimize import minimize_scalar
from surrnb.core import SurrnbError
from surrnb.surrogates.core import (Surrogate, GaussianPosterior, Recalibrated, coverage, gaussian_nll, cv_zscores,
                                    conformal_scale, nll_scale)

def _k(A, B, ls=0.15):
    "Squared-exponential kernel matrix (unit signal variance)."
    return torch.exp(-0.5 * torch.cdist(A / ls, B / ls) ** 2)

class _ExactGP(Surrogate):
    "Closed-form GP posterior with the true kernel and noise, its variance multiplied by `shrink` (shrink < 1: overconfident)."
    def __init__(self, shrink=1.0, noise=1e-2): self.shrink, self.noise = shrink, noise
    def fit(self, X, y):
        self.X_, self.y_ = X, y
        self.L_ = torch.linalg.cholesky(_k(X, X) + self.noise * torch.eye(len(y), dtype=torch.float64))
        return self.calibrated(X, y)
    def posterior(self, X):
        Ks = _k(X, self.X_)
        mu = Ks @ torch.cholesky_solve(self.y_[:, None], self.L_).squeeze(-1)
        V = torch.linalg.solve_triangular(self.L_, Ks.T, upper=False)
        var = (1 + self.noise - V.square().sum(0)).clamp_min(1e-12)        # predictive variance of a noisy y
        return self.scaled(GaussianPosterior(mu, self.shrink * var))

def gp_sample(n, m, seed):
    "A draw of a GP (the same kernel as `_ExactGP`) with noise variance 1e-2 at n train and m test points in [0,1]."
    g = torch.Generator().manual_seed(seed)
    X = torch.rand(n + m, 1, generator=g, dtype=torch.float64)
    L = torch.linalg.cholesky(_k(X, X) + 1e-2 * torch.eye(n + m, dtype=torch.float64))
    y = L @ torch.randn(n + m, generator=g, dtype=torch.float64)
    return X[:n], y[:n], X[n:], y[n:]

def test_nll_scale_is_the_cv_nll_optimum():
    "s² = mean(z²) minimises the held-out Gaussian NLL Σ log(sσᵢ) + zᵢ²/(2s²) (checked against a numerical minimiser)."
    z = torch.distributions.StudentT(3.0).sample((200,), ).double() * 2.0
    nll = lambda s: (math.log(s) * len(z) + (z ** 2).sum().item() / (2 * s * s))
    s_num = minimize_scalar(nll, bounds=(1e-3, 1e3), method="bounded", options=dict(xatol=1e-10)).x
    assert abs(nll_scale(z) - s_num) < 1e-5 * s_num
    assert abs(nll_scale(z) ** 2 - (z ** 2).mean().item()) < 1e-12

def test_conformal_scale_puts_level_inside():
    z = torch.randn(10_001, generator=torch.Generator().manual_seed(0), dtype=torch.float64) * 3.0
    s = conformal_scale(z, 0.9)
    assert abs(s - 3.0) < 0.1                                                     # |z|/3 ~ |N(0,1)|
    assert abs(((z.abs() <= 1.6448536 * s).double().mean().item()) - 0.9) < 1e-3

@pytest.mark.parametrize("method", ["nll", "conformal"])
def test_recalibrated_gp_sample_coverage(method):
    "A GP posterior made 9x overconfident covers far below 90%; recalibrated, it covers about 90% of a fresh GP sample."
    before, after, scales = [], [], []
    for seed in range(3):
        X, y, Xt, yt = gp_sample(150, 2000, seed)
        raw = _ExactGP(shrink=1 / 9).fit(X, y)
        cal = Recalibrated(_ExactGP(shrink=1 / 9)); cal.cal_method = method; cal.fit(X, y)
        before.append(coverage(raw.posterior(Xt), yt, 0.9)); after.append(coverage(cal.posterior(Xt), yt, 0.9))
        scales.append(cal.var_scale_)
    assert max(before) < 0.55                                                     # P(|N(0,1)| < 1.645/3) = 0.42
    assert all(0.84 <= c <= 0.95 for c in after), after
    assert all(6.0 <= s <= 13.0 for s in scales), scales                            # true scale 9

def test_exact_gp_needs_no_scale():
    "The exact posterior is already calibrated: the fitted scale stays near 1 and NLL does not get worse."
    X, y, Xt, yt = gp_sample(150, 2000, 5)
    raw, cal = _ExactGP().fit(X, y), Recalibrated(_ExactGP()).fit(X, y)
    assert 0.7 <= cal.var_scale_ <= 1.4
    assert gaussian_nll(cal.posterior(Xt), yt) <= gaussian_nll(raw.posterior(Xt), yt) + 0.05

def test_cv_zscores_match_closed_form_nll_scale():
    X, y, _, _ = gp_sample(60, 1, 1)
    z = cv_zscores(_ExactGP(shrink=0.25), X, y, folds=5)
    cal = Recalibrated(_ExactGP(shrink=0.25)).fit(X, y)
    assert abs(cal.var_scale_ - (z ** 2).mean().item()) < 1e-9

def test_refresh_only_when_data_grow_by_half():
    X, y, _, _ = gp_sample(60, 1, 2)
    s = _ExactGP(shrink=0.25); s.calibrate = True
    s.fit(X[:20], y[:20]); v20 = s.var_scale_
    s.fit(X[:29], y[:29]); assert s.var_scale_ == v20 and s.cal_n_ == 20           # 29 < 1.5 x 20: kept
    s.fit(X[:30], y[:30]); assert s.cal_n_ == 30

def test_unknown_method_fails():
    X, y, _, _ = gp_sample(20, 1, 3)
    with pytest.raises(SurrnbError, match="unknown recalibration method"): _ExactGP().fit(X, y).recalibrate(X, y, method="isotonic")
