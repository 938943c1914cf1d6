"""`pyreslib networks PATENTS_FILE --out DIR` on the hand-made fixture."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

from pyreslib.cli import build_parser, main

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"


def test_networks_writes_the_documented_files(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["networks", str(FIXTURES / "patents_gbk.csv"), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "rows read" in printed and "2011-2014" in printed
    for label in ("2011-2014", "2015-2017", "2018-2021"):
        assert (out / f"stage_{label}_edges.csv").is_file()
        assert (out / f"stage_{label}_nodes.csv").is_file()
    edges = pd.read_csv(out / "stage_2011-2014_edges.csv")
    assert list(edges.columns) == ["city_a", "city_b", "weight"]
    assert edges.values.tolist() == [[110000, 310000, 1], [110000, 320100, 2], [310000, 320100, 1]]
    nodes = pd.read_csv(out / "stage_2011-2014_nodes.csv")
    assert list(nodes.columns) == ["adcode", "name_zh", "internal"]
    assert nodes.values.tolist() == [
        [110000, "北京市", 1],
        [310000, "上海市", 0],
        [320100, "南京市", 1],
    ]
    report = json.loads((out / "ingest_report.json").read_text(encoding="utf-8"))
    assert report["rows_read"] == 15 and report["duplicates"] == 1
    unresolved = pd.read_csv(out / "unresolved.csv")
    assert unresolved[["row", "applicant", "address"]].values.tolist() == [
        [10, "辰公司", "火星基地"]
    ]


def test_stages_and_column_options(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("号,年份,权利人,地址\nA,2001,x;y,北京;上海\n", encoding="utf-8")
    code = main(
        [
            "networks",
            str(path),
            "--stages",
            "2000-2005",
            "--column",
            "patent_id=号",
            "--column",
            "date=年份",
            "--column",
            "applicants=权利人",
            "--out",
            str(tmp_path / "o"),
            "--quiet",
        ]
    )
    assert code == 0
    edges = pd.read_csv(tmp_path / "o" / "stage_2000-2005_edges.csv")
    assert edges.values.tolist() == [[110000, 310000, 1]]


def test_errors_are_one_paragraph_with_exit_code_2(tmp_path, capsys):
    code = main(["networks", str(tmp_path / "missing.csv"), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2
    assert "missing.csv" in err and "Traceback" not in err
    assert (
        main(
            [
                "networks",
                str(FIXTURES / "patents_utf8.csv"),
                "--out",
                str(tmp_path),
                "--stages",
                "2015-2011",
            ]
        )
        == 2
    )
    assert "2015-2011" in capsys.readouterr().err


def test_subcommands_are_registered_by_small_functions():
    parser = build_parser()
    args = parser.parse_args(["networks", "f.csv", "--out", "d"])
    assert args.command == "networks" and callable(args.handler)


def test_python_dash_m_runs_the_cli(tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pyreslib",
            "networks",
            str(FIXTURES / "patents.xlsx"),
            "--out",
            str(tmp_path),
            "--quiet",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "stage_2018-2021_edges.csv").is_file()
