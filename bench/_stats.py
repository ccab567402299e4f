"""Small statistics shared by the bench scripts: percentiles, the sign test and a bootstrap interval of the median."""
import statistics
import numpy as np
from scipy.stats import binomtest

def q(xs, p):
    "The p-th percentile of xs (inclusive method); the value itself for a single run."
    return statistics.quantiles(xs, n=100, method="inclusive")[p - 1] if len(xs) > 1 else xs[0]

def sign_p(wins, losses):
    "Two-sided sign-test p-value (ties dropped): scipy's exact binomial test at 1/2."
    n = wins + losses
    return 1.0 if n == 0 else float(binomtest(min(wins, losses), n, 0.5).pvalue)

def boot_median(r, n=10000, seed=0):
    "Bootstrap 95% interval of the median of r (seeds resampled with replacement)."
    r = np.asarray(r, dtype=np.float64)
    m = np.median(r[np.random.default_rng(seed).integers(0, len(r), (n, len(r)))], axis=1)
    return float(np.quantile(m, 0.025)), float(np.quantile(m, 0.975))
