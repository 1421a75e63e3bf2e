"""Datasets a node serves: CSV, Parquet and DuckDB tables, identifiers withheld."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from medveil.errors import ConfigError, InputError
from medveil.federation._data import DatasetCache, add_dataset, load_table
from medveil.site import Site, init_site
from medveil.site._config import DatasetSection

FRAME = pd.DataFrame({"age": [51.5, 62.0, 70.25], "stage": ["I", "II", "III"],
                      "resident_id": ["110105194912310021", "11010519491231002X", "x"]})


@pytest.fixture
def site(tmp_path: Path) -> Site:
    return init_site(tmp_path / "s", "s1")


def test_csv_parquet_and_duckdb_tables_load_alike(site: Site) -> None:
    data = site.root / "data"
    FRAME.to_csv(data / "t.csv", index=False)
    FRAME.to_parquet(data / "t.parquet")
    con = duckdb.connect(str(data / "t.duckdb"))
    con.execute("CREATE TABLE patients AS SELECT * FROM FRAME")
    con.close()
    for ds in (DatasetSection(name="a", path="data/t.csv", identifiers=["resident_id"]),
               DatasetSection(name="b", path="data/t.parquet", identifiers=["resident_id"]),
               DatasetSection(name="c", path="data/t.duckdb", table="patients",
                              identifiers=["resident_id"])):
        df = load_table(site.root, ds)
        assert list(df.columns) == ["age", "stage"]
        assert df["age"].tolist() == [51.5, 62.0, 70.25]
        assert [str(x) for x in df["stage"]] == ["I", "II", "III"]


def test_duckdb_file_needs_a_table(site: Site) -> None:
    con = duckdb.connect(str(site.root / "data" / "t.duckdb"))
    con.execute("CREATE TABLE patients AS SELECT 1 AS x")
    con.close()
    with pytest.raises(ConfigError, match="needs `table`"):
        load_table(site.root, DatasetSection(name="c", path="data/t.duckdb"))
    with pytest.raises(InputError, match="cannot be read"):
        load_table(site.root, DatasetSection(name="c", path="data/t.duckdb", table="nope"))


def test_unreadable_and_missing_files(site: Site) -> None:
    (site.root / "data" / "bad.parquet").write_bytes(b"not parquet")
    with pytest.raises(InputError, match="cannot be read"):
        load_table(site.root, DatasetSection(name="x", path="data/bad.parquet"))
    with pytest.raises(ConfigError, match="file not found"):
        load_table(site.root, DatasetSection(name="x", path="data/none.csv"))


def test_cache_loads_once_and_names_unknown_datasets(site: Site) -> None:
    FRAME.to_parquet(site.root / "data" / "t.parquet")
    assert add_dataset(site, name="t", path="data/t.parquet", identifiers=["resident_id"]) == 3
    cache = DatasetCache(Site.open(site.root))
    assert cache.get("t") is cache.get("t")
    assert cache.identifiers("t") == frozenset({"resident_id"})
    with pytest.raises(InputError, match="unknown dataset 'u'"):
        cache.get("u")


def test_local_node_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    """Local-mode nodes share the cores (BLAS and numba threads); ``threads`` sets them."""
    from medveil.federation._local import _BLAS_THREADS, _node_env

    for name in _BLAS_THREADS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "7")
    shared = _node_env(3)
    assert "NUMBA_NUM_THREADS" in _BLAS_THREADS
    assert shared["OMP_NUM_THREADS"] == "7"  # the caller's choice is kept
    assert all(shared[n] == shared["OPENBLAS_NUM_THREADS"] for n in _BLAS_THREADS
               if n != "OMP_NUM_THREADS")
    assert int(shared["NUMBA_NUM_THREADS"]) >= 1
    assert all(v == "2" for k, v in _node_env(3, threads=2).items() if k in _BLAS_THREADS)
