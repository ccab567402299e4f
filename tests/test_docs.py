"""The docs: README generation, the docs build (tools/build_docs.py), and the built pages opened in headless Chromium.

The browser checks (`check_page`) are shown to fail on a deliberately broken notebook (tests/fixtures/broken.ipynb).
Needs Debian's `chromium` and `chromium-driver` (`apt-get install -y chromium chromium-driver`); without them
the browser tests are skipped. Screenshots go to ci-artifacts/.
"""
from __future__ import annotations
import html, json, re, shutil, sys, tempfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import build_docs, build_readme  # noqa: E402

NBS = ROOT / "nbs"
ARTIFACTS = ROOT / "ci-artifacts"
FIXTURES = Path(__file__).parent / "fixtures"
TUTORIAL = "tutorials/bo_from_scratch.ipynb"   # the page a course opens first
FALLBACK = "02_problems.ipynb"                  # a page with a plot, until the tutorial exists
CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--window-size=1280,1600",
                  "--host-resolver-rules=MAP * ~NOTFOUND"]   # offline: CDN scripts (MathJax) fail at once

def nb_title(path: Path) -> tuple[str, str]:
    "The `# Title` and `> summary` lines of a notebook's first markdown cell."
    cell = next(c for c in json.loads(Path(path).read_text())["cells"] if c["cell_type"] == "markdown")
    lines = "".join(cell["source"]).splitlines()
    title = next((l[2:].strip() for l in lines if l.startswith("# ")), "")
    summary = next((l[1:].strip() for l in lines if l.startswith(">")), "")
    return title, summary

# ---------------------------------------------------------------- the page checker

_JS = """
const imgs = Array.from(document.querySelectorAll('main img'));
return {
  title: document.title,
  images: imgs.map(i => ({src: (i.getAttribute('src') || '').slice(0, 100), ok: i.complete && i.naturalWidth > 0,
                          plot: !!i.closest('.jp-OutputArea-output')})),
  text: document.body.innerText,
  errors: Array.from(document.querySelectorAll('[data-ename]')).map(e => e.getAttribute('data-ename')),
  stderr: Array.from(document.querySelectorAll('[data-mime-type="application/vnd.jupyter.stderr"]')).map(e => e.innerText),
  links: Array.from(document.querySelectorAll('nav a[href]')).map(a => a.href),
  local: Array.from(document.querySelectorAll('main a[href]')).map(a => a.href).filter(h => h.startsWith('file:')),
};
"""
_re_err_line = re.compile(r"^\s*([A-Za-z_][\w.]*(Error|Exception))\s*:", re.M)

def check_page(driver, url: str, # a file:// URL of a built page
               title: str | None = None, # the expected document title
               need_plot: bool = True, # require at least one plot image that loaded
               screenshot: Path | None = None) -> list[str]:
    "Open `url` and return its problems (empty if none): title, plots, tracebacks/error outputs, sidebar and local links."
    driver.get(url)
    d = driver.execute_script(_JS)
    probs = []
    if title is not None and d["title"] != title: probs.append(f"title is {d['title']!r}, expected {title!r}")
    plots = [i for i in d["images"] if i["plot"] and i["ok"]]
    if need_plot and not plots: probs.append("no rendered plot image")
    probs += [f"image did not load: {i['src']}" for i in d["images"] if not i["ok"]]
    if "Traceback (most recent call last)" in d["text"]: probs.append("Python traceback text on the page")
    probs += [f"error output cell: {e}" for e in d["errors"]]
    probs += [f"error in stderr output: {m.group(1)}" for s in d["stderr"] for m in _re_err_line.finditer(s)]
    if not d["links"]: probs.append("no sidebar links")
    for href in d["links"]:
        u = urlsplit(href)
        if u.scheme == "file" and not Path(unquote(u.path)).is_file(): probs.append(f"sidebar link to a missing page: {href}")
    for href in sorted(set(d["local"])):
        if not Path(unquote(urlsplit(href).path)).exists(): probs.append(f"link to a missing file: {href}")
    if screenshot:
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        h = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(1280, max(800, min(int(h), 6000)))
        driver.save_screenshot(str(screenshot))
        driver.set_window_size(1280, 1600)
    return probs

