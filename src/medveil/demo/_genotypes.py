"""Simulated multi-site GWAS data: PLINK 1 filesets for three hospitals and their pool.

Federated GWAS results must equal plink1.9 / plink2 run on the pooled data, so the tests and
benchmarks need genotype data that look like the real thing and that break naive pooling in
the ways real consortia do:

* **Population structure.** Genotypes come from a coalescent simulation (msprime) of three
  populations: ``pop0`` split from the ancestor of ``pop1``/``pop2`` 2,000 generations ago,
  and ``pop1``/``pop2`` split 800 generations ago (effective size 10,000 each, mutation rate
  2e-8, recombination rate 1e-8 per bp per generation). The sites draw their samples from the
  populations in different proportions (:data:`SITE_POPULATION_MIX`): site a is mostly pop0,
  site b mixed, site c mostly pop2. Allele frequencies therefore differ by site and PC1 of the
  pooled genotypes separates pop0 from the others.
* **Stratification.** Case status follows a logistic model with ~10 causal SNPs (odds
  ratios 1.2-1.5 per allele, genotypes centred within population), age and sex effects, and
  a population effect (log-odds +0.25 in pop1, +0.7 in pop2: site c is enriched for cases);
  about 40 % are cases. A quantitative trait has the same kind of model with Gaussian noise.
  Without PCs, a GWAS of the pool is inflated; the top PCs absorb most of it.
* **Allele coding.** Site b's ``.bim`` lists the ``swapped`` variants with A1/A2 exchanged
  (its ``.bed`` counts the other allele, so the biology is unchanged). About 0.5 % of variants
  are strand-ambiguous (A/T or C/G); all others carry two non-complementary letters.
* **Missingness and QC.** Calls are missing at random (``missing_rate``) and ~2 % of samples
  lose 20 % of their calls (so ``--mind`` matters). ``n_hwe_fail`` common variants lose most
  of their heterozygotes among controls (so ``--hwe`` matters). About 1 % of case labels
  (``-9``) and 0.5 % of trait values (``NA``) are missing.
* **Variant sets.** Site c lacks the ``absent`` variants entirely. The pooled fileset holds
  every sample and every variant (the absent ones too), alleles as at site a.

Layout under ``root``::

    site-a/geno.{bed,bim,fam}  site-a/pheno.txt  site-a/covar.txt     (likewise site-b, site-c)
    pooled/geno.{bed,bim,fam}  pooled/pheno.txt  pooled/covar.txt
    samples.txt   FID IID site population           (the ground truth per sample)
    truth.json    causal effects, swapped/ambiguous/absent/HWE-failing variant ids

``.bim`` column 5 (A1) is the derived allele (site b's swapped variants aside) and the
``.bed`` counts A1, as PLINK and ``bed_reader.open_bed(count_A1=True)`` read it; plink2 reads
column 5 as ALT. ``.fam`` holds sex (1 = male, 2 = female) and the case status (1 = control,
2 = case, -9 = missing). Samples are ``a_1``, ``a_2``, ... (FID = IID), unique across sites.

Memory stays bounded at biobank sizes: each chromosome is simulated on its own and the
``.bed`` files are written a chunk of variants at a time (~64 MB of int8 genotypes per chunk),
so no n x m matrix is ever held. The same seed always gives the same files.
"""

from __future__ import annotations

import json
import math
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import msprime
import numpy as np
import tskit

from medveil.errors import InputError

__all__ = ["SITE_NAMES", "SITE_POPULATION_MIX", "SimulatedStudy", "simulate_study"]

SITE_NAMES = ("a", "b", "c")
# Share of each site's samples drawn from pop0, pop1, pop2.
SITE_POPULATION_MIX = ((0.80, 0.15, 0.05), (0.35, 0.35, 0.30), (0.05, 0.15, 0.80))

