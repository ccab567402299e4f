"Black-box NAS: cell helpers, encodings, the NAS-Bench-201 problems, the strategies and `surrnb run nb201-cifar10 --strategy bananas`."
import subprocess, sys
from pathlib import Path
import numpy as np
import pytest

SURRNB = [str(Path(sys.executable).parent / "surrnb")]


def test_cell_roundtrip_and_keys():
    from surrnb.nas.spaces import cell_to_str, cell_from_str, cell_to_config, config_to_cell, canonical_key, prune_cell, all_cells
    best = ("nor_conv_3x3", "nor_conv_3x3", "nor_conv_3x3", "skip_connect", "nor_conv_3x3", "nor_conv_1x1")
    assert cell_from_str(cell_to_str(best)) == best and config_to_cell(cell_to_config(best)) == best
    dead = ("nor_conv_3x3", "avg_pool_3x3", "nor_conv_1x1", "skip_connect", "nor_conv_3x3", "none")
    assert canonical_key(dead) == canonical_key(prune_cell(dead)) != canonical_key(best)
    assert 1 < len({canonical_key(c) for c in all_cells()}) < 6466


def test_path_encoding_isomorphic_cells():
    from surrnb.nas.encodings import path_encoding, onehot_encoding, adjacency_encoding
    from surrnb.nas.spaces import random_cell, mutate_cell, is_isomorphic
    rng = np.random.default_rng(1)
    n_iso = 0
    for _ in range(2000):
        a = random_cell(rng); b = mutate_cell(a, rng)
        if is_isomorphic(a, b):
            n_iso += 1
            assert (path_encoding([a]) == path_encoding([b])).all()
    assert n_iso > 10
    assert path_encoding([a]).shape == (1, 180) and onehot_encoding([a]).shape == (1, 30) and adjacency_encoding([a]).shape == (1, 94)


def test_nb201_problems():
    from surrnb.problems import problems
    p10, p100 = problems.get("nb201-cifar10"), problems.get("nb201-cifar100")
    assert abs(p10.best_accuracy - 91.61) < 0.005 and abs(p100.best_accuracy - 73.49) < 0.005
    assert abs(p10.optimum - (100 - p10.best_accuracy)) < 1e-9
    cfg = p10.optimizer[0]
    assert abs(np.mean([p10.evaluate(cfg) for _ in range(200)]) - p10.optimum) < 0.2


@pytest.mark.parametrize("name", ["rea", "local-search", "bananas"])
def test_strategies_no_isomorphic_repeats(name):
    from surrnb.study import Study, strategies
    from surrnb.problems import problems
    from surrnb.search.nas import config_key
    p = problems.get("nb201-cifar100", seed=0)
    st = Study(p.space, strategies.get(name), storage=":memory:", seed=0).optimize(p.evaluate, 30, show_progress=False)
    keys = [config_key(p.space, t.config) for t in st.trials]
    assert len(keys) == len(set(keys)) == 30
    assert p.accuracy(st.best.config) > 60


def test_cli_run_bananas(tmp_path):
    db = str(tmp_path / "nas.db")
    r = subprocess.run(SURRNB + ["run", "nb201-cifar10", "--strategy", "bananas", "--budget", "25", "--db", db, "--quiet"],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    assert "25 new trial(s), 25 in total" in r.stdout and "Op0" in r.stdout
    r = subprocess.run(SURRNB + ["run", "nb201-cifar10", "--strategy", "bananas", "--budget", "30", "--db", db, "--quiet"],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    assert "5 new trial(s), 30 in total" in r.stdout


def test_macro_cost_matches_closed_form():
    from surrnb.nas.spaces import macro_space, macro_cost, mbconv_cost
    cfg = macro_space().sample(1, seed=0)[0]
    c = macro_cost(cfg, resolution=32)
    assert c["params"] > 0 and c["flops"] > 0
    assert mbconv_cost(8, 16, 3, 3, 1, 4) == (8 * 24 + 24 * 9 + 24 * 16, 16 * (8 * 24) + 16 * (24 * 9 + 24 * 16))
