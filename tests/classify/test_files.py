from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from medveil.classify import TableClass, classify_table_file
from medveil.errors import InputError

TABLES = Path(__file__).parents[1] / "data" / "tables"
TRUTH: dict[str, Any] = json.loads((TABLES / "truth.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def classified() -> dict[str, TableClass]:
    return {name: classify_table_file(TABLES / name) for name in TRUTH["files"]}


def _got(table: TableClass, column: str) -> dict[str, Any]:
    c = table.column(column)
    return {
        "identifier_type": None if c.identifier_type is None else str(c.identifier_type),
        "quasi_identifier": c.quasi_identifier,
        "category": c.category,
        "grade": c.grade,
        "free_text": c.free_text,
    }


@pytest.mark.parametrize(("name", "column"), [
    (name, column) for name, entry in TRUTH["files"].items() for column in entry["columns"]
])
def test_known_tables_match_their_truth(
    classified: dict[str, TableClass], name: str, column: str
) -> None:
    expected = TRUTH["files"][name]["columns"][column]
    assert _got(classified[name], column) == expected, classified[name].column(column).rules


def test_known_tables_grades_and_sizes(classified: dict[str, TableClass]) -> None:
    for name, entry in TRUTH["files"].items():
        table = classified[name]
        assert table.source == name
        assert table.grade == entry["grade"]
        assert table.rows_total == table.rows_sampled == entry["rows"]
        assert [c.column for c in table.columns] == list(entry["columns"])


def test_gbk_csv_with_chinese_headers(classified: dict[str, TableClass]) -> None:
    path = TABLES / "inpatient_gbk.csv"
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    detected = classified["inpatient_gbk.csv"]
    assert detected.column("身份证号").identifier_type == "CN_RESIDENT_ID"
    explicit = classify_table_file(path, encoding="GBK")
    assert explicit.to_dict() == detected.to_dict()
    with pytest.raises(InputError) as info:
        classify_table_file(path, encoding="utf-8")
    assert info.value.path == str(path) and info.value.line is not None


def test_utf16_csv_with_bom(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("姓名,性别\n张伟,男\n李娜,女\n王芳,女\n", encoding="utf-16")
    table = classify_table_file(path)
    assert table.rows_total == 3
    assert table.column("姓名").identifier_type == "PERSON"


def test_sampling_a_large_csv_counts_every_row(tmp_path: Path) -> None:
    n = 200_000
    rng = np.random.default_rng(0)
    path = tmp_path / "big.csv"
    pd.DataFrame({
        "row": np.arange(n),
        "sex": rng.choice(["M", "F"], n),
        "age": rng.integers(18, 90, n),
        "zip": rng.integers(100000, 860000, n).astype(str),
        "cost": rng.uniform(10, 1000, n).round(2),
    }).to_csv(path, index=False)
    table = classify_table_file(path, sample_rows=2000)
    assert table.rows_total == n
    assert table.rows_sampled == 2000
    assert table.column("sex").quasi_identifier
    assert table.column("zip").identifier_type == "LOCATION"
    assert classify_table_file(path, sample_rows=2000).to_dict() == table.to_dict()

    parquet = tmp_path / "big.parquet"
    pd.read_csv(path, dtype=str).to_parquet(parquet, index=False)
    ptable = classify_table_file(parquet, sample_rows=1000)
    assert (ptable.rows_total, ptable.rows_sampled) == (n, 1000)


def test_tab_separated_and_header_only_files(tmp_path: Path) -> None:
    tsv = tmp_path / "visits.tsv"
    tsv.write_text("patient_name\tphone\n张伟\t13812345678\n李娜\t13987654321\n",
                   encoding="utf-8")
    table = classify_table_file(tsv)
    assert [c.column for c in table.columns] == ["patient_name", "phone"]
    assert table.column("phone").identifier_type == "PHONE"
    empty = tmp_path / "empty.csv"
    empty.write_text("身份证号,diagnosis\n", encoding="utf-8")
    table = classify_table_file(empty)
    assert table.rows_total == table.rows_sampled == 0
    assert table.column("身份证号").grade == 4


SECRET = "13812345678"


@pytest.mark.parametrize(("content", "line", "reason"), [
    (f"name,phone\na,1\nb,2\nc,{SECRET},extra\nd,4\n".encode(), 4, "wrong number of columns"),
    (f'name,phone\na,1\n"b,{SECRET}\n'.encode(), 3, "not terminated"),
    (b"name,phone\na,1\n\xff\xfe" + SECRET.encode() + b",2\n", 3, "encoding not recognised"),
])
def test_malformed_csv_names_file_and_line_not_values(
    tmp_path: Path, content: bytes, line: int, reason: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(InputError) as info:
        classify_table_file(path)
    err = info.value
    assert err.path == str(path) and err.line == line
    assert reason in str(err)
    assert SECRET not in str(err)


def test_bad_bytes_deep_in_a_transcoded_file(tmp_path: Path) -> None:
    path = tmp_path / "gbk.csv"
    path.write_bytes("姓名,年龄\n张伟,30\n".encode("gbk") + b"\x81\x20,31\n")
    with pytest.raises(InputError) as info:
        classify_table_file(path, encoding="gb18030")
    assert info.value.line == 3 and "gb18030" in str(info.value)


def test_unreadable_inputs(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        classify_table_file(tmp_path / "absent.csv")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="empty file"):
        classify_table_file(empty)
    corrupt = tmp_path / "corrupt.parquet"
    corrupt.write_bytes(b"PAR1" + b"\0" * 64)
    with pytest.raises(InputError, match="Parquet") as info:
        classify_table_file(corrupt)
    assert info.value.path == str(corrupt)
    with pytest.raises(InputError, match="unknown encoding"):
        classify_table_file(TABLES / "crc_cohort.csv", encoding="no-such-codec")
    with pytest.raises(InputError, match="sample_rows"):
        classify_table_file(TABLES / "crc_cohort.csv", sample_rows=0)
