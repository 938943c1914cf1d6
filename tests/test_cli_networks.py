"""`pyreslib networks PATENTS_FILE --out DIR` on the hand-made fixture."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

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


HOSTILE = (
    "申请号,申请日,申请人,申请人地址\n"
    "CN1,2012-01-01,甲;乙,北京;上海\n"
    # a DDE payload (=cmd|...) would be split at its "|", an applicant separator since issue 25
    'CN2,2012-01-01,"=HYPERLINK(""http://evil"",""x"");乙","=WEBSERVICE(""http://evil"");上海"\n'
    "CN3,@2012,丙;丁,北京;上海\n"
    "-2+3,2013-01-01,+戊;己,北京;上海\n"
)


@pytest.mark.parametrize("excel", [False, True])
def test_cells_a_spreadsheet_would_run_are_written_as_text_and_kept_raw_in_json(tmp_path, excel):
    patents = tmp_path / "hostile.csv"
    patents.write_text(HOSTILE, encoding="utf-8")
    out = tmp_path / "out"
    args = ["networks", str(patents), "--out", str(out), "--quiet"]
    assert main(args + (["--excel-friendly"] if excel else [])) == 0
    encoding = "utf-8-sig" if excel else "utf-8"
    unresolved = pd.read_csv(out / "unresolved.csv", encoding=encoding, dtype=str)
    assert unresolved["applicant"].tolist() == ["'=HYPERLINK(\"http://evil\",\"x\")"]
    assert unresolved["address"].tolist() == ["'=WEBSERVICE(\"http://evil\")"]
    rejected = pd.read_csv(out / "rejected_rows.csv", encoding=encoding, dtype=str)
    assert "'@2012" in rejected["value"].tolist()
    for name in ("unresolved.csv", "rejected_rows.csv"):
        for cell in pd.read_csv(out / name, encoding=encoding, dtype=str).stack():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    raw = json.loads((out / "unresolved.json").read_text(encoding="utf-8"))
    assert raw[0]["applicant"] == '=HYPERLINK("http://evil","x")'
    assert raw[0]["address"] == '=WEBSERVICE("http://evil")'
    assert "@2012" in [r["value"] for r in json.loads(
        (out / "rejected_rows.json").read_text(encoding="utf-8"))]


def test_networks_refuses_the_folder_of_its_own_input(tmp_path, capsys):
    data = tmp_path / "d"
    data.mkdir()
    patents = data / "x.csv"
    patents.write_bytes((FIXTURES / "patents_utf8.csv").read_bytes())
    assert main(["networks", str(patents), "--out", str(data)]) == 2
    assert "holds this command's own input x.csv" in " ".join(capsys.readouterr().err.split())
    assert [p.name for p in data.iterdir()] == ["x.csv"]


def test_networks_replaces_its_own_earlier_output_but_keeps_a_users_file(tmp_path, capsys):
    out = tmp_path / "out"
    args = ["networks", str(FIXTURES / "patents_utf8.csv"), "--out", str(out), "--quiet"]
    assert main(args) == 0
    assert main(args) == 0  # exactly what the first run wrote: replaced
    (out / "my_edges.xlsx").write_bytes(b"mine")
    assert main(args) == 2
    assert "did not write there: my_edges.xlsx" in " ".join(capsys.readouterr().err.split())
    assert (out / "my_edges.xlsx").read_bytes() == b"mine"


@pytest.mark.parametrize("value", ["0", "1000001", str(2**64), "x"])
def test_threshold_is_bounded(tmp_path, capsys, value):
    with pytest.raises(SystemExit) as info:
        main(["networks", str(FIXTURES / "patents_utf8.csv"), "--out", str(tmp_path / "o"),
              "--threshold", value])
    assert info.value.code == 2
    assert "--threshold" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def _signal_on_third_write(monkeypatch, signum):
    from pyreslib.outputs import writing

    real, calls = writing._write_bytes, []

    def write_then_signal(path, data):
        calls.append(path)
        real(path, data)
        if len(calls) == 3:
            os.kill(os.getpid(), signum)

    monkeypatch.setattr(writing, "_write_bytes", write_then_signal)


@pytest.fixture
def signal_disposition():
    """Set a signal's disposition for one test and put the inherited one back: under `nohup`
    the test process starts with SIGHUP ignored, in the background (`&`) with SIGINT ignored."""
    saved = {}

    def set_to(signum, handler):
        saved.setdefault(signum, signal.getsignal(signum))
        signal.signal(signum, handler)

    yield set_to
    for signum, handler in saved.items():
        signal.signal(signum, handler)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_a_stop_signal_while_writing_leaves_nothing(tmp_path, monkeypatch, capsys, signum,
                                                    signal_disposition):
    # as in a terminal: Python's Ctrl-C handler, the default for the others
    signal_disposition(signum, signal.default_int_handler if signum == signal.SIGINT
                       else signal.SIG_DFL)
    _signal_on_third_write(monkeypatch, signum)
    out = tmp_path / "out"
    assert main(["networks", str(FIXTURES / "patents_utf8.csv"), "--out", str(out)]) == 128 + signum
    assert f"interrupted ({signal.Signals(signum).name})" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # main() put the handlers back


def test_a_hangup_the_shell_ignores_is_still_ignored(tmp_path, monkeypatch, signal_disposition):
    # `nohup pyreslib ...`: the user asked for hangups to be ignored, so the run goes on
    signal_disposition(signal.SIGHUP, signal.SIG_IGN)
    _signal_on_third_write(monkeypatch, signal.SIGHUP)
    out = tmp_path / "out"
    assert main(["networks", str(FIXTURES / "patents_utf8.csv"), "--out", str(out)]) == 0
    from pyreslib.outputs import folder

    assert (out / folder.MARKER).exists()  # the manifest is written last: the run finished
    assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN


# ----------------------------------------------------------------------------------------------
# any terminal, any pipe, any argument (issue 25): a message or escapes, never a traceback
# ----------------------------------------------------------------------------------------------


def _cli(*args: str, cwd: Path, env: dict | None = None, flags: tuple[str, ...] = ()):
    return subprocess.run([sys.executable, *flags, "-m", "pyreslib", *args], cwd=cwd,
                          env={**os.environ, **(env or {})}, capture_output=True, check=False)


TERMINALS = {
    "PYTHONIOENCODING=ascii": ({"PYTHONIOENCODING": "ascii"}, ()),
    "PYTHONIOENCODING=latin-1": ({"PYTHONIOENCODING": "latin-1"}, ()),
    "LANG=C (Python's UTF-8 mode)": ({"LANG": "C", "LC_ALL": ""}, ()),
    # the C locale with UTF-8 mode off: ASCII output and ASCII file names (surrogate escapes)
    "LC_ALL=C, UTF-8 mode off": ({"LC_ALL": "C", "PYTHONUTF8": "0"}, ("-X", "utf8=0")),
}


@pytest.mark.parametrize("terminal", sorted(TERMINALS))
def test_a_terminal_that_cannot_show_chinese_gets_escapes(tmp_path, terminal):
    env, flags = TERMINALS[terminal]
    patents = tmp_path / "专利.csv"
    patents.write_bytes((FIXTURES / "patents_utf8.csv").read_bytes())
    done = _cli("networks", patents.name, "--out", "结果", cwd=tmp_path, env=env, flags=flags)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    assert b"Traceback" not in done.stderr and b"rows read" in done.stdout
    shown = done.stdout.decode("utf-8")  # ASCII, Latin-1 or UTF-8: never raw bytes it lacks
    assert "专利.csv" in shown or "\\u4e13\\u5229.csv" in shown or "\\udce4" in shown, shown
    assert (tmp_path / "结果" / ".pyreslib-manifest.json").is_file()
    # --help holds Chinese too (--column applicants=权利人)
    helped = _cli("networks", "--help", cwd=tmp_path, env=env, flags=flags)
    assert helped.returncode == 0 and b"Traceback" not in helped.stderr
    assert b"applicants=" in helped.stdout


@pytest.mark.parametrize("args", [["networks", str(FIXTURES / "patents_utf8.csv"), "--out", "o"],
                                  ["networks", "--help"]], ids=["networks", "--help"])
def test_a_closed_stdout_pipe_exits_141_and_leaves_no_half_written_folder(tmp_path, args):
    child = subprocess.Popen([sys.executable, "-m", "pyreslib", *args], cwd=tmp_path,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    child.stdout.close()  # the reader is gone before the first line is printed
    err = child.stderr.read().decode()
    assert child.wait(timeout=120) == 141, err
    assert "standard output was closed (exit 141)" in err and "Traceback" not in err
    assert not [p.name for p in tmp_path.iterdir() if "-pyreslib-" in p.name]
    if (tmp_path / "o").exists():  # written before the report it was printing: complete
        assert (tmp_path / "o" / ".pyreslib-manifest.json").is_file()


def test_a_pipe_into_head_ends_with_a_documented_code(tmp_path):
    # a real shell pipeline: head may leave before or after pyreslib's last write
    script = (f'"{sys.executable}" -m pyreslib networks "{FIXTURES / "patents_utf8.csv"}" '
              '--out o | head -n 1 >/dev/null; echo "exit ${PIPESTATUS[0]}" >&2')
    done = subprocess.run(["bash", "-c", script], cwd=tmp_path, capture_output=True, text=True,
                          check=False)
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1] in ("exit 0", "exit 141"), done.stderr
    assert (tmp_path / "o" / ".pyreslib-manifest.json").is_file()


@pytest.mark.parametrize("args", [
    ["networks", "pat\x00ents.csv", "--out", "o"],
    ["networks", str(FIXTURES / "patents_utf8.csv"), "--out", "o\x00ut"],
    ["networks", str(FIXTURES / "patents_utf8.csv"), "--out", "o", "--encoding", "utf\x008"],
    ["networks", str(FIXTURES / "patents_utf8.csv"), "--out", "o", "--column", "applicants=申\x00"],
    ["run", "run\x00.toml", "--out", "o"],
    ["demo", "--out", "o\x00ut"],
], ids=["PATENTS_FILE", "--out", "--encoding", "--column", "CONFIG.toml", "demo --out"])
def test_a_nul_character_in_an_argument_is_a_message(tmp_path, monkeypatch, capsys, args):
    monkeypatch.chdir(tmp_path)
    assert main(args) == 2
    err = capsys.readouterr().err
    flat = " ".join(err.split())
    assert "holds a NUL character (\\x00), which no file name or option can contain" in flat
    assert "\x00" not in err and "Traceback" not in err  # the NUL is shown as \x00
    assert list(tmp_path.iterdir()) == []


def test_control_characters_in_a_message_are_shown_escaped(tmp_path, capsys):
    missing = tmp_path / "a\x1b[31mred.csv"
    assert main(["networks", str(missing), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\\x1b[31mred.csv" in err