# ---------------------------------------------------------------- fixtures

@pytest.fixture(scope="session")
def site(tmp_path_factory):
    "The docs, built once per session into a temporary folder."
    return build_docs.build(tmp_path_factory.mktemp("docs"), quiet=True)

@pytest.fixture(scope="module")
def driver():
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.skip("needs Debian's headless Chromium: apt-get install -y chromium chromium-driver (CI installs them)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    profile = tempfile.mkdtemp(prefix="surrnb-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = str(CHROMIUM)
    for f in CHROMIUM_FLAGS + [f"--user-data-dir={profile}"]: opts.add_argument(f)
    drv = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=opts)
    drv.set_page_load_timeout(30)
    yield drv
    drv.quit()
    shutil.rmtree(profile, ignore_errors=True)

# ---------------------------------------------------------------- README

def test_readme_is_fresh():
    assert build_readme.readme() == (ROOT / "README.md").read_text(), "README.md is stale: run python tools/build_readme.py"

def test_readme_quick_start_has_the_two_commands():
    text = (ROOT / "README.md").read_text()
    block = re.search(r"## Quick start\s+```bash\n(.*?)```", text, re.S).group(1).strip().splitlines()
    assert block == ['pip install -e . && surrnb demo', 'pip install -e ".[dev]" && nbdev-test && pytest -q tests']

def test_readme_drops_hidden_cells_and_directives(tmp_path):
    cells = [{"cell_type": "markdown", "metadata": {}, "source": "# T\n\nsee [space](01_space.ipynb)"},
             {"cell_type": "code", "metadata": {}, "outputs": [], "source": "#| hide\nSECRET = 1"},
             {"cell_type": "code", "metadata": {}, "outputs": [], "source": "#| export\ndef exported(): pass"},
             {"cell_type": "code", "metadata": {}, "source": "#| echo: false\nprint('shown')",
              "outputs": [{"output_type": "stream", "name": "stdout", "text": "out-only\n"}]},
             {"cell_type": "code", "metadata": {}, "source": "x = 1\nx",
              "outputs": [{"output_type": "execute_result", "data": {"text/plain": "1", "image/png": "AAA"}, "metadata": {}}]}]
    f = tmp_path / "nb.ipynb"
    f.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    md = build_readme.readme(f)
    for gone in ["SECRET", "exported", "#|", "print('shown')"]: assert gone not in md
    assert "out-only" in md and "```python\nx = 1\nx\n```" in md and "(nbs/01_space.ipynb)" in md
    assert build_readme.readme(f) == md  # deterministic

# ---------------------------------------------------------------- the build and the sidebar

def test_docs_build_processes_every_notebook(site):
    assert not site["errors"], "nbdev could not process: " + "; ".join(f"{k}: {v[:300]}" for k, v in site["errors"].items())
    for nb, page in site["pages"].items(): assert (site["out"] / page).is_file(), nb
    assert (site["out"] / "index.html").is_file()

def test_no_cell_mixes_imports_with_other_code():
    """nbdev's docs processing (nbdev-docs, nbdev-proc-nbs) runs every cell of an exporting notebook that contains an
    import: such a cell must hold imports only, or Quarto users' docs builds run (and may fail on) its code."""
    bad = [f"nbs/{p.relative_to(NBS).as_posix()} cell {i} ({line[:60]!r})"
           for p in sorted(NBS.rglob("*.ipynb")) if not any(q.startswith((".", "_")) for q in p.relative_to(NBS).parts)
           for i, line in build_docs.eager_cells(p)]
    assert not bad, ("move the imports of these cells into a cell of their own (nbdev runs any cell with an import "
                     "while building docs): " + "; ".join(bad))

def test_sidebar_lists_every_notebook():
    listed = build_docs.sidebar_files(build_docs.load_sidebar())
    missing = [p for p in listed if not (NBS / p).is_file()]
    assert not missing, f"nbs/sidebar.yml names notebooks that do not exist: {missing}"
    nbs = sorted(p.relative_to(NBS).as_posix() for p in NBS.rglob("*.ipynb")
                 if not any(part.startswith((".", "_")) for part in p.relative_to(NBS).parts))
    unlisted = [n for n in nbs if n not in listed]
    assert not unlisted, f"add these notebooks to nbs/sidebar.yml: {unlisted}"

