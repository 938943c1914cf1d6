"""The reference study's fixed facts, in one place, and the comparison of a run with them.

The reference study is "Resilience Characteristics and Driving Mechanism of Urban Collaborative
Innovation Network - A Case Study of China's New Energy Vehicle Industry", *Systems* 11(5):214,
2023, doi:10.3390/systems11050214 (:data:`REFERENCE`).  What pyreslib takes from it lives here
and nowhere else:

- its three stages (:data:`STAGES`, :data:`STAGE_YEARS`, :data:`STAGE_LABELS`), the default
  of every place that needs stages (config, ingest, the command line, the synthetic
  generator);
- the covariates its ERGM uses (:data:`COVARIATES`, :data:`EDGE_COVARIATES`) and the columns of
  the covariates file a run reads (:data:`COVARIATE_COLUMNS`);
- its ERGM specification (:data:`STUDY_FORMULA`), which :mod:`pyreslib.stagemodels` fits, the
  memory covariate of pyreslib's extension fitted beside it (whose registry is
  :data:`pyreslib.stagemodels.specs.MODELS`) and the covariates every formula of a run may use;
- the figures it reports (:data:`REPORTED`: aggregates, centrality shares, Infomap modules,
  network resilience, top cities), which every run whose stages are the study's is compared
  with (:func:`compare`, :func:`compare_to_study`).

docs/method.md says which of these are the study's words and which are pyreslib's reading.

To compare one more reported figure, add a :class:`StudyFigure` per stage to :data:`REPORTED`
and give the run's value for its ``quantity`` where the values are measured
(:func:`pyreslib.analysis.this_run_values`); the table, results.json and the report pick the
new rows up by themselves.

This module imports nothing heavy at import time (pandas only inside the functions that build
tables), because the command line and the config read their defaults from it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pyreslib.errors import InputError

if TYPE_CHECKING:
    import networkx as nx
    import pandas as pd

__all__ = [
    "COVARIATES",
    "COVARIATE_COLUMNS",
    "COVARIATE_KEYS",
    "EDGE_COVARIATES",
    "FINDINGS",
    "FORMULA_EDGE_COVARIATES",
    "FORMULA_NODE_COVARIATES",
    "MEMORY_COVARIATE",
    "REFERENCE",
    "REPORTED",
    "STAGES",
    "STAGE_LABELS",
    "STAGE_YEARS",
    "STUDY_FORMULA",
    "TOP_THREE",
    "ComparisonRow",
    "Covariate",
    "StudyFigure",
    "aggregates",
    "compare",
    "compare_findings",
    "compare_to_study",
    "finding_values",
    "network_aggregates",
]

REFERENCE = (
    "Resilience Characteristics and Driving Mechanism of Urban Collaborative Innovation Network "
    "- A Case Study of China's New Energy Vehicle Industry, Systems 11(5):214, 2023, "
    "doi:10.3390/systems11050214"
)

# ----------------------------------------------------------------------------------------------
# stages
# ----------------------------------------------------------------------------------------------

STAGE_YEARS: tuple[tuple[int, int], ...] = ((2011, 2014), (2015, 2017), (2018, 2021))
"""The study's three stages, first and last application year (both included)."""

STAGES: tuple[tuple[str, int, int], ...] = tuple((f"{a}-{b}", a, b) for a, b in STAGE_YEARS)
"""The stages as (label, first year, last year): ``("2011-2014", 2011, 2014)``, ..."""

STAGE_LABELS: tuple[str, ...] = tuple(label for label, _, _ in STAGES)
"""The stages' labels: ``("2011-2014", "2015-2017", "2018-2021")``."""

# ----------------------------------------------------------------------------------------------
# covariates and the ERGM specification
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Covariate:
    """A node covariate of the study's ERGM.

    ``column`` is its column in the covariates file, ``name`` the name ERGM formulas use
    (``nodecov('economic')``), ``meaning`` and ``unit`` what the column holds.
    """

    column: str
    name: str
    meaning: str
    unit: str


COVARIATES: tuple[Covariate, ...] = (
    Covariate("gdp_per_capita", "economic", "GDP per capita", "yuan"),
    Covariate("education_spending", "education", "public education expenditure",
              "million yuan"),
    Covariate("st_spending", "science", "public science & technology expenditure",
              "million yuan"),
)
"""Economic development, education spending, science & technology spending (the study's
three node covariates; the columns that measure them are pyreslib's choice)."""

