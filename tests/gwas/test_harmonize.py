"""Variant harmonisation (medveil.gwas._harmonize) against a straightforward per-variant
implementation (the rules written as loops), on random site lists with every kind of
mismatch; and the study order against Python's sort of the documented key."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medveil.gwas._harmonize import (
    _order,
    chrom_key,
    harmonize,
    site_study_order,
    variant_strings,
    variant_text,
)

_AMBIGUOUS = {frozenset("AT"), frozenset("CG")}


def reference(site_lists: Sequence[Sequence[str]]) -> tuple[list[tuple[str, str, int, str, str]],
                                                           dict[str, str]]:
    per_site = []
    for lines in site_lists:
        table = {}
        for line in lines:
            chrom, vid, pos, a1, a2 = line.split("\t")
            table[vid] = (chrom, int(pos), frozenset((a1.upper(), a2.upper())))
        per_site.append(table)
    excluded: dict[str, str] = {}
    keep = []
    for vid in set().union(*per_site):
        entries = [t.get(vid) for t in per_site]
        if any(e is None for e in entries):
            excluded[vid] = "absent at some site"
            continue
        chrom, pos, alleles = entries[0]  # type: ignore[misc]
        if any((e[0], e[1]) != (chrom, pos) for e in entries):  # type: ignore[index]
            excluded[vid] = "chromosome or position differs across sites"
            continue
        if (any(e[2] != alleles for e in entries)  # type: ignore[index]
                or len(alleles) != 2 or "0" in alleles):
            excluded[vid] = "alleles differ across sites (or a site has one allele only)"
            continue
        if alleles in _AMBIGUOUS:
            excluded[vid] = "strand-ambiguous (A/T or C/G)"
            continue
        a, b = sorted(alleles)
        keep.append((chrom, vid, pos, a, b))
    keep.sort(key=lambda r: (chrom_key(r[0]), r[2], r[1]))
    return keep, excluded


def random_sites(seed: int, n_sites: int, m: int) -> list[list[str]]:
    rng = np.random.default_rng(seed)
    chroms = np.array(["1", "2", "10", "X", "chr3", "MT", "Un", "Y"])
    alleles = np.array(["A", "C", "G", "T", "a", "AT", "0"])
    base = [(str(rng.choice(chroms)), f"rs{j}", int(rng.integers(1, 60)),
             str(rng.choice(alleles)), str(rng.choice(alleles))) for j in range(m)]
    sites = []
    for _ in range(n_sites):
        lines = []
        for chrom, vid, pos, a1, a2 in base:
            r = rng.random()
            if r < 0.05:
                continue  # absent here
            if r < 0.08:
                pos += 1  # moved
            elif r < 0.11:
                a2 = str(rng.choice(alleles))  # other alleles
            elif r < 0.4:
                a1, a2 = a2, a1  # swapped
            lines.append(f"{chrom}\t{vid}\t{pos}\t{a1}\t{a2}")
        rng.shuffle(lines)
        sites.append(lines)
    return sites


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_sites=st.integers(1, 4), m=st.integers(0, 300))
def test_harmonize_equals_the_per_variant_rules(seed: int, n_sites: int, m: int) -> None:
    sites = random_sites(seed, n_sites, m)
    keep, excluded = reference(sites)
    for given_as in (sites, ["\n".join(s) for s in sites]):
        h = harmonize(given_as)
        assert list(zip(h.chrom, h.ids, h.pos, h.counted, h.other, strict=True)) == keep
        assert h.excluded == excluded


def test_harmonize_refuses_malformed_lists() -> None:
    with pytest.raises(ValueError, match="5 tab-separated"):
        harmonize(["1\trs1\t5\tA"])
    with pytest.raises(ValueError):
        harmonize(["1\trs1\tfive\tA\tG"])
    with pytest.raises(ValueError, match="empty line"):
        harmonize(["1\trs1\t5\tA\tG\n\n1\trs2\t6\tA\tG"])


def test_order_equals_sorting_by_the_documented_key() -> None:
    rng = np.random.default_rng(3)
    chrom = rng.choice(["1", "2", "10", "X", "chr3", "chrX", "MT", "M", "Un", "23"], 2000)
    pos = rng.integers(0, 50, 2000)
    ids = [f"v{k}" for k in rng.permutation(2000)]
    want = sorted(range(2000), key=lambda i: (chrom_key(chrom[i]), pos[i], ids[i]))
    assert _order(chrom, pos, ids).tolist() == want


def test_site_order_and_text() -> None:
    v = pd.DataFrame({"chrom": ["2", "1", "1"], "id": ["c", "b", "a"], "cm": [0, 0, 0],
                      "pos": [5, 9, 9], "a1": ["G", "a", "T"], "a2": ["A", "C", "C"]})
    assert variant_text(v) == "\n".join(variant_strings(v)) == (
        "2\tc\t5\tG\tA\n1\tb\t9\ta\tC\n1\ta\t9\tT\tC")
    o = site_study_order(v, ["b"])
    assert o.index.tolist() == [2, 0] and o.flip.tolist() == [True, True]
    assert tuple(o.ids) == ("a", "c")


def test_study_digest_is_the_hash_of_the_joined_ids() -> None:
    import hashlib

    from medveil.gwas._harmonize import study_digest

    for n in (0, 1, 8191, 8192, 8193, 20_000):
        ids = [f"rs{i}" for i in range(n)]
        want = hashlib.sha256("\n".join(ids).encode()).hexdigest()[:32]
        assert study_digest(ids) == want == study_digest(np.array(ids, dtype=object))


def test_variant_lists_are_checked_against_their_digest() -> None:
    import base64
    import hashlib
    import zlib

    from medveil.analysis._contribution import Totals
    from medveil.errors import IntegrityError
    from medveil.gwas._study import _variant_lists

    text = "1\trs1\t5\tA\tG\n1\trs2\t6\tC\tT"
    digest = hashlib.sha256(text.encode()).hexdigest()[:32]
    good = "zlib:" + base64.b64encode(zlib.compress(text.encode())).decode()

    def totals(key: str, value: str) -> Totals:
        return Totals(cells={}, sums={}, levels={key: (value,)}, n_sites=3)

    assert _variant_lists(totals(f"variants/{digest}", good)) == [text]
    with pytest.raises(IntegrityError, match="does not match its digest"):
        _variant_lists(totals("variants/" + "0" * 32, good))
    with pytest.raises(IntegrityError, match="unknown form"):
        _variant_lists(totals(f"variants/{digest}", text))
    with pytest.raises(IntegrityError, match="does not decode"):
        _variant_lists(totals(f"variants/{digest}", "zlib:!!"))
