#!/usr/bin/env python
"""Build the surrnb docs as a static HTML site in `_docs/`, without Quarto.

Quarto (what `nbdev-docs` uses) cannot be installed everywhere, so this script renders the same pages:

1. nbdev's notebook processing, i.e. what `nbdev-proc-nbs` does (without its attempt to download and install
   Quarto): into `_proc/`, `show_doc` cells are added after `#| export` cells and executed, `#| hide` and
   `#| export` cells are dropped, the title cell becomes front matter, directives become Quarto cell options.
   One guard: nbdev also runs any cell that contains an import; for a cell that mixes imports with other code
   only the imports run here (tests/test_docs.py fails while such cells exist, as they slow down or break
   `nbdev-docs`), so this build stays fast and identical to nbdev's once they are gone.
2. Every processed notebook is rendered with nbconvert's HTMLExporter (JupyterLab template), honouring the
   Quarto options nbdev leaves behind (`include`, `echo`, `output`, `output: asis`, `code-fold`: `true` folds a
   cell's code away, `show` folds it open); plots are written next to each page as image files; every page gets
   a left navigation in the order of `nbs/sidebar.yml` (the file Quarto uses, as `custom_sidebar = true`), a
   search box, an "on this page" contents list, previous/next links in sidebar order and a link to download its
   notebook.
3. Maths is typeset in the browser by KaTeX served from the site itself (`_static/katex/`), copied from a local
   KaTeX: Debian's `libjs-katex` (what `.ci/run` installs), `node_modules/katex/dist`, or `$SURRNB_KATEX`.
   Nothing is loaded from the network. Search runs in the browser over `_static/search_index.js`.
4. The other files of `nbs/` (images, styles.css) are copied.

Usage:  python tools/build_docs.py [--out _docs] [--force]
Then open _docs/index.html.  `render_notebook` and `build` are imported by tests/test_docs.py.
"""
from __future__ import annotations
import argparse, contextlib, functools, html, json, os, re, shutil, sys, time, warnings
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT / "nbs"
SITE_TITLE = "surrnb"
KATEX_DIRS = [ROOT / "node_modules/katex/dist", Path("/usr/share/javascript/katex")]  # npm's, Debian's libjs-katex

def find_katex() -> Path:
    "A local KaTeX (katex.min.js, katex.min.css, fonts/, contrib/auto-render): `$SURRNB_KATEX` or `KATEX_DIRS`."
    dirs = ([Path(os.environ["SURRNB_KATEX"])] if os.environ.get("SURRNB_KATEX") else []) + KATEX_DIRS
    for d in dirs:
        if (d / "katex.min.js").is_file() and (d / "katex.min.css").is_file() and _auto_render(d): return d
    raise SystemExit("no local KaTeX for the docs' maths: apt-get install libjs-katex (what .ci/run does), "
                     f"or set SURRNB_KATEX to a KaTeX dist folder; looked in {', '.join(map(str, dirs))}")

def _auto_render(d: Path) -> Path | None:
    return next((f for f in (d / "contrib/auto-render.min.js", d / "contrib/auto-render.js") if f.is_file()), None)

# ---------------------------------------------------------------- step 1: nbdev processing

_EXPORTS = {"export", "exports", "exporti", "exec_doc"}

def eager_cell(cell) -> bool:
    """True if nbdev's docs processing would run this cell (an import somewhere in it) although it is not an
    export, `show_doc` or imports-only cell: nbdev then runs the whole cell (its FAQ: keep imports in their own cell)."""
    import ast
    from nbdev.processors import _do_eval, _show_docs
    if cell.cell_type != "code" or cell.directives_.keys() & _EXPORTS or not _do_eval(cell): return False
    trees = cell.parsed_() or []
    return not _show_docs(trees) and not all(isinstance(t, (ast.Import, ast.ImportFrom)) for t in trees)

def eager_cells(path: Path) -> list[tuple[int, str]]:
    "(index, first import line) of the cells of a notebook that nbdev would run while building docs (see `eager_cell`)."
    from fastcore.nbio import read_nb
    from nbdev.processors import _re_showdoc
    nb = read_nb(path)
    for c in nb.cells: c.directives_ = c.directives
    if not any(c.cell_type == "code" and (c.directives_.keys() & _EXPORTS or _re_showdoc.search(c.source)) for c in nb.cells):
        return []  # nbdev executes nothing in notebooks without exports or show_doc
    def imp(c): return next((l.strip() for l in c.source.splitlines() if re.match(r"\s*(import|from)\s", l)), "")
    return [(i, imp(c)) for i, c in enumerate(nb.cells) if eager_cell(c)]

