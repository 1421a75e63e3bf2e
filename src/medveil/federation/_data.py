"""Datasets a node serves, loaded read-only through DuckDB.

CSV, Parquet and DuckDB tables are read by DuckDB (the embedded engine) into a
DataFrame held in memory for the node's lifetime; identifier columns named in
``site.toml`` are dropped at load, so no operation can ever touch them.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import duckdb
import pandas as pd

from medveil.errors import ConfigError, InputError
from medveil.gwas._plink import PlinkSet
from medveil.site import Site
from medveil.site._config import DatasetSection

log = logging.getLogger(__name__)


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def load_table(site_root: Path, ds: DatasetSection) -> pd.DataFrame:
    """Read one dataset (all non-identifier columns) with DuckDB."""
    path = (site_root / ds.path).resolve()
    if not path.is_file():
        raise ConfigError(f"dataset {ds.name!r}: file not found", path=path)
    fmt = ds.resolved_format
    con = duckdb.connect(":memory:")
    try:
        if fmt == "csv":
            rel = con.execute("SELECT * FROM read_csv_auto(?, header = true)", [str(path)])
        elif fmt == "parquet":
            rel = con.execute("SELECT * FROM read_parquet(?)", [str(path)])
        else:
            if not ds.table:
                raise ConfigError(f"dataset {ds.name!r}: a DuckDB file needs `table`",
                                  field="datasets.table")
            con.execute(f"ATTACH {_quote_sql(str(path))} AS src (READ_ONLY)")
            rel = con.execute(f"SELECT * FROM src.{_quote_ident(ds.table)}")
        df = rel.df()
    except duckdb.Error as exc:
        raise InputError(f"dataset {ds.name!r} cannot be read ({type(exc).__name__})",
                         path=path) from None
    finally:
        con.close()
    dropped = [c for c in ds.identifiers if c in df.columns]
    df = df.drop(columns=dropped)
    log.info("loaded dataset %s: %d rows, %d columns (%d identifier columns withheld)",
             ds.name, len(df), df.shape[1], len(dropped))
    return df


def _quote_sql(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class DatasetCache:
    """Loads each registered dataset once, on first use."""

    def __init__(self, site: Site) -> None:
        self._site = site
        self._frames: dict[str, pd.DataFrame] = {}
        self._genotypes: dict[str, PlinkSet] = {}
        self._lock = threading.Lock()

    def get(self, name: str) -> pd.DataFrame:
        ds = self._site.config.dataset(name)
        if ds is None:
            raise InputError(f"unknown dataset {name!r}", field="dataset")
        if ds.resolved_format == "plink":
            raise InputError(f"dataset {name!r} is a genotype fileset, not a table",
                             field="dataset")
        with self._lock:
            if name not in self._frames:
                self._frames[name] = load_table(self._site.root, ds)
            return self._frames[name]

    def genotypes(self, name: str) -> PlinkSet:
        """The PLINK fileset registered as ``name`` (checked, opened once, read in chunks)."""
        ds = self._site.config.dataset(name)
        if ds is None:
            raise InputError(f"unknown dataset {name!r}", field="dataset")
        if ds.resolved_format != "plink":
            raise InputError(f"dataset {name!r} is a table, not a genotype fileset",
                             field="dataset")
        with self._lock:
            if name not in self._genotypes:
                root = self._site.root
                prefix = root / ds.path.removesuffix(".bed")
                self._genotypes[name] = PlinkSet(
                    prefix, pheno_path=root / ds.pheno if ds.pheno else None,
                    covar_path=root / ds.covar if ds.covar else None)
            return self._genotypes[name]

    def is_genotypes(self, name: str) -> bool:
        ds = self._site.config.dataset(name)
        return ds is not None and ds.resolved_format == "plink"

    def identifiers(self, name: str) -> frozenset[str]:
        ds = self._site.config.dataset(name)
        return frozenset(ds.identifiers) if ds else frozenset()


def add_dataset(site: Site, *, name: str, path: str, fmt: str | None = None,
                table: str | None = None, identifiers: list[str] | None = None,
                pheno: str | None = None, covar: str | None = None) -> int:
    """Register a dataset in site.toml after checking it reads; return its row count (for a
    PLINK fileset: its sample count, after checking .bed/.bim/.fam and the pheno/covar
    files belong together)."""
    from medveil.site import SITE_TOML, append_block, dataset_block
    from medveil.site._config import DatasetSection

    if site.config.dataset(name) is not None:
        raise InputError(f"dataset {name!r} already exists", field="--name")
    probe = DatasetSection(name=name, path=path, format=fmt)  # type: ignore[arg-type]
    if probe.resolved_format == "plink":
        prefix = site.root / path.removesuffix(".bed")
        gs = PlinkSet(prefix, pheno_path=site.root / pheno if pheno else None,
                      covar_path=site.root / covar if covar else None)
        if pheno:
            gs._lookup(site.root / pheno, "phenotype")
        if covar:
            gs._lookup(site.root / covar, "covariate")
        append_block(site.path(SITE_TOML), dataset_block(
            name=name, path=path, fmt="plink", table=None, identifiers=[], pheno=pheno,
            covar=covar))
        return gs.n_samples
    if pheno or covar:
        raise InputError("--pheno and --covar belong to PLINK genotype datasets",
                         field="--pheno")
    ds = DatasetSection(name=name, path=path, format=fmt,  # type: ignore[arg-type]
                        table=table, identifiers=identifiers or [])
    df = load_table(site.root, DatasetSection(name=name, path=path, format=ds.format,
                                              table=table, identifiers=[]))
    missing = [c for c in ds.identifiers if c not in df.columns]
    if missing:
        raise InputError(f"identifier columns not in the table: {missing}", field="--identifiers")
    append_block(site.path(SITE_TOML), dataset_block(name=name, path=path, fmt=fmt,
                                                     table=table, identifiers=ds.identifiers))
    return len(df)
