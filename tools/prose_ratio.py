"""Exported lines of code per 100 words of prose, per notebook: how far a notebook is from the fastcore rhythm.

    python tools/prose_ratio.py              # every numbered notebook in nbs/, densest first
    python tools/prose_ratio.py nbs/01_space.ipynb nbs/03_store.ipynb

Lines: the non-blank lines of `#| export`/`exports`/`exporti` cells, directive lines (`#| ...`) left out.
Words: whitespace-separated words of the markdown cells. Ratio: 100 * lines / words (issue #19 asks for <= 25).
"""
from __future__ import annotations
import json, re, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT / "nbs"
LIMIT = 25.0   # exported lines per 100 words of prose that a notebook may reach
_re_export = re.compile(r"^#\|\s*export[si]?\s*$", re.M)
_re_numbered = re.compile(r"^\d\d_.*\.ipynb$")

def counts(path: Path) -> tuple[int, int]:
    "(exported lines, words of prose) of a notebook."
    lines = words = 0
    for c in json.loads(Path(path).read_text())["cells"]:
        src = "".join(c["source"])
        if c["cell_type"] == "markdown": words += len(src.split())
        elif c["cell_type"] == "code" and _re_export.search(src):
            lines += sum(1 for l in src.splitlines() if l.strip() and not l.lstrip().startswith("#|"))
    return lines, words

def ratio(path: Path) -> float:
    "Exported lines per 100 words of prose (0 for a notebook that exports nothing)."
    lines, words = counts(path)
    return 0.0 if not lines else 100 * lines / max(words, 1)

def numbered() -> list[Path]:
    "The numbered notebooks of nbs/ (tutorials and index left out): the library's lessons."
    return sorted(p for p in NBS.glob("*.ipynb") if _re_numbered.match(p.name))

def table(paths: list[Path]) -> str:
    "A plain-text table, densest notebook first."
    rows = sorted(((ratio(p), *counts(p), p.name) for p in paths), reverse=True)
    out = [f"{'notebook':32} {'lines':>6} {'words':>6} {'per 100':>8}"]
    out += [f"{n:32} {l:6d} {w:6d} {r:8.1f}{'  > ' + str(LIMIT) if r > LIMIT else ''}" for r, l, w, n in rows]
    return "\n".join(out)

if __name__ == "__main__":
    print(table([Path(a) for a in sys.argv[1:]] or numbered()))