_NE = 10_000
_MU = 2e-8
_RHO = 1e-8
_SPLIT_12 = 800
_SPLIT_0 = 2_000
_MIN_MAF = 0.01

_CASE_FRACTION = 0.40
_POP_LOGIT = (0.0, 0.25, 0.7)  # population effect on the case log-odds
_POP_QT = (0.0, 0.2, 0.5)  # population effect on the trait
_N_CAUSAL = 10

# Non-complementary (unambiguous) allele pairs, and the strand-ambiguous ones.
_PAIRS = (("A", "C"), ("A", "G"), ("T", "C"), ("T", "G"),
          ("C", "A"), ("G", "A"), ("C", "T"), ("G", "T"))
_AMBIGUOUS_PAIRS = (("A", "T"), ("T", "A"), ("C", "G"), ("G", "C"))

# PLINK .bed 2-bit codes, indexed by (A1 count + 1): missing -> 01, 0 -> 11, 1 -> 10, 2 -> 00.
_CODE = np.array([0b01, 0b11, 0b10, 0b00], dtype=np.uint8)
# The same call seen from the other allele: 00 <-> 11, het and missing unchanged.
_FLIP_CODE = np.array([0b11, 0b01, 0b10, 0b00], dtype=np.uint8)
_BED_MAGIC = bytes([0x6C, 0x1B, 0x01])
_CHUNK_CELLS = 64_000_000


@dataclass(frozen=True)
class SimulatedStudy:
    """Where :func:`simulate_study` wrote everything, and the ground truth."""

    root: Path
    site_prefixes: tuple[Path, ...]  # per-site bfile prefix (root/site-a/geno -> geno.bed/...)
    pooled_prefix: Path  # all samples and variants, alleles as at site a
    pheno_files: tuple[Path, ...]  # per site: FID IID case (1/2, -9 missing) qt (float, NA)
    covar_files: tuple[Path, ...]  # per site: FID IID age sex
    pooled_pheno: Path
    pooled_covar: Path
    causal: tuple[str, ...]  # causal variant ids
    swapped: tuple[str, ...]  # A1/A2 (bim col 5/6) swapped at site b
    ambiguous: tuple[str, ...]  # strand-ambiguous (A/T or C/G) variants
    absent: tuple[str, ...]  # missing from site c's .bim/.bed
    hwe_fail: tuple[str, ...] = ()  # heterozygote-deficient among controls
    samples_file: Path | None = None  # FID IID site population (0/1/2)
    truth_file: Path | None = None  # JSON: effects and the variant sets above


@dataclass
class _Chromosome:
    ts: tskit.TreeSequence
    sites: np.ndarray  # selected site ids, increasing
    positions: np.ndarray  # 1-based bp
    derived_freq: np.ndarray  # in all simulated samples


def _demography() -> msprime.Demography:
    d = msprime.Demography()
    for name in ("pop0", "pop1", "pop2", "pop12", "anc"):
        d.add_population(name=name, initial_size=_NE)
    d.add_population_split(time=_SPLIT_12, derived=["pop1", "pop2"], ancestral="pop12")
    d.add_population_split(time=_SPLIT_0, derived=["pop0", "pop12"], ancestral="anc")
    return d


def _apportion(total: int, weights: Sequence[float]) -> np.ndarray:
    """Largest-remainder rounding of ``total * weights / sum(weights)``."""
    w = np.asarray(weights, dtype=float)
    exact = total * w / w.sum()
    out: np.ndarray = np.floor(exact).astype(np.int64)
    rest = total - int(out.sum())
    out[np.argsort(-(exact - out), kind="stable")[:rest]] += 1
    return out


def _seed(rng: np.random.Generator) -> int:
    return int(rng.integers(1, 2**31 - 1))


