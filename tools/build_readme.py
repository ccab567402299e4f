#!/usr/bin/env python
"""Generate README.md from nbs/index.ipynb (the docs home), without Quarto.

Markdown cells are copied verbatim; code cells become ```python blocks and their stored text outputs plain
blocks; images and HTML outputs are left out. nbdev/Quarto directives are honoured: `#| hide`, `#| export*`,
`#| default_exp` and `#| include: false` cells are dropped, `#| echo: false` drops the code and keeps the
output, `#| output: false` the reverse; directive lines never appear. Relative links to notebooks
(`01_space.ipynb`) become repository links (`nbs/01_space.ipynb`). The output depends only on the notebook.

Usage:  python tools/build_readme.py           # write README.md
        python tools/build_readme.py --check   # exit 1 with a one-line message if README.md is stale
"""
from __future__ import annotations
import argparse, json, re, sys
from pathlib import Path
from build_docs import terminal_text  # same rendering of progress-bar output as the docs

ROOT = Path(__file__).resolve().parents[1]
SRC, DEST = ROOT / "nbs" / "index.ipynb", ROOT / "README.md"
HEADER = "<!-- WARNING: generated from nbs/index.ipynb by tools/build_readme.py; do not edit. -->"

_re_dir = re.compile(r"^\s*#\|\s*([\w-]+)\s*:?\s*(.*?)\s*$")
_HIDE = {"hide", "export", "exporti", "default_exp"}
_re_link = re.compile(r"(\]\()([^)\s]+)(\))")

def directives(source: str) -> tuple[dict, str]:
    "The leading `#| name [value]` / `#| key: value` lines of a code cell, and the code without them."
    d, lines = {}, source.splitlines()
    while lines and (m := _re_dir.match(lines[0])):
        d[m.group(1)] = m.group(2).strip("\"'").lower(); lines.pop(0)
    return d, "\n".join(lines).strip("\n")

def _fence(text: str, lang: str = "") -> str:
    "A fenced block long enough not to clash with backticks in `text`."
    n = max([3] + [len(m) + 1 for m in re.findall(r"`{3,}", text)])
    return f"{'`' * n}{lang}\n{text.rstrip()}\n{'`' * n}"

def _link(m) -> str:
    url = m.group(2)
    if re.match(r"^([a-z][a-z0-9+.-]*:|#|/)", url) or ".ipynb" not in url: return m.group(0)
    return f"{m.group(1)}nbs/{url.removeprefix('./')}{m.group(3)}"


def outputs_md(outputs: list) -> list[str]:
    "Text outputs as plain blocks (markdown outputs verbatim); images, HTML and errors are skipped."
    res = []
    for o in outputs:
        t = o.get("output_type")
        if t == "stream" and o.get("name") == "stdout": txt = terminal_text("".join(o.get("text", "")))
        elif t in ("execute_result", "display_data"):
            data = o.get("data", {})
            if "text/markdown" in data: res.append("".join(data["text/markdown"]).strip()); continue
            if any(k.startswith("image/") or k == "text/html" for k in data): continue
            txt = "".join(data.get("text/plain", ""))
        else: continue
        if txt.strip(): res.append(_fence(txt))
    return res

def cell_md(cell: dict) -> list[str]:
    "The README blocks of one cell."
    src = "".join(cell.get("source", ""))
    if cell["cell_type"] == "markdown": return [_re_link.sub(_link, src.strip())] if src.strip() else []
    if cell["cell_type"] != "code": return []
    d, code = directives(src)
    if d.keys() & _HIDE or d.get("include") == "false": return []
    res = [] if d.get("echo") == "false" or not code.strip() else [_fence(code, "python")]
    if d.get("output") != "false": res += outputs_md(cell.get("outputs", []))
    return res

def readme(nb_path: Path = SRC) -> str:
    "README.md text generated from the notebook at `nb_path`."
    nb = json.loads(Path(nb_path).read_text(encoding="utf-8"))
    blocks = [HEADER] + [b for c in nb["cells"] for b in cell_md(c)]
    return "\n\n".join(blocks) + "\n"

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Generate README.md from nbs/index.ipynb.")
    ap.add_argument("--check", action="store_true", help="do not write; exit 1 if README.md is stale")
    a = ap.parse_args(argv)
    text = readme()
    if a.check:
        if not DEST.exists() or DEST.read_text(encoding="utf-8") != text:
            print("README.md is stale: run `python tools/build_readme.py` (it is generated from nbs/index.ipynb)")
            return 1
        return 0
    if not DEST.exists() or DEST.read_text(encoding="utf-8") != text: DEST.write_text(text, encoding="utf-8")
    return 0

if __name__ == "__main__": sys.exit(main())
