"""The statnet parity catalogue: every model fit both through pyreslib and by plain R.

One entry per model, taken from statnet's own ergm tutorial (the ``ergm`` vignette shipped with
the package, ``vignette("ergm", package = "ergm")``) and help pages (``?ergmConstraint``,
``?ergmTerm``, ``?ergm``), plus the degenerate inputs of issue 14.  Each entry says the same fit
twice:

- ``r_call``: the plain R a statnet user writes, evaluated verbatim by
  ``tests/parity/reference.R`` in a separate ``Rscript`` process (after ``set.seed(seed)``);
- ``model`` / ``fit``: the keyword arguments of :class:`pyreslib.ergm.ERGM` and
  :meth:`~pyreslib.ergm.ERGM.fit` that should give the same numbers.

The networks come from the datasets shipped with ergm (:data:`NETWORKS`: R code that defines
the object and the vertex attributes pyreslib receives as ``node_covariates``).

Used by ``tests/test_statnet_parity.py`` (estimates, standard errors, llf, AIC, BIC) and by
other parity tests over the same fits (anova, predict, simulate): import :data:`CATALOGUE`
and the helpers in :mod:`tests.parity.harness`.  ``python -m tests.parity.catalogue OUT.csv``
writes the table that ``reference.R`` reads (columns ``name, setup, r_call, seed``).
"""

from __future__ import annotations

import csv
import sys
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

TUTORIAL = "ergm vignette 'Introduction to ERGMs' (vignette('ergm', package = 'ergm'))"


@dataclass(frozen=True)
class Network:
    """An ergm dataset: R code defining ``name`` and the vertex attributes to carry over."""

    setup: str
    attributes: tuple[str, ...] = ()
    directed: bool = False


NETWORKS: dict[str, Network] = {
    "flomarriage": Network('data(florentine, package = "ergm")', ("wealth", "priorates")),
    "flobusiness": Network('data(florentine, package = "ergm")', ("wealth", "priorates")),
    "faux.mesa.high": Network('data(faux.mesa.high, package = "ergm")', ("Grade", "Race", "Sex")),
    "faux.magnolia.high": Network('data(faux.magnolia.high, package = "ergm")',
                                  ("Grade", "Race", "Sex")),
    "samplk3": Network('data(samplk, package = "ergm")', ("group", "cloisterville"),
                       directed=True),
    "samplike": Network('data(sampson, package = "ergm")', ("group", "cloisterville"),
                        directed=True),
    "empty10": Network("empty10 <- network::network.initialize(10, directed = FALSE)"),
}

# Vertex names of flomarriage, in vertex order (for dyad lists given by label).
FLORENTINE = ("Acciaiuoli", "Albizzi", "Barbadori", "Bischeri", "Castellani", "Ginori",
              "Guadagni", "Lamberteschi", "Medici", "Pazzi", "Peruzzi", "Pucci", "Ridolfi",
              "Salviati", "Strozzi", "Tornabuoni")


@dataclass(frozen=True)
class ParityModel:
    """One model of the catalogue (see the module docstring)."""

    name: str
    network: str
    formula: str
    r_call: str
    seed: int
    source: str
    model: dict[str, Any] = field(default_factory=dict)  # ERGM(...) keywords beyond the data
    fit: dict[str, Any] = field(default_factory=dict)  # ERGM.fit(...) keywords beyond seed
    mcmc: bool = False  # estimated by MCMC (MCMC-MLE): same seed, same numbers all the same
    features: tuple[str, ...] = ()  # what the entry exercises: "-Inf", "NA", "offset", ...

    @property
    def setup(self) -> str:
        return NETWORKS[self.network].setup