COVARIATE_KEYS: tuple[str, ...] = ("adcode", "year")
"""The columns that identify a row of the covariates file: the city's 6-digit code
(data/china_cities.csv) and the calendar year."""

COVARIATE_COLUMNS: tuple[str, ...] = COVARIATE_KEYS + tuple(c.column for c in COVARIATES)
"""Every column the covariates file must have: one row per city and year."""

EDGE_COVARIATES: tuple[str, ...] = ("proximity", "adjacency")
"""Geographic proximity (closer = larger) and spatial adjacency (a shared land border)."""

STUDY_FORMULA = " + ".join(
    ["edges"]
    + [f"nodecov('{c.name}')" for c in COVARIATES]
    + [f"edgecov('{e}')" for e in EDGE_COVARIATES]
)
"""The study's stage model: ``edges + nodecov('economic') + nodecov('education') +
nodecov('science') + edgecov('proximity') + edgecov('adjacency')``."""

# pyreslib's extension of the study's model (docs/method.md, "The dyad-dependent extension"):
# not the study's, but fitted beside it by default, so its names live next to the study's.

MEMORY_COVARIATE = "memory"
"""The edge covariate of a stage after the first: 1 where the two cities were tied in the
previous stage, 0 otherwise (also where either city was absent from it)."""

FORMULA_NODE_COVARIATES: tuple[str, ...] = tuple(c.name for c in COVARIATES)
"""The node covariates a run gives every ERGM formula (``nodecov('economic')``, ...)."""

FORMULA_EDGE_COVARIATES: tuple[str, ...] = EDGE_COVARIATES + (MEMORY_COVARIATE,)
"""The edge covariates a run gives every ERGM formula (``edgecov('proximity')``, ...)."""

# ----------------------------------------------------------------------------------------------
# the figures the study reports
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StudyFigure:
    """One number the study reports: ``value`` of ``quantity`` in ``stage``.

    ``value`` is NaN where the study states no number (the row still appears, so the reader
    sees what is missing).  ``difference`` says how a run is set against it: ``"relative"``
    (this run / value - 1, for counts) or ``"absolute"`` (this run - value, e.g. for
    percentages, in their points); the run is within the study when the difference's size is
    at most ``tolerance``.  ``note`` qualifies the number.
    """

    stage: str
    quantity: str
    value: float
    tolerance: float = 0.05
    note: str = ""
    difference: str = "relative"

    def __post_init__(self) -> None:
        if self.difference not in ("relative", "absolute"):
            raise ValueError(f"difference={self.difference!r}: 'relative' or 'absolute'")


NETWORK_QUANTITIES = ("cities", "pairs", "collaborations", "average_degree")
"""The stage aggregates the study reports, measured on a stage network by
:func:`network_aggregates`."""

_NOT_STATED = math.nan

_AGGREGATES: tuple[StudyFigure, ...] = (
    StudyFigure("2011-2014", "cities", 92),
    StudyFigure("2011-2014", "pairs", 181),
    StudyFigure("2011-2014", "collaborations", 628),
    StudyFigure("2011-2014", "average_degree", 3.93),
    StudyFigure("2015-2017", "cities", 158),
    StudyFigure("2015-2017", "pairs", 415),
    StudyFigure("2015-2017", "collaborations", 2740),
    StudyFigure("2015-2017", "average_degree", 5.25),
    StudyFigure("2018-2021", "cities", 257),
    StudyFigure("2018-2021", "pairs", 1032, note="the study says 'about 1032'"),
    StudyFigure("2018-2021", "collaborations", _NOT_STATED, note="not stated in the study"),
    StudyFigure("2018-2021", "average_degree", 8.03),
)
_SHARES = (
    ("closeness_above_mean_pct", (66.3, 72.78, 67.32)),
    ("zero_betweenness_pct", (55.43, 58.23, 48.25)),
    ("betweenness_above_mean_pct", (20.65, 17.09, 13.62)),
)
_MODULES = (("modules", (12, 4, _NOT_STATED)), ("largest_module", (32, 150, _NOT_STATED)))
_RESILIENCE = (0.01, 0.77, 0.99)