def _common_sites(ts: tskit.TreeSequence) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Biallelic sites with MAF >= 0.01: ids, 1-based positions, derived-allele frequency."""
    ns = ts.num_samples
    mut_site = ts.tables.mutations.site
    n_mut = np.bincount(mut_site, minlength=ts.num_sites)
    single = np.flatnonzero(n_mut == 1)
    first = np.searchsorted(mut_site, single)  # mutations are sorted by site
    nodes = ts.tables.mutations.node[first]
    pos0 = ts.tables.sites.position[single]
    counts = np.empty(len(single), dtype=np.int64)
    breaks = np.searchsorted(pos0, ts.breakpoints(as_array=True))
    for tree in ts.trees():
        lo, hi = breaks[tree.index], breaks[tree.index + 1]
        for k in range(lo, hi):
            counts[k] = tree.num_samples(nodes[k])
    common = np.minimum(counts, ns - counts) >= _MIN_MAF * ns
    sid = single[common]
    return sid, pos0[common].astype(np.int64) + 1, counts[common] / ns


def _simulate_chromosome(
    n_pop: np.ndarray, target: int, density: float, rng: np.random.Generator
) -> tuple[_Chromosome, float]:
    """Simulate until at least ``target`` common sites, then keep ``target`` at random."""
    samples = {f"pop{k}": int(n) for k, n in enumerate(n_pop) if n > 0}
    length = 1.25 * target / density
    while True:
        ts = msprime.sim_ancestry(
            samples=samples,
            demography=_demography(),
            sequence_length=math.ceil(length),
            recombination_rate=_RHO,
            random_seed=_seed(rng),
        )
        ts = msprime.sim_mutations(ts, rate=_MU, random_seed=_seed(rng))
        sid, pos, freq = _common_sites(ts)
        density = max(len(sid), 1) / length
        if len(sid) >= target:
            break
        length = 1.3 * target / density
    keep = np.sort(rng.choice(len(sid), size=target, replace=False))
    return _Chromosome(ts, sid[keep], pos[keep], freq[keep]), density


def _sample_columns(ts: tskit.TreeSequence) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per msprime individual: the genotype columns of its two haplotypes, and its population."""
    samples = ts.samples()
    ind = ts.tables.nodes.individual[samples]
    order = np.argsort(ind, kind="stable")
    col0, col1 = order[0::2], order[1::2]
    if not (np.array_equal(ind[col0], ind[col1]) and len(col0) == len(col1)):
        raise RuntimeError("msprime individuals are not diploid")  # pragma: no cover
    pop = ts.tables.nodes.population[samples][col0]
    return col0, col1, pop


def _decode(
    ts: tskit.TreeSequence, sites: np.ndarray, c0: np.ndarray, c1: np.ndarray
) -> np.ndarray:
    """Diploid derived-allele counts (len(sites) x n, int8, C order) in pooled sample order."""
    out = np.empty((len(sites), len(c0)), dtype=np.int8)
    var = tskit.Variant(ts)
    for r, s in enumerate(sites):
        var.decode(int(s))
        gt = var.genotypes
        out[r] = np.take(gt, c0) + np.take(gt, c1)
    return out


def _pack(codes: np.ndarray) -> bytes:
    """Pack 2-bit codes (m x n uint8) into SNP-major .bed rows."""
    m, n = codes.shape
    nb = (n + 3) // 4
    if n % 4:
        padded = np.zeros((m, nb * 4), dtype=np.uint8)
        padded[:, :n] = codes
        codes = padded
    c = codes.reshape(m, nb, 4)
    out = c[:, :, 0] | (c[:, :, 1] << 2) | (c[:, :, 2] << 4) | (c[:, :, 3] << 6)
    return np.ascontiguousarray(out, dtype=np.uint8).tobytes()


def _choose(
    rng: np.random.Generator, pool: np.ndarray, k: int, taken: set[int]
) -> np.ndarray:
    cand = np.array([i for i in pool if int(i) not in taken], dtype=np.int64)
    k = min(k, len(cand))
    chosen = np.sort(rng.choice(cand, size=k, replace=False)) if k else cand[:0]
    taken.update(int(i) for i in chosen)
    return chosen