@contextlib.contextmanager
def imports_only_for_eager_cells():
    """While active, nbdev's docs processing runs only the top-level imports of "eager" cells instead of the whole
    cell (identical to nbdev when a notebook has none; tests/test_docs.py fails while any exist)."""
    import ast
    import nbdev.processors as P
    orig = P.exec_show_docs
    class exec_show_docs(orig):
        def __call__(self, cell):
            if not eager_cell(cell): return super().__call__(cell)
            if getattr(self.nb, "has_docs_", False) and hasattr(self, "k"):
                imps = [ast.unparse(t) for t in cell.parsed_() if isinstance(t, (ast.Import, ast.ImportFrom))]
                if imps: self.k.run_cell("\n".join(imps))
    P.exec_show_docs = exec_show_docs
    try:
        with warnings.catch_warnings():  # nbdev's warning about these cells; `eager_cells` names them instead
            warnings.filterwarnings("ignore", message="Found cells containing imports")
            yield
    finally: P.exec_show_docs = orig

def process_notebooks(force: bool = False, # ignore nbdev's cache in _proc/
                      ) -> tuple[Path, dict[str, str]]:
    "Run nbdev's docs processing of `nbs/` into `_proc/` (as `nbdev-proc-nbs`); return `_proc/` and {notebook: error}."
    from nbdev.serve import proc_nbs
    cwd = os.getcwd()
    os.chdir(ROOT)  # nbdev finds pyproject.toml from the working directory
    try:
        with imports_only_for_eager_cells():
            try: return Path(proc_nbs(force=force, n_workers=0)), {}  # in this process, so the guard applies
            except Exception: pass
            # a notebook failed and nbdev stopped: process them one by one to name every failure and keep the rest
            from fastcore.nbio import read_nb, write_nb
            from nbdev.processors import FilterDefaults
            proc, errors = ROOT / "_proc", {}
            for src in sorted(NBS.rglob("*.ipynb")):
                rel = src.relative_to(NBS)
                if any(p.startswith(("_", ".")) for p in rel.parts): continue
                dst = proc / rel
                if dst.exists() and dst.stat().st_mtime >= src.stat().st_mtime: continue
                try:
                    nb = read_nb(src); FilterDefaults()(nb)
                    dst.parent.mkdir(parents=True, exist_ok=True); write_nb(nb, dst)
                except Exception as e:
                    errors[rel.as_posix()] = " ".join(str(e).split())[:2000]
                    dst.unlink(missing_ok=True)
            return proc, errors
    finally: os.chdir(cwd)

def error_notebook(src: Path, msg: str) -> dict:
    "A stand-in page for a notebook nbdev could not process: its title and the error, as an error output."
    title = next((l[2:].strip() for c in json.loads(src.read_text())["cells"][:1] for l in _src(c).splitlines()
                  if l.startswith("# ")), src.stem)
    err = {"output_type": "error", "ename": "DocsBuildError", "evalue": msg,
           "traceback": [f"DocsBuildError: nbdev could not process {src.name}: {msg}"]}
    return {"cells": [{"cell_type": "raw", "metadata": {}, "source": f"---\ntitle: {json.dumps(title)}\n---"},
                      {"cell_type": "code", "metadata": {}, "execution_count": None, "source": "", "outputs": [err]}],
            "metadata": {}, "nbformat": 4, "nbformat_minor": 5}

def process_notebook(path: Path) -> dict:
    "Apply nbdev's docs processors to one notebook outside `nbs/` (e.g. a test fixture); returns the notebook."
    from fastcore.nbio import read_nb, nb2str
    from nbdev.processors import FilterDefaults
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        nb = read_nb(path)
        FilterDefaults()(nb)
    finally: os.chdir(cwd)
    return json.loads(nb2str(nb))  # plain dicts, as nbdev writes them to _proc/

# ---------------------------------------------------------------- step 2: notebook -> page

_re_opt = re.compile(r"^#\|\s*([\w-]+)\s*:\s*(.*?)\s*$")

def _src(cell) -> str: return "".join(cell.get("source", ""))

def split_options(source: str) -> tuple[dict, str]:
    "Quarto cell options (leading `#| key: value` lines) and the remaining source."
    opts, lines = {}, source.splitlines()
    while lines and (m := _re_opt.match(lines[0])):
        opts[m.group(1)] = m.group(2).strip("\"'"); lines.pop(0)
    return opts, "\n".join(lines)

def front_matter(nb: dict) -> dict:
    "The YAML front matter nbdev put in the first raw cell ({} if none)."
    import yaml
    for c in nb["cells"][:2]:
        s = _src(c).strip()
        m = re.match(r"^---\s*\n(.*?)\n---\s*$", s, re.S)
        if c["cell_type"] == "raw" and m: return yaml.safe_load(m.group(1)) or {}
    return {}

_re_attr_link = re.compile(r"\[([^\]]*)\]\(([^)\s]+)\)\{([^}]*)\}")
_re_heading_attr = re.compile(r"^(#{1,6} .*?)\s*\{[#.][^}]*\}\s*$", re.M)
_re_div_open = re.compile(r"^:::+\s*\{?\s*([^}]*?)\s*\}?\s*$")

