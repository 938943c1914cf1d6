"""The package's layout follows the data's journey: no module imports one above it, no circles.

Every import is counted, at the top of a module and inside functions alike (a late import
hides a dependency, it does not remove it); only imports under ``if TYPE_CHECKING:`` are
left out, since they never run.  The floors, bottom to top:

records -> cities -> ingest -> network -> analyses -> ergm -> stage models -> analysis ->
outputs -> cli

A module may import modules on its own floor or below.  Inside :mod:`pyreslib.ergm` the
results classes call the verb modules (diagnostics, inference, simulation, persist) and those
build results objects, the one circle statsmodels' layout also has; no other circle is allowed.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

PACKAGE = Path(__file__).resolve().parents[1] / "pyreslib"

# Bottom to top. A name matches a module and everything below it (a package prefix).
FLOORS: tuple[tuple[str, ...], ...] = (
    ("pyreslib._version", "pyreslib._resources", "pyreslib.errors", "pyreslib.progress"),
    ("pyreslib.study", "pyreslib.stages"),
    ("pyreslib.sources", "pyreslib.quotes", "pyreslib.records", "pyreslib.cells", "pyreslib.cities",
     "pyreslib.applicants"),
    ("pyreslib.network",),
    ("pyreslib.accounting", "pyreslib.ingest"),
    ("pyreslib.convert", "pyreslib.metrics", "pyreslib.centrality",
     "pyreslib.degree_distribution", "pyreslib.core", "pyreslib.richclub"),
    ("pyreslib.community", "pyreslib.community_stability", "pyreslib.composite_index",
     "pyreslib.coupling", "pyreslib.resilience", "pyreslib.node_resilience", "pyreslib.robustness", "pyreslib.cascade",
     "pyreslib.spatial"),
    ("pyreslib.ergm", "pyreslib.qap", "pyreslib.temporal"),
    ("pyreslib.stagemodels",),
    ("pyreslib.config",),
    ("pyreslib.datasets",),
    ("pyreslib.analysis",),
    ("pyreslib.outputs",),
    ("pyreslib.cli", "pyreslib.__main__"),
)

# The circle statsmodels' layout has too: results objects <-> the verbs that make them.
ERGM_RESULTS = "pyreslib.ergm.results"
# model.fit and persist.load build results objects; results call simulate, diagnostics, anova.
ERGM_VERBS = {"pyreslib.ergm.model", "pyreslib.ergm.persist", "pyreslib.ergm.inference"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in PACKAGE.rglob("*.py")}


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(n) for child in node.body for n in ast.walk(child))
    return skipped


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The pyreslib modules ``name`` imports (``from pkg import submodule`` counts the
    submodule, ``from pkg import thing`` the package)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = _type_checking_nodes(tree)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name in known)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.add(sub if sub in known else target)
    return {m for m in found if m in known and m != name}


def import_graph() -> nx.DiGraph:
    mods = modules()
    graph = nx.DiGraph()
    graph.add_nodes_from(mods)
    for name, path in mods.items():
        graph.add_edges_from((name, target) for target in imports_of(name, path, set(mods)))
    return graph


def floor_of(name: str) -> int | None:
    # the longest matching prefix decides: pyreslib.ergm.x is on ergm's floor
    matches = [(len(prefix), level) for level, prefixes in enumerate(FLOORS)
               for prefix in prefixes if name == prefix or name.startswith(prefix + ".")]
    return max(matches)[1] if matches else None


def test_every_module_has_a_floor():
    unplaced = sorted(m for m in modules() if m != "pyreslib" and floor_of(m) is None)
    assert not unplaced, f"add these modules to FLOORS in {__file__}: {unplaced}"


def test_no_module_imports_one_above_it_in_the_journey():
    upward = []
    for source, target in import_graph().edges:
        if source == "pyreslib":  # the package's lazy entry points sit above everything
            continue
        if None in (floor_of(source), floor_of(target)):
            continue  # test_every_module_has_a_floor names it
        if floor_of(target) > floor_of(source):
            upward.append(f"{source} (floor {floor_of(source)}) -> {target} "
                          f"(floor {floor_of(target)})")
    assert not upward, "imports pointing up the journey:\n" + "\n".join(sorted(upward))


def test_no_import_circles_beyond_results_and_their_verbs():
    graph = import_graph()
    graph.remove_node("pyreslib")
    # the allowed circle: the results module and the verbs importing each other
    for verb in ERGM_VERBS:
        if graph.has_edge(verb, ERGM_RESULTS):
            graph.remove_edge(verb, ERGM_RESULTS)
    # a package's __init__ gathering its own submodules is not a circle of concepts
    for source, target in list(graph.edges):
        if target.startswith(source + "."):
            graph.remove_edge(source, target)
    cycles = sorted(" -> ".join(c) for c in nx.simple_cycles(graph))
    assert not cycles, "import circles:\n" + "\n".join(cycles)


def test_the_demo_generator_is_imported_by_no_science_module():
    graph = import_graph()
    users = sorted(source for source, target in graph.edges
                   if target.startswith("pyreslib.datasets.synthetic")
                   and not source.startswith("pyreslib.datasets"))
    assert not users, f"modules importing the synthetic generator: {users}"
