"""One site's PLINK 1 binary fileset, its phenotype and covariate files, read in chunks.

``.bed/.bim/.fam`` are checked before anything is read (magic bytes, SNP-major, the
``.bed`` size against the ``.bim`` and ``.fam`` line counts, so a truncated or mismatched
fileset is a clear error), then the ``.bed`` is memory-mapped: :meth:`PlinkSet.rows` gives a
chunk of variants' packed rows (2 bits per sample) for the compiled kernels of
:mod:`medveil.gwas._kernels`, :meth:`PlinkSet.read` decodes them to int8 counts of the
``.bim``'s allele A1 (column 5), ``-127`` where missing.

Phenotype and covariate files are PLINK's: whitespace-separated, a header line naming
``FID IID`` (``#FID`` accepted) and the columns; ``-9``, ``NA`` and ``nan`` are missing. A
case/control phenotype is coded 1 = control, 2 = case (0 is missing, as in PLINK).
Samples are matched by (FID, IID); a sample without a row in the file has a missing value.

Errors name the file and the line or field; no genotype or phenotype value is printed.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from pandas.api.types import union_categoricals

from medveil.errors import InputError

__all__ = ["Phenotype", "PlinkSet", "read_table_file"]

logger = logging.getLogger(__name__)

MISSING = -127
_MISSING_TOKENS = frozenset({"-9", "NA", "na", "nan", "NaN", "."})


@dataclass(frozen=True)
class Phenotype:
    """One phenotype over the .fam's samples: values (NaN missing) and whether it is binary
    (then 0 = control, 1 = case)."""

    name: str
    values: NDArray[np.float64]
    binary: bool


def _read_whitespace(path: Path, names: Sequence[str] | None, what: str) -> pd.DataFrame:
    try:
        if names:
            return pd.read_csv(path, sep=r"\s+", header=None, names=list(names), dtype=str,
                               keep_default_na=False, engine="c")
        return pd.read_csv(path, sep=r"\s+", header=0, dtype=str, keep_default_na=False,
                           engine="c")
    except FileNotFoundError:
        raise InputError(f"{what} file not found", path=path) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"cannot parse the {what} file ({type(exc).__name__})",
                         path=path) from None


_BIM_CHUNK = 16_384  # .bim lines parsed at a time: the parser's buffers stay small


def _read_bim(path: Path) -> pd.DataFrame:
    """A .bim as (chrom, id, cm, pos, a1, a2): positions int64; chromosome, cM and alleles
    categorical (few distinct values). Parsed a chunk of lines at a time, so the parser's
    memory does not grow with the file (a node keeps about 0.1 KB a variant)."""
    names = ["chrom", "id", "cm", "pos", "a1", "a2"]
    kinds: dict[str, Any] = {"chrom": "category", "id": str, "cm": "category", "pos": str,
                             "a1": "category", "a2": "category"}
    parts: list[pd.DataFrame] = []
    try:
        reader = pd.read_csv(path, sep=r"\s+", header=None, names=names, dtype=kinds,
                             keep_default_na=False, engine="c", chunksize=_BIM_CHUNK)
        done = 0
        for chunk in reader:
            pos = pd.to_numeric(chunk["pos"], errors="coerce")
            if pos.isna().any():
                raise InputError("a .bim position is not a number", path=path,
                                 line=done + int(np.flatnonzero(pos.isna().to_numpy())[0]) + 1)
            chunk["pos"] = pos.astype(np.int64)
            done += len(chunk)
            parts.append(chunk)
    except FileNotFoundError:
        raise InputError(".bim file not found", path=path) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"cannot parse the .bim file ({type(exc).__name__})",
                         path=path) from None
    if not parts:
        return pd.DataFrame({n: pd.Series(dtype="int64" if n == "pos" else object)
                             for n in names})
    out = pd.DataFrame({
        n: (union_categoricals([p[n] for p in parts]) if kinds[n] == "category"
            else pd.concat([p[n] for p in parts], ignore_index=True).to_numpy())
        for n in names})
    return out


def read_table_file(path: Path, what: str) -> pd.DataFrame:
    """A PLINK phenotype/covariate file as strings, with FID and IID columns first."""
    df = _read_whitespace(path, None, what)
    cols = [str(c) for c in df.columns]
    if cols and cols[0] == "#FID":
        cols[0] = "FID"
    df.columns = cols
    if cols[:2] != ["FID", "IID"]:
        raise InputError(f"the {what} file's header must start with FID IID", path=path, line=1)
    if len(set(cols)) != len(cols):
        raise InputError(f"the {what} file's header repeats a column name", path=path, line=1)
    if df.duplicated(["FID", "IID"]).any():
        line = int(np.flatnonzero(df.duplicated(["FID", "IID"]).to_numpy())[0]) + 2
        raise InputError(f"the {what} file lists a sample twice", path=path, line=line)
    return df


def _numbers(column: pd.Series, path: Path, what: str) -> NDArray[np.float64]:
    text = column.astype(str)
    missing = text.isin(list(_MISSING_TOKENS)).to_numpy()
    values = pd.to_numeric(text.where(~missing, None), errors="coerce").to_numpy(float)
    bad = np.isnan(values) & ~missing
    if bad.any():
        line = int(np.flatnonzero(bad)[0]) + 2
        raise InputError(f"{what} {column.name!r} holds a value that is not a number",
                         path=path, line=line)
    if np.isinf(values).any():
        raise InputError(f"{what} {column.name!r} holds an infinite value", path=path)
    return values


@dataclass
class PlinkSet:
    """A site's fileset: ``prefix`` + .bed/.bim/.fam, optional phenotype and covariate files."""

    prefix: Path
    pheno_path: Path | None = None
    covar_path: Path | None = None
    variants: pd.DataFrame = field(init=False)  # chrom, id, cm, pos, a1, a2
    samples: pd.DataFrame = field(init=False)  # fid, iid, father, mother, sex, pheno
    _bed: object = field(init=False, default=None, repr=False)
    _tables: dict[tuple[str, int, int], tuple[pd.DataFrame, NDArray[np.int64]]] = field(
        init=False, default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.prefix = Path(self.prefix)
        bim = self.prefix.with_name(self.prefix.name + ".bim")
        fam = self.prefix.with_name(self.prefix.name + ".fam")
        bed = self.prefix.with_name(self.prefix.name + ".bed")
        self.variants = _read_bim(bim)
        self.samples = _read_whitespace(fam, ["fid", "iid", "father", "mother", "sex",
                                              "pheno"], ".fam")
        if self.variants["id"].duplicated().any():
            line = int(np.flatnonzero(self.variants["id"].duplicated().to_numpy())[0]) + 1
            raise InputError("the .bim lists a variant id twice", path=bim, line=line)
        if self.samples.duplicated(["fid", "iid"]).any():
            raise InputError("the .fam lists a sample twice", path=fam)
        n, m = len(self.samples), len(self.variants)
        try:
            size = bed.stat().st_size
            with bed.open("rb") as fh:
                magic = fh.read(3)
        except FileNotFoundError:
            raise InputError(".bed file not found", path=bed) from None
        if magic[:2] != b"\x6c\x1b":
            raise InputError("not a PLINK 1 .bed file (bad magic bytes)", path=bed)
        if magic[2:3] != b"\x01":
            raise InputError("the .bed is sample-major; only SNP-major files are read", path=bed)
        expected = 3 + ((n + 3) // 4) * m
        if size != expected:
            raise InputError(
                f"the .bed holds {size} bytes but {n} samples (.fam) x {m} variants (.bim) "
                f"need {expected}: the files do not belong together or the .bed is truncated",
                path=bed)

    @property
    def n_samples(self) -> int:
        return len(self.samples)

    @property
    def n_variants(self) -> int:
        return len(self.variants)

    def _fd(self) -> int:
        if self._bed is None:
            self._bed = os.open(self.prefix.with_name(self.prefix.name + ".bed"), os.O_RDONLY)
        return self._bed  # type: ignore[return-value]

    def close(self) -> None:
        """Close the .bed (reopened on the next read)."""
        if self._bed is not None:
            os.close(self._bed)  # type: ignore[arg-type]
            self._bed = None

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.close()

    def rows(self, index: NDArray[np.int64] | slice) -> NDArray[np.uint8]:
        """The packed .bed rows of the variants at ``index``: m x ceil(n/4) bytes.

        Read with ``preadv`` straight into the returned array, one call per run of
        consecutive variants: a node's memory is the chunk, never the file (a memory map
        would count every page it ever touched in the node's resident set).
        """
        width = (self.n_samples + 3) // 4
        if isinstance(index, slice):
            idx = np.arange(self.n_variants, dtype=np.int64)[index]
        else:
            idx = np.asarray(index, dtype=np.int64).reshape(-1)
        out = np.empty((len(idx), width), dtype=np.uint8)
        if not len(idx) or not width:
            return out
        if idx.min() < 0 or idx.max() >= self.n_variants:
            raise InputError("variant index out of range", field="index")
        breaks = np.flatnonzero(np.diff(idx) != 1) + 1
        starts = np.concatenate([[0], breaks]).tolist()
        stops = np.concatenate([breaks, [len(idx)]]).tolist()
        fd = self._fd()
        flat = memoryview(out).cast("B")  # type: ignore[arg-type]
        for a, b in zip(starts, stops, strict=True):  # a run: one block of the array
            got = os.preadv(fd, [flat[a * width:b * width]], 3 + int(idx[a]) * width)
            if got != (b - a) * width:
                raise InputError("the .bed ended early (truncated since it was opened?)",
                                 path=self.prefix.with_name(self.prefix.name + ".bed"))
        return out

    def read(self, index: NDArray[np.int64] | slice) -> NDArray[np.int8]:
        """Genotypes (samples x the variants at ``index``), A1 counts, -127 missing."""
        from medveil.gwas._kernels import decode

        rows = self.rows(index)
        return decode(rows, np.arange(self.n_samples, dtype=np.int64))

    def chunks(self, index: NDArray[np.int64], size: int) -> Iterator[tuple[slice,
                                                                            NDArray[np.int8]]]:
        """(positions within ``index``, genotypes) for consecutive chunks of ``index``."""
        for start in range(0, len(index), size):
            part = index[start:start + size]
            yield slice(start, start + len(part)), self.read(part)

    # -- phenotypes and covariates --------------------------------------------------------

    def load_tables(self) -> None:
        """Read and match the phenotype and covariate files now (they are cached)."""
        if self.pheno_path is not None:
            self._lookup(self.pheno_path, "phenotype")
        if self.covar_path is not None:
            self._lookup(self.covar_path, "covariate")

    def _lookup(self, path: Path, what: str) -> tuple[pd.DataFrame, NDArray[np.int64]]:
        """The file's table and, per .fam sample, its row (-1: absent); re-read when the
        file's size or modification time changes."""
        try:
            st = path.stat()
        except FileNotFoundError:
            raise InputError(f"{what} file not found", path=path) from None
        key = (str(path), st.st_size, st.st_mtime_ns)
        hit = self._tables.get(key)
        if hit is None:
            hit = self._read_lookup(path, what)
            for old in [k for k in self._tables if k[0] == key[0]]:  # a stale version
                del self._tables[old]
            self._tables[key] = hit
        return hit

    def _read_lookup(self, path: Path, what: str) -> tuple[pd.DataFrame, NDArray[np.int64]]:
        table = read_table_file(path, what)
        key = pd.MultiIndex.from_frame(table[["FID", "IID"]])
        mine = pd.MultiIndex.from_frame(self.samples[["fid", "iid"]].rename(
            columns={"fid": "FID", "iid": "IID"}))
        rows = key.get_indexer(mine)
        if (rows < 0).all():
            raise InputError(f"no sample of the .fam is in the {what} file (FID/IID differ)",
                             path=path)
        return table, rows

    def phenotype(self, name: str | None) -> Phenotype:
        """``name`` from the phenotype file, or the .fam's column 6 when ``name`` is None."""
        if name is None:
            raw = self.samples["pheno"]
            values = _numbers(raw.rename("pheno"), self.prefix.with_suffix(".fam"), "phenotype")
            return _coded("fam", values)
        if self.pheno_path is None:
            raise InputError(f"phenotype {name!r}: this site has no phenotype file",
                             field="pheno")
        table, rows = self._lookup(self.pheno_path, "phenotype")
        if name not in table.columns[2:]:
            raise InputError(f"unknown phenotype {name!r}", path=self.pheno_path,
                             field=name)
        col = _numbers(table[name], self.pheno_path, "phenotype")
        values = np.where(rows >= 0, col[np.maximum(rows, 0)], np.nan)
        return _coded(name, values)

    def covariates(self, names: Sequence[str]) -> NDArray[np.float64]:
        """The covariates ``names`` (samples x len(names)), NaN where missing."""
        if not names:
            return np.zeros((self.n_samples, 0))
        if self.covar_path is None:
            raise InputError("this site has no covariate file", field="covar")
        table, rows = self._lookup(self.covar_path, "covariate")
        out = np.empty((self.n_samples, len(names)))
        for j, name in enumerate(names):
            if name not in table.columns[2:]:
                raise InputError(f"unknown covariate {name!r}", path=self.covar_path,
                                 field=name)
            col = _numbers(table[name], self.covar_path, "covariate")
            out[:, j] = np.where(rows >= 0, col[np.maximum(rows, 0)], np.nan)
        return out


def _coded(name: str, values: NDArray[np.float64]) -> Phenotype:
    """PLINK's reading: a phenotype whose values are all in {0, 1, 2, -9, missing} is
    case/control (1 control, 2 case, 0 missing); anything else is quantitative."""
    present = values[~np.isnan(values)]
    if present.size and np.isin(present, (0.0, 1.0, 2.0)).all():
        coded = np.where(values == 2.0, 1.0, np.where(values == 1.0, 0.0, np.nan))
        return Phenotype(name, coded, True)
    return Phenotype(name, values, False)