def quarto_md(md: str) -> str:
    "Translate the Pandoc/Quarto markdown nbdev emits (link attributes, fenced divs) to plain markdown + HTML."
    md = _re_attr_link.sub(lambda m: f'<a href="{m.group(2)}" {m.group(3)}>{m.group(1)}</a>', md)
    md = _re_heading_attr.sub(r"\1", md)
    out = []
    for line in md.split("\n"):
        m = _re_div_open.match(line)
        if m and line.startswith(":::"):
            cls = " ".join(w.lstrip(".") for w in m.group(1).split() if w.startswith("."))
            out += ["", f'<div class="{cls}">' if m.group(1) else "</div>", ""]
        else: out.append(line)
    return "\n".join(out)

_re_bare_fn = re.compile(r"([_^])\\(max|min|sup|inf|lim|liminf|limsup|log|ln|exp|det|arg|dim|deg|ker|Pr|gcd)(?![A-Za-z])")

def katex_compat(md: str) -> str:
    "TeX that MathJax accepts and KaTeX rejects, rewritten: a bare operator as sub/superscript (`k_\\max` -> `k_{\\max}`)."
    return _re_bare_fn.sub(r"\1{\\\2}", md)

def terminal_text(text: str) -> str:
    "Stream text as a terminal shows it: a carriage return overwrites the line (progress bars)."
    out = []
    for line in text.split("\n"):
        shown = ""
        for seg in line.split("\r"): shown = seg + shown[len(seg):]
        out.append(shown)
    return "\n".join(out)

def prepare(nb: dict) -> tuple[dict, dict]:
    "Apply the Quarto cell options of a processed notebook for nbconvert; return (notebook, front matter)."
    fm, cells = front_matter(nb), []
    for c in nb["cells"]:
        s = _src(c)
        c = {k: v for k, v in c.items() if not k.endswith("_")}  # only nbformat fields, minimal metadata
        c["metadata"] = {k: v for k, v in c.get("metadata", {}).items() if k in ("tags", "language")}
        if c["cell_type"] == "raw" and s.strip().startswith("---"): continue
        if c["cell_type"] == "markdown":
            c["source"] = katex_compat(quarto_md(s)); cells.append(c); continue
        if c["cell_type"] != "code": continue
        opts, s = split_options(s)
        c["source"] = s
        if opts.get("include") == "false": continue
        if opts.get("output") == "false": c["outputs"] = []
        for o in c.get("outputs", []):
            if o.get("output_type") == "stream": o["text"] = terminal_text("".join(o.get("text", "")))
            if o.get("output_type") == "error" and not o.get("traceback"):
                o["traceback"] = [f"{o.get('ename', 'Error')}: {o.get('evalue', '')}"]
        if opts.get("output") == "asis":  # e.g. show_doc: its markdown becomes part of the page
            for o in c.get("outputs", []):
                md = o.get("data", {}).get("text/markdown")
                if md: cells.append({"cell_type": "markdown", "metadata": {}, "source": quarto_md("".join(md))})
            if opts.get("echo") == "false": continue
            c["outputs"] = []
        if opts.get("echo") == "false" or not s.strip():
            c.setdefault("metadata", {}).setdefault("transient", {})["remove_source"] = True
            if not c.get("outputs"): continue
        if opts.get("code-fold", "false") not in ("false", "none"):  # Quarto: true = folded away, show = folded open
            c.setdefault("metadata", {})["surrnb_fold"] = opts.get("code-summary", "Code")
            c["metadata"]["surrnb_fold_open"] = opts["code-fold"] == "show"
        cells.append(c)
    nb = dict(nb, cells=cells)
    meta = {k: v for k, v in nb.get("metadata", {}).items() if k in ("kernelspec", "language_info")}  # widgets: no CDN manager
    nb["metadata"] = dict(meta, title=page_title(fm.get("title")))
    return nb, fm

def page_title(title: str | None) -> str:
    "The <title> of a page: `Title – surrnb` (just `surrnb` for the home page); markdown backticks dropped."
    title = (title or "").replace("`", "")
    return SITE_TITLE if not title or title == SITE_TITLE else f"{title} – {SITE_TITLE}"

def inline_html(text: str) -> str:
    "Escaped text with markdown `code` spans as <code> (titles and summaries)."
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text or ""))

