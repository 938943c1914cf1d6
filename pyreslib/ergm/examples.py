"""Example networks shipped with statnet's R packages, for tutorials and tests.

>>> adjacency, covariates, directed = statnet_network("flomarriage", dataset="florentine")
>>> ERGM(adjacency, "edges + nodecov('wealth')", node_covariates=covariates).fit(seed=1)

The networks are read from the installed R package (``data(florentine, package="ergm")``):
Padgett's Florentine families (``flomarriage``, ``flobusiness``), the Add Health schools
``faux.mesa.high``, ``faux.magnolia.high``, Sampson's monks (``samplk1``-``samplk3``,
``samplike``), and so on; see R's ``data(package = "ergm")``.
"""

from __future__ import annotations

import re
from typing import NamedTuple

import pandas as pd

from pyreslib.ergm import bridge
from pyreslib.errors import InputError

_R_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9._]*$")


class PackageNetwork(NamedTuple):
    """A labelled 0/1 adjacency, the vertex attributes as node covariates, and direction."""

    adjacency: pd.DataFrame
    covariates: pd.DataFrame
    directed: bool


def statnet_network(name: str, *, dataset: str | None = None,
                    package: str = "ergm") -> PackageNetwork:
    """The network object ``name`` of R dataset ``dataset`` (default: ``name``) in ``package``.

    Vertex attributes other than ergm's bookkeeping (``na``, ``vertex.names``) become the
    columns of ``covariates``, indexed by vertex name like ``adjacency``.
    """
    for what, value in (("name", name), ("dataset", dataset or name), ("package", package)):
        if not isinstance(value, str) or not _R_NAME.match(value):
            raise InputError(f"statnet_network: {what}={value!r} is not an R name.")
    value = bridge.as_dict(bridge.call(
        "pyreslib_package_network", context=f"loading {name} from R package {package}",
        dataset=dataset or name, object=name, package=package))
    names = bridge.as_str_list(value["names"])
    adjacency = pd.DataFrame(bridge.as_matrix(value["adjacency"]), index=names, columns=names)
    attributes = bridge.as_dict(value["attributes"])
    covariates = pd.DataFrame(index=names)
    for attr, values in attributes.items():
        numeric = all(isinstance(v, (int, float)) for v in values)
        covariates[attr] = [float(v) for v in values] if numeric else [str(v) for v in values]
    return PackageNetwork(adjacency, covariates, bool(value["directed"][0]))
