"""Variant harmonisation across sites, and the study's variant order.

Variant lists (ids, positions, alleles) are not patient data and are exchanged in the
clear. A variant enters the study when every site has it, at the same chromosome and
position, with the same pair of alleles in either order (a swapped A1/A2 is flipped at the
site), and the pair is not strand-ambiguous (A/T, C/G: a strand flip cannot be told from an
allele swap). Everything else is excluded with a reason.

Every site orders the study's variants the same way without being told the order:
by chromosome (1–22, X, Y, XY, MT, then others by name), position and id, over its own
variants minus the excluded ones. A request then names a chunk by its range in that order.
Genotypes are counted, at every site, as copies of the study's *counted* allele: the
alphabetically first of the pair (the coordinator reports results for the pooled minor
allele, as PLINK does, by flipping them).
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

__all__ = ["Harmonized", "chrom_key", "harmonize", "site_study_order", "variant_strings",
           "variant_text"]

_AMBIGUOUS = {frozenset("AT"), frozenset("CG")}
_CHROM_ORDER = {str(i): i for i in range(1, 23)} | {"X": 23, "Y": 24, "XY": 25, "MT": 26,
                                                    "M": 26, "23": 23, "24": 24, "25": 25,
                                                    "26": 26}


def chrom_key(chrom: str) -> tuple[int, str]:
    """Sort key of a chromosome name (``chr`` prefix ignored)."""
    c = chrom.removeprefix("chr").upper() if chrom.lower().startswith("chr") else chrom
    return (_CHROM_ORDER.get(c.upper(), 100), c)


def _lines(variants: pd.DataFrame) -> Iterator[str]:
    cols = [variants[k].tolist() for k in ("chrom", "id", "pos", "a1", "a2")]
    return (f"{c}\t{i}\t{p}\t{a}\t{b}" for c, i, p, a, b in zip(*cols, strict=True))


def variant_strings(variants: pd.DataFrame) -> tuple[str, ...]:
    """A site's variants as "chrom\\tid\\tpos\\ta1\\ta2" lines (node side)."""
    return tuple(_lines(variants))


def variant_text(variants: pd.DataFrame) -> str:
    """:func:`variant_strings` as one newline-separated text (what a node sends), built
    without an intermediate table of strings."""
    return "\n".join(_lines(variants))


def _order(chrom: Sequence[str] | NDArray[Any], pos: Sequence[int] | NDArray[Any],
           ids: Sequence[str] | NDArray[Any]) -> NDArray[np.int64]:
    """Positions sorted by (:func:`chrom_key`, position, id); ids (unique) only break ties
    of chromosome and position, so they are ranked only when there are such ties."""
    c = np.asarray(chrom, dtype=object)
    p = np.asarray(pos, dtype=np.int64)
    if not len(c):
        return np.zeros(0, dtype=np.int64)
    names, inverse = np.unique(c.astype(str), return_inverse=True)
    keys = [chrom_key(str(x)) for x in names]
    rank = np.array([k[0] for k in keys], dtype=np.int64)[inverse]
    by_name = np.unique(np.array([k[1] for k in keys], dtype=object), return_inverse=True)[1]
    name = np.asarray(by_name, dtype=np.int64).reshape(-1)[inverse]
    order = np.lexsort((p, name, rank))
    r, n_, q = rank[order], name[order], p[order]
    if ((r[1:] == r[:-1]) & (n_[1:] == n_[:-1]) & (q[1:] == q[:-1])).any():
        id_rank = np.unique(np.asarray(ids, dtype=object).astype(str), return_inverse=True)[1]
        order = np.lexsort((id_rank.reshape(-1), p, name, rank))
    return np.asarray(order, dtype=np.int64)


@dataclass(frozen=True)
class Harmonized:
    """The study's variants in study order (counted allele first) and the excluded ones."""

    chrom: tuple[str, ...]
    ids: tuple[str, ...]
    pos: tuple[int, ...]
    counted: tuple[str, ...]  # the allele every site counts
    other: tuple[str, ...]
    excluded: dict[str, str]  # id -> reason

    @property
    def n_variants(self) -> int:
        return len(self.ids)

    def digest(self) -> str:
        return study_digest(self.ids)


def study_digest(ids: Sequence[str] | NDArray[Any]) -> str:
    """sha256 of the ids joined by newlines (first 32 hex digits), hashed 8,192 ids at a
    time (no text of the whole list is built)."""
    h = hashlib.sha256()
    for a in range(0, len(ids), 8192):
        if a:
            h.update(b"\n")
        h.update("\n".join(ids[a:a + 8192]).encode())
    return h.hexdigest()[:32]


def _parse(lines: str | Sequence[str]) -> list[NDArray[Any]]:
    """One site's list as columns: chrom, id (object), pos (int64), a1, a2 (object)."""
    text = lines if isinstance(lines, str) else "\n".join(lines)
    n_lines = text.count("\n") + 1 if text else 0
    if not n_lines:
        return [np.zeros(0, dtype=object)] * 2 + [np.zeros(0, dtype=np.int64)] + [
            np.zeros(0, dtype=object)] * 2
    if "\r" in text or "\n\n" in text or text.endswith("\n"):
        raise ValueError("a variant list holds an empty line")
    try:
        parts = pd.read_csv(io.StringIO(text), sep="\t", header=None,
                            dtype={0: str, 1: str, 2: np.int64, 3: str, 4: str},
                            keep_default_na=False, na_filter=False, quoting=csv.QUOTE_NONE,
                            engine="c")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise ValueError("a variant list is not 5 tab-separated fields per line (chrom, "
                         f"id, integer position, A1, A2): {exc}") from None
    if parts.shape != (n_lines, 5):
        raise ValueError("a variant line needs 5 tab-separated fields")
    return [parts[k].to_numpy() for k in range(5)]


