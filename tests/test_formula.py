"""The ERGM formula validator: what users may write, and what never reaches R."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pyreslib.ergm import ERGM, parse_formula
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