def _write_lines(path: Path, header: str, rows: Sequence[str]) -> None:
    with path.open("w", encoding="ascii") as fh:
        fh.write(header + "\n")
        fh.writelines(r + "\n" for r in rows)


def simulate_study(
    root: Path,
    *,
    n_samples: int = 1200,
    n_variants: int = 2000,
    shares: Sequence[float] = (0.5, 0.3, 0.2),
    seed: int = 1,
    missing_rate: float = 0.01,
    n_hwe_fail: int = 5,
) -> SimulatedStudy:
    """Simulate three sites' PLINK filesets, phenotypes and covariates, and their pool.

    ``root`` is created if needed; ``site-a``, ``site-b``, ``site-c`` and ``pooled`` under it
    are replaced. See the module docstring for the model and the layout.
    """
    if len(shares) != len(SITE_NAMES):
        raise InputError(f"shares must have {len(SITE_NAMES)} entries", field="shares")
    if any(s <= 0 for s in shares):
        raise InputError("shares must be positive", field="shares")
    if n_samples < 30:
        raise InputError("n_samples must be at least 30", field="n_samples")
    if n_variants < 100:
        raise InputError("n_variants must be at least 100", field="n_variants")
    if not 0.0 <= missing_rate < 0.5:
        raise InputError("missing_rate must be in [0, 0.5)", field="missing_rate")
    if n_hwe_fail < 0:
        raise InputError("n_hwe_fail must be non-negative", field="n_hwe_fail")

    root = Path(root)
    rng_sim, rng_pick, rng_pheno, rng_geno = (
        np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(4)
    )

    # --- samples: sites, populations, pooled order (site a, then b, then c) ---------------
    site_n = _apportion(n_samples, shares)
    if (site_n < 1).any():
        raise InputError("every site needs at least one sample", field="shares")
    site_of = np.repeat(np.arange(3), site_n)
    pop_of = np.concatenate(
        [
            rng_pick.permutation(np.repeat(np.arange(3), _apportion(int(n), mix)))
            for n, mix in zip(site_n, SITE_POPULATION_MIX, strict=True)
        ]
    )
    n_pop = np.bincount(pop_of, minlength=3)
    ids = [f"{SITE_NAMES[s]}_{i + 1}" for s, n in enumerate(site_n) for i in range(int(n))]
    bounds = np.concatenate([[0], np.cumsum(site_n)])

    # --- pass 1: simulate chromosomes, pick variants -----------------------------------------
    n_chrom = int(min(22, max(3, n_variants // 4000)))
    per_chrom = _apportion(n_variants, [1.0] * n_chrom)
    density = 4 * _NE * _MU * math.log(99) * 0.9  # common sites per bp, refined as we go
    chroms: list[_Chromosome] = []
    for target in per_chrom:
        chrom, density = _simulate_chromosome(n_pop, int(target), density, rng_sim)
        chroms.append(chrom)

    # msprime lists individuals population by population; map them onto the pooled order.
    col0, col1, ind_pop = _sample_columns(chroms[0].ts)
    ind_of = np.empty(n_samples, dtype=np.int64)
    for p in range(3):
        ind_of[pop_of == p] = rng_pick.permutation(np.flatnonzero(ind_pop == p))
    c0, c1 = col0[ind_of], col1[ind_of]

    chrom_of = np.repeat(np.arange(n_chrom), per_chrom)
    positions = np.concatenate([c.positions for c in chroms])
    freq = np.concatenate([c.derived_freq for c in chroms])
    maf = np.minimum(freq, 1 - freq)
    m = n_variants
    rs = 1_000_000 + rng_pick.choice(99_000_000, size=m, replace=False)
    vid = [f"rs{r}" for r in rs]

    # --- variant roles (disjoint, except that one causal variant is also swapped) -----------
    taken: set[int] = set()
    all_idx = np.arange(m)
    hwe_pool = np.flatnonzero(maf >= 0.2)
    if len(hwe_pool) < n_hwe_fail:
        hwe_pool = np.flatnonzero(maf >= 0.05)
    hwe_idx = _choose(rng_pick, hwe_pool, n_hwe_fail, taken)
    causal_idx = _choose(rng_pick, np.flatnonzero(maf >= 0.05), _N_CAUSAL, taken)
    ambiguous_idx = _choose(rng_pick, all_idx, max(1, round(0.005 * m)), taken)
    absent_idx = _choose(rng_pick, all_idx, max(1, round(0.005 * m)), taken)
    n_swap = max(1, round(0.01 * m))
    swapped_idx = _choose(rng_pick, all_idx, n_swap - (1 if len(causal_idx) else 0), taken)
    if len(causal_idx):
        swapped_idx = np.sort(np.append(swapped_idx, causal_idx[0]))

    pair_idx = rng_pick.integers(0, len(_PAIRS), size=m)
    a1 = [_PAIRS[k][0] for k in pair_idx]  # derived allele
    a2 = [_PAIRS[k][1] for k in pair_idx]  # ancestral allele
    for i in ambiguous_idx:
        a1[i], a2[i] = _AMBIGUOUS_PAIRS[int(rng_pick.integers(0, len(_AMBIGUOUS_PAIRS)))]

    # --- phenotypes and covariates ----------------------------------------------------------
    rng = rng_pheno
    sex = rng.integers(1, 3, size=n_samples)  # 1 = male, 2 = female
    age = np.round(np.clip(rng.normal(55.0, 12.0, size=n_samples), 18.0, 90.0), 1)
    log_or = rng.uniform(math.log(1.2), math.log(1.5), size=len(causal_idx))
    log_or *= rng.choice([-1.0, 1.0], size=len(causal_idx))
    beta_qt = rng.uniform(0.10, 0.25, size=len(causal_idx))
    beta_qt *= rng.choice([-1.0, 1.0], size=len(causal_idx))
    eta = np.zeros(n_samples)
    qt = np.zeros(n_samples)
    for j, gi in enumerate(causal_idx):
        chrom = chroms[chrom_of[gi]]
        local = gi - int(np.searchsorted(chrom_of, chrom_of[gi]))
        g = _decode(chrom.ts, chrom.sites[local : local + 1], c0, c1)[0].astype(float)
        # Centred within each population, so that the population effects below are the
        # populations' whole difference in risk (not blurred by causal-allele frequencies).
        centred = g - np.bincount(pop_of, weights=g, minlength=3)[pop_of] / n_pop[pop_of]
        eta += log_or[j] * centred
        qt += beta_qt[j] * centred
    eta += np.asarray(_POP_LOGIT)[pop_of] + 0.02 * (age - 55.0) + 0.15 * (sex == 1)
    qt += np.asarray(_POP_QT)[pop_of] + 0.01 * (age - 55.0) + 0.1 * (sex == 1)
    qt += rng.normal(0.0, 1.0, size=n_samples)
    lo, hi = -20.0, 20.0  # intercept giving 40 % expected cases
    for _ in range(60):
        mid = (lo + hi) / 2
        if np.mean(1 / (1 + np.exp(-(eta + mid)))) < _CASE_FRACTION:
            lo = mid
        else:
            hi = mid
    p_case = 1 / (1 + np.exp(-(eta + lo)))
    case = np.where(rng.random(n_samples) < p_case, 2, 1)
    controls = case == 1  # before labels go missing: the HWE distortion is biology
    case[rng.random(n_samples) < 0.01] = -9
    qt_missing = rng.random(n_samples) < 0.005
    high_missing = np.sort(
        rng.choice(n_samples, size=max(1, round(0.02 * n_samples)), replace=False)
    )

    # --- write -------------------------------------------------------------------------------
    root.mkdir(parents=True, exist_ok=True)
    dirs = [root / f"site-{s}" for s in SITE_NAMES] + [root / "pooled"]
    for d in dirs:
        if d.exists():
            shutil.rmtree(d)
        d.mkdir()
    prefixes = [d / "geno" for d in dirs]  # sites a, b, c, then pooled

    def qt_text(i: int) -> str:
        return "NA" if qt_missing[i] else f"{qt[i]:.6f}"

    pheno_rows = [f"{ids[i]} {ids[i]} {case[i]} {qt_text(i)}" for i in range(n_samples)]
    covar_rows = [f"{ids[i]} {ids[i]} {age[i]:.1f} {sex[i]}" for i in range(n_samples)]
    fam_rows = [f"{ids[i]} {ids[i]} 0 0 {sex[i]} {case[i]}" for i in range(n_samples)]
    ranges = [(int(bounds[s]), int(bounds[s + 1])) for s in range(3)] + [(0, n_samples)]
    for d, pre, (lo_i, hi_i) in zip(dirs, prefixes, ranges, strict=True):
        _write_lines(d / "pheno.txt", "FID IID case qt", pheno_rows[lo_i:hi_i])
        _write_lines(d / "covar.txt", "FID IID age sex", covar_rows[lo_i:hi_i])
        pre.with_suffix(".fam").write_text("".join(r + "\n" for r in fam_rows[lo_i:hi_i]))

    swapped_set = {int(i) for i in swapped_idx}
    absent_set = {int(i) for i in absent_idx}
    for k, pre in enumerate(prefixes):
        with pre.with_suffix(".bim").open("w", encoding="ascii") as fh:
            for i in range(m):
                if k == 2 and i in absent_set:
                    continue
                x1, x2 = (a2[i], a1[i]) if k == 1 and i in swapped_set else (a1[i], a2[i])
                fh.write(f"{chrom_of[i] + 1}\t{vid[i]}\t0\t{positions[i]}\t{x1}\t{x2}\n")

    is_hwe = np.zeros(m, dtype=bool)
    is_hwe[hwe_idx] = True
    is_swapped = np.zeros(m, dtype=bool)
    is_swapped[swapped_idx] = True
    is_absent = np.zeros(m, dtype=bool)
    is_absent[absent_idx] = True
    chunk = max(1, _CHUNK_CELLS // n_samples)
    beds: list[IO[bytes]] = [pre.with_suffix(".bed").open("wb") for pre in prefixes]
    try:
        for bed in beds:
            bed.write(_BED_MAGIC)
        start = 0
        for chrom in chroms:
            for lo_r in range(0, len(chrom.sites), chunk):
                sites = chrom.sites[lo_r : lo_r + chunk]
                gidx = np.arange(start + lo_r, start + lo_r + len(sites))
                g = _decode(chrom.ts, sites, c0, c1)
                _distort_hwe(g, gidx, is_hwe, controls, rng_geno)
                _drop_calls(g, missing_rate, high_missing, rng_geno)
                codes = _CODE[g + 1]
                beds[3].write(_pack(codes))
                beds[0].write(_pack(codes[:, ranges[0][0] : ranges[0][1]]))
                cb = codes[:, ranges[1][0] : ranges[1][1]]
                sw = is_swapped[gidx]
                if sw.any():
                    cb = cb.copy()
                    cb[sw] = _FLIP_CODE[cb[sw]]
                beds[1].write(_pack(cb))
                keep_c = ~is_absent[gidx]
                beds[2].write(_pack(codes[keep_c, ranges[2][0] : ranges[2][1]]))
            start += len(chrom.sites)
    finally:
        for bed in beds:
            bed.close()

    samples_file = root / "samples.txt"
    _write_lines(
        samples_file,
        "FID IID site population",
        [f"{ids[i]} {ids[i]} {SITE_NAMES[site_of[i]]} {pop_of[i]}" for i in range(n_samples)],
    )

    def names(idx: np.ndarray) -> tuple[str, ...]:
        return tuple(vid[int(i)] for i in idx)

    truth: dict[str, Any] = {
        "seed": seed,
        "n_samples": n_samples,
        "n_variants": n_variants,
        "site_sizes": {s: int(n) for s, n in zip(SITE_NAMES, site_n, strict=True)},
        "site_population_mix": {
            s: list(mix) for s, mix in zip(SITE_NAMES, SITE_POPULATION_MIX, strict=True)
        },
        "demography": {
            "Ne": _NE, "mu": _MU, "recombination_rate": _RHO,
            "split_pop1_pop2": _SPLIT_12, "split_pop0_rest": _SPLIT_0,
        },
        "case_population_log_odds": list(_POP_LOGIT),
        "qt_population_effect": list(_POP_QT),
        "covariate_effects": {
            "case_log_odds_per_year": 0.02, "case_log_odds_male": 0.15,
            "qt_per_year": 0.01, "qt_male": 0.1,
        },
        "causal": [
            {
                "id": vid[int(gi)],
                "chrom": int(chrom_of[gi]) + 1,
                "pos": int(positions[gi]),
                "a1": a1[int(gi)],
                "a2": a2[int(gi)],
                "a1_freq": float(freq[gi]),
                "log_or_per_a1": float(log_or[j]),
                "qt_beta_per_a1": float(beta_qt[j]),
            }
            for j, gi in enumerate(causal_idx)
        ],
        "swapped_at_b": list(names(swapped_idx)),
        "ambiguous": list(names(ambiguous_idx)),
        "absent_at_c": list(names(absent_idx)),
        "hwe_fail": list(names(hwe_idx)),
        "high_missing_samples": [ids[int(i)] for i in high_missing],
    }
    truth_file = root / "truth.json"
    truth_file.write_text(json.dumps(truth, indent=1) + "\n")

    site_dirs, pooled_dir = dirs[:3], dirs[3]
    return SimulatedStudy(
        root=root,
        site_prefixes=tuple(prefixes[:3]),
        pooled_prefix=prefixes[3],
        pheno_files=tuple(d / "pheno.txt" for d in site_dirs),
        covar_files=tuple(d / "covar.txt" for d in site_dirs),
        pooled_pheno=pooled_dir / "pheno.txt",
        pooled_covar=pooled_dir / "covar.txt",
        causal=names(causal_idx),
        swapped=names(swapped_idx),
        ambiguous=names(ambiguous_idx),
        absent=names(absent_idx),
        hwe_fail=names(hwe_idx),
        samples_file=samples_file,
        truth_file=truth_file,
    )


def _distort_hwe(
    g: np.ndarray,
    gidx: np.ndarray,
    is_hwe: np.ndarray,
    controls: np.ndarray,
    rng: np.random.Generator,
) -> None:
    """Turn 85 % of the controls' heterozygotes homozygous at the HWE-failing variants."""
    for r in np.flatnonzero(is_hwe[gidx]):
        row = g[r]
        het = np.flatnonzero(controls & (row == 1))
        flip = het[rng.random(len(het)) < 0.85]
        p = float(np.mean(row)) / 2
        row[flip] = np.where(rng.random(len(flip)) < p, 2, 0).astype(np.int8)


def _drop_calls(
    g: np.ndarray, rate: float, high_missing: np.ndarray, rng: np.random.Generator
) -> None:
    """Missing calls: ``rate`` at random, plus 20 % in the high-missingness samples."""
    m, n = g.shape
    k = int(rng.binomial(m * n, rate)) if rate > 0 else 0
    if k:
        cells = rng.integers(0, m * n, size=k)
        g[cells // n, cells % n] = -1
    if len(high_missing):
        sub = g[:, high_missing]
        sub[rng.random(sub.shape) < 0.20] = -1
        g[:, high_missing] = sub
