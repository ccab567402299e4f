"""BO on Hartmann6 with every surrogate of the zoo, through `surrnb bench` (the command line's own code path).

Imports the surrogate modules first so that every `bo-NAME` resolves even where the surrogate registry does not
autoload them, then runs
    surrnb bench --problems hartmann6 --strategies bo-gp,bo-ensemble,bo-bnn,bo-dkl,bo-rf,bo-pfn,random ...
Usage: python bench/zoo_bo.py [--strategies ...] [--seeds 3] [--budget 30] [--json bench/results/zoo_bo.json]
"""
import argparse, sys
import surrnb.surrogates.gp, surrnb.surrogates.ensemble, surrnb.surrogates.bnn, surrnb.surrogates.dkl  # noqa: register
import surrnb.surrogates.forest, surrnb.surrogates.nngp  # noqa: register
try: import surrnb.surrogates.pfn  # noqa: F401
except ImportError: pass
from surrnb.cli import main

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--problems", default="hartmann6")
    ap.add_argument("--strategies", default="bo-gp,bo-ensemble,bo-bnn,bo-dkl,bo-rf,bo-pfn,random")
    ap.add_argument("--seeds", default="3"); ap.add_argument("--budget", default="30")
    ap.add_argument("--json", default="bench/results/zoo_bo.json")
    a = ap.parse_args()
    sys.exit(main(["bench", "--problems", a.problems, "--strategies", a.strategies, "--seeds", a.seeds, "--budget", a.budget, "--json", a.json]))
