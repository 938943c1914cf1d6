"""The ERGM formula validator: what users may write, and what never reaches R."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pyreslib.ergm import ERGM, parse_formula
from pyreslib.ergm.formula import parse_constraints, parse_proposal
from pyreslib.ergm.terms import BINARY_TERMS, CONSTRAINTS, PROPOSAL_HINTS, VALUED_TERMS
from pyreslib.errors import FormulaError

NODE = ["gdp", "education", "st"]
EDGE = ["distance", "border"]


def test_a_study_formula_parses_into_ergm_terms():
    f = parse_formula(
        "edges + nodecov('gdp') + nodecov(\"education\") + edgecov(distance) "
        "+ gwesp(0.25, fixed=TRUE) + gwdegree(decay=0.5, fixed=T) + degree(c(1, 2))",
        node_covariates=NODE, edge_covariates=EDGE,
    )
    assert [t.name for t in f.terms] == ["edges", "nodecov", "nodecov", "edgecov", "gwesp",
                                         "gwdegree", "degree"]
    assert f.node_covariates == ("gdp", "education")
    assert f.edge_covariates == ("distance",)
    assert f.dyad_dependent
    assert str(f) == ("edges + nodecov('gdp') + nodecov('education') + edgecov('distance') + "
                      "gwesp(0.25, fixed=TRUE) + gwdegree(decay=0.5, fixed=TRUE) + degree(c(1, 2))")


def test_rendered_formula_parses_back_to_the_same_terms():
    text = "edges + nodematch('gdp', diff=FALSE) + absdiff('st', pow=2) + kstar(2)"
    once = parse_formula(text, node_covariates=NODE)
    twice = parse_formula(str(once), node_covariates=NODE)
    assert once == twice


INJECTIONS = [
    "edges + system('rm -rf /tmp/x')",
    "edges; system('ls')",
    "`system`('ls')",
    "edges + `edges`",
    "edges + nodecov(system('ls'))",
    "edges + nodecov(gdp$x)",
    "edges + base::system('ls')",
    "edges + gwesp(0.25, fixed=q())",
    "edges + gwesp(0.25, fixed=TRUE) ; quit()",
    "nw ~ edges",
    "edges + {system('ls')}",
    "edges + nodecov('gdp')[1]",
    "edges + eval(parse(text='1'))",
    "edges + gwesp(decay=Sys.getenv('HOME'))",
    "edges + edgecov(foo)",
    "edges + nodecov('income')",
    "edges + unknownterm",
    "edges + gwesp(0.25, fixed=TRUE, evil=1)",
    "edges +",
    "",
]


@pytest.mark.parametrize("text", INJECTIONS)
def test_injection_and_unknown_names_raise_formula_error_and_r_runs_nothing(text, monkeypatch):
    from pyreslib.ergm import bridge

    calls = []
    monkeypatch.setattr(bridge, "call", lambda *a, **k: calls.append(a) or None)
    monkeypatch.setattr(bridge, "session", lambda: calls.append("session") or None)
    with pytest.raises(FormulaError) as err:
        ERGM(np.zeros((4, 4)), text,
             node_covariates=pd.DataFrame({"gdp": [1.0, 2, 3, 4]}),
             edge_covariates={"distance": np.ones((4, 4)) - np.eye(4)})
    assert calls == []  # nothing was sent to R, R was not even started
    assert "formula" in str(err.value).lower() or "ERGM" in str(err.value)


def test_error_names_the_offending_token():
    with pytest.raises(FormulaError, match=r"'system' at position 8 is not an ergm term"):
        parse_formula("edges + system('ls')")
    with pytest.raises(FormulaError, match=r"edge covariate 'foo', which was not given"):
        parse_formula("edges + edgecov(foo)", edge_covariates=["distance"])
    with pytest.raises(FormulaError, match=r"character ';' at position 5"):
        parse_formula("edges; q()")
    with pytest.raises(FormulaError, match=r"Did you mean 'gwesp'"):
        parse_formula("edges + GWESP(0.25)")


def test_valued_terms_only_in_valued_models():
    parse_formula("sum + nonzero + nodecov('gdp', form='sum')", node_covariates=NODE, valued=True)
    with pytest.raises(FormulaError, match="valued networks"):
        parse_formula("edges + sum")
    with pytest.raises(FormulaError, match="binary networks"):
        parse_formula("sum + gwesp(0.25, fixed=TRUE)", valued=True)


@given(st.text(alphabet="`;$~{}[]@|&!<>#^*/:", min_size=1, max_size=5))
def test_any_r_metacharacter_is_rejected(junk):
    with pytest.raises(FormulaError):
        parse_formula(f"edges + {junk}")


# ---- the formula language statnet users write -------------------------------------------------

def test_offsets_and_level_selections_parse_and_render_as_written():
    text = ("edges + nodematch('Race', diff=TRUE, levels=-c(1, 4)) + "
            "offset(nodematch('Race', diff=TRUE, levels=c(1, 4))) + "
            "nodefactor('Race', levels=c('Hisp', 'White')) + nodemix('Race', levels2=NULL) + "
            "nodematch('Race', keep=c(2, 3)) + nodefactor('Race', levels=TRUE)")
    f = parse_formula(text, node_covariates=["Race"])
    assert [t.offset for t in f.terms] == [False, False, True, False, False, False, False]
    assert f.terms[1].kwargs == (("diff", True), ("levels", (-1.0, -4.0)))
    assert f.terms[3].kwargs == (("levels", ("Hisp", "White")),)
    assert f.terms[4].kwargs == (("levels2", None),)
    assert f.has_offsets and str(f) == text
    assert parse_formula(str(f), node_covariates=["Race"]) == f


def test_constraints_and_proposal_hints_are_one_sided_formulas():
    c = parse_constraints("~bd(maxout=3) + blockdiag('Race') + fixallbut(free)",
                          node_covariates=["Race"], dyad_lists=["free"], directed=False)
    assert [t.name for t in c.terms] == ["bd", "blockdiag", "fixallbut"]
    assert c.dyad_lists == ("free",) and c.dyad_dependent  # bd couples dyads: MCMC
    assert str(c) == "~bd(maxout=3) + blockdiag('Race') + fixallbut(free)"
    assert not parse_constraints("~fixallbut(free)", dyad_lists=["free"]).dyad_dependent
    assert str(parse_proposal("~sparse + .triadic")) == "~sparse + .triadic"
    with pytest.raises(FormulaError, match="offset\\(\\) belongs in the model formula"):
        parse_constraints("~offset(edges)")


def test_integers_keep_r_s_l_suffix_and_numbers_stay_within_32_bits():
    f = parse_formula("edges + kstar(2L) + gwesp(0.25, fixed=TRUE, cutoff=2147483647)")
    assert f.terms[1].args == (2,) and str(f.terms[1]) == "kstar(2L)"
    with pytest.raises(FormulaError, match="out of range"):
        parse_formula("edges + gwesp(1e400)")
    with pytest.raises(FormulaError, match="out of range"):
        parse_formula("edges + kstar(-2147483648)")


FORMULA_CHARACTERS = st.sampled_from(
    ["edges", "offset", "c", "(", ")", ",", "+", "-", "=", "~", "1", "2.5", "'a'", "TRUE",
     "NULL", "nodematch", "levels", "gdp", " ", "gwesp", "fixed", "1L", "e9"])


@given(st.lists(FORMULA_CHARACTERS, max_size=30))
def test_any_sequence_of_formula_tokens_parses_or_raises_formula_error(tokens):
    text = "".join(tokens)
    try:
        f = parse_formula(text, node_covariates=["gdp"])
    except FormulaError:
        return
    assert parse_formula(str(f), node_covariates=["gdp"]) == f  # and renders back


# ---- the allow-lists against the installed ergm ------------------------------------------------

ARGUMENTS_OF = """
function(kind, name, directed) {
  ns <- asNamespace("ergm")
  found <- NULL
  for (pkg in c("ergm", "ergm.count")) {
    p <- asNamespace(pkg)
    f <- paste0(kind, ".", name)
    if (is.null(found) && exists(f, envir = p, inherits = FALSE)) found <- get(f, envir = p)
  }
  if (is.null(found)) return(list(found = FALSE))
  captured <- NULL
  # Every term and constraint declares its arguments to ergm's check.ErgmTerm; capture them.
  trace_check <- function(nw, arglist, directed = NULL, bipartite = NULL, nonnegative = FALSE,
                          varnames = NULL, vartypes = NULL, defaultvalues = list(),
                          required = NULL, ...) {
    captured <<- list(directed = directed, varnames = varnames)
    stop("captured")
  }
  original <- get("check.ErgmTerm", envir = ns)
  unlockBinding("check.ErgmTerm", ns)
  assign("check.ErgmTerm", trace_check, envir = ns)
  on.exit({assign("check.ErgmTerm", original, envir = ns); lockBinding("check.ErgmTerm", ns)})
  try(suppressWarnings(found(network::network.initialize(4, directed = directed), list())),
      silent = TRUE)
  list(found = TRUE, captured = !is.null(captured),
       directed = if (is.null(captured$directed)) NA else captured$directed,
       varnames = as.character(captured$varnames))
}
"""

ALLOW_LISTS = [("InitErgmTerm", BINARY_TERMS), ("InitWtErgmTerm", VALUED_TERMS),
               ("InitErgmConstraint", CONSTRAINTS), ("InitErgmConstraint", PROPOSAL_HINTS)]


@pytest.mark.r
@pytest.mark.parametrize(("kind", "table"), ALLOW_LISTS, ids=[k for k, _ in ALLOW_LISTS[:3]]
                         + ["hints"])
def test_every_allowed_term_has_ergm_s_own_argument_names_order_and_directedness(r, kind, table):
    from pyreslib.ergm import bridge

    r('suppressPackageStartupMessages({library(ergm); library(ergm.count)})')
    arguments_of = r(ARGUMENTS_OF)
    for name, spec in table.items():
        for directed in (False, True):
            got = bridge.as_dict(arguments_of(kind, name, directed))
            assert bool(got["found"][0]), f"{kind}.{name} does not exist in the installed ergm"
            if not bool(got["captured"][0]):  # declares no arguments (e.g. CMP)
                assert spec.args == (), name
                continue
            varnames = list(got["varnames"])
            ours = [a for a, _ in spec.args]
            assert varnames[: len(ours)] == ours, (name, varnames)
            need = got["directed"][0]
            expected = None if need is None or str(need) == "NA" else bool(need)
            assert spec.directed == expected, (name, need)


# ---- the bound on terms (docs/ergm-formulas.md, "Bounds") -------------------------------------
# A formula of 600 terms once killed Python with SIGSEGV inside R: statnet.common's
# list_rhs.formula recurses once per '+', and a left-deep chain of some 400 terms overflowed
# R's C stack, which the embedded R does not check (rpy2 switches the check off). These run in
# a subprocess, so that a crash fails the test instead of killing pytest.

CHECKOUT = Path(__file__).resolve().parents[1]
AT_THE_BOUND = """
import sys, warnings
from pyreslib.ergm import ERGM, statnet_network
from pyreslib.ergm.formula_syntax import MAX_TERMS
from pyreslib.errors import FormulaError
flo = statnet_network("flomarriage", dataset="florentine")
terms = ["edges", "nodecov('wealth')"] * (MAX_TERMS // 2)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # repeated terms are linearly dependent: NA, as statnet
    fit = ERGM(flo.adjacency, " + ".join(terms), node_covariates=flo.covariates).fit(
        seed=1, estimate="MPLE")
print(len(fit.params), fit.params.notna().sum(), round(float(fit.params.iloc[0]), 4))
try:
    ERGM(flo.adjacency, " + ".join(terms + ["edges"]), node_covariates=flo.covariates)
except FormulaError as exc:
    print(str(exc).split(": ", 1)[1][:40])
"""


def _python(code: str, *args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          timeout=timeout, cwd=CHECKOUT, check=False)


@pytest.mark.r
def test_a_formula_at_the_bound_fits_and_one_term_more_is_refused():
    from pyreslib.ergm.formula_syntax import MAX_TERMS

    done = _python(AT_THE_BOUND)
    assert done.returncode == 0, done.stderr[-3000:]  # -11 would be the SIGSEGV
    sizes, rest = done.stdout.splitlines()[-2:]
    # 256 coefficients, all but the first edges and nodecov NA (collinear), as statnet gives
    assert sizes.split()[:2] == [str(MAX_TERMS), "2"]
    assert rest.startswith(f"has {MAX_TERMS + 1} terms; at most {MAX_TERMS} are accepted")


LONG_CALLS = """
import sys
from pyreslib.ergm import bridge
ro = bridge.session().ro
r = ro.r
n = int(sys.argv[1])
terms = [{"name": "nodecov", "offset": k % 3 == 0,
          "args": bridge.named_list([("", "wealth")])} for k in range(n)]
r('suppressPackageStartupMessages(library(ergm)); data(florentine)')
ro.globalenv["rhs"] = bridge.call("pyreslib_rhs", context="test", terms=terms)
text = " + ".join("offset(nodecov('wealth'))" if k % 3 == 0 else "nodecov('wealth')"
                  for k in range(n))
ro.globalenv["text"] = text
print(r('identical(rhs, str2lang(text))')[0])
# ergm reads the call as R reads the text: the same terms, in the same order
print(r('''local({
  read <- statnet.common::list_rhs.formula(as.formula(call("~", rhs)))
  expected <- lapply(seq_len(%d), function(k) if (k %%%% 3 == 1)
    quote(offset(nodecov("wealth"))) else quote(nodecov("wealth")))
  length(read) == length(expected) && all(mapply(identical, as.list(read), expected)) &&
    all(attr(read, "sign") == 1)
})''' % n)[0])
print(len(r('summary(as.formula(call("~", quote(flomarriage), rhs)))')))
"""


@pytest.mark.r
@pytest.mark.parametrize("n", [1, 64, 65, 2000])
def test_r_rebuilds_any_formula_without_deep_recursion(n):
    """r/model.R joins terms as R's parser does up to 64 terms and as a balanced tree beyond,
    so even 2,000 terms (past the bound, which Python enforces) nest shallowly in R."""
    done = _python(LONG_CALLS, str(n))
    assert done.returncode == 0, done.stderr[-3000:]
    same_call, same_terms, statistics = done.stdout.split()[-3:]
    assert same_call == str(n <= 64)  # up to 64 terms: the very call R parses from the text
    assert same_terms == "True" and int(statistics) == n


CLI_CONFIG = """title = "t"
seed = 1
[input]
patents = "patents.csv"
covariates = "covariates.csv"
[ergm]
workers = 0
[ergm.models]
long = "{formula}"
"""


def test_pyreslib_run_with_600_terms_and_no_workers_exits_2_with_the_bound(tmp_path):
    (tmp_path / "patents.csv").write_text("申请号,申请日,申请人,申请人地址\nCN1,2012,甲;乙,北京;上海\n",
                                          encoding="utf-8")
    (tmp_path / "covariates.csv").write_text("adcode,year\n", encoding="utf-8")
    formula = " + ".join(["edges"] * 600)
    (tmp_path / "run.toml").write_text(CLI_CONFIG.format(formula=formula), encoding="utf-8")
    done = subprocess.run([str(Path(sys.executable).with_name("pyreslib")), "run", "run.toml",
                           "--out", "out"], capture_output=True, text=True, timeout=600,
                          cwd=tmp_path, check=False)
    assert done.returncode == 2, (done.returncode, done.stderr[-2000:])
    err = " ".join(done.stderr.split())
    assert "has 600 terms; at most 256 are accepted" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()
