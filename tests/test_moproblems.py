"Multi-objective and constrained test problems: values against BoTorch, true fronts and hypervolumes against closed forms."
import math, warnings
import numpy as np
import pytest
import torch
from surrnb.core import Result, SurrnbError
from surrnb.problems import get_problem, problems
from surrnb.pareto import hypervolume, is_non_dominated
from surrnb.moproblems import BraninCurrin, ZDT1, ZDT2, ZDT3, DTLZ2, C2DTLZ2, ConstrainedBranin, MOProblem

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import botorch.test_functions.multi_objective as bmo

def _rand(n, d, seed=0): return torch.rand(n, d, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)

@pytest.mark.parametrize("name,ref", [("branin-currin", lambda: bmo.BraninCurrin()), ("zdt1-5", lambda: bmo.ZDT1(dim=5)),
                                      ("zdt2-5", lambda: bmo.ZDT2(dim=5)), ("dtlz2-6", lambda: bmo.DTLZ2(dim=6)),
                                      ("c2-dtlz2-6", lambda: bmo.C2DTLZ2(dim=6))])
def test_values_match_botorch(name, ref):
    p, b = get_problem(name), ref()
    X = _rand(64, p.dim, seed=1)
    torch.testing.assert_close(p(X), b(X), rtol=0, atol=1e-10)
    assert p.ref_point == [float(r) for r in b.ref_point.tolist()]
    if p.n_constraints: torch.testing.assert_close(p.constraints(X), -b.evaluate_slack_true(X), rtol=0, atol=1e-10)

def test_zdt3_is_zitzler_formula_and_matches_botorch_on_front():
    p, b = ZDT3(d=5), bmo.ZDT3(dim=5)
    X = _rand(64, 5, seed=2)
    g = 1 + 9 * X[:, 1:].mean(-1)
    f1 = X[:, 0]
    torch.testing.assert_close(p(X)[:, 1], g * (1 - (f1 / g).sqrt() - f1 / g * torch.sin(10 * math.pi * f1)), rtol=0, atol=1e-12)
    X[:, 1:] = 0                                              # on the front g = 1: BoTorch's variant agrees
    torch.testing.assert_close(p(X), b(X), rtol=0, atol=1e-12)

@pytest.mark.parametrize("P,closed", [(ZDT1, 121 - 1 / 3), (ZDT2, 121 - 2 / 3)])
def test_zdt_max_hv_closed_form(P, closed):
    p = P(d=4)
    assert p.max_hv == pytest.approx(closed, abs=1e-12)
    assert 0 < p.hv_regret(p.pareto_front(2000)) < 1e-2          # a dense sample of the front falls just short

def test_zdt3_max_hv_matches_botorch():
    assert ZDT3(d=4).max_hv == pytest.approx(bmo.ZDT3._max_hv, abs=1e-6)

@pytest.mark.parametrize("m", [2, 3, 4])
def test_dtlz2_front_is_unit_sphere(m):
    p = DTLZ2(d=m + 3, m=m)
    assert p.max_hv == pytest.approx(1.1 ** m - math.pi ** (m / 2) / (2 ** m * math.gamma(m / 2 + 1)), abs=1e-12)
    assert p.max_hv == pytest.approx(bmo.DTLZ2(dim=m + 3, num_objectives=m)._max_hv, abs=1e-12)
    F = p.pareto_front(200)
    torch.testing.assert_close(F.norm(dim=-1), torch.ones(len(F), dtype=torch.float64))
    assert (F >= 0).all() and is_non_dominated(F).all()
    X = _rand(100, m + 3, seed=m)                               # x_m.. = 1/2 puts any point on the front
    X[:, m - 1:] = 0.5
    torch.testing.assert_close(p(X).norm(dim=-1), torch.ones(100, dtype=torch.float64))