TEMPLATE = r"""{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js_requirejs -%}
{%- if "widgets" in nb.metadata -%}<script src="{{ resources.require_js_url }}"></script>{%- endif -%}
{%- endblock html_head_js_requirejs -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}
<link rel="stylesheet" href="{{ resources.surrnb.root }}_static/katex/katex.min.css">
<script defer src="{{ resources.surrnb.root }}_static/katex/katex.min.js"></script>
<script defer src="{{ resources.surrnb.root }}_static/katex/auto-render.js"></script>
<script defer src="{{ resources.surrnb.root }}_static/search_index.js"></script>
<script defer src="{{ resources.surrnb.root }}_static/site.js"></script>
{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{% block notebook_css %}
<link rel="stylesheet" href="{{ resources.surrnb.root }}_static/lab.css">
<link rel="stylesheet" href="{{ resources.surrnb.root }}_static/site.css">
{%- if resources.surrnb.styles %}<link rel="stylesheet" href="{{ resources.surrnb.root }}styles.css">{% endif %}
{% endblock notebook_css %}
{%- block body_header -%}
<body class="jp-Notebook surrnb-page" data-jp-theme-light="true" data-jp-theme-name="JupyterLab Light" data-root="{{ resources.surrnb.root }}">
{{ resources.surrnb.nav }}
<!--surrnb:toc-->
<main class="surrnb-main">
<header class="surrnb-title">
<h1 class="title">{{ resources.surrnb.title }}</h1>
{%- if resources.surrnb.description %}<p class="description">{{ resources.surrnb.description }}</p>{% endif %}
<!--surrnb:download-->
</header>
{%- endblock body_header -%}
{% block body_footer -%}
<!--surrnb:pager-->
</main>
</body>
{%- endblock body_footer %}
{% block input_group -%}
{%- if cell.metadata.surrnb_fold -%}
<details{% if cell.metadata.surrnb_fold_open %} open{% endif %} class="surrnb-fold"><summary>{{ cell.metadata.surrnb_fold | e }}</summary>{{ super() }}</details>
{%- else -%}{{ super() }}{%- endif -%}
{% endblock input_group %}
{% block error -%}
<div class="jp-RenderedText jp-OutputArea-output surrnb-error" data-mime-type="application/vnd.jupyter.stderr" data-ename="{{ output.ename | e }}">
<pre>
{{- super() -}}
</pre>
</div>
{%- endblock error %}
"""

SITE_CSS = """
body.surrnb-page { margin: 0; }
nav.surrnb-sidebar { position: fixed; top: 0; left: 0; bottom: 0; width: 230px; overflow-y: auto; padding: 1rem;
  box-sizing: border-box; background: #f7f7f9; border-right: 1px solid #ddd; font: 14px/1.4 system-ui, sans-serif; }
nav.surrnb-sidebar .site { font-weight: 700; font-size: 1.2rem; display: block; margin-bottom: .8rem; }
nav.surrnb-sidebar ul { list-style: none; padding-left: .6rem; margin: .2rem 0 .6rem; }
nav.surrnb-sidebar li { margin: .15rem 0; }
nav.surrnb-sidebar .section { font-weight: 600; margin-top: .6rem; display: block; }
nav.surrnb-sidebar a { color: #2c5f9e; text-decoration: none; }
nav.surrnb-sidebar a.active { font-weight: 700; color: #111; }
main.surrnb-main { margin-left: 230px; padding: 1rem 1.5rem 4rem; max-width: 900px; box-sizing: border-box; min-width: 0; }
@media (min-width: 1100px) { main.surrnb-main { margin-right: 210px; } }
nav.surrnb-toc { font: 13px/1.4 system-ui, sans-serif; }
nav.surrnb-toc .toc-title { font-weight: 600; margin-bottom: .3rem; display: block; }
nav.surrnb-toc ul { list-style: none; padding-left: 0; margin: 0; }
nav.surrnb-toc li.toc-h3 { padding-left: .8rem; }
nav.surrnb-toc a { color: #2c5f9e; text-decoration: none; }
@media (min-width: 1100px) { nav.surrnb-toc { position: fixed; top: 0; right: 0; bottom: 0; width: 200px; overflow-y: auto;
  padding: 1rem .8rem; box-sizing: border-box; border-left: 1px solid #eee; } }
@media (max-width: 1099px) { nav.surrnb-toc { margin-left: 230px; padding: .5rem 2rem 0; } }
nav.surrnb-pager { display: flex; justify-content: space-between; gap: 1rem; margin-top: 3rem; padding-top: 1rem;
  border-top: 1px solid #ddd; font: 14px/1.4 system-ui, sans-serif; }
nav.surrnb-pager a { color: #2c5f9e; text-decoration: none; max-width: 48%; }
nav.surrnb-pager a[rel=next] { margin-left: auto; text-align: right; }
nav.surrnb-pager small { display: block; color: #777; }
a.surrnb-download { font: 13px system-ui, sans-serif; color: #2c5f9e; }
.surrnb-search { position: relative; margin-bottom: .8rem; }
.surrnb-search input { width: 100%; box-sizing: border-box; padding: .3rem .4rem; font: inherit; border: 1px solid #bbb; border-radius: 3px; }
.surrnb-search ol { list-style: none; padding: 0; margin: .3rem 0 0; background: #fff; border: 1px solid #ddd; }
.surrnb-search ol:empty { display: none; }
.surrnb-search li { padding: .3rem .4rem; border-bottom: 1px solid #eee; margin: 0; }
.surrnb-search li small { display: block; color: #666; font-size: 12px; }
/* code never runs off the page: long lines scroll inside their block */
.jp-Cell, .jp-InputArea, .jp-OutputArea, .jp-OutputArea-child, .jp-OutputArea-output, .jp-InputArea-editor { min-width: 0; max-width: 100%; }
main pre { overflow-x: auto; max-width: 100%; box-sizing: border-box; }
.jp-OutputArea-output img { max-width: 100%; height: auto; }
.jp-RenderedHTMLCommon table { display: block; overflow-x: auto; max-width: 100%; table-layout: auto; width: max-content; }
.katex-display { overflow-x: auto; overflow-y: hidden; padding: .2rem 0; }
header.surrnb-title { font-family: var(--jp-content-font-family); }
header.surrnb-title .description { font-size: 1.1rem; color: #555; }
a.anchor-link { display: none; }
.jp-RenderedMarkdown pre { background: #f5f5f5; padding: .5rem .7rem; border-radius: 3px; }
nav.surrnb-sidebar code { font-size: 90%; }
details.surrnb-fold > summary { cursor: pointer; color: #555; font-size: .9rem; }
.jp-InputPrompt, .jp-OutputPrompt { display: none; }
.jp-RenderedHTMLCommon table { margin: .5rem 0; }
@media (max-width: 800px) { nav.surrnb-sidebar { position: static; width: auto; } main.surrnb-main { margin-left: 0; } }
"""

