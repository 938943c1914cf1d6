"""The goodness-of-fit figure (GOFResults.plot), the one picture the API and the report show,
drawn from hand-made tables (no R needed)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pyreslib.ergm.diagnostics import GOFResults


def _gof(names=("degree", "espartners", "model")) -> GOFResults:
    rng = np.random.default_rng(3)
    tables, simulated = {}, {}
    for name in names:
        labels = ["edges", "nodecov.gdp"] if name == "model" else [*map(str, range(20)), "Inf"]
        sim = pd.DataFrame(rng.poisson(5, (30, len(labels))).astype(float), columns=labels)
        obs = sim.mean().round() + 1
        tables[name] = pd.DataFrame({"obs": obs, "min": sim.min(), "mean": sim.mean(),
                                     "max": sim.max(), "q025": sim.quantile(0.025),
                                     "q975": sim.quantile(0.975), "p_value": 0.5})
        simulated[name] = sim
    return GOFResults(tables, simulated, nsim=30, seed=1, formula="edges + nodecov('gdp')")


def test_one_panel_per_statistic_two_to_a_row():
    fig = _gof().plot()
    assert [ax.get_title() for ax in fig.axes] == ["degree", "edge-wise shared partners",
                                                   "model statistics"]
    assert fig.axes[0].get_ylabel() == "proportion" and fig.axes[2].get_ylabel() == "z-score"
    assert fig.get_size_inches()[0] == 2 * 5.6  # two columns, two rows
    assert "30 simulations" in fig._suptitle.get_text()


def test_unreachable_pairs_and_empty_values_stay_out_of_the_panel_but_in_the_table():
    gof = _gof(("distance",))
    gof.tables["distance"].loc["19", ["obs", "max"]] = 0
    fig = gof.plot(title="study model, stage 2011-2014", max_values=10)
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert "Inf" not in labels and len(labels) == 10
    assert fig._suptitle.get_text() == "study model, stage 2011-2014"
    assert "Inf" in gof.tables["distance"].index
