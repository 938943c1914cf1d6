"""The commented example configuration: every key with its default (docs/configuration.md and
``data/demo/demo.toml`` follow it; tests/test_config.py checks that it loads and equals the
defaults)."""

EXAMPLE_TOML = """\
title = "NEV collaborative innovation network"
seed = 2023

[input]
patents = "patents.csv"         # CSV/TSV/XLSX/XLS, UTF-8 or GBK; relative to this file
covariates = "covariates.csv"   # adcode, year, gdp_per_capita, education_spending, st_spending
columns = {}                    # e.g. { applicants = "权利人" }
prefecture_level_only = false
on_unresolved = "skip_applicant"   # or "skip_patent"
name_fallback = true
synthetic = false

[stages]
labels = ["2011-2014", "2015-2017", "2018-2021"]
threshold = 1

[metrics]
weighted = false
cumulative_degree_distribution = false

[communities]
trials = 10

[resilience]
preset = "study"             # or "four_dimensions"
weights = "entropy"          # or "equal"
normalisation = "minmax"     # or "logistic"
floor = 1e-4                 # the study preset's; 0.01 with "four_dimensions"
node_weights = "entropy"
node_normalisation = "within_stage"   # or "pooled" (comparable across stages)
top_nodes = 10

[robustness]
enabled = true
strategies = ["random", "degree", "betweenness"]
repeats = 50
recalculate = true

[ergm]
enabled = true
mcmc_profile = "sized"       # or "hummel", "fast", or "default" (statnet's MCMC settings)
workers = 2                  # R processes fitting at the same time (0: in this process)
pooled = "study"             # fitted to all stages at once (ergm.multi); "" for none
gof_nsim = 50
mcmc_samplesize = 0
threshold = 1

[ergm.models]                # fitted to every stage, in this order
study = true                 # built-in: the reference study's model
extended = true              # built-in: + gwesp, gwdegree, the previous stage's tie
# mine = "edges + nodecov('education') + edgecov('proximity') + gwesp(0.5, fixed=TRUE)"

[figures]
enabled = true
dpi = 110
classes = 5
top_n = 20
label_cities = 8

[output]
folder = "results"           # used when the command line gives no --out
allow_outside = false        # may folder (from this file) lie outside the working tree?
significant_digits = 6
"""