@functools.lru_cache(maxsize=1)
def _exporter():
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import ExtractOutputPreprocessor
    ex = HTMLExporter(template_name="lab", extra_loaders=[DictLoader({"surrnb_page.html.j2": TEMPLATE})],
                      template_file="surrnb_page.html.j2", exclude_input_prompt=True, exclude_output_prompt=True)
    ex.register_preprocessor(ExtractOutputPreprocessor, enabled=True)
    return ex

def _relativize(html_text: str, page: str, doc_url: str, pages: dict[str, str]) -> str:
    "Make links local: hosted-docs URLs -> relative paths, `x.ipynb` links -> the page rendered from x.ipynb."
    depth = page.count("/")
    up = "../" * depth
    def fix(m):
        attr, url = m.group(1), html.unescape(m.group(2))
        u = urlsplit(url)
        if doc_url and url.startswith(doc_url): url = up + url[len(doc_url):].lstrip("/")
        elif not u.scheme and not u.netloc and u.path.endswith(".ipynb"):
            target = os.path.normpath(os.path.join(os.path.dirname(page), u.path)).replace(os.sep, "/")
            if target in pages:
                url = os.path.relpath(pages[target], os.path.dirname(page) or ".").replace(os.sep, "/")
                if u.fragment: url += "#" + u.fragment
        return f'{attr}="{html.escape(url, quote=True)}"'
    return re.sub(r'\b(href)="([^"]*)"', fix, html_text)

def render_page(nb: dict, # a notebook processed by nbdev (see `process_notebooks`)
                page: str, # output path relative to the site root, e.g. "tutorials/bo_from_scratch.html"
                out: Path, # site root
                nav: str = "", # navigation HTML (see `nav_html`)
                doc_url: str = "", # hosted docs URL, rewritten to relative links
                pages: dict[str, str] | None = None, # notebook path (relative to nbs/) -> page path
                pager: str = "", # previous/next links (see `pager_html`)
                source: Path | None = None, # the notebook offered for download (copied next to the page)
                ) -> tuple[Path, str]:
    "Render one processed notebook to `out/page` (plots in a sibling `*_files/` folder); return (file, its HTML)."
    import nbformat
    nbd, fm = prepare(nb)
    for i, c in enumerate(nbd["cells"]): c["id"] = f"c{i}"
    nbd["nbformat"], nbd["nbformat_minor"] = 4, 5
    node = nbformat.reads(json.dumps(nbd), as_version=4)  # also joins multi-line strings stored as lists
    stem = Path(page).stem
    dest = out / page
    res = {"output_files_dir": f"{stem}_files", "unique_key": stem,
           "surrnb": {"root": "../" * page.count("/"), "nav": nav, "title": inline_html(fm.get("title", stem)),
                      "description": inline_html(fm.get("description", "")),
                      "styles": (out / "styles.css").exists()}}
    body, res = _exporter().from_notebook_node(node, resources=res)
    body = _relativize(body, page, doc_url, pages or {})
    body = body.replace("<!--surrnb:toc-->", toc_html(body), 1).replace("<!--surrnb:pager-->", pager, 1)
    if source is not None and Path(source).is_file():
        (dest.parent).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, dest.parent / Path(source).name)
        link = (f'<p><a class="surrnb-download" href="{html.escape(Path(source).name)}" download>'
                f'Download this page as a notebook ({html.escape(Path(source).name)})</a></p>')
        body = body.replace("<!--surrnb:download-->", link, 1)
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(dest.parent / f"{stem}_files", ignore_errors=True)
    for name, data in res.get("outputs", {}).items():
        f = dest.parent / name
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_bytes(data)
    dest.write_text(body, encoding="utf-8")
    return dest, body