def test_c2dtlz2_front_and_hv():
    p = C2DTLZ2(d=6)
    F = p.pareto_front(500)
    assert (p.c_of_f(F) <= 0).all() and is_non_dominated(F).all()
    assert p.max_hv == pytest.approx(bmo.C2DTLZ2._max_hv, abs=2e-3) and p.max_hv > bmo.C2DTLZ2._max_hv   # BoTorch's is an NSGA-II estimate
    d = C2DTLZ2(d=6, convention="deb")
    assert d.rho2 == (0.25, 0.25) and C2DTLZ2(d=7, m=3, convention="deb").rho2 == pytest.approx((0.16, 0.16))
    with pytest.raises(SurrnbError, match="convention"): C2DTLZ2(convention="nope")

def test_branin_currin_front_beats_botorch_estimate():
    p = BraninCurrin()
    hv = hypervolume(p.pareto_front(5000), p.ref_point)
    assert bmo.BraninCurrin._max_hv < hv <= p.max_hv < hv + 0.02

def test_constrained_branin_optimum_and_regret():
    p = get_problem("constrained-branin")
    assert p.n_obj == 1 and p.n_constraints == 1 and p.directions == ["minimize"]
    r = p.evaluate(p.optimizer[0])
    assert isinstance(r, Result) and r.feasible and r.value == pytest.approx(5 / (4 * math.pi), abs=1e-9)
    assert not p.evaluate({"x1": -math.pi, "x2": 12.275}).feasible     # Branin's other minimisers break the constraint
    assert not p.evaluate({"x1": 3 * math.pi, "x2": 2.475}).feasible
    Y, C = torch.tensor([[1.0], [0.5]], dtype=torch.float64), torch.tensor([[-1.0], [2.0]], dtype=torch.float64)
    assert p.hv_regret(Y, C) == pytest.approx(1.0 - p.optimum)       # the infeasible better point does not count
    assert p.regret(1.0) == pytest.approx(1.0 - p.optimum)

def test_evaluate_noise_and_errors():
    p, q = get_problem("branin-currin", noise=0.5, seed=1), get_problem("branin-currin")
    c = {"x1": 0.3, "x2": 0.6}
    a, b = p.evaluate(c), q.evaluate(c)
    assert a.constraints is None and len(a.values) == 2 and a.values != b.values
    assert b.values == pytest.approx(q.true_value(c).values)
    with pytest.raises(SurrnbError, match="hv_regret"): q.regret(1.0)
    with pytest.raises(SurrnbError, match="shape"): q(torch.zeros(3, 5))
    with pytest.raises(SurrnbError): DTLZ2(d=2, m=3)

def test_registered_with_descriptions():
    desc = problems.describe()
    for n in ("branin-currin", "zdt1", "zdt2", "zdt3", "dtlz2", "c2-dtlz2", "constrained-branin",
              "nb201-cifar10-latency", "nb201-cifar10-latency-params", "macro-latency"):
        assert n in problems and desc[n].strip()
    p = get_problem("dtlz2-8", m=3)   # (by name: another test may have re-run the notebook's cells in this process)
    assert "MOProblem" in [c.__name__ for c in type(p).__mro__] and p.n_obj == 3 and p.directions == ["minimize"] * 3 and p.dim == 8

def test_nb201_latency_exact_front():
    p = get_problem("nb201-cifar100-latency", protocol="mean")
    F = p.pareto_front(100_000)
    assert is_non_dominated(F).all() and p.hv_regret(F) == pytest.approx(0, abs=1e-9)
    worse = p.Y[torch.randperm(len(p.Y), generator=torch.Generator().manual_seed(0))[:200]]
    assert p.hv_regret(worse) > 0
    cfg = p.pareto_configs()[0]
    assert p.evaluate(cfg).values == pytest.approx(F[0].tolist())  # protocol 'mean': the table's values

def test_nb201_latency_columns_match_single_objective_problem():
    p, q = get_problem("nb201-cifar10-latency-params", protocol="mean"), get_problem("nb201-cifar10")
    for cfg in q.space.sample(5, seed=3):
        o, v = q.objectives(cfg), p.evaluate(cfg).values
        assert v == pytest.approx([o["error"], 1000 * o["latency"], o["size"]])
    assert p.ref_point == pytest.approx(p.Y.max(0).values.tolist())