REPORTED: tuple[StudyFigure, ...] = _AGGREGATES + tuple(
    figure
    for index, stage in enumerate(STAGE_LABELS)
    for figure in (
        *(StudyFigure(stage, quantity, values[index], tolerance=5.0, difference="absolute",
                      note="percent of the stage's cities")
          for quantity, values in _SHARES),
        *(StudyFigure(stage, quantity, values[index], tolerance=0.3,
                      note="not stated in the study" if math.isnan(values[index]) else "")
          for quantity, values in _MODULES),
        StudyFigure(stage, "network_resilience", _RESILIENCE[index],
                    tolerance=0.005 if index == 0 else 0.1, difference="absolute",
                    note="D of the study preset"),
        StudyFigure(stage, "top_three_by_degree", 3, tolerance=0, difference="absolute",
                    note="places 1-3 by degree held by Beijing, Shanghai, Nanjing in this order"),
        StudyFigure(stage, "beijing_first", 3, tolerance=0, difference="absolute",
                    note="centralities (degree, closeness, betweenness) Beijing leads"),
    )
)
"""The figures the study reports, per stage (docs/method.md, sections 2-4 and 8): its stage
aggregates (cities, city pairs, cross-city collaborations, average degree); the shares of cities
with closeness above the mean, zero betweenness and betweenness above the mean (percent, judged
in points); its Infomap modules and the largest module's cities; its network resilience D; and
two facts about its top cities, counted so that they compare as numbers:
``top_three_by_degree`` is how many of the places 1-3 by degree Beijing, Shanghai and Nanjing
hold in this order (the study: 3 in every stage), ``beijing_first`` on how many of degree,
closeness and betweenness Beijing is first (the study: 3).

Tolerances: 5 % for the aggregates; 5 points for the shares; 30 % for the Infomap figures
(Infomap's partition moves with small changes of the weights); 0.005 for stage 1's network
resilience, which the study preset gives exactly (0.01) to a stage worst on every indicator,
and 0.1 for the later stages, whose D depends on weights the study does not state; none for
the top cities."""

TOP_THREE = (110000, 310000, 320100)
"""Beijing, Shanghai, Nanjing: the study's top three cities by degree in every stage."""


def aggregates() -> pd.DataFrame:
    """The stage aggregates of :data:`REPORTED` as a table.

    Columns ``stage, cities, pairs, collaborations, average_degree``; stage 3's pair count is
    "about 1032" in the study and its collaborations total is not stated (NaN).
    """
    import pandas as pd

    table = pd.DataFrame([(f.stage, f.quantity, f.value) for f in REPORTED],
                         columns=["stage", "quantity", "value"])
    wide = table.pivot(index="stage", columns="quantity", values="value")
    wide = wide.reindex(index=list(dict.fromkeys(table["stage"])),
                        columns=list(NETWORK_QUANTITIES)).reset_index()
    wide.columns.name = None
    for column in ("cities", "pairs"):
        wide[column] = wide[column].astype("int64")
    return wide


# ----------------------------------------------------------------------------------------------
# comparison
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ComparisonRow:
    """One row of the comparison: the study's ``study`` value next to ``this_run``'s.

    ``relative_difference`` is ``this_run / study - 1``, ``difference`` the one the figure is
    judged by (``kind``: relative or absolute, see :class:`StudyFigure`); both NaN where the
    study states no number or this run has no value.
    """

    stage: str
    quantity: str
    study: float
    this_run: float
    tolerance: float
    note: str = ""
    kind: str = "relative"

    @property
    def relative_difference(self) -> float:
        if math.isnan(self.study) or math.isnan(self.this_run):
            return math.nan
        return self.this_run / self.study - 1

    @property
    def difference(self) -> float:
        if self.kind == "relative":
            return self.relative_difference
        return self.this_run - self.study

    @property
    def within_tolerance(self) -> bool | None:
        """Whether this run is within the tolerance of the study (None: nothing to compare)."""
        difference = self.difference
        return None if math.isnan(difference) else abs(difference) <= self.tolerance


