"""`medveil scan` end to end: formats, encodings, errors per file, values never shown."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner, Result

from medveil.cli import app
from medveil.demo._cohort import generate_cohorts

runner = CliRunner(env={"COLUMNS": "200"})

NOTE_ZH = ("患者张伟，男，65岁，身份证号11010519491231002X，联系电话13912345678，"
           "于2024年3月5日入院。")
NOTE_EN = ("Patient: John Carter, seen on 03/05/2024. Call 617-555-0143 or mail "
           "jcarter@example.org.")


def cli(*args: object) -> Result:
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("scan")
    df = generate_cohorts(seed=1, sizes=(300, 0, 0))[0]
    df["note"] = [NOTE_ZH if i % 2 else NOTE_EN for i in range(len(df))]
    df.to_csv(root / "crc.csv", index=False)
    df.head(100).to_parquet(root / "crc.parquet")
    gbk = pd.DataFrame({"姓名": ["张伟", "王芳", "李娜"] * 10,
                        "身份证号": ["11010519491231002X"] * 30, "诊断": ["C18.7"] * 30})
    (root / "gbk.csv").write_bytes(gbk.to_csv(index=False).encode("gbk"))
    confusable = "血压120/80mmHg，CEA 5.2 ng/mL。"
    (root / "notes.txt").write_text(f"{NOTE_ZH}\n{NOTE_EN}\n{confusable}\n", encoding="utf-8")
    (root / "notes.jsonl").write_text(
        json.dumps({"id": 1, "text": NOTE_EN}) + "\n" + json.dumps({"id": 2, "text": NOTE_ZH})
        + "\n", encoding="utf-8")
    bad = root / "bad"
    bad.mkdir()
    (bad / "broken.jsonl").write_text('{"text": "ok"}\n{not json\n', encoding="utf-8")
    (bad / "binary.txt").write_bytes(b"\x80\x81\xff\xfe" * 100)
    return root


def test_table_output_classifies_and_grades(folder: Path) -> None:
    res = cli("scan", folder / "crc.csv", folder / "gbk.csv", folder / "notes.txt")
    assert res.exit_code == 0, res.output
    out = res.stdout
    assert "resident_id" in out and "CN_RESIDENT_ID" in out
    assert "grade 4" in out or "grade 5" in out
    assert "身份证号" in out  # the GBK file was read
    assert "PHONE" in out and "DATE" in out


def test_json_findings_never_carry_values_unless_asked(folder: Path) -> None:
    res = cli("scan", "--format", "json", folder / "notes.txt", folder / "notes.jsonl")
    assert res.exit_code == 0, res.output
    records = [json.loads(line) for line in res.stdout.splitlines() if line.strip()]
    findings = [r for r in records if r["kind"] == "finding"]
    assert findings and all("value" not in f for f in findings)
    assert "13912345678" not in res.stdout and "11010519491231002X" not in res.stdout
    types = {f["type"] for f in findings}
    assert {"PERSON", "PHONE", "CN_RESIDENT_ID", "DATE", "EMAIL"} <= types
    for f in findings:
        assert f["line"] >= 1 and 0 <= f["start"] < f["end"] and f["rule"]
    jl = [f for f in findings if f["file"].endswith("notes.jsonl")]
    assert {f["line"] for f in jl} == {1, 2}
    assert records[-1]["kind"] == "summary" and records[-1]["files_failed"] == 0
    shown = cli("scan", "--format", "json", "--show-values", folder / "notes.txt")
    values = [json.loads(x).get("value") for x in shown.stdout.splitlines()]
    assert "13912345678" in values


def test_free_text_columns_are_scanned_by_row(folder: Path) -> None:
    res = cli("scan", "--format", "json", folder / "crc.parquet")
    assert res.exit_code == 0, res.output
    records = [json.loads(line) for line in res.stdout.splitlines()]
    cells = [r for r in records if r["kind"] == "finding"]
    assert cells and {c["column"] for c in cells} == {"note"}
    assert max(c["row"] for c in cells) == 100


def test_bad_files_are_named_and_the_rest_scanned(folder: Path, tmp_path: Path) -> None:
    report = tmp_path / "summary.html"
    res = cli("scan", folder, "--report", report, folder / "missing.csv")
    assert res.exit_code == 2
    assert "broken.jsonl" in res.stderr and "line 2" in res.stderr
    assert "binary.txt" in res.stderr and "missing.csv" in res.stderr
    assert "Traceback" not in res.output
    assert "crc.csv" in res.stdout and "notes.jsonl" in res.stdout
    html = report.read_text(encoding="utf-8")
    assert "could not be scanned" in html and "11010519491231002X" not in html


def test_usage_errors(folder: Path) -> None:
    res = cli("scan", "--format", "xml", folder)
    assert res.exit_code == 2 and "--format" in res.stderr