def test_teaching_path_matches_notebooks():
    "Every step of the teaching path on the docs home links a notebook, with that notebook's own title and summary."
    text = "\n\n".join("".join(c["source"]) for c in json.loads((NBS / "index.ipynb").read_text())["cells"]
                   if c["cell_type"] == "markdown")
    path = text.split("## Teaching path", 1)[1].split("\n## ", 1)[0]
    steps = [(m.group(1), m.group(2)) for m in re.finditer(r"^\d+\. \*\*(.+?)\*\*(.*?)(?=^\d+\. |\Z)", path, re.M | re.S)]
    assert [s for s, _ in steps] == ["Spaces", "Problems", "Gaussian processes", "Acquisition functions",
        "Bayesian optimisation", "Surrogates", "Multi-fidelity search", "Neural architecture search", "Simulators"]
    for step, rest in steps:
        links = re.findall(r"\[([^\]]+)\]\(([^)]+\.ipynb)\): (.+)$", rest, re.M)
        assert links or "coming" in rest, f"teaching path step {step}: no notebook link and not marked coming"
        for title, link, summary in links:
            assert (NBS / link).is_file(), f"teaching path step {step}: {link} does not exist"
            assert (title, summary.strip()) == nb_title(NBS / link), f"teaching path step {step}: title/summary differ from {link}"

def _text(page: Path) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", page.read_text()))

def test_pages_render_as_nbdev_intends(site):
    "Hidden cells and `#| export` code are not shown, no directive lines show, show_doc output is."
    core = _text(site["out"] / site["pages"]["00_core.ipynb"])
    assert "class Registry" in core or "Registry(" in core     # show_doc of an exported class
    assert "from fastcore.test import" not in core             # a `#| hide` cell
    assert "def _norm(name: str)" not in core                  # source of a `#| export` cell
    for nb, page in site["pages"].items():
        text = _text(site["out"] / page)
        assert not re.search(r"^\s*#\|", text, re.M), f"{page}: a directive line is visible"
        assert "default_exp" not in text, f"{page}: default_exp is visible"

# ---------------------------------------------------------------- in the browser

def _target() -> str:
    return TUTORIAL if (NBS / TUTORIAL).exists() else FALLBACK

def test_browser_index(site, driver):
    url = (site["out"] / "index.html").as_uri()
    probs = check_page(driver, url, title=build_docs.page_title(nb_title(NBS / "index.ipynb")[0]), need_plot=False,
                       screenshot=ARTIFACTS / "docs_index.png")
    assert not probs, probs

def test_browser_tutorial(site, driver):
    nb = _target()
    url = (site["out"] / site["pages"][nb]).as_uri()
    probs = check_page(driver, url, title=build_docs.page_title(nb_title(NBS / nb)[0]),
                       screenshot=ARTIFACTS / f"docs_{Path(nb).stem}.png")
    assert not probs, f"{nb}: {probs}"

def test_browser_every_page(site, driver):
    "Every page: its title, no traceback or error output, every image loaded, every sidebar and local link resolves."
    bad = {}
    for nb, page in site["pages"].items():
        probs = check_page(driver, (site["out"] / page).as_uri(), title=build_docs.page_title(nb_title(NBS / nb)[0]),
                           need_plot=False)
        if probs: bad[page] = probs
    assert not bad, bad

def test_browser_check_fails_on_a_broken_notebook(driver, tmp_path):
    "The same checks find the error output, the traceback, the missing plot and a dead sidebar link."
    page = build_docs.render_notebook(FIXTURES / "broken.ipynb", tmp_path,
                                      nav_entries=[("page", "broken.ipynb", None), ("page", "no_such_page.ipynb", None)])
    probs = check_page(driver, page.as_uri(), title="Broken page – surrnb", screenshot=ARTIFACTS / "docs_broken.png")
    joined = "\n".join(probs)
    for expected in ["title is 'Broken – surrnb'", "no rendered plot image", "Python traceback text",
                     "error output cell: ZeroDivisionError", "sidebar link to a missing page"]:
        assert expected in joined, f"checker missed {expected!r}; it found {probs}"
