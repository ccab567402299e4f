"""House rules checked on the package itself: layers point one way, no import hides inside a function to dodge a
cycle, and no method is assigned to a class by hand (so that nbdev documents every one)."""
import ast, re
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "surrnb"
SRC = re.compile(r"File to edit: (?:\.\./)+nbs/(?:tutorials/)?(\d+)_")


def _modules():
    "module name -> (path, notebook number) for every exported module."
    out = {}
    for p in PKG.rglob("*.py"):
        if p.name in ("__init__.py", "_modidx.py"): continue
        m = SRC.search(p.read_text())
        if m is None: continue
        name = ".".join(("surrnb",) + p.relative_to(PKG).with_suffix("").parts)
        out[name] = (p, int(m.group(1)))
    return out


def _imports(path, name):
    "(imported surrnb module, inside a function?) for each import statement of a module."
    tree, pkg = ast.parse(path.read_text()), name.rsplit(".", 1)[0]
    funcs = {id(n) for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef)) for n in ast.walk(f)}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg.split(".")[: len(pkg.split(".")) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else: mod = node.module or ""
            targets = [mod] + [f"{mod}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import): targets = [a.name for a in node.names]
        else: continue
        for t in targets:
            if t.startswith("surrnb"): yield t, id(node) in funcs


def test_layers_point_one_way():
    mods = _modules()
    assert len(mods) > 30, sorted(mods)
    bad = []
    for name, (path, num) in mods.items():
        for t, _ in _imports(path, name):
            if t in mods and t != name and mods[t][1] > num:
                bad.append(f"{name} (notebook {num:02d}) imports {t} (notebook {mods[t][1]:02d})")
    assert not bad, "\n".join(sorted(set(bad)))


def test_no_import_inside_a_function():
    mods = _modules()
    bad = sorted({f"{name} imports {t} inside a function" for name, (path, _) in mods.items()
                  for t, inner in _imports(path, name) if inner and t in mods and t != name})
    assert not bad, "\n".join(bad)


def test_no_hand_assigned_methods():
    pat = re.compile(r"^\(?[A-Z]\w*\.[A-Za-z_]\w*(\s*,\s*[A-Z]\w*\.[A-Za-z_]\w*)*\)?\s*=", re.M)
    bad = [f"{p.relative_to(PKG)}: {m.group(0)}" for p in PKG.rglob("*.py") if p.name != "_modidx.py"
           for m in pat.finditer(p.read_text())]
    assert not bad, "\n".join(bad)
