"Online training of PDE surrogates (surrnb.pde.online): crash recovery and exact sample counts; solver sanity checks."
import math, os, signal
import torch
import pytest
from surrnb.core import SurrnbError
from surrnb.pde.solvers import Burgers1D, Darcy2D, burgers_1d, periodic_grid
from surrnb.pde.models import NeuralSurrogate, EnsembleSurrogate
from surrnb.cli import main
from surrnb.problems import get_problem
from surrnb.pde.online import SampleBuffer, ProducerPool, train_online, train_offline, kill_producer_at, choose, spread_pick, sobol


@pytest.fixture(autouse=True)
def one_thread():
    n = torch.get_num_threads(); torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def _test_set(p, m=16):
    th = p.sample(m, seed=99)
    return th, p.solve(th)


def test_killed_producer_is_restarted_and_counts_are_exact():
    p = Burgers1D(n=32)
    cb = kill_producer_at(5, pid=0)
    r = train_online(NeuralSurrogate(p, "mlp", width=32), _test_set(p), time_limit=60, k=2, budget=300,
                     watermark=32, bs=16, stop_at_budget=True, callback=cb, chunk=4)
    assert cb.killed_at == 5 and r.restarts >= 1
    assert r.consumed == 300 and len(r.keys) == 300 and len(set(r.keys)) == 300 and r.duplicates == 0
    for pid in range(2):                       # keys consecutive per producer: none lost, none twice
        seqs = sorted(s for q, s in r.keys if q == pid)
        assert seqs == list(range(len(seqs)))
    assert r.steps > 5                         # training went on after the kill
    assert r.steps * 16 >= 300


def test_kill_during_plain_polling_restarts_at_next_seq():
    p = Burgers1D(n=16)
    with ProducerPool(p, k=1, seed=3, chunk=2) as pool:
        got = []
        while len(got) < 10: got += pool.poll(timeout=1.0)
        os.kill(pool.procs[0].pid, signal.SIGKILL)
        while len(got) < 40: got += pool.poll(timeout=1.0)
        assert pool.restarts == 1
    assert [s for _, s, *_ in got] == list(range(len(got)))
    th = torch.as_tensor(got[-1][2])
    assert torch.allclose(th, p.sample_at((3, 0, got[-1][1])))


def test_buffer_policies_and_duplicates():
    b = SampleBuffer(4, "fifo")
    for s in range(10): b.add((1, s), torch.zeros(1), torch.zeros(2))
    assert sorted(k[1] for k in b.keys) == [6, 7, 8, 9]
    assert not b.add((1, 3), torch.zeros(1), torch.zeros(2)) and b.duplicates == 1
    r = SampleBuffer(4, "reservoir", seed=1)
    for s in range(10): r.add((1, s), torch.zeros(1), torch.zeros(2))
    assert len(r) == 4 and r.n_seen == 10
    with pytest.raises(SurrnbError): SampleBuffer(0)


def test_offline_baseline_uses_exactly_its_budget():
    p = Burgers1D(n=16)
    r = train_offline(NeuralSurrogate(p, "mlp", width=16), _test_set(p), n=64, time_limit=30, max_steps=20, k=1)
    assert r.consumed == 64 and r.steps == 20 and r.history


def test_burgers_cole_hopf_and_darcy_positivity():
    x = periodic_grid(64); nu = 0.2
    ch = lambda t: 2 * nu * 0.9 * math.exp(-nu * t) * torch.sin(x) / (1 + 0.9 * math.exp(-nu * t) * torch.cos(x))
    assert (burgers_1d(ch(0.0), nu, t=1.0) - ch(1.0)).abs().max() < 1e-5
    d = Darcy2D(s=12)
    u = d.solve(d.sample(2, seed=0))
    assert (u[:, 1:-1, 1:-1] > 0).all()
    with pytest.raises(SurrnbError): d.solve(torch.full((1, 9), 1.5))


def test_cli_runs_burgers_inverse_and_recovers_viscosity(tmp_path, capsys):
    "`surrnb run burgers-inverse --strategy bo --budget 30` prints the best trials; the best nu is within 10 % of the truth."
    assert main(["run", "burgers-inverse", "--strategy", "bo", "--budget", "30", "--db", str(tmp_path / "r.db"), "--quiet"]) == 0
    lines = capsys.readouterr().out.splitlines()
    head = next(i for i, l in enumerate(lines) if l.split()[:2] == ["trial", "value"])
    cols, best = lines[head].split(), lines[head + 2].split()
    nu, a1 = float(best[cols.index("nu")]), float(best[cols.index("a1")])
    truth = get_problem("burgers-inverse").optimizer[0]
    assert abs(nu / truth["nu"] - 1) < 0.10 and abs(a1 - truth["a1"]) < 0.03, (nu, a1, truth)


def test_spread_pick_puts_the_batch_where_the_score_is_high_and_keeps_it_apart():
    cand = sobol(1024, 2, seed=1)
    hot = cand[:, 0] < 0.3                                          # a known high-error strip: 30 % of the cube
    score = torch.where(hot, 1.0, 0.05) * (1 + 0.1 * cand[:, 1])    # the strip scores 10-20x more than the rest
    top = score.topk(16).indices
    pick = spread_pick(cand, score, 16)
    assert len(set(pick.tolist())) == 16
    assert hot[pick].float().mean() >= 0.9                          # uniform draws put 30 % there; top-16 too, but stacked:
    gap = lambda i: torch.pdist(cand[i]).min().item()
    assert gap(top) < 0.05 and gap(pick) > 0.1                      # top-k piles up at the strip's top edge, the spread batch does not
    avoid = cand[pick[:4]]                                          # points already solved are never picked again
    again = spread_pick(cand, score, 16, avoid=avoid)
    assert not set(pick[:4].tolist()) & set(again.tolist())
    assert torch.cdist(cand[again], avoid).min() > 0.05


def test_choose_spread_returns_sobol_candidates_and_respects_the_solved_ones():
    p = Burgers1D(n=32)
    torch.manual_seed(0)
    ens = EnsembleSurrogate(p, "mlp", members=2, width=16)
    cand = sobol(64, p.dim, seed=5)
    th = choose(ens, 8, "spread", 64, seed=5)
    assert th.shape == (8, p.dim) and all((cand == row).all(1).any() for row in th)
    th2 = choose(ens, 8, "spread", 64, seed=5, avoid=th)
    assert not any((th == row).all(1).any() for row in th2)
    with pytest.raises(SurrnbError, match="EnsembleSurrogate"): choose(NeuralSurrogate(p, "mlp"), 4, "spread")
