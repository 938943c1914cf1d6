"""What the ``networks`` command writes: the stage networks of an ingest, as tables.

:func:`pyreslib.network.stage_network` and the ingest compute; this module only writes, under
the rules of every pyreslib output folder (:mod:`pyreslib.outputs.folder`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from pyreslib.network import edge_table, node_table, weighted_adjacency
from pyreslib.outputs.folder import atomic, check_folder, write_file
from pyreslib.outputs.spreadsheet import csv_text, write_records

__all__ = ["write_stage_outputs"]


def write_stage_outputs(result, out_dir: str | Path, *, encoding: str = "utf-8",
                        inputs: Iterable[str | Path] = ()) -> list[Path]:
    """Write an :class:`~pyreslib.accounting.IngestResult` to the folder ``out_dir``; returns the
    paths.

    Files: ``ingest_report.json``, ``unresolved.csv`` (row, patent_id, applicant, address,
    reason), ``unresolved_applicants.csv`` (one row per unresolved name with an empty ``city``
    column: filled in, a valid ``--applicant-cities`` table), ``placed_by_name.csv`` (every
    name placed without its address, with the route and the evidence), ``rejected_rows.csv``
    (row, patent_id, column, value, reason), each list also as ``.json`` with the raw values, ``internal.csv`` (every city's internal strength per
    stage), and per stage ``stage_<label>_edges.csv`` (``city_a, city_b, weight``; adcodes,
    city_a < city_b), ``stage_<label>_nodes.csv`` (``adcode, name_zh, internal``) and
    ``stage_<label>_adjacency.csv`` (weighted matrix labelled by adcode, with a ``name_zh``
    column). ``encoding="utf-8-sig"`` makes CSVs that Excel opens with the Chinese names
    intact.  Text cells a spreadsheet would evaluate as a formula get a leading ``'``
    (:mod:`pyreslib.outputs.spreadsheet`).

    The folder follows the rules of every pyreslib output folder
    (:mod:`pyreslib.outputs.folder`): written whole or not at all, refused when it holds any of
    ``inputs`` or anything pyreslib did not write, replaced only when it is exactly an
    earlier output.
    """
    out = check_folder(out_dir, inputs=inputs)
    written: list[Path] = []
    with atomic(out, command="networks") as folder:

        def csv(frame: pd.DataFrame, name: str, index: bool = False) -> None:
            written.append(write_file(folder / name, csv_text(frame, index=index),
                                      encoding=encoding))

        written.append(write_file(folder / "ingest_report.json", json.dumps(
            result.report.to_dict(), ensure_ascii=False, indent=2)))
        written += write_records(result.unresolved, folder, "unresolved", encoding=encoding)
        # one row per unresolved name, ready to fill in and pass back with --applicant-cities
        written += write_records(result.unresolved_names, folder, "unresolved_applicants",
                                 encoding=encoding)
        written += write_records(result.placed_by_name, folder, "placed_by_name",
                                 encoding=encoding)
        written += write_records(result.rejected, folder, "rejected_rows", encoding=encoding)
        csv(result.internal, "internal.csv")
        for label, graph in result.networks.items():
            csv(edge_table(graph), f"stage_{label}_edges.csv")
            csv(node_table(graph)[["adcode", "name_zh", "internal"]],
                f"stage_{label}_nodes.csv")
            adjacency = weighted_adjacency(graph)
            adjacency.insert(0, "name_zh", [graph.nodes[n]["name_zh"] for n in adjacency.index])
            csv(adjacency, f"stage_{label}_adjacency.csv", index=True)
    return [out / path.relative_to(folder) for path in written]