SITE_JS = r"""
// surrnb docs: typeset maths (local KaTeX) and search the site (index in search_index.js). No network.
(function () {
  function typeset() {
    if (!window.renderMathInElement) return;
    renderMathInElement(document.body, {
      delimiters: [{left: "$$", right: "$$", display: true}, {left: "\\[", right: "\\]", display: true},
                   {left: "$", right: "$", display: false}, {left: "\\(", right: "\\)", display: false}],
      ignoredClasses: ["surrnb-search", "surrnb-toc-title"],   // code (pre, code) is never typeset
      throwOnError: false, strict: "ignore", errorColor: "#cc0001"});   // an unknown macro is drawn in this colour
    document.body.setAttribute("data-math", "done");
  }
  function count(hay, needle) { let n = 0, i = 0; while ((i = hay.indexOf(needle, i)) >= 0) { n++; i += needle.length; } return n; }
  function search(q) {
    q = q.toLowerCase().replace(/\s+/g, " ").trim();
    const terms = q.split(" ").filter(t => t.length > 1);
    if (!terms.length || !window.SURRNB_INDEX) return [];
    const hits = [];
    for (const p of window.SURRNB_INDEX) {
      const title = p.t.toLowerCase(), text = p.x;
      if (!terms.every(t => title.includes(t) || text.includes(t))) continue;
      let score = 0, anchor = "";
      if (title.includes(q)) score += 100;
      for (const [id, h] of p.h) {
        const hl = h.toLowerCase();
        if (hl.includes(q)) { score += 40; if (!anchor) anchor = id; }
        else if (terms.every(t => hl.includes(t))) { score += 10; if (!anchor) anchor = id; }
      }
      score += Math.min(count(text, q), 30) * 3;
      for (const t of terms) score += Math.min(count(text, t), 20) / terms.length;
      hits.push({p: p, score: score, anchor: anchor});
    }
    return hits.sort((a, b) => b.score - a.score).slice(0, 10);
  }
  function setupSearch() {
    const box = document.getElementById("surrnb-search"), list = document.getElementById("surrnb-results");
    if (!box || !list) return;
    const root = document.body.getAttribute("data-root") || "";
    function show() {
      list.innerHTML = "";
      for (const h of search(box.value)) {
        const li = document.createElement("li"), a = document.createElement("a"), sm = document.createElement("small");
        a.href = root + h.p.u + (h.anchor ? "#" + h.anchor : "");
        a.textContent = h.p.t; a.className = "surrnb-hit";
        sm.textContent = h.p.d || "";
        li.appendChild(a); li.appendChild(sm); list.appendChild(li);
      }
      list.setAttribute("data-query", box.value);
    }
    box.addEventListener("input", show);
    box.addEventListener("keydown", e => { if (e.key === "Enter") { const a = list.querySelector("a"); if (a) location.href = a.href; } });
  }
  document.addEventListener("DOMContentLoaded", function () { typeset(); setupSearch(); });
})();
"""

def copy_katex(out: Path, # site root
               ) -> Path:
    "Copy the local KaTeX (script, stylesheet, woff2 fonts, auto-render) into `out/_static/katex/`."
    src, dst = find_katex(), out / "_static/katex"
    (dst / "fonts").mkdir(parents=True, exist_ok=True)
    for name in ("katex.min.js", "katex.min.css"): shutil.copyfile(src / name, dst / name)
    shutil.copyfile(_auto_render(src), dst / "auto-render.js")
    for f in (src / "fonts").glob("*.woff2"): shutil.copyfile(f, dst / "fonts" / f.name)
    return dst

def write_static(out: Path):
    "The shared stylesheets: JupyterLab's notebook CSS (from nbconvert) and the site's layout; the site's script and KaTeX."
    import nbconvert
    lab = Path(sys.prefix) / "share/jupyter/nbconvert/templates/lab/static"
    if not lab.exists():
        from jupyter_core.paths import jupyter_path
        lab = next(Path(p) / "nbconvert/templates/lab/static" for p in jupyter_path()
                   if (Path(p) / "nbconvert/templates/lab/static").exists())
    from pygments.formatters import HtmlFormatter
    css = (lab / "index.css").read_text() + (lab / "theme-light.css").read_text()
    css += HtmlFormatter(style="default").get_style_defs(".highlight")
    (out / "_static").mkdir(parents=True, exist_ok=True)
    (out / "_static/lab.css").write_text(css)
    (out / "_static/site.css").write_text(SITE_CSS)
    (out / "_static/site.js").write_text(SITE_JS)
    if not (out / "_static/search_index.js").exists(): (out / "_static/search_index.js").write_text("window.SURRNB_INDEX = [];\n")
    copy_katex(out)

# ---------------------------------------------------------------- contents, pager, download, search index

_re_heading = re.compile(r'<h([23])\s+id="([^"]+)"[^>]*>(.*?)</h\1>', re.S)

def _plain(fragment: str) -> str:
    "Visible text of an HTML fragment (anchor-link pilcrows dropped)."
    fragment = re.sub(r'<a class="anchor-link"[^>]*>.*?</a>', "", fragment, flags=re.S)
    fragment = re.sub(r"<(script|style)\b.*?</\1>", " ", fragment, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())

