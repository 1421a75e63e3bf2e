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

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

__all__ = ["Harmonized", "chrom_key", "harmonize", "site_study_order", "variant_strings"]

_AMBIGUOUS = {frozenset("AT"), frozenset("CG")}
_CHROM_ORDER = {str(i): i for i in range(1, 23)} | {"X": 23, "Y": 24, "XY": 25, "MT": 26,
                                                    "M": 26, "23": 23, "24": 24, "25": 25,
                                                    "26": 26}


def chrom_key(chrom: str) -> tuple[int, str]:
    """Sort key of a chromosome name (``chr`` prefix ignored)."""
    c = chrom.removeprefix("chr").upper() if chrom.lower().startswith("chr") else chrom
    return (_CHROM_ORDER.get(c.upper(), 100), c)


def variant_strings(variants: pd.DataFrame) -> tuple[str, ...]:
    """A site's variants as "chrom\\tid\\tpos\\ta1\\ta2" lines (node side)."""
    return tuple(
        f"{c}\t{i}\t{p}\t{a}\t{b}" for c, i, p, a, b in zip(
            variants["chrom"], variants["id"], variants["pos"], variants["a1"],
            variants["a2"], strict=True))


def _order(chrom: Iterable[str], pos: Iterable[int], ids: Iterable[str]) -> NDArray[np.int64]:
    keys = [(chrom_key(str(c)), int(p), str(i)) for c, p, i in zip(chrom, pos, ids, strict=True)]
    return np.asarray(sorted(range(len(keys)), key=keys.__getitem__), dtype=np.int64)


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


def study_digest(ids: Sequence[str]) -> str:
    return hashlib.sha256("\n".join(ids).encode()).hexdigest()[:32]


def harmonize(site_lists: Sequence[Sequence[str]]) -> Harmonized:
    """The study from the sites' variant lists (one list of :func:`variant_strings` lines
    per distinct site list; identical lists may be given once)."""
    per_site: list[dict[str, tuple[str, int, frozenset[str], tuple[str, str]]]] = []
    for lines in site_lists:
        table: dict[str, tuple[str, int, frozenset[str], tuple[str, str]]] = {}
        for line in lines:
            chrom_text, vid, pos_text, a1, a2 = line.split("\t")
            table[vid] = (chrom_text, int(pos_text), frozenset((a1.upper(), a2.upper())),
                          (a1.upper(), a2.upper()))
        per_site.append(table)
    all_ids = set().union(*(set(t) for t in per_site)) if per_site else set()
    excluded: dict[str, str] = {}
    keep: list[tuple[str, str, int, str, str]] = []
    for vid in all_ids:
        entries = [t.get(vid) for t in per_site]
        if any(e is None for e in entries):
            excluded[vid] = "absent at some site"
            continue
        present = [e for e in entries if e is not None]
        chrom, pos, alleles, _ = present[0]
        if any((e[0], e[1]) != (chrom, pos) for e in present):
            excluded[vid] = "chromosome or position differs across sites"
            continue
        if any(e[2] != alleles for e in present) or len(alleles) != 2 or "0" in alleles:
            excluded[vid] = "alleles differ across sites (or a site has one allele only)"
            continue
        if alleles in _AMBIGUOUS:
            excluded[vid] = "strand-ambiguous (A/T or C/G)"
            continue
        a, b = sorted(alleles)
        keep.append((chrom, vid, pos, a, b))
    order = _order([k[0] for k in keep], [k[2] for k in keep], [k[1] for k in keep])
    rows = [keep[i] for i in order]
    return Harmonized(
        chrom=tuple(r[0] for r in rows), ids=tuple(r[1] for r in rows),
        pos=tuple(r[2] for r in rows), counted=tuple(r[3] for r in rows),
        other=tuple(r[4] for r in rows), excluded=excluded)


@dataclass(frozen=True)
class SiteOrder:
    """A site's view of the study: for each study variant, its row in the site's .bim and
    whether the site's A1 is the other allele (genotypes flipped to count the counted one)."""

    index: NDArray[np.int64]
    flip: NDArray[np.bool_]
    ids: tuple[str, ...]

    def digest(self) -> str:
        return study_digest(self.ids)


def site_study_order(variants: pd.DataFrame, excluded: Iterable[str]) -> SiteOrder:
    """The study order at a site: its variants minus ``excluded``, sorted as everywhere."""
    drop = set(excluded)
    mask = ~variants["id"].isin(drop).to_numpy()
    idx = np.flatnonzero(mask)
    sub = variants.iloc[idx]
    order = _order(sub["chrom"], sub["pos"], sub["id"])
    index = idx[order]
    a1 = variants["a1"].str.upper().to_numpy()[index]
    a2 = variants["a2"].str.upper().to_numpy()[index]
    flip = a1 > a2  # the counted allele is the alphabetically first
    return SiteOrder(index=index, flip=np.asarray(flip, dtype=bool),
                     ids=tuple(variants["id"].to_numpy()[index]))
