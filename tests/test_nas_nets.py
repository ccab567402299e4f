"Fast checks of the NAS network half: the NB201 cell network, the digits-cell problem, zero-cost proxies, the supernet."
import math
import pytest
import torch
from torch import nn

from surrnb.core import SurrnbError
from surrnb.nas.networks import Cell, CellNetwork, as_cell, DigitsCell
from surrnb.nas.zerocost import synflow, naswot, flops, params, zero_cost, PROXIES, zc_features
from surrnb.nas.darts import SuperNet, derive

CONV3 = ("nor_conv_3x3",) * 6

def test_cell_forms_agree():
    s = "|nor_conv_3x3~0|+|none~0|skip_connect~1|+|avg_pool_3x3~0|nor_conv_1x1~1|none~2|"
    cell = as_cell(s)
    assert as_cell({f"Op{i}": o for i, o in enumerate(cell)}) == as_cell(list(cell)) == cell
    with pytest.raises(SurrnbError): as_cell(("conv",) * 6)

def test_network_shapes_and_params():
    torch.manual_seed(0)
    net = CellNetwork(CONV3, C=8, N=2)
    assert net(torch.rand(3, 1, 8, 8)).shape == (3, 10)
    n = lambda ops: sum(p.numel() for p in CellNetwork(ops, C=4).parameters())
    # one extra 3x3 edge per stage: 9 C^2 + 2 C at C, 2C, 4C
    assert n(["nor_conv_3x3"] + ["none"] * 5) - n(["none"] * 6) == sum(9 * c * c + 2 * c for c in (4, 8, 16))

def test_dead_cell_ignores_input():
    net = CellNetwork(("none",) * 6).eval()
    with torch.no_grad():
        assert torch.allclose(net(torch.rand(4, 1, 8, 8)), net(torch.randn(4, 1, 8, 8)), atol=1e-6)
    x = torch.randn(2, 8, 4, 4)
    assert torch.equal(Cell(["none", "none", "none", "skip_connect", "none", "none"], 8)(x), x)

def test_digits_cell_problem_registered():
    from surrnb.problems import problems
    assert "digits-cell" in problems.names()
    p = problems.get("digits-cell")
    assert type(p).__name__ == DigitsCell.__name__ and p.space.names == [f"Op{i}" for i in range(6)]   # by name: another test may have re-imported the module
    with pytest.raises(SurrnbError, match="outside"): p.evaluate({f"Op{i}": "skip_connect" for i in range(6)}, budget=100)

def test_synflow_linear_chain_closed_form():
    torch.manual_seed(1)
    chain = nn.Sequential(nn.Linear(3, 4, bias=False), nn.Linear(4, 2, bias=False))
    W1, W2 = (m.weight.detach().double().abs() for m in chain)
    R = float(torch.ones(2, dtype=torch.float64) @ W2 @ W1 @ torch.ones(3, dtype=torch.float64))
    assert math.isclose(synflow(chain, torch.randn(5, 3)), math.log(2 * R), rel_tol=1e-10)

def test_naswot_and_flops_closed_forms():
    assert math.isclose(naswot(nn.Sequential(nn.ReLU()), torch.tensor([[1., -1.], [-1., 1.]])), math.log(4), rel_tol=1e-9)
    assert flops(nn.Conv2d(2, 3, 3, padding=1, bias=False), torch.zeros(1, 2, 4, 4)) == 4 * 4 * 3 * 2 * 9
    assert params(nn.Linear(3, 2)) == 8

def test_zero_cost_all_proxies_leave_net_unchanged():
    torch.manual_seed(0)
    net = CellNetwork(CONV3)
    before = [p.detach().clone() for p in net.parameters()]
    s = zero_cost(net, torch.rand(16, 1, 8, 8), torch.randint(0, 10, (16,)))
    assert set(s) == set(PROXIES) and all(isinstance(v, float) for v in s.values())
    assert all(torch.equal(a, b) for a, b in zip(before, net.parameters()))
    with pytest.raises(SurrnbError, match="unknown zero-cost proxy"): zero_cost(net, torch.rand(2, 1, 8, 8), torch.zeros(2).long(), ["zen"])

def test_zc_features_finite_for_dead_cells():
    data = dict(x_train=torch.rand(64, 1, 8, 8), y_train=torch.arange(64) % 10)
    Z = zc_features([CONV3, ("none",) * 6], data=data, bs=32)
    assert Z.shape == (2, 4) and torch.isfinite(Z).all()

def test_supernet_and_derive():
    torch.manual_seed(0)
    for m in ("darts", "gdas"):
        net = SuperNet(method=m)
        assert net(torch.rand(4, 1, 8, 8)).shape == (4, 10) and net.alpha.shape == (6, 5)
    a = torch.zeros(6, 5); a[:, 0] = 1; a[:, 3] = 0.5
    assert derive(a) == CONV3 and derive(a, exclude_none=False) == ("none",) * 6
    with pytest.raises(SurrnbError): SuperNet(method="enas")