def harmonize(site_lists: Sequence[str | Sequence[str]]) -> Harmonized:
    """The study from the sites' variant lists (one per distinct site list, identical lists
    may be given once): each :func:`variant_text` or its lines (:func:`variant_strings`).

    Strings are hashed once (ids, chromosomes and alleles of all the lists factorized
    together); the rules then run on integer codes.
    """
    cols = [_parse(lines) for lines in site_lists]
    if not cols:
        return Harmonized((), (), (), (), (), {})
    sizes = [len(c[1]) for c in cols]
    cat = [np.concatenate([c[k] for c in cols]) for k in range(5)]
    id_code, ids = pd.factorize(cat[1], sort=False)
    chrom_code, chroms = pd.factorize(cat[0], sort=False)
    # alleles: upper-cased, coded by their sorted order so that codes compare as strings
    a_code, a_raw = pd.factorize(np.concatenate([cat[3], cat[4]]), sort=False)
    upper = np.array([str(x).upper() for x in a_raw], dtype=object)
    names, rank = np.unique(upper, return_inverse=True)
    acode = rank.reshape(-1)[a_code]
    a1, a2 = acode[:len(cat[3])], acode[len(cat[3]):]
    n_ids = len(ids)
    n_sites = len(cols)
    chrom = np.full((n_sites, n_ids), -1, dtype=np.int64)
    pos = np.zeros((n_sites, n_ids), dtype=np.int64)
    lo = np.full((n_sites, n_ids), -1, dtype=np.int64)
    hi = np.full((n_sites, n_ids), -1, dtype=np.int64)
    start = 0
    for s_, size in enumerate(sizes):
        sl = slice(start, start + size)
        at = id_code[sl]  # a repeated id: the last line wins (fancy assignment order)
        chrom[s_, at] = chrom_code[sl]
        pos[s_, at] = cat[2][sl]
        lo[s_, at] = np.minimum(a1[sl], a2[sl])
        hi[s_, at] = np.maximum(a1[sl], a2[sl])
        start += size
    absent = (chrom < 0).any(axis=0)
    moved = ((chrom != chrom[0]) | (pos != pos[0])).any(axis=0) & ~absent
    lookup = {str(x): i for i, x in enumerate(names)}

    def code(allele: str) -> int:
        return lookup.get(allele, -2)

    alleles = ((lo != lo[0]) | (hi != hi[0])).any(axis=0) | (lo[0] == hi[0])
    alleles |= (lo[0] == code("0")) | (hi[0] == code("0"))
    alleles &= ~absent & ~moved
    ambiguous = (((lo[0] == code("A")) & (hi[0] == code("T")))
                 | ((lo[0] == code("C")) & (hi[0] == code("G"))))
    ambiguous &= ~absent & ~moved & ~alleles
    id_text = np.asarray(ids, dtype=object)
    excluded: dict[str, str] = {}
    for mask, reason in ((absent, "absent at some site"),
                         (moved, "chromosome or position differs across sites"),
                         (alleles, "alleles differ across sites (or a site has one allele "
                                   "only)"),
                         (ambiguous, "strand-ambiguous (A/T or C/G)")):
        excluded.update(dict.fromkeys(id_text[mask].tolist(), reason))
    keep = np.flatnonzero(~(absent | moved | alleles | ambiguous))
    k_chrom = np.asarray(chroms, dtype=object)[chrom[0, keep]]
    k_pos = pos[0, keep]
    k_id = id_text[keep]
    order = _order(k_chrom, k_pos, k_id)
    return Harmonized(
        chrom=tuple(k_chrom[order].tolist()), ids=tuple(k_id[order].tolist()),
        pos=tuple(k_pos[order].tolist()), counted=tuple(names[lo[0, keep][order]].tolist()),
        other=tuple(names[hi[0, keep][order]].tolist()), excluded=excluded)


@dataclass(frozen=True)
class SiteOrder:
    """A site's view of the study: for each study variant, its row in the site's .bim and
    whether the site's A1 is the other allele (genotypes flipped to count the counted one)."""

    index: NDArray[np.int64]
    flip: NDArray[np.bool_]
    ids: NDArray[Any]  # object array of the study's ids, in study order

    def digest(self) -> str:
        return study_digest(self.ids)


@dataclass(frozen=True)
class SiteSort:
    """A site's whole .bim in study order (computed once per fileset): the rows sorted by
    the study's key and, per row, whether its A1 is the alphabetically second allele."""

    order: NDArray[np.int64]
    flip: NDArray[np.bool_]
    ids: NDArray[Any]


def site_sort(variants: pd.DataFrame) -> SiteSort:
    order = _order(variants["chrom"].to_numpy(), variants["pos"].to_numpy(),
                   variants["id"].to_numpy())
    a1 = variants["a1"].str.upper().to_numpy()
    a2 = variants["a2"].str.upper().to_numpy()
    flip = np.asarray(a1 > a2, dtype=bool)  # the counted allele is the alphabetically first
    return SiteSort(order=order, flip=flip, ids=variants["id"].to_numpy(dtype=object))


def site_study_order(variants: pd.DataFrame, excluded: Iterable[str], *,
                     presorted: SiteSort | None = None) -> SiteOrder:
    """The study order at a site: its variants minus ``excluded``, sorted as everywhere
    (``presorted``: :func:`site_sort` of the same variants, to skip the sort)."""
    srt = site_sort(variants) if presorted is None else presorted
    drop = set(excluded)
    keep = ~variants["id"].isin(drop).to_numpy() if drop else np.ones(len(variants), bool)
    index = srt.order[keep[srt.order]]
    return SiteOrder(index=index, flip=srt.flip[index], ids=srt.ids[index])