CATALOGUE: tuple[ParityModel, ...] = (
    ParityModel(
        "flo_edges", "flomarriage", "edges",
        "ergm(flomarriage ~ edges)", 11, TUTORIAL + ": flomodel.01"),
    ParityModel(
        "flo_triangle", "flomarriage", "edges + triangle",
        "ergm(flomarriage ~ edges + triangle, control = control.ergm(seed = 12))", 12,
        TUTORIAL + ": flomodel.02", mcmc=True),
    ParityModel(
        "flo_wealth", "flomarriage", "edges + nodecov('wealth')",
        "ergm(flomarriage ~ edges + nodecov('wealth'))", 13, TUTORIAL + ": flomodel.03"),
    ParityModel(
        "mesa_homophily", "faux.mesa.high",
        "edges + nodefactor('Grade') + nodematch('Grade', diff=TRUE) + nodefactor('Race') "
        "+ nodematch('Race', diff=TRUE)",
        "ergm(faux.mesa.high ~ edges + nodefactor('Grade') + nodematch('Grade', diff = TRUE) + "
        "nodefactor('Race') + nodematch('Race', diff = TRUE))", 14,
        TUTORIAL + ": fauxmodel.01 (two -Inf estimates)", features=("-Inf",)),
    ParityModel(
        "mesa_offset", "faux.mesa.high",
        "edges + nodematch('Grade', diff=TRUE) + nodematch('Race', diff=TRUE, levels=-c(1, 4)) "
        "+ offset(nodematch('Race', diff=TRUE, levels=c(1, 4)))",
        "ergm(faux.mesa.high ~ edges + nodematch('Grade', diff = TRUE) + "
        "nodematch('Race', diff = TRUE, levels = -c(1, 4)) + "
        "offset(nodematch('Race', diff = TRUE, levels = c(1, 4))), offset.coef = c(-Inf, -Inf))",
        15, "statnet workshop: the -Inf levels of fauxmodel.01 fixed by offset()",
        fit={"offset_coef": [float("-inf"), float("-inf")]}, features=("offset", "-Inf")),
    ParityModel(
        "mesa_levels", "faux.mesa.high",
        "edges + nodefactor('Grade', levels=-c(1, 2)) + "
        "nodematch('Race', diff=TRUE, levels=c('Hisp', 'White'))",
        "ergm(faux.mesa.high ~ edges + nodefactor('Grade', levels = -c(1, 2)) + "
        "nodematch('Race', diff = TRUE, levels = c('Hisp', 'White')))", 16,
        "?ergmTerm nodefactor / nodematch: level selection by index and by name",
        features=("levels",)),
    ParityModel(
        "mesa_sex_NA", "faux.mesa.high", "edges + nodefactor('Sex', levels=TRUE)",
        "ergm(faux.mesa.high ~ edges + nodefactor('Sex', levels = TRUE))", 17,
        "?ergmTerm nodefactor: all levels with edges are linearly dependent (an NA estimate)",
        features=("NA",)),
    ParityModel(
        "magnolia_homophily", "faux.magnolia.high",
        "edges + nodematch('Grade') + nodematch('Race') + nodematch('Sex')",
        "ergm(faux.magnolia.high ~ edges + nodematch('Grade') + nodematch('Race') + "
        "nodematch('Sex'))", 18, TUTORIAL + ": the dyad-independent part of the magnolia model"),
    ParityModel(
        "samplk3_mutual", "samplk3", "edges + mutual",
        "ergm(samplk3 ~ edges + mutual, control = control.ergm(seed = 19))", 19,
        TUTORIAL + ": sampmodel.01 (directed)", mcmc=True),
    ParityModel(
        "samplike_groups", "samplike",
        "edges + nodeofactor('group') + nodeifactor('group') + nodematch('group', diff=TRUE)",
        "ergm(samplike ~ edges + nodeofactor('group') + nodeifactor('group') + "
        "nodematch('group', diff = TRUE))", 20, "?ergmTerm nodeofactor / nodeifactor (directed)"),
    ParityModel(
        "flobusiness_degree1", "flobusiness", "edges + degree(1)",
        "ergm(flobusiness ~ edges + degree(1), control = control.ergm(seed = 21))", 21,
        TUTORIAL + ": the MCMC diagnostics example", mcmc=True),
    ParityModel(
        "flo_gwesp_gwdegree", "flomarriage",
        "edges + gwesp(0.25, fixed=TRUE) + gwdegree(0.5, fixed=TRUE)",
        "ergm(flomarriage ~ edges + gwesp(0.25, fixed = TRUE) + gwdegree(0.5, fixed = TRUE), "
        "control = control.ergm(seed = 22))", 22, "?ergmTerm gwesp / gwdegree", mcmc=True),
    ParityModel(
        "flo_triangle_mple", "flomarriage", "edges + triangle",
        "ergm(flomarriage ~ edges + triangle, estimate = 'MPLE')", 23,
        "?ergm estimate = 'MPLE'", fit={"estimate": "MPLE"}, features=("MPLE",)),
    ParityModel(
        "samplike_odegrees", "samplike", "mutual",
        "ergm(samplike ~ mutual, constraints = ~odegrees, control = control.ergm(seed = 24))",
        24, "?ergmConstraint odegrees", model={"constraints": "~odegrees"}, mcmc=True,
        features=("constraints",)),
    ParityModel(
        "samplike_bd", "samplike", "edges + mutual",
        "ergm(samplike ~ edges + mutual, constraints = ~bd(maxout = 7), "
        "control = control.ergm(seed = 25))", 25, "?ergmConstraint bd",
        model={"constraints": "~bd(maxout=7)"}, mcmc=True, features=("constraints",)),
    ParityModel(
        "flo_degrees", "flomarriage", "triangle",
        "ergm(flomarriage ~ triangle, constraints = ~degrees, control = control.ergm(seed = 26))",
        26, "?ergmConstraint degrees", model={"constraints": "~degrees"}, mcmc=True,
        features=("constraints",)),
    ParityModel(
        "flo_edges_constraint", "flomarriage", "nodecov('wealth') + triangle",
        "ergm(flomarriage ~ nodecov('wealth') + triangle, constraints = ~edges, "
        "control = control.ergm(seed = 27))", 27, "?ergmConstraint edges",
        model={"constraints": "~edges"}, mcmc=True, features=("constraints",)),
    ParityModel(
        "samplike_blockdiag", "samplike", "edges + mutual",
        "ergm(samplike ~ edges + mutual, constraints = ~blockdiag('group', noncontig = 'split'), "
        "control = control.ergm(seed = 28))", 28, "?ergmConstraint blockdiag",
        model={"constraints": "~blockdiag('group', noncontig='split')"}, mcmc=True,
        features=("constraints",)),
    ParityModel(
        "flo_fixallbut", "flomarriage", "edges + nodecov('wealth')",
        "{free <- t(combn(8, 2)); "
        "ergm(flomarriage ~ edges + nodecov('wealth'), constraints = ~fixallbut(free))}", 29,
        "?ergmConstraint fixallbut (the dyads among the first 8 families are free)",
        model={"constraints": "~fixallbut(free)",
               "dyad_lists": {"free": list(combinations(FLORENTINE[:8], 2))}},
        features=("constraints",)),
    ParityModel(
        "flo_fixedas", "flomarriage", "edges + triangle",
        "ergm(flomarriage ~ edges + triangle, "
        "constraints = ~fixedas(present = cbind(9, 16), absent = cbind(c(1, 1), c(5, 6))), "
        "control = control.ergm(seed = 30))", 30, "?ergmConstraint fixedas",
        model={"constraints": "~fixedas(present=medici_tornabuoni, absent=acciaiuoli_pairs)",
               "dyad_lists": {"medici_tornabuoni": [("Medici", "Tornabuoni")],
                              "acciaiuoli_pairs": [("Acciaiuoli", "Castellani"),
                                                   ("Acciaiuoli", "Ginori")]}},
        mcmc=True, features=("constraints",)),
    ParityModel(
        "flo_prop_random", "flomarriage", "edges + triangle",
        "ergm(flomarriage ~ edges + triangle, "
        "control = control.ergm(seed = 31, MCMC.prop = ~sparse, MCMC.prop.weights = 'random'))",
        31, "?control.ergm MCMC.prop / MCMC.prop.weights",
        fit={"control": {"MCMC.prop": "~sparse", "MCMC.prop.weights": "random"}}, mcmc=True,
        features=("MCMC.prop",)),
    ParityModel(
        "flo_parallel", "flomarriage", "edges + gwesp(0.25, fixed=TRUE)",
        "ergm(flomarriage ~ edges + gwesp(0.25, fixed = TRUE), "
        "control = control.ergm(seed = 32, parallel = 2))", 32, "?ergm-parallel",
        fit={"control": {"parallel": 2}}, mcmc=True, features=("parallel",)),
    ParityModel(
        "empty_edges", "empty10", "edges",
        "ergm(empty10 ~ edges)", 33,
        "issue 14: an empty network (statnet returns -Inf with an NA log-likelihood)",
        features=("-Inf", "empty")),
)

BY_NAME = {m.name: m for m in CATALOGUE}


def write_csv(path) -> None:
    """The table ``reference.R`` reads: one row per model (name, setup, r_call, seed)."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "setup", "r_call", "seed"])
        for m in CATALOGUE:
            writer.writerow([m.name, m.setup, m.r_call, m.seed])


if __name__ == "__main__":
    write_csv(sys.argv[1] if len(sys.argv) > 1 else sys.stdout.fileno())