def headings(body: str) -> list[tuple[int, str, str]]:
    "(level, id, text) of the h2/h3 headings of a rendered page's main part."
    main = body.split('<main class="surrnb-main">', 1)[-1]
    return [(int(l), html.unescape(i), _plain(t)) for l, i, t in _re_heading.findall(main)]

def toc_html(body: str) -> str:
    "The \"on this page\" contents list of a rendered page (empty if it has fewer than two headings)."
    hs = headings(body)
    if len(hs) < 2: return ""
    items = "".join(f'<li class="toc-h{l}"><a href="#{html.escape(i, quote=True)}">{html.escape(t)}</a></li>' for l, i, t in hs)
    return f'<nav class="surrnb-toc" aria-label="On this page"><span class="toc-title">On this page</span><ul>{items}</ul></nav>'

def pager_html(page: str, prev: tuple[str, str] | None, nxt: tuple[str, str] | None) -> str:
    "Previous/next links (each (page, title) or None), relative to `page`."
    here = os.path.dirname(page) or "."
    def a(target, rel, label):
        if not target: return ""
        href = os.path.relpath(target[0], here).replace(os.sep, "/")
        return f'<a rel="{rel}" href="{html.escape(href)}"><small>{label}</small>{inline_html(target[1])}</a>'
    return f'<nav class="surrnb-pager" aria-label="Previous and next">{a(prev, "prev", "← Previous")}{a(nxt, "next", "Next →")}</nav>'

def search_entry(body: str, page: str, title: str, description: str = "") -> dict:
    "One page of the search index: title, url, description, headings [(id, text)] and its lower-cased text."
    main = body.split('<main class="surrnb-main">', 1)[-1]
    return {"t": title.replace("`", ""), "u": page, "d": description.replace("`", ""),
            "h": [[i, t] for _, i, t in headings(body)], "x": _plain(main).lower()[:60000]}

def write_search_index(out: Path, entries: list[dict]):
    "`out/_static/search_index.js`: the index as a script (pages opened from disk cannot fetch JSON)."
    (out / "_static").mkdir(parents=True, exist_ok=True)
    (out / "_static/search_index.js").write_text("window.SURRNB_INDEX = " + json.dumps(entries, ensure_ascii=False) + ";\n")

# ---------------------------------------------------------------- the sidebar

def load_sidebar(nbs: Path = NBS) -> list:
    "Entries of `nbs/sidebar.yml`: [('page', 'file.ipynb', text|None) | ('section', name, [entries])]."
    import yaml
    f = nbs / "sidebar.yml"
    if not f.exists(): return []
    data = yaml.safe_load(f.read_text()) or {}
    side = data.get("website", {}).get("sidebar", {})
    if isinstance(side, list): side = side[0] if side else {}
    def conv(items):
        res = []
        for it in items or []:
            if isinstance(it, str): res.append(("page", it, None))
            elif "section" in it:
                res.append(("section", it["section"], conv(it.get("contents", []))))
                if it.get("href"): res[-1][2].insert(0, ("page", it["href"], None))
            elif "href" in it: res.append(("page", it["href"], it.get("text")))
        return res
    return conv(side.get("contents", []))

def sidebar_files(entries) -> list[str]:
    "All notebook paths named in sidebar entries, in order."
    res = []
    for kind, a, b in entries:
        if kind == "page": res.append(a)
        else: res += sidebar_files(b)
    return res

def nav_html(entries, page: str, pages: dict[str, str], titles: dict[str, str]) -> str:
    "The left navigation for `page`: links relative to it, in sidebar order (missing pages link anyway, so they show up as broken)."
    here = os.path.dirname(page) or "."
    def link(src, text):
        target = pages.get(src) or html_path(src)
        href = os.path.relpath(target, here).replace(os.sep, "/")
        cls = ' class="active"' if target == page else ""
        return f'<li><a href="{html.escape(href)}"{cls}>{inline_html(text or titles.get(src, Path(src).stem))}</a></li>'
    def walk(items):
        out = []
        for kind, a, b in items:
            if kind == "page": out.append(link(a, b))
            else: out.append(f'<li><span class="section">{html.escape(a)}</span><ul>{"".join(walk(b))}</ul></li>')
        return out
    home = os.path.relpath("index.html", here).replace(os.sep, "/")
    search = ('<div class="surrnb-search" role="search"><input id="surrnb-search" type="search" placeholder="Search the docs" '
              'aria-label="Search the docs" autocomplete="off"><ol id="surrnb-results"></ol></div>')
    return (f'<nav class="surrnb-sidebar" aria-label="Pages"><a class="site" href="{home}">{SITE_TITLE}</a>{search}'
            f'<ul>{"".join(walk(entries))}</ul></nav>')

# ---------------------------------------------------------------- the site

def _doc_url() -> str:
    try:
        from nbdev.config import get_config
        cwd = os.getcwd(); os.chdir(ROOT)
        try: c = get_config()
        finally: os.chdir(cwd)
        return (c.doc_host.rstrip("/") + "/" + c.doc_baseurl.strip("/") + "/").replace(":/", "://").replace(":///", "://")
    except Exception: return ""

