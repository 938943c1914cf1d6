"""The commented example configuration: every key with its default (docs/configuration.md and
``data/demo/demo.toml`` follow it; tests/test_config.py checks that it loads and equals the
defaults)."""

EXAMPLE_TOML = """\
title = "NEV collaborative innovation network"
seed = 2023

[input]
patents = "patents.csv"         # CSV/TSV/XLSX/XLS, UTF-8 or GBK; relative to this file
covariates = "covariates.csv"   # adcode, year, gdp_per_capita, education_spending, st_spending
# applicant_cities = "applicant_cities.csv"   # applicant,city: your table (docs/data.md)
columns = {}                    # e.g. { applicants = "权利人" }
# header_row = 3                # the spreadsheet row of the headers, below a title
lenient_quotes = false          # true: join the lines an unclosed quote swallows, and say so
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

[spatial]                    # is node resilience clustered in space, and where?
enabled = true
weights = "queen"            # shared borders; or "knn" (k nearest), "distance" (within cutoff_km)
k = 6                        # with weights = "knn"
cutoff_km = 300.0            # with weights = "distance"
power = 1.0                  # with weights = "distance": 1/d^power (0: a binary band)
style = "W"                  # row-standardised; or "B" (as built)
permutations = 999           # Moran's I and Geary's C
local_permutations = 9999    # LISA: no pseudo p below 1/(n+1), so adjusted maps need many
adjust = "fdr"               # or "none", "bonferroni": local p-values over the cities
alpha = 0.05
quantities = ["node_resilience", "degree", "closeness", "betweenness", "strength"]

[cascade]                    # Motter-Lai: capacity = (1 + alpha) x initial betweenness
enabled = true
alphas = []                  # e.g. [0.1, 0.5, 1.0]; empty: alpha_start..alpha_stop by alpha_step
alpha_start = 0.0
alpha_stop = 1.0
alpha_step = 0.05
triggers = ["degree", "betweenness", "random"]
repeats = 50                 # random trigger cities per stage
threshold = 0.1              # large cascade: giant component shrinks by more than this share
workers = 0                  # processes (0: in this process; the results are the same)

[richclub]                   # rich-club coefficient against degree-preserving rewirings
enabled = true
nulls = 30                   # rewired networks per stage
swaps_per_link = 20          # networkx's Q; its default, 100, gives the same null on the demo
level = 0.95                 # band of the null draws
workers = 0

[core]                       # k-core decomposition: each city's coreness
enabled = true

[qap]                        # QAP correlations and MRQAP (sna) of every stage, the ERGM's covariates
enabled = false
kinds = ["lm", "logit"]      # netlm on the counts, netlogit on the ties
transform = "log1p"          # the counts of "lm": or "raw"
null = "qapspp"              # Dekker's semi-partialling; or "qapy", "qapx", "classical"
reps = 1000                  # permutations per coefficient, seeded by the run's seed
node_form = "sum"            # node covariates as x_i + x_j; or "absdiff", |x_i - x_j|
threshold = 1                # a tie of "logit": weight at least this
stages = []                  # empty: every stage
correlations = true          # QAP correlations: consecutive stages, counts vs proximity/adjacency

[tergm]                      # temporal models over the stages (btergm, tergm)
enabled = false
btergm = true                # bootstrapped-MPLE TERGM over the stages pooled
replicates = 500             # btergm's bootstrap replicates R
memory = "stability"         # memory(type=...): or "autoregression", "innovation", "loss"
timecov = true               # a linear time trend, timecov()
node_set = "union"           # absent cities: structural zeros; or "adjust" (btergm's labels)
workers = 1                  # R processes of btergm's bootstrap
separable = true             # tergm's separable TERGM (CMLE): formation and persistence

[ergm]
enabled = true
mcmc_profile = "sized"       # or "hummel", "fast", or "default" (statnet's MCMC settings)
workers = 2                  # R processes fitting at the same time (0: in this process)
pooled = "study"             # fitted to all stages at once (ergm.multi); "" for none
gof_nsim = 50
mcmc_samplesize = 0
threshold = 1
# hosts = ["node1", "node2"]  # MCMC chains on these machines over ssh (docs/python.md)
# ssh_config = "cluster.ssh"  # their OpenSSH client configuration (default ~/.ssh/config)

[ergm.models]                # fitted to every stage, in this order
study = true                 # built-in: the reference study's model
extended = true              # built-in: + gwesp, gwdegree, the previous stage's tie
# mine = "edges + nodecov('education') + edgecov('proximity') + gwesp(0.5, fixed=TRUE)"

[covariates]                 # each city's stage mean over the years the covariates file gives
log = true                   # natural log of the stage means (each must then be positive)
standardise = true           # z-scores across the stage's cities (proximity: across pairs)

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
