"""Write docs/reading-ergm-output.md and its figures from one worked example.

    .venv/bin/python scripts/reading_ergm_output.py        # from the checkout; a few minutes

Every number in the guide comes from this run (the demo's synthetic stage-3 network, seed
2023, the main job's "sized" MCMC profile; and statnet's Florentine marriage network), so the
guide is regenerated, never edited by hand.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pandas as pd

from pyreslib import datasets, ingest, stagemodels
from pyreslib.ergm import ERGM, anova, statnet_network
from pyreslib.ergm.control import profile_control, sized_interval

CHECKOUT = Path(__file__).resolve().parents[1]
DOC = CHECKOUT / "docs" / "reading-ergm-output.md"
FIGURES = CHECKOUT / "docs" / "figures"
SEED = 2023


def block(text: str) -> str:
    """A fenced block placed in the template, which is indented by 4 spaces (then dedented)."""
    lines = ["```text", *str(text).rstrip().splitlines(), "```"]
    return "\n    ".join(lines)


def florentine():
    adjacency, covariates, _ = statnet_network("flomarriage", dataset="florentine")
    wealth = covariates[["wealth"]]
    small = ERGM(adjacency, "edges + nodecov('wealth')", node_covariates=wealth).fit(seed=1)
    large = ERGM(adjacency, "edges + nodecov('wealth') + gwesp(0.25, fixed=TRUE)",
                 node_covariates=wealth).fit(seed=1)
    return anova(small, large), large


def main() -> None:
    FIGURES.mkdir(parents=True, exist_ok=True)
    patents, covariates_path = datasets.load_demo()
    networks = ingest.ingest_file(patents).networks
    covariates = pd.read_csv(covariates_path)
    stage3 = networks["2018-2021"]
    study = stagemodels.stage_model(stage3, covariates, (2018, 2021), stagemodels.study_model()).fit(
        seed=SEED)
    extended = stagemodels.stage_model(stage3, covariates, (2018, 2021),
                                  stagemodels.extended_model()).fit(
        seed=SEED, control=profile_control("sized", stage3.number_of_nodes()),
        verbose=False)
    table = anova(study, extended)
    lr = extended.lr_test(study)
    wald = extended.wald_test("gwesp.fixed.0.5 = 0, gwdeg.fixed.0.5 = 0")
    diag = extended.mcmc_diagnostics()
    diag.plot().savefig(FIGURES / "reading-ergm-output-mcmc.png", dpi=90)
    gof = extended.gof(nsim=100, seed=SEED)
    gof.plot().savefig(FIGURES / "reading-ergm-output-gof.png", dpi=90)
    flo_table, flo_fit = florentine()
    probabilities = extended.predict()
    observed = pd.DataFrame(extended.model.adjacency, index=probabilities.index,
                            columns=probabilities.columns)
    dyads = probabilities.where(observed == 0).stack().rename("p").reset_index()
    dyads.columns = ["tail", "head", "p"]
    likely = dyads[dyads["tail"] < dyads["head"]].nlargest(5, "p")
    shift = (diag.table["difference"].abs() / diag.table["sample_sd"]).max()
    worst = {name: t["p_value"].min() for name, t in gof.tables.items()}  # per GOF panel
    model_p = worst["model"]
    # statnet keeps the sample of the last MCMC-MLE iteration, drawn at the parameter that
    # iteration started from (ergm.MCMLE's mcmc.init), not at the final estimate; whether the
    # estimate itself reproduces the network is read from networks simulated at it (the GOF).
    at_estimate = (
        f"the model statistics simulated at the estimate (section 4) centre on the observed "
        f"ones here (smallest p-value {model_p:.2f}), as they do at the MLE."
        if model_p >= 0.05 else
        f"the model statistics simulated at the estimate (section 4) do not centre on the "
        f"observed ones either (smallest p-value {model_p:.2f}): the fit stopped short of the "
        "MLE. Refit with statnet's default settings (`mcmc_profile = \"default\"`) or a larger "
        "`MCMC.samplesize`, and compare with `pyreslib.stagemodels.compare_profiles`.")
    shift_reading = (
        f"here the largest is {shift:.2f} sample standard deviations, negligible."
        if shift < 0.5 else
        f"here the largest is {shift:.2f} sample standard deviations. That sample was drawn at "
        "the parameter the last MCMC-MLE iteration started from, not at the final estimate, "
        "so the difference measures how far that last step had to reach (the larger, the "
        "less even its importance weights); the Hummel rule of the fast profiles stops on "
        "step length, not on this test. Whether the estimate reproduces the network is "
        f"checked at the estimate: {at_estimate}")
    diag_table = diag.table[["observed", "sample_mean", "geweke_z", "geweke_p", "ess",
                             "lag1_autocorrelation"]].round(3)
    degree = gof.tables["degree"].head(8).round(3)
    model_gof = gof.tables["model"].round(3)
    warned = extended.warnings or ["none"]
    n_cities = stage3.number_of_nodes()
    interval, n_dyads = sized_interval(n_cities), n_cities * (n_cities - 1) // 2

    text = f"""\
    # Reading ERGM output: summary, deviance table, MCMC diagnostics, goodness of fit

    <!-- Generated by scripts/reading_ergm_output.py; edit that script, not this file. -->

    This guide reads the output of one worked example line by line. The example is stage 3
    (2018-2021) of the bundled demo data, which are **{datasets.SYNTHETIC_NOTICE}**: the
    study model (dyad-independent) and its extension with `gwesp` and `gwdegree` (MCMC-MLE with
    the main job's `"sized"` MCMC profile: statnet's Hummel stopping rule, a fixed sample,
    `MCMC.interval` {interval:,} on this network's {n_dyads:,} dyads, a 16-fold last sample; docs/method.md,
    "MCMC settings"),
    seed {SEED}. Every number below was produced by
    `scripts/reading_ergm_output.py` and is regenerated with it. The numbers are statnet's:
    pyreslib returns what `ergm` returns for the same fit (see the parity tests).

    ## 1. The summary

    ```python
    extended = stagemodels.stage_model(stage3, covariates, (2018, 2021),
                                  stagemodels.extended_model()).fit(
        seed={SEED}, control=profile_control("sized", stage3.number_of_nodes()))
    print(extended.summary())
    ```

    {block(extended.summary())}

    - **Estimate**: the change in the log-odds of a tie per unit of the statistic, all else
      equal. **Std. Error** includes the Monte Carlo error of the estimation; **MCMC %** is
      the share of the standard error due to it (small values are good; above about 20 %,
      enlarge `MCMC.samplesize`).
    - **Deviance**: -2 log-likelihood of the null model (every tie with probability 1/2) and of
      this model. For an MCMC fit the log-likelihood is estimated by bridge sampling; **MC Std.
      Err.** on the AIC/BIC line is the Monte Carlo standard error of AIC and BIC (twice that
      of the log-likelihood, `extended.llf_mcse = {extended.llf_mcse:.4g}`). Two AICs closer
      than a few MC standard errors are not distinguishable.
    - A fit by `estimate="MPLE"` of a dyad-dependent model prints **Pseudo-deviance** and the
      warning that its standard errors are "based on naive pseudolikelihood and are suspect";
      `to_frame()` says so in its `note` column, `compare()` marks its AIC/BIC. Use
      `control={{"MPLE.covariance.method": "Godambe"}}` (or `"bootstrap"`) for standard errors
      that account for the dependence, or fit by MCMC-MLE.

    Warnings R or pyreslib gave during this fit (`extended.warnings`): {"; ".join(warned)}.

    ## 2. The deviance table (likelihood-ratio tests)

    ```python
    print(pyreslib.ergm.anova(study, extended))
    ```

    {block(table)}

    Rows: `NULL` is the null model; row `1` the study model tested against it; row `2` the
    extension tested against row 1. **Df** is the number of added parameters, **Deviance**
    twice the gain in log-likelihood (the likelihood-ratio statistic), **Resid. Df** and
    **Resid. Dev** the residual degrees of freedom and deviance of each model, and
    **Pr(>|Chisq|)** the chi-square p-value of the Deviance on Df degrees of freedom. Here the
    extension improves the fit by {table.table["Deviance"].iloc[2]:.2f} on
    {table.table["Df"].iloc[2]:.0f} degrees of freedom (p = {lr.pvalue:.3g}): triadic closure
    and degree heterogeneity are there beyond the covariates. The same test as an object:
    `extended.lr_test(study)` gives statistic {lr.statistic:.3f}, df {lr.df}, p-value
    {lr.pvalue:.4g}. The Wald test of the same two coefficients,
    `extended.wald_test("gwesp.fixed.0.5 = 0, gwdeg.fixed.0.5 = 0")`, gives
    chi2({wald.df}) = {wald.statistic:.3f}, p = {wald.pvalue:.4g}.

    **A negative deviance.** With an MCMC log-likelihood the Deviance can come out slightly
    below zero when the added term explains nothing: its estimate carries Monte Carlo error.
    statnet prints it as it is and takes the p-value of its absolute value; so does pyreslib,
    and it adds a note. On statnet's Florentine marriages (wealth, then gwesp):

    {block(flo_table)}

    Read it as "no improvement" (the MC standard error of that log-likelihood is
    {flo_fit.llf_mcse:.4f}). `anova` refuses models that are not nested, and fits to different
    networks: their likelihoods are not comparable. Compare stages with a pooled model.

    ## 3. MCMC diagnostics

    An MCMC-MLE is only as good as the sample it was computed from: the chain must move freely
    and be centred on the observed statistics.

    ```python
    diag = extended.mcmc_diagnostics()
    diag.table; diag.joint; diag.plot()
    ```

    {block(diag_table.to_string())}

    {block(diag.joint.round(4).to_string())}

    ![Trace and density of each statistic in the MCMC sample](figures/reading-ergm-output-mcmc.png)

    - **observed / sample_mean**: at the MLE the sample mean of each statistic equals the
      observed value; a large difference means the estimation has not converged.
    - **geweke_z / geweke_p**: Geweke's test that the beginning (first 10 %) and the end (last
      50 %) of the chain have the same mean; a small p-value (< 0.05 for several statistics)
      says the chain was still drifting. `geweke_joint_p` is the multivariate version.
    - **hotelling_T2 / hotelling_p**: the test statnet prints under "Are sample statistics
      significantly different from observed?". statnet's default stopping rule
      (`MCMLE.termination = "confidence"`) is an equivalence test: it stops when the
      differences are small relative to the statistics' spread, not when they are zero. With
      several hundred effective draws a small p-value can therefore go with negligible
      differences. Look at `difference` against `sample_sd`: {shift_reading}
    - **ess / lag1_autocorrelation**: effective sample size and autocorrelation; an ESS of a
      few dozen or autocorrelation near 1 means too few independent draws: raise
      `MCMC.interval` (thinning) or `MCMC.samplesize`.
    - **The plot**: traces should look like stationary noise around the observed value (dashed),
      without trends or long excursions; densities should be single-peaked around it. A trace
      stuck at a bound (all ties or none) is degeneracy: reconsider the dependence terms
      (fixed decays for gwesp/gwdegree help).

    ## 4. Goodness of fit

    ```python
    gof = extended.gof(nsim=100, seed={SEED})   # defaults: degree, espartners, distance, model
    gof.tables["degree"]; gof.plot()
    ```

    The statistics default to statnet's for the network: degree for an undirected network,
    in- and out-degree for a directed one, then edge-wise shared partners, geodesic distances
    and the model's own statistics. Degree table (first rows):

    {block(degree.to_string())}

    Model statistics:

    {block(model_gof.to_string())}

    ![Goodness of fit: simulated distributions with the observed network](figures/reading-ergm-output-gof.png)

    - **obs** is the observed count (e.g. cities with that degree), **min / mean / max** and
      **q025 / q975** summarise the simulated networks.
    - **p_value** is statnet's Monte Carlo p-value: **twice the smaller tail**,
      `min(1, 2 * min(share of simulations >= obs, share <= obs))`. Small values flag a
      feature of the observed network the model does not reproduce. The model statistics
      should have large p-values: the MLE reproduces them on average.
    - **The plot**: boxes are the simulated distributions, the dark line the observed network;
      where the line leaves the grey 95 % band, the model misfits. Smallest p-value per panel
      in this example: {", ".join(f"{k} {v:.2f}" for k, v in worst.items())}.

    ## 5. Predictions and simulations

    `extended.predict()` gives each dyad's conditional tie probability (statnet's
    `predict.ergm`) as a city x city matrix, `predict(output="frame")` as a long table. The
    absent ties (city adcodes) the model finds most likely:

    {block(likely.round(3).to_string(index=False))}

    `extended.simulate(nsim=100, seed=1, output="stats")` gives the statistics of networks
    drawn from the fit (statnet's `simulate`), `output="graph"` labelled networkx graphs with
    the cities' covariates.
    """
    DOC.write_text(textwrap.dedent(text), encoding="utf-8")
    print(f"wrote {DOC.relative_to(CHECKOUT)} and 2 figures in {FIGURES.relative_to(CHECKOUT)}")


if __name__ == "__main__":
    main()
