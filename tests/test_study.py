"""The reference study's facts, and a run set next to them."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest

from pyreslib import config, stagemodels, stages, study
from pyreslib.errors import InputError

STUDY = {  # the study's stage aggregates (docs/method.md), typed in by hand
    "2011-2014": {"cities": 92, "pairs": 181, "collaborations": 628, "average_degree": 3.93},
    "2015-2017": {"cities": 158, "pairs": 415, "collaborations": 2740, "average_degree": 5.25},
    "2018-2021": {"cities": 257, "pairs": 1032, "average_degree": 8.03},
}


def test_study_aggregates_are_the_reported_ones():
    table = study.aggregates().set_index("stage")
    for label, reported in STUDY.items():
        for quantity, value in reported.items():
            assert table.at[label, quantity] == value
    assert np.isnan(table.at["2018-2021", "collaborations"])


def test_every_default_stage_is_the_studys():
    assert study.STAGE_LABELS == ("2011-2014", "2015-2017", "2018-2021")
    assert [s.label for s in stages.DEFAULT_STAGES] == list(study.STAGE_LABELS)
    assert [(s.start, s.end) for s in stages.DEFAULT_STAGES] == list(study.STAGE_YEARS)
    assert config.Config().stages.labels == list(study.STAGE_LABELS)


def test_the_study_model_uses_the_covariates_of_the_schema():
    assert stagemodels.study_model().formula == (
        "edges + nodecov('economic') + nodecov('education') + nodecov('science') "
        "+ edgecov('proximity') + edgecov('adjacency')")
    assert study.COVARIATE_COLUMNS == ("adcode", "year", "gdp_per_capita", "education_spending",
                                       "st_spending")
    assert set(stagemodels.covariates.NODE_COVARIATES.values()) | {"adcode", "year"} == set(
        study.COVARIATE_COLUMNS)


def test_compare_to_study_by_hand():
    graph = nx.Graph(stage="2011-2014")
    graph.add_edge(1, 2, weight=3)
    graph.add_edge(2, 3, weight=1)
    table = study.compare_to_study([graph]).set_index("quantity")
    assert table.loc["cities", "this run"] == 3 and table.loc["pairs", "this run"] == 2
    assert table.loc["collaborations", "this run"] == 4
    assert table.loc["average_degree", "this run"] == pytest.approx(4 / 3)
    assert table.loc["cities", "relative_difference"] == pytest.approx(3 / 92 - 1)
    same = study.compare_to_study({"2011-2014": graph})
    assert same["this run"].tolist() == table["this run"].tolist()


def test_compare_to_study_says_what_to_pass_when_a_graph_has_no_stage():
    with pytest.raises(InputError, match="graph.graph\\['stage'\\]"):
        study.compare_to_study([nx.path_graph(3)])


def test_comparison_rows_say_whether_the_run_is_within_tolerance():
    rows = study.compare({("2015-2017", "pairs"): 430, ("2015-2017", "cities"): 158,
                          ("2030-2031", "pairs"): 5},
                         notes={("2015-2017", "pairs"): "a note of this run's data"})
    by_key = {(r.stage, r.quantity): r for r in rows}
    pairs = by_key[("2015-2017", "pairs")]
    assert pairs.relative_difference == pytest.approx(430 / 415 - 1)
    assert pairs.within_tolerance is True and pairs.note == "a note of this run's data"
    assert by_key[("2015-2017", "cities")].relative_difference == 0
    # a quantity this run did not measure, and a stage the study does not have
    assert math.isnan(by_key[("2015-2017", "average_degree")].this_run)
    assert by_key[("2015-2017", "average_degree")].within_tolerance is None
    assert math.isnan(by_key[("2030-2031", "pairs")].study)
    per_stage = len({f.quantity for f in study.REPORTED})
    assert [r.stage for r in rows] == ["2015-2017"] * per_stage + ["2030-2031"] * per_stage
    assert not study.reports_on(["2030-2031"]) and study.reports_on(["2030-2031", "2011-2014"])


def test_an_absolute_figure_is_judged_by_its_difference_in_points():
    shares = study.ComparisonRow("2011-2014", "zero_betweenness_pct", study=55.43, this_run=52.0,
                                 tolerance=5.0, kind="absolute")
    assert shares.difference == pytest.approx(-3.43)
    assert shares.within_tolerance is True
    assert shares.relative_difference == pytest.approx(52.0 / 55.43 - 1)
    with pytest.raises(ValueError, match="'relative' or 'absolute'"):
        study.StudyFigure("2011-2014", "modules", 12, difference="percent")


def test_the_comparison_covers_every_figure_the_study_reports():
    """Aggregates, centrality shares, Infomap, network resilience and the top cities, with the
    study's values typed in by hand (docs/method.md, sections 2-4 and 8)."""
    by_key = {(f.stage, f.quantity): f for f in study.REPORTED}
    shares = {"closeness_above_mean_pct": (66.3, 72.78, 67.32),
              "zero_betweenness_pct": (55.43, 58.23, 48.25),
              "betweenness_above_mean_pct": (20.65, 17.09, 13.62)}
    for i, stage in enumerate(study.STAGE_LABELS):
        for quantity, values in shares.items():
            figure = by_key[(stage, quantity)]
            assert (figure.value, figure.difference, figure.tolerance) == (
                values[i], "absolute", 5.0)
        assert by_key[(stage, "network_resilience")].value == (0.01, 0.77, 0.99)[i]
        assert by_key[(stage, "top_three_by_degree")].value == 3
        assert by_key[(stage, "beijing_first")].value == 3
    assert by_key[("2011-2014", "modules")].value == 12
    assert by_key[("2011-2014", "largest_module")].value == 32
    assert by_key[("2015-2017", "modules")].value == 4
    assert by_key[("2015-2017", "largest_module")].value == 150
    assert math.isnan(by_key[("2018-2021", "modules")].value)
    assert by_key[("2011-2014", "network_resilience")].tolerance == 0.005
    assert study.TOP_THREE == (110000, 310000, 320100)


def test_the_comparison_table_shows_difference_kind_and_tolerance():
    rows = study.compare({("2011-2014", "zero_betweenness_pct"): 52.0,
                          ("2011-2014", "cities"): 100})
    frame = study.comparison_frame(rows)
    assert list(frame.columns) == list(study.COMPARISON_COLUMNS)
    table = frame.set_index("quantity")
    assert table.loc["zero_betweenness_pct", "difference"] == pytest.approx(52.0 - 55.43)
    assert table.loc["zero_betweenness_pct", "kind"] == "absolute"
    assert table.loc["zero_betweenness_pct", "within_tolerance"]
    assert table.loc["cities", "difference"] == pytest.approx(100 / 92 - 1)
    assert not table.loc["cities", "within_tolerance"]  # 8.7 % > 5 %
    assert table.loc["pairs", "within_tolerance"] is None  # not measured
