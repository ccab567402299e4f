"""Property-based fuzzing of the front door: whatever a user types at the `surrnb` command or passes to `Space` and
`Study`, the answer is success or one clean line (`SurrnbError`), never a traceback, and a database that is not
surrnb's is never changed."""
import contextlib, hashlib, io, math, sqlite3
import pytest
from hypothesis import given, settings, strategies as st, HealthCheck
from surrnb.cli import main
from surrnb.core import SurrnbError
from surrnb.space import Space, Float, Int, Categorical
from surrnb.study import Study

WORDS = ["run", "show", "list", "ask", "tell", "bench", "branin", "hartmann6", "ackley-99999999999999999999", "nope",
         "--budget", "--seed", "--db", "--study", "--strategy", "--plot", "--json", "--trial", "--value", "--failed",
         "--objective", "--space", "--noise", "--problems", "--strategies", "--seeds", "-v", "-q", "--version",
         "1", "0", "-3", "2", str(2**64), "nan", "inf", "1e400", "random", "sobol", "grid", "bo-nope", "x:y", "s",
         ":memory:", "sqlite:///", "postgresql://u@h/db", "/nonexistent/dir/x.db", "a.txt", "\x1b[31mred", ""]


@pytest.fixture(scope="module")
def foreign(tmp_path_factory):
    p = tmp_path_factory.mktemp("fz") / "app.db"
    c = sqlite3.connect(p); c.execute("CREATE TABLE users(id INTEGER, name TEXT)"); c.execute("INSERT INTO users VALUES (1, 'ada')")
    c.commit(); c.close()
    return p


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(WORDS + ["@foreign"]), min_size=0, max_size=7))
def test_cli_never_tracebacks(foreign, argv):
    before = hashlib.sha256(foreign.read_bytes()).hexdigest()
    argv = [str(foreign) if w == "@foreign" else w for w in argv]
    if "run" in argv or "bench" in argv: argv += ["--budget", "2"] if "run" in argv else ["--seeds", "1", "--budget", "2"]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err): code = main(argv)
    assert code in (0, 1, 2, 130), code
    e = err.getvalue()
    assert "Traceback" not in e, e
    if code: assert e.startswith("surrnb: error:") and e.count("\n") == 1, e
    assert hashlib.sha256(foreign.read_bytes()).hexdigest() == before, "a foreign database was changed"


numbers = st.one_of(st.integers(-10**20, 10**20), st.floats(allow_nan=True, allow_infinity=True), st.just(True), st.just("3"))

@settings(max_examples=150, deadline=None)
@given(st.sampled_from(["float", "int", "cat"]), numbers, numbers, st.booleans(),
       st.lists(st.one_of(st.integers(), st.floats(), st.text(max_size=3), st.none()), max_size=4), st.one_of(numbers, st.none()))
def test_space_and_study_inputs_are_clean(kind, low, high, log, choices, value):
    try:
        p = {"float": lambda: Float(low, high, log=log), "int": lambda: Int(low, high, log=log), "cat": lambda: Categorical(choices)}[kind]()
        sp = Space(x=p)
    except SurrnbError: return
    study = Study(sp, strategy="random", seed=1)
    t = study.ask()
    assert sp.validate(t.config) == t.config
    t = study.tell(t, value)
    assert str(t.state) in ("COMPLETE", "FAILED")
    if str(t.state) == "COMPLETE": assert math.isfinite(t.value)
    resumed = Study(sp, storage=study.storage, name=study.name, seed=1)   # the stored space reopens
    assert len(resumed.trials) == 1