def compare(values: Mapping[tuple[str, str], float], *,
            notes: Mapping[tuple[str, str], str] | None = None) -> list[ComparisonRow]:
    """The study's figures next to this run's ``values``, keyed by ``(stage, quantity)``.

    One row per stage of ``values`` (in their order) and per quantity the study reports (in
    :data:`REPORTED`'s order).  A stage the study does not have gets NaN study values; a
    quantity the run did not measure gets a NaN value.  ``notes`` add to a row's note (after
    the study's own, separated by "; ").
    """
    facts = {(f.stage, f.quantity): f for f in REPORTED}
    quantities = list(dict.fromkeys(f.quantity for f in REPORTED))
    stages = list(dict.fromkeys(stage for stage, _ in values))
    rows = []
    for stage in stages:
        for quantity in quantities:
            fact = facts.get((stage, quantity))
            note = "; ".join(n for n in (fact.note if fact else "",
                                         (notes or {}).get((stage, quantity), "")) if n)
            rows.append(ComparisonRow(
                stage=stage, quantity=quantity,
                study=float(fact.value) if fact else math.nan,
                this_run=float(values.get((stage, quantity), math.nan)),
                tolerance=fact.tolerance if fact else math.nan, note=note,
                kind=fact.difference if fact else "relative"))
    return rows


def reports_on(stages: Iterable[str]) -> bool:
    """Whether any of ``stages`` is one the study reports figures for."""
    return bool(set(stages) & {f.stage for f in REPORTED})


def network_aggregates(graph: nx.Graph) -> dict[str, float]:
    """Cities, pairs, cross-city collaborations (sum of ``weight``) and average degree."""
    n_nodes = graph.number_of_nodes()
    n_edges = graph.number_of_edges()
    return {
        "cities": n_nodes,
        "pairs": n_edges,
        "collaborations": sum(w for _, _, w in graph.edges(data="weight", default=1)),
        "average_degree": 2 * n_edges / n_nodes if n_nodes else 0.0,
    }


COMPARISON_COLUMNS = ("stage", "quantity", "this run", "study", "difference", "kind",
                      "tolerance", "within_tolerance", "relative_difference", "note")
"""The columns of :func:`comparison_frame`."""


def comparison_frame(rows: Iterable[ComparisonRow]) -> pd.DataFrame:
    """``rows`` as a table with :data:`COMPARISON_COLUMNS`: the study's value and this run's,
    the ``difference`` the figure is judged by (``kind``: relative, this run / study - 1; or
    absolute, this run - study), its ``tolerance``, whether this run is ``within_tolerance``
    (empty where there is nothing to compare), the relative difference and the note."""
    import pandas as pd

    return pd.DataFrame(
        [{"stage": r.stage, "quantity": r.quantity, "this run": r.this_run, "study": r.study,
          "difference": r.difference, "kind": r.kind, "tolerance": r.tolerance,
          "within_tolerance": r.within_tolerance,
          "relative_difference": r.relative_difference, "note": r.note} for r in rows],
        columns=list(COMPARISON_COLUMNS))


def compare_to_study(networks: Mapping[str, nx.Graph] | Iterable[nx.Graph]) -> pd.DataFrame:
    """Stage aggregates of ``networks`` next to the study's, with the relative difference
    (the other figures need a whole run: :meth:`pyreslib.analysis.AnalysisResult.comparison_to_study`).

    ``networks``: a mapping stage label -> ``networkx.Graph`` (as ``IngestResult.networks``) or
    an iterable of graphs carrying ``graph.graph["stage"]``.  Returns one row per stage and
    quantity (:func:`comparison_frame`): ``stage, quantity, this run, study,
    relative_difference`` (this run / study - 1; NaN where the study gives no number) and
    ``note``.  Stages the study does not have get NaN study values.
    """
    if isinstance(networks, Mapping):
        items = list(networks.items())
    else:
        items = []
        for graph in networks:
            if "stage" not in getattr(graph, "graph", {}):
                raise InputError(
                    "compare_to_study: a graph without graph.graph['stage']; pass a mapping "
                    "{stage label: graph} instead"
                )
            items.append((graph.graph["stage"], graph))
    values = {(label, quantity): value for label, graph in items
              for quantity, value in network_aggregates(graph).items()}
    return comparison_frame(r for r in compare(values) if r.quantity in NETWORK_QUANTITIES)


# ----------------------------------------------------------------------------------------------
# the study's qualitative findings on its stage models
# ----------------------------------------------------------------------------------------------

FINDINGS: tuple[tuple[str, str], ...] = (
    ("edges_negative", "edges negative in every stage"),
    ("education_positive", "education spending positive in every stage"),
    ("science_positive_growing",
     "S&T spending positive and larger than the stage before, from stage 2"),
    ("economic_positive", "the economic level positive in stage 3"),
    ("proximity_positive", "proximity positive in every stage"),
    ("proximity_largest", "proximity the largest effect of every stage"),
    ("adjacency_stage_one_only", "a shared border significant in stage 1 only"),
)
"""The study's qualitative findings on its stage model (name, as the study states it): each
checked per stage by :func:`finding_values`, "positive" meaning a coefficient above 0 with a
p-value below ``alpha``; edges are judged by their sign (an intercept's permutation p-value
does not test it against 0)."""