def html_path(nb: str, fm: dict | None = None) -> str:
    "The page a notebook (path relative to nbs/) renders to, as Quarto names it: `01_space.ipynb` -> `space.html`."
    from nbdev.doclinks import nbpath2html
    name = (fm or {}).get("output-file") or nbpath2html(Path(nb)).name
    return (Path(nb).parent / name).as_posix()

def build(out: Path = ROOT / "_docs", # site root (replaced)
          force: bool = False, # reprocess every notebook
          quiet: bool = False) -> dict:
    "Process and render every notebook of nbs/; return {'out', 'pages': {nb: page}, 'unlisted', 'errors', 'seconds'}."
    t0 = time.time()
    proc, errors = process_notebooks(force=force)
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        if not (out / "_static/site.css").exists():
            raise SystemExit(f"refusing to replace {out}: it is not empty and not a docs build")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    write_static(out)
    nbs = sorted(p.relative_to(proc).as_posix() for p in proc.rglob("*.ipynb")
                 if not any(part.startswith(("_", ".")) for part in p.relative_to(proc).parts))
    nbs = sorted({n for n in nbs if (NBS / n).exists()} | set(errors))
    for f in proc.rglob("*"):  # images, styles.css ... (not notebooks, not Quarto config)
        rel = f.relative_to(proc)
        if f.is_file() and f.suffix not in (".ipynb", ".yml", ".yaml") and not any(p.startswith(".") for p in rel.parts):
            (out / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(f, out / rel)
    loaded = {n: error_notebook(NBS / n, errors[n]) if n in errors else json.loads((proc / n).read_text()) for n in nbs}
    fms = {n: front_matter(nb) for n, nb in loaded.items()}
    pages = {n: html_path(n, fms[n]) for n in nbs}
    titles = {n: fms[n].get("title", Path(n).stem) for n in nbs}
    entries = load_sidebar()
    listed = set(sidebar_files(entries))
    unlisted = [n for n in nbs if n not in listed and n != "index.ipynb"]
    if unlisted: entries = entries + [("section", "Not in sidebar.yml", [("page", n, None) for n in unlisted])]
    doc_url = _doc_url()
    order = list(dict.fromkeys(n for n in ["index.ipynb"] + sidebar_files(entries) if n in pages))  # the reading order
    nbrs = {n: (order[i - 1] if i else None, order[i + 1] if i + 1 < len(order) else None) for i, n in enumerate(order)}
    index = []
    for n in nbs:
        prev, nxt = nbrs.get(n, (None, None))
        pager = pager_html(pages[n], prev and (pages[prev], titles[prev]), nxt and (pages[nxt], titles[nxt]))
        _, body = render_page(loaded[n], pages[n], out, nav_html(entries, pages[n], pages, titles), doc_url, pages,
                              pager=pager, source=NBS / n)
        index.append(search_entry(body, pages[n], str(titles[n]), str(fms[n].get("description", ""))))
    if "index.ipynb" not in pages:  # a plain index in sidebar order
        nb = {"cells": [{"cell_type": "raw", "metadata": {}, "source": f"---\ntitle: {SITE_TITLE}\n---"}],
              "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
        render_page(nb, "index.html", out, nav_html(entries, "index.html", pages, titles))
    write_search_index(out, index)
    res = {"out": out, "pages": pages, "unlisted": unlisted, "errors": errors, "seconds": round(time.time() - t0, 1)}
    if not quiet:
        print(f"built {len(pages)} pages into {out} in {res['seconds']} s")
        if unlisted: print(f"warning: not in nbs/sidebar.yml: {', '.join(unlisted)}")
        for n, e in errors.items(): print(f"error: nbdev could not process nbs/{n}: {e}")
    return res

def render_notebook(path: Path, # a notebook anywhere (processed here with nbdev's docs processors)
                    out: Path, # site root to write into
                    nav_entries: list | None = None, # sidebar entries (see `load_sidebar`)
                    ) -> Path:
    "Process and render a single notebook to `out/<stem>.html` (used for test fixtures)."
    out = Path(out); out.mkdir(parents=True, exist_ok=True)
    write_static(out)
    nb = process_notebook(Path(path))
    page = Path(path).stem + ".html"
    return render_page(nb, page, out, nav_html(nav_entries or [], page, {}, {}))[0]

def main(argv=None):
    ap = argparse.ArgumentParser(description="Build the surrnb docs (nbdev processing + nbconvert HTML) without Quarto.")
    ap.add_argument("--out", default=str(ROOT / "_docs"), help="output folder (default: _docs)")
    ap.add_argument("--force", action="store_true", help="reprocess every notebook, ignoring the _proc/ cache")
    a = ap.parse_args(argv)
    return 1 if build(Path(a.out), force=a.force)["errors"] else 0

if __name__ == "__main__": sys.exit(main())