def _effect(term: str) -> str:
    """A term's effect: ``edges`` (or an intercept), else its covariate (``nodecov.science``,
    ``edgecov.proximity`` and ``proximity`` are ``science`` and ``proximity``)."""
    if term in ("edges", "(intercept)"):
        return "edges"
    return term.split(".", 1)[1] if term.startswith(("nodecov.", "edgecov.")) else term


def finding_values(params: Mapping[str, Mapping[str, float]],
                   pvalues: Mapping[str, Mapping[str, float]], *, alpha: float = 0.05,
                   intercept_is_edges: bool = True) -> dict[tuple[str, str], float]:
    """Whether each of :data:`FINDINGS` holds in each stage of one model's fits: 1 (holds),
    0 (does not hold), NaN (the model has no such term).

    ``params`` and ``pvalues``: stage -> term -> value, stages in time order (stage 3 is the
    third).  A finding about stage 1 or 3 only, or from stage 2 on, has rows for those stages
    only.  ``intercept_is_edges=False`` (a regression of counts, whose intercept is not a
    tie's log-odds) leaves ``edges_negative`` NaN.

    Examples
    --------
    >>> params = {"s1": {"edges": -3.0, "nodecov.science": 0.2, "edgecov.proximity": 0.5}}
    >>> pvalues = {"s1": {"edges": 0.0, "nodecov.science": 0.01, "edgecov.proximity": 0.0}}
    >>> values = finding_values(params, pvalues)
    >>> values[("s1", "edges_negative")], values[("s1", "proximity_largest")]
    (1.0, 1.0)
    """
    out: dict[tuple[str, str], float] = {}
    previous_science = math.nan
    for index, stage in enumerate(params):
        coef = {_effect(t): float(v) for t, v in params[stage].items()}
        p = {_effect(t): float(v) for t, v in pvalues[stage].items()}

        def positive(effect: str, coef=coef, p=p) -> float:
            if effect not in coef:
                return math.nan
            return float(coef[effect] > 0 and p[effect] < alpha)

        # by its sign: a QAP permutation p-value of an intercept does not test it against 0
        out[(stage, "edges_negative")] = (
            math.nan if not intercept_is_edges or "edges" not in coef
            else float(coef["edges"] < 0))
        out[(stage, "education_positive")] = positive("education")
        science = coef.get("science", math.nan)
        if index >= 1:
            out[(stage, "science_positive_growing")] = (
                math.nan if math.isnan(science) else
                float(positive("science") == 1 and science > previous_science))
        previous_science = science
        if index == 2:
            out[(stage, "economic_positive")] = positive("economic")
        out[(stage, "proximity_positive")] = positive("proximity")
        others = [abs(v) for e, v in coef.items() if e not in ("edges", "proximity")]
        out[(stage, "proximity_largest")] = (
            math.nan if "proximity" not in coef else
            float(coef["proximity"] > 0 and all(coef["proximity"] > v for v in others)))
        if "adjacency" in coef:
            significant = p["adjacency"] < alpha
            out[(stage, "adjacency_stage_one_only")] = float(significant == (index == 0))
        else:
            out[(stage, "adjacency_stage_one_only")] = math.nan
    return out


def compare_findings(models: Mapping[str, dict[tuple[str, str], float]]) -> list[ComparisonRow]:
    """:data:`FINDINGS` next to each model's :func:`finding_values`, as comparison rows:
    ``quantity`` is ``"<model>: <finding>"``, ``study`` 1 (the study finds it), ``this_run``
    1 or 0 (NaN: not measured), judged exactly (tolerance 0); the note says it in words."""
    wording = dict(FINDINGS)
    rows = []
    for model, values in models.items():
        for (stage, name), value in values.items():
            verdict = ("not measured" if math.isnan(value)
                       else "holds" if value == 1 else "does not hold")
            rows.append(ComparisonRow(
                stage=stage, quantity=f"{model}: {name}", study=1.0, this_run=value,
                tolerance=0.0, note=f"the study: {wording[name]}; this run: {verdict}",
                kind="absolute"))
    return rows
