"""Federated GWAS over 3 local sites against plink1.9 / plink2 on the pooled fileset, one run.

What: ``medveil.demo._genotypes.simulate_study`` writes a simulated study (default 10,000
samples x 100,000 variants; sites a/b/c hold 50/30/20 % of the samples, with population
structure, allele swaps, strand-ambiguous variants and variants absent at site c) and the
pooled fileset. Each site folder registers its fileset (``add_dataset(..., fmt="plink")``,
hard links to the cached files) and grants ``gwas.*``; ``local_federation`` starts one node
process per site on loopback (real HTTPS, secure aggregation) and ``Coordinator`` drives
``medveil.gwas.gwas``. In the same run the references analyse the pooled fileset, given
``--exclude`` the strand-ambiguous and absent variants (the federated study excludes them):

1. allelic test: ``gwas(test="assoc", pheno="case")`` vs
   ``plink1.9 --bfile pooled --pheno pheno.txt --pheno-name case --assoc --exclude``;
2. logistic regression, covariates age + sex + 10 PCs: ``gwas(test="glm",
   covar=["age", "sex"], pcs=10)`` (which runs its own federated PCA) vs ``plink2 --pca 10
   meanimpute`` + ``plink2 --glm no-firth hide-covar --covar-variance-standardize`` with
   age, sex and plink2's PC1-10 (the headline adds the two plink2 wall times); the
   federated regression phase alone is compared with plink2 --glm alone;
3. PCA alone: the federated PCA phase vs ``plink2 --pca 10 meanimpute``.

Phase times come from the round timestamps of an aggregator wrapper (equivalent to the
``progress`` callback's timestamps): a phase runs from the start of its first round to the
start of the next phase's first round, so it includes the coordinator's work between its
rounds (IRLS steps, Krylov orthonormalisation, QC, tables). The federated PCA time is the
``pca`` phase: every ``gwas.pca`` round plus the ``gwas.pca_scores`` round (plink2 --pca
also writes scores); it excludes the variant/sample/count rounds that give the allele
frequencies, which are printed as a second figure. Node CPU per phase comes from
``/proc/<pid>/stat`` of each node process, the coordinator's from ``time.process_time``.
After the timed runs, the first round of each op is replayed in this process on site a's
fileset (request JSON, parameter validation, compute, fixed-point encoding + masking) to
split a node's time.

Agreement: eigenvalues within 1e-3 relative of plink2's; allelic-test P within plink1.9's
printed precision (4 significant digits) for every common variant (MAF >= 0.05; max
|delta log10 P| printed, all variants too); glm OR: max relative difference and the
correlation of -log10 P with plink2 (the PCs are different estimates: plink2 computes the
exact eigenvectors of the GRM, the federated run a block Krylov approximation; PCs inside
the Marchenko-Pastur bulk are nearly degenerate, so the two differ there even when the
eigenvalues agree, and the ORs differ with them).

Targets (issue): each ratio federated / reference <= 3x at 10,000 x 100,000; node peak RSS
(VmHWM) flat in the number of variants (``--mem-check``: at ``--variants`` / 4 and
``--variants``, fresh nodes for each; ``--mem-test glm`` for the regression with PCA) and
<= 1 GB at 50,000 samples x 200,000 variants (``--mem-check --mem-single --samples 50000
--variants 200000 [--mem-test glm]``: the federated study only, no PLINK reference).

Resources: plink1.9 and plink2 get ``--threads 2`` (the machine has 2 cores) and
``--memory 4000``; the three nodes get local_federation's BLAS share (cores // 3, at least 1
thread each) unless ``--node-blas-threads`` says otherwise; nodes, coordinator and plink
share the same cores. The .bed files are read once before timing (warm page cache for both).

Usage:
    python bench/gwas.py [--samples 10000] [--variants 100000] [--seed 1] [--repeats 1]
                         [--only all|assoc|glm] [--pcs 10] [--workdir DIR] [--json FILE]
                         [--plink-threads 2] [--node-blas-threads N] [--no-node-profile]
    python bench/gwas.py --mem-check [--mem-test assoc|glm] [--samples 10000]
                         [--variants 100000] [--workdir DIR]
    python bench/gwas.py --mem-check --mem-single --samples 50000 --variants 200000
                         [--mem-test assoc|glm] --workdir DIR

``--workdir DIR`` keeps the simulated data under ``DIR/sim-<samples>x<variants>-seed<seed>``
and reuses it (simulation is slow); without it everything goes to a temporary folder.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import weakref
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from medveil.analysis._params import validate_params
from medveil.crypto import encode_counts, encode_floats, encode_scaled, mask
from medveil.demo._genotypes import simulate_study
from medveil.errors import InputError
from medveil.federation import Coordinator, init_identity, local_federation
from medveil.federation._auth import public_key_b64
from medveil.federation._data import add_dataset
from medveil.gwas import GwasResult, PlinkSet, gwas
from medveil.gwas._node import _OPS as NODE_OPS
from medveil.site import SITE_TOML, Site, init_site
from medveil.site._edit import grant_access

SHARES = (0.5, 0.3, 0.2)
SITES = ("site-a", "site-b", "site-c")
TARGET_RATIO = 3.0
EIG_TOL = 1e-3
OR_TOL = 1e-4
COMMON_MAF = 0.05
RSS_LIMIT_MB = 1024.0
RSS_NOISE = 0.10  # relative growth of the node peak RSS still called noise
PLINK_MEMORY_MB = 4000
PLINK19 = shutil.which("plink1.9") or "/usr/bin/plink1.9"
PLINK2 = shutil.which("plink2") or "/usr/bin/plink2"
PHASE_OF = {"gwas.variants": "variants", "gwas.samples": "samples", "gwas.counts": "counts",
            "gwas.pca": "pca", "gwas.pca_scores": "pca", "gwas.regress": "regression"}
_TICK = os.sysconf("SC_CLK_TCK")


# -- data ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Data:
    """A cached simulated study: per-site and pooled filesets, and the ids to exclude."""

    root: Path
    n_samples: int
    n_variants: int
    seed: int
    sim_seconds: float
    cached: bool
    excluded: tuple[str, ...]

    @property
    def site_dirs(self) -> list[Path]:
        return [self.root / s for s in SITES]

    @property
    def pooled(self) -> Path:
        return self.root / "pooled" / "geno"

    @property
    def bed_bytes(self) -> int:
        return sum((d / "geno.bed").stat().st_size for d in [*self.site_dirs,
                                                             self.root / "pooled"])


def ensure_data(workdir: Path, n: int, m: int, seed: int) -> Data:
    """The study for (n, m, seed) under ``workdir``, simulated unless already there."""
    root = workdir / f"sim-{n}x{m}-seed{seed}"
    marker = root / "bench-sim.json"
    info = json.loads(marker.read_text()) if marker.exists() else None
    cached = info is not None and (info["n_samples"], info["n_variants"], info["seed"]) == (
        n, m, seed)
    if not cached:
        need = 2 * ((n + 3) // 4) * m  # the sites' .bed files plus the pooled one
        free = shutil.disk_usage(workdir).free
        if free < 1.2 * need + (1 << 30):
            raise SystemExit(f"simulating {n:,} x {m:,} needs ~{need / 1e9:.1f} GB of .bed "
                             f"files; {free / 1e9:.1f} GB free under {workdir}")
        print(f"simulating {n:,} samples x {m:,} variants (seed {seed}) into {root} "
              f"(~{need / 1e9:.1f} GB of .bed) ...", flush=True)
        t = time.perf_counter()
        simulate_study(root, n_samples=n, n_variants=m, shares=SHARES, seed=seed)
        info = {"n_samples": n, "n_variants": m, "seed": seed,
                "seconds": time.perf_counter() - t}
        marker.write_text(json.dumps(info) + "\n")
    assert info is not None
    truth = json.loads((root / "truth.json").read_text())
    excluded = tuple(sorted(set(truth["ambiguous"]) | set(truth["absent_at_c"])))
    return Data(root, n, m, seed, float(info["seconds"]), cached, excluded)


def _link(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy(src, dst)


def make_sites(run_dir: Path, data: Data) -> tuple[list[Path], Ed25519PrivateKey]:
    """Three site folders registering the cached filesets (hard links), ``gwas.*`` granted."""
    key = init_identity(run_dir / "researcher.key")
    roots = []
    for name, src in zip(SITES, data.site_dirs, strict=True):
        site = init_site(run_dir / name, name)
        for f in ("geno.bed", "geno.bim", "geno.fam", "pheno.txt", "covar.txt"):
            _link(src / f, site.root / "data" / f)
        add_dataset(site, name="geno", path="data/geno", fmt="plink", pheno="data/pheno.txt",
                    covar="data/covar.txt")
        site = Site.open(site.root)
        grant_access(site.path(SITE_TOML), site.config, name="bench",
                     key=public_key_b64(key.public_key()), role="researcher",
                     datasets=["geno"], operations=["gwas.*"])
        roots.append(site.root)
    return roots, key


def warm_page_cache(paths: list[Path]) -> float:
    t = time.perf_counter()
    for p in paths:
        with p.open("rb") as fh:
            while fh.read(1 << 24):
                pass
    return time.perf_counter() - t


# -- processes and timing ----------------------------------------------------------------------


def node_pids(site_roots: list[Path]) -> dict[str, int]:
    """The node processes local_federation started (children of this process), by site."""
    me, out = os.getpid(), {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            argv = (d / "cmdline").read_bytes().split(b"\0") if ppid == me else []
        except (OSError, IndexError, ValueError):
            continue
        for root in site_roots:
            if str(root).encode() in argv:
                out[root.name] = int(d.name)
    return out


def cpu_seconds(pid: int) -> float:
    """user + system CPU of a process (all its threads), from /proc."""
    try:
        f = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return math.nan
    return (int(f[11]) + int(f[12])) / _TICK


@dataclass(frozen=True)
class Mark:
    t: float  # wall clock
    cpu: float  # this process's CPU (coordinator, all threads)
    nodes: dict[str, float]  # each node's CPU


@dataclass
class TimedAggregator:
    """The coordinator, with every round's start and end marks recorded; optionally the
    first request of each op (for the in-process node profile)."""

    inner: Coordinator
    pids: Mapping[str, int]
    capture: bool = False
    rounds: list[tuple[str, Mark, Mark]] = field(default_factory=list)
    first: dict[str, tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=dict)

    @property
    def active(self) -> list[str]:
        return list(self.inner.active)

    def mark(self) -> Mark:
        return Mark(time.perf_counter(), time.process_time(),
                    {n: cpu_seconds(p) for n, p in self.pids.items()})

    def aggregate(self, op: str, dataset: str, where: str | None,
                  params: Mapping[str, Any], **kw: Any) -> Any:
        if self.capture and op not in self.first:
            self.first[op] = (dict(params), dict(kw))
        a = self.mark()
        out = self.inner.aggregate(op, dataset, where, params, **kw)
        self.rounds.append((op, a, self.mark()))
        return out


def breakdown(rounds: list[tuple[str, Mark, Mark]], start: Mark,
              end: Mark) -> list[dict[str, Any]]:
    """Per phase: wall, rounds, time inside rounds, coordinator time between them, CPU."""
    firsts: list[tuple[str, int]] = []
    for i, (op, _, _) in enumerate(rounds):
        name = PHASE_OF.get(op, op)
        if not firsts or firsts[-1][0] != name:
            firsts.append((name, i))
    out = []
    for j, (name, i0) in enumerate(firsts):
        i1 = firsts[j + 1][1] if j + 1 < len(firsts) else len(rounds)
        lo = start if j == 0 else rounds[i0][1]
        hi = rounds[i1][1] if i1 < len(rounds) else end
        walls = [b.t - a.t for _, a, b in rounds[i0:i1]]
        node = {n: hi.nodes[n] - lo.nodes[n] for n in lo.nodes}
        out.append({"phase": name, "rounds": len(walls), "wall_s": hi.t - lo.t,
                    "in_rounds_s": sum(walls), "between_rounds_s": hi.t - lo.t - sum(walls),
                    "round_median_s": statistics.median(walls),
                    "coordinator_cpu_s": hi.cpu - lo.cpu, "node_cpu_s": node})
    return out


class Progress:
    """gwas()'s progress messages, thinned, on stderr with the elapsed time: each new
    phase, every PCA round and every 10th regression chunk."""

    def __init__(self, label: str) -> None:
        self.label, self.t0, self.last, self.chunks = label, time.perf_counter(), "", 0

    def __call__(self, msg: str) -> None:
        key = msg.split(":")[0]
        first_iteration = msg.endswith("iteration 1")
        self.chunks += first_iteration
        if key != self.last or key == "PCA" or (first_iteration and self.chunks % 10 == 0):
            log(f"{self.label} +{time.perf_counter() - self.t0:7.1f} s  {msg}")
        self.last = key


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


@dataclass
class FedRun:
    result: GwasResult
    wall_s: float
    rounds: int
    phases: list[dict[str, Any]]
    first: dict[str, tuple[dict[str, Any], dict[str, Any]]]

    def phase(self, *names: str) -> float:
        return sum(p["wall_s"] for p in self.phases if p["phase"] in names)


def run_federated(coord: Coordinator, pids: Mapping[str, int], test: str, pcs: int,
                  capture: bool) -> FedRun:
    agg = TimedAggregator(coord, pids, capture)
    say = Progress(f"federated {test}")
    r0 = coord.rounds
    start = agg.mark()
    if test == "assoc":
        res = gwas(agg, "geno", pheno="case", test="assoc", progress=say)
    else:
        res = gwas(agg, "geno", pheno="case", covar=["age", "sex"], test="glm", pcs=pcs,
                   progress=say)
    end = agg.mark()
    return FedRun(res, end.t - start.t, coord.rounds - r0, breakdown(agg.rounds, start, end),
                  agg.first)


def peak_rss(coord: Coordinator) -> dict[str, float | None]:
    return {n: h.get("peak_rss_mb") for n, h in sorted(coord.health().items())}


def code_version() -> str:
    """The commit measured, and the source files changed on top of it (others edit too)."""
    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, check=False).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "src"],
                               capture_output=True, text=True, check=False).stdout.split()
    except OSError:
        return "unknown"
    changed = [x for x in dirty if x.startswith("src/")]
    return head + (f" + uncommitted changes to {', '.join(changed)}" if changed else "")


def plink2_blas() -> str:
    """The BLAS library the plink2 binary loads (Debian's plink2 uses the system libblas.so.3,
    which is netlib's reference BLAS unless OpenBLAS/BLIS is installed as an alternative)."""
    exe = os.path.realpath(PLINK2)
    cands = sorted(Path("/usr/lib/plink2").glob("plink2*")) if not exe.endswith(
        ("plink2-avx2", "plink2-sse2")) else [Path(exe)]
    for c in cands:
        try:
            out = subprocess.run(["ldd", str(c)], capture_output=True, text=True,
                                 check=False).stdout
        except OSError:
            break
        for line in out.splitlines():
            if "libblas" in line or "openblas" in line:
                lib = line.split("=>")[-1].split("(")[0].strip()
                return os.path.realpath(lib) if lib else line.strip()
    return "unknown"


def node_blas_threads(arg: int | None) -> str:
    if arg is not None:
        return str(arg)
    env = os.environ.get("OPENBLAS_NUM_THREADS")
    if env:
        return env
    cores = len(os.sched_getaffinity(0))
    return f"{max(1, cores // len(SITES))} (local_federation's share of {cores} cores)"


@contextlib.contextmanager
def federation(data: Data, workdir: Path, blas_threads: int | None
               ) -> Iterator[tuple[Coordinator, dict[str, int], list[Path], Path, float]]:
    """Site folders for ``data``, their nodes and a coordinator; removed afterwards."""
    run_dir = Path(tempfile.mkdtemp(prefix="run-", dir=workdir))
    try:
        roots, key = make_sites(run_dir, data)
        with contextlib.ExitStack() as stack:
            t = time.perf_counter()
            fed = stack.enter_context(local_federation(roots, threads=blas_threads))
            startup = time.perf_counter() - t
            coord = stack.enter_context(Coordinator(fed, key, timeout=3600.0))
            yield coord, node_pids(roots), roots, run_dir, startup
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)


# -- the references ----------------------------------------------------------------------------


class PlinkFailed(RuntimeError):
    """A reference run exited non-zero (the benchmark reports it and goes on)."""


def run_plink(tool: str, args: list[str], out_dir: Path, name: str,
              threads: int) -> tuple[Path, float]:
    """``tool args --threads --memory --out out_dir/name``: (output prefix, wall seconds)."""
    out = out_dir / name
    for stale in out_dir.glob(name + ".*"):
        stale.unlink()
    cmd = [tool, *args, "--threads", str(threads), "--memory", str(PLINK_MEMORY_MB),
           "--out", str(out)]
    if tool == PLINK19:
        cmd.append("--allow-no-sex")
    log(" ".join(Path(c).name if c.startswith("/") else c for c in cmd))
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    dt = time.perf_counter() - t
    if proc.returncode != 0:
        logfile = out.with_name(out.name + ".log")
        tail = (logfile.read_text(errors="replace")[-3000:] if logfile.exists()
                else proc.stderr[-3000:])
        why = " (killed by SIGTERM from outside?)" if proc.returncode in (143, -15) else ""
        raise PlinkFailed(f"{' '.join(cmd)}\nexited with {proc.returncode}{why} after "
                          f"{dt:.0f} s:\n{tail}")
    return out, dt


def read_plink2(path: Path) -> pd.DataFrame:
    df = pd.read_csv(path, sep="\t", na_values=["NA", "nan", "inf"], dtype={"ID": str})
    return df.rename(columns=lambda c: c.lstrip("#"))


def covar_with_pcs(covar: Path, eigenvec: Path, out: Path, k: int) -> float:
    """age, sex and plink2's PC1..k in one covariate file (plink2 takes one --covar)."""
    t = time.perf_counter()
    cov = pd.read_csv(covar, sep=r"\s+", dtype=str)
    vec = pd.read_csv(eigenvec, sep="\t", dtype=str).rename(columns=lambda c: c.lstrip("#"))
    if "FID" not in vec.columns:
        vec.insert(0, "FID", vec["IID"])
    pcs = [f"PC{i + 1}" for i in range(k)]
    merged = cov.merge(vec[["FID", "IID", *pcs]], on=["FID", "IID"], how="left")
    merged.to_csv(out, sep="\t", index=False, na_rep="NA")
    return time.perf_counter() - t


# -- agreement ---------------------------------------------------------------------------------


def assoc_agreement(res: GwasResult, ref: pd.DataFrame) -> dict[str, Any]:
    """Federated vs plink1.9 --assoc: P to plink1.9's 4 printed digits, A1, OR."""
    m = res.table.merge(ref, on="SNP", suffixes=("_f", "_p"))
    pf, pp = m["P_f"].to_numpy(float), m["P_p"].to_numpy(float)
    ok = np.isfinite(pf) & np.isfinite(pp) & (pp > 0) & (pf > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        unit = 10.0 ** (np.floor(np.log10(pp)) - 3)  # last printed digit of %.4g
        within = np.abs(pf - pp) <= 0.5 * unit * (1 + 1e-9) + 1e-300
        dlog = np.abs(np.log10(pf) - np.log10(pp))
    cases, controls = res.samples["cases"], res.samples["controls"]
    maf = (m["F_A_f"].to_numpy(float) * cases + m["F_U_f"].to_numpy(float) * controls) / (
        cases + controls)
    maf = np.minimum(maf, 1 - maf)
    common = ok & (maf >= COMMON_MAF)
    same_a1 = (m["A1_f"].astype(str) == m["A1_p"].astype(str)).to_numpy()
    orf, orp = m["OR_f"].to_numpy(float), m["OR_p"].to_numpy(float)
    orf = np.where(same_a1, orf, 1 / orf)
    ok_or = np.isfinite(orf) & np.isfinite(orp) & (orp > 0)
    return {
        "federated_variants": len(res.table), "plink_variants": len(ref), "matched": len(m),
        "compared": int(ok.sum()), "common": int(common.sum()),
        "max_abs_dlog10p_common": float(dlog[common].max()) if common.any() else math.nan,
        "max_abs_dlog10p_all": float(dlog[ok].max()) if ok.any() else math.nan,
        "outside_printed_precision_common": int((common & ~within).sum()),
        "outside_printed_precision_all": int((ok & ~within).sum()),
        "a1_differs": int((~same_a1).sum()),
        "max_rel_diff_or": float(np.max(np.abs(orf - orp)[ok_or] / orp[ok_or])),
    }


def glm_agreement(res: GwasResult, ref: pd.DataFrame) -> dict[str, Any]:
    """Federated vs plink2 --glm (different PC estimates: see the module docstring)."""
    theirs = ref.rename(columns={"ID": "SNP"})[["SNP", "A1", "OR", "P"]]
    m = res.table[["SNP", "A1", "OR", "P"]].merge(theirs, on="SNP", suffixes=("_f", "_p"))
    same_a1 = (m["A1_f"].astype(str) == m["A1_p"].astype(str)).to_numpy()
    orf, orp = m["OR_f"].to_numpy(float), m["OR_p"].to_numpy(float)
    orf = np.where(same_a1, orf, 1 / orf)
    ok = np.isfinite(orf) & np.isfinite(orp) & (orp > 0)
    rel = np.abs(orf - orp)[ok] / orp[ok]
    pf, pp = m["P_f"].to_numpy(float), m["P_p"].to_numpy(float)
    okp = np.isfinite(pf) & np.isfinite(pp) & (pf > 0) & (pp > 0)
    lf, lp = -np.log10(pf[okp]), -np.log10(pp[okp])
    return {
        "federated_variants": len(res.table), "plink_variants": len(ref), "matched": len(m),
        "compared": int(ok.sum()), "a1_differs": int((~same_a1).sum()),
        "max_rel_diff_or": float(rel.max()), "median_rel_diff_or": float(np.median(rel)),
        "p99_rel_diff_or": float(np.quantile(rel, 0.99)),
        "over_tolerance": int((rel > OR_TOL).sum()),
        "corr_log10p": float(np.corrcoef(lf, lp)[0, 1]),
        "max_abs_dlog10p": float(np.max(np.abs(lf - lp))),
    }


# -- where a node's time goes (in-process replay) ----------------------------------------------


def node_profile(site_root: Path, first: Mapping[str, tuple[dict[str, Any], dict[str, Any]]]
                 ) -> dict[str, dict[str, float]]:
    """The first round of each op replayed on one site's fileset, in this process: request
    JSON (coordinator encode, node decode), parameter validation, the op's compute, and the
    response's fixed-point encoding + masking for two peers (what a node does per round,
    minus HTTPS and the ledger)."""
    data = site_root / "data"
    gs = PlinkSet(data / "geno", data / "pheno.txt", data / "covar.txt")
    me = site_root.name
    kex = X25519PrivateKey.generate()
    peers = {n: X25519PrivateKey.generate().public_key() for n in SITES if n != me}
    out: dict[str, dict[str, float]] = {}
    for op in ("gwas.variants", "gwas.samples", "gwas.counts", "gwas.pca", "gwas.pca_scores",
               "gwas.null", "gwas.regress"):
        if op not in first:
            continue
        params, kw = first[op]
        if params.get("pcs") and params.get("session"):
            # the replayed pca_scores request is the first block of several (the scores are
            # stored when the last arrives): give this process's node state random scores of
            # the right shape for the session, so the regression round can be replayed
            from medveil.gwas import _node as gwas_node

            gwas_node._SCORES[(id(gs), params["session"])] = (
                weakref.ref(gs), np.random.default_rng(0).normal(
                    size=(gs.n_samples, int(params["pcs"]))))
        t0 = time.perf_counter()
        body = json.dumps({"params": params}, separators=(",", ":"), allow_nan=False).encode()
        t1 = time.perf_counter()
        parsed = json.loads(body)["params"]
        t2 = time.perf_counter()
        model, fn = NODE_OPS[op]
        validated = validate_params(model, json.loads(json.dumps(parsed)))
        t3 = time.perf_counter()
        try:
            contrib = fn(gs, validated)
        except InputError as exc:  # a replay that needs state this process lacks
            print(f"  (replay of {op} skipped: {exc})", file=sys.stderr)
            continue
        t4 = time.perf_counter()
        rid, nbytes = secrets.token_hex(16), 0
        for kind, items in (("cells", contrib.cells), ("sums", contrib.sums)):
            for arr in items.values():
                a = np.asarray(arr)
                if kind == "cells":
                    enc = encode_counts(a.astype(np.int64).ravel())
                elif kw.get("frac_bits") is None:
                    enc = encode_floats(a.astype(np.float64).ravel())
                else:
                    enc = encode_scaled(a.astype(np.float64).ravel(),
                                        frac_bits=kw["frac_bits"])
                nbytes += mask(enc, me=me, my_private=kex, peers=peers, request_id=rid,
                               participants=list(SITES)).nbytes
        t5 = time.perf_counter()
        out[op] = {"request_mb": len(body) / 1e6, "response_mb": nbytes / 1e6,
                   "coord_encode_s": t1 - t0, "node_decode_s": t2 - t1,
                   "node_validate_s": t3 - t2, "node_compute_s": t4 - t3,
                   "node_mask_s": t5 - t4}
    return out


# -- printing ----------------------------------------------------------------------------------


def self_peak_rss_mb() -> float:
    """This process's VmHWM (the coordinator's peak, plus pandas reading plink's output)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return math.nan


def fmt_rss(rss: Mapping[str, float | None]) -> str:
    return ", ".join(f"{n} {v} MB" for n, v in rss.items())


def max_rss(rss: Mapping[str, float | None]) -> float:
    return max(float(v) for v in rss.values() if v is not None)


def print_phases(title: str, run: FedRun) -> None:
    print(f"  {title}: {run.wall_s:.1f} s, {run.rounds} rounds; wall s, rounds, median round "
          "s, coordinator time between rounds s, CPU s of the coordinator process and of "
          "each node, cores kept busy by them (CPU / wall)")
    print(f"    {'phase':<11}{'wall':>9}{'rounds':>7}{'median':>8}{'between':>9}"
          f"{'coord':>8}   {'node a/b/c':<17}{'cores':>6}")
    for p in run.phases:
        node = p["node_cpu_s"]
        nodes = "/".join(f"{v:.1f}" for v in node.values())
        busy = (p["coordinator_cpu_s"] + sum(node.values())) / p["wall_s"]
        print(f"    {p['phase']:<11}{p['wall_s']:9.2f}{p['rounds']:7d}"
              f"{p['round_median_s']:8.3f}{p['between_rounds_s']:9.2f}"
              f"{p['coordinator_cpu_s']:8.1f}   {nodes:<17}{busy:6.2f}")


def median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else math.nan


def row(label: str, seconds: float, note: str = "") -> str:
    return f"  {label:<56}{seconds:9.2f} s   {note}".rstrip()


def ratio_line(label: str, fed: float, ref: float) -> str:
    r = fed / ref
    return (f"  {label:<56}{r:9.2f} x   (target <= {TARGET_RATIO:g}x: "
            f"{'ok' if r <= TARGET_RATIO else 'MISSED'})")


# -- the runs ----------------------------------------------------------------------------------


def pca_flag(mode: str) -> str:
    return "meanimpute" if mode == "exact" else "approx"


def main_run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    data = ensure_data(workdir, args.samples, args.variants, args.seed)
    do_assoc, do_glm = args.only in ("all", "assoc"), args.only in ("all", "glm")
    modes = ["exact", "approx"] if args.plink_pca == "both" else [args.plink_pca]
    failures: list[str] = []
    out: dict[str, Any] = {
        "benchmark": "gwas", "samples": data.n_samples, "variants": data.n_variants,
        "seed": data.seed, "site_shares": list(SHARES), "repeats": args.repeats,
        "simulation_s": data.sim_seconds, "simulation_cached": data.cached,
        "excluded_ids": len(data.excluded), "plink_threads": args.plink_threads,
        "plink_memory_mb": PLINK_MEMORY_MB, "plink2_blas": plink2_blas(),
        "plink2_pca_modes": modes, "node_blas_threads": node_blas_threads(
            args.node_blas_threads), "cores": len(os.sched_getaffinity(0)), "only": args.only,
        "failures": failures, "code": code_version(),
    }
    times: dict[str, list[float]] = defaultdict(list)
    refs: dict[str, Any] = {}
    fed_assoc: FedRun | None = None
    fed_glm: FedRun | None = None

    def checkpoint() -> None:
        """The raw figures so far (a later failure or a kill leaves them on disk)."""
        if args.json is not None:
            raw = {**out, "partial": True, **{f"{k}_s": v for k, v in times.items()}}
            for key, run in (("assoc", fed_assoc), ("glm", fed_glm)):
                if run is not None:
                    raw[f"fed_{key}_phases"] = run.phases
                    raw[f"fed_{key}_rounds"] = run.rounds
            args.json.write_text(json.dumps(raw, indent=2, default=float) + "\n")

    def reference(key: str, tool: str, argv: list[str], name: str) -> Path | None:
        try:
            o, dt = run_plink(tool, argv, ref_dir, name, args.plink_threads)
        except PlinkFailed as exc:
            failures.append(str(exc))
            log(f"FAILED: {exc}")
            return None
        times[key].append(dt)
        log(f"{name}: {dt:.1f} s")
        return o

    with federation(data, workdir, args.node_blas_threads) as (coord, pids, roots, run_dir,
                                                                startup):
        excl = run_dir / "exclude.txt"
        excl.write_text("".join(f"{x}\n" for x in data.excluded))
        ref_dir = run_dir / "plink"
        ref_dir.mkdir()
        pooled = data.pooled
        pheno, covar = pooled.parent / "pheno.txt", pooled.parent / "covar.txt"
        bfile = ["--bfile", str(pooled), "--exclude", str(excl)]
        warm = warm_page_cache([d / "geno.bed" for d in data.site_dirs]
                               + [pooled.with_suffix(".bed")])
        rss_start = peak_rss(coord)
        load_start = os.getloadavg()
        rss_assoc: dict[str, float | None] = {}
        for rep in range(args.repeats):
            capture = rep == 0 and not args.no_node_profile
            if do_assoc:
                fed_assoc = run_federated(coord, pids, "assoc", 0, capture)
                times["fed_assoc"].append(fed_assoc.wall_s)
                log(f"federated assoc: {fed_assoc.wall_s:.1f} s")
                rss_assoc = peak_rss(coord)
                o = reference("plink19_assoc", PLINK19, [
                    *bfile, "--pheno", str(pheno), "--pheno-name", "case", "--assoc"], "assoc")
                if o is not None:
                    refs["assoc"] = pd.read_csv(o.with_name(o.name + ".assoc"), sep=r"\s+",
                                                na_values=["NA", "nan", "inf"],
                                                dtype={"SNP": str})
                checkpoint()
            if do_glm:
                fed_glm = run_federated(coord, pids, "glm", args.pcs, capture)
                times["fed_glm"].append(fed_glm.wall_s)
                times["fed_regression"].append(fed_glm.phase("regression"))
                times["fed_pca"].append(fed_glm.phase("pca"))
                times["fed_pca_all"].append(fed_glm.phase("variants", "samples", "counts",
                                                          "pca"))
                log(f"federated glm: {fed_glm.wall_s:.1f} s")
                checkpoint()
                eigenvec: Path | None = None
                for mode in modes:
                    o = reference(f"plink2_pca_{mode}", PLINK2, [
                        *bfile, "--pca", str(args.pcs), pca_flag(mode)], f"pca_{mode}")
                    if o is not None:
                        refs[f"pca_{mode}"] = np.loadtxt(o.with_name(o.name + ".eigenval"),
                                                         ndmin=1)
                        eigenvec = eigenvec or o.with_name(o.name + ".eigenvec")
                    checkpoint()
                if eigenvec is not None:
                    cov_pcs = ref_dir / "covar_pcs.txt"
                    times["covar_merge"].append(covar_with_pcs(covar, eigenvec, cov_pcs,
                                                               args.pcs))
                    names = ["age", "sex", *(f"PC{i + 1}" for i in range(args.pcs))]
                    o = reference("plink2_glm", PLINK2, [
                        *bfile, "--pheno", str(pheno), "--pheno-name", "case", "--covar",
                        str(cov_pcs), "--covar-name", ",".join(names),
                        "--covar-variance-standardize", "--glm", "no-firth", "hide-covar"],
                        "glm")
                    if o is not None:
                        refs["glm"] = read_plink2(o.with_name(o.name + ".case.glm.logistic"))
                    checkpoint()
        rss_end = peak_rss(coord)
        load_end = os.getloadavg()
        coord_rss = self_peak_rss_mb()  # before the in-process replay below
        profile: dict[str, dict[str, float]] = {}
        if not args.no_node_profile:
            first = {**(fed_assoc.first if fed_assoc else {}),
                     **(fed_glm.first if fed_glm else {})}
            profile = node_profile(roots[0], first)

    print(f"federated GWAS, {data.n_samples:,} samples x {data.n_variants:,} variants over 3 "
          f"local sites ({', '.join(f'{s:.0%}' for s in SHARES)}), seed {data.seed}, "
          f"median of {args.repeats}")
    print(f"  code: {out['code']}")
    print(f"  data: {data.root} ({data.bed_bytes / 1e9:.2f} GB of .bed); simulation "
          f"{data.sim_seconds:.0f} s{' (cached)' if data.cached else ''}; {len(data.excluded)} "
          f"ids excluded from the references (strand-ambiguous + absent at site c)")
    print(f"  given: plink1.9/plink2 --threads {args.plink_threads} --memory {PLINK_MEMORY_MB} "
          f"({out['cores']} cores on this machine); 3 node processes, BLAS threads each: "
          f"{out['node_blas_threads']}; coordinator in this process; all share the cores")
    kind = ("OpenBLAS" if "openblas" in out["plink2_blas"] else "netlib reference BLAS, "
            "unoptimized: it slows plink2's exact --pca" if "/blas/libblas" in
            out["plink2_blas"] else "?")
    print(f"  plink2 BLAS: {out['plink2_blas']} ({kind}); numpy (nodes, coordinator): "
          "OpenBLAS")
    print(f"  node startup {startup:.1f} s (not timed below); page cache warmed "
          f"({warm:.1f} s); machine load average (1/5/15 min) at start "
          f"{'/'.join(f'{x:.1f}' for x in load_start)}, at end "
          f"{'/'.join(f'{x:.1f}' for x in load_end)} (shared machine)")
    out.update({"load_average_start": load_start, "load_average_end": load_end,
                "node_startup_s": startup, "node_peak_rss_mb_start": rss_start,
                "node_peak_rss_mb_end": rss_end, "node_profile_site_a": profile})
    for k, v in times.items():
        out[f"{k}_s"] = v
    ok = not failures
    if do_assoc and fed_assoc is not None:
        f = median(times["fed_assoc"])
        print("allelic test (pheno case)")
        print(row("federated gwas(test='assoc')", f, f"({fed_assoc.rounds} rounds)"))
        if "assoc" in refs:
            p = median(times["plink19_assoc"])
            ag = assoc_agreement(fed_assoc.result, refs["assoc"])
            common_ok = ag["outside_printed_precision_common"] == 0
            ok &= common_ok
            print(row("plink1.9 --assoc", p))
            print(ratio_line("ratio federated / plink1.9 --assoc", f, p))
            print(f"  variants: federated {ag['federated_variants']:,}, plink1.9 "
                  f"{ag['plink_variants']:,}, matched {ag['matched']:,}; A1 differs at "
                  f"{ag['a1_differs']}")
            print(f"  P vs plink1.9 (4 printed digits): max |dlog10 P| common (MAF >= "
                  f"{COMMON_MAF}, {ag['common']:,}) {ag['max_abs_dlog10p_common']:.2e}, all "
                  f"{ag['max_abs_dlog10p_all']:.2e}; outside printed precision: common "
                  f"{ag['outside_printed_precision_common']}, all "
                  f"{ag['outside_printed_precision_all']}   "
                  f"({'ok' if common_ok else 'FAILED'})")
            print(f"  OR max relative difference {ag['max_rel_diff_or']:.1e} (plink prints "
                  "4 significant digits)")
            out.update({"assoc_agreement": ag, "ratio_assoc": f / p})
        else:
            print("  plink1.9 --assoc FAILED (see failures)")
        print(f"  node peak RSS after assoc: {fmt_rss(rss_assoc)}")
        print_phases("federated assoc phases (last run)", fed_assoc)
        out.update({"fed_assoc_rounds": fed_assoc.rounds, "fed_assoc_phases": fed_assoc.phases,
                    "node_peak_rss_mb_after_assoc": rss_assoc})
    if do_glm and fed_glm is not None:
        f, reg, pca, pca_all = (median(times[k]) for k in (
            "fed_glm", "fed_regression", "fed_pca", "fed_pca_all"))
        done = [m for m in modes if f"pca_{m}" in refs]
        main = done[0] if done else None
        p_glm = median(times["plink2_glm"]) if "glm" in refs else None
        eig = np.asarray(fed_glm.result.eigenvalues)
        pca_rounds = sum(p["rounds"] for p in fed_glm.phases if p["phase"] == "pca")
        reg_rounds = sum(p["rounds"] for p in fed_glm.phases if p["phase"] == "regression")
        print(f"logistic regression (case ~ g + age + sex + {args.pcs} PCs)")
        print(row(f"federated gwas(test='glm', pcs={args.pcs}), PCA included", f,
                  f"({fed_glm.rounds} rounds)"))
        if main is not None and p_glm is not None:
            p_pca = median(times[f"plink2_pca_{main}"])
            print(row(f"plink2 --pca {args.pcs} {pca_flag(main)} + plink2 --glm", p_pca + p_glm,
                      f"({p_pca:.2f} + {p_glm:.2f}; covariate file merge "
                      f"{median(times['covar_merge']):.2f} s not added)"))
            print(ratio_line("ratio federated glm / plink2 (--pca + --glm)", f, p_pca + p_glm))
            out["ratio_glm"] = f / (p_pca + p_glm)
        print(row("federated regression phase", reg, f"({reg_rounds} rounds)"))
        if p_glm is not None:
            print(row("plink2 --glm", p_glm))
            print(ratio_line("ratio federated regression / plink2 --glm", reg, p_glm))
            out["ratio_regression"] = reg / p_glm
        else:
            print("  plink2 --glm FAILED or not run (see failures)")
        print(f"PCA ({args.pcs} components)")
        print(row("federated PCA phase (gwas.pca rounds + scores)", pca,
                  f"({pca_rounds} rounds)"))
        print(row("federated variants+samples+counts+PCA phases", pca_all,
                  "(what a PCA-only study needs)"))
        print("    federated " + " ".join(f"{x:.4f}" for x in eig))
        for m in modes:
            if f"pca_{m}" not in refs:
                print(f"  plink2 --pca {args.pcs} {pca_flag(m)} FAILED (see failures)")
                continue
            p_pca, val = median(times[f"plink2_pca_{m}"]), refs[f"pca_{m}"]
            rel = np.abs(eig - val[: len(eig)]) / np.abs(val[: len(eig)])
            print(row(f"plink2 --pca {args.pcs} {pca_flag(m)}", p_pca,
                      "" if m == main else "(information)"))
            if m == main:
                print(ratio_line(f"ratio federated PCA / plink2 --pca {pca_flag(m)}", pca,
                                 p_pca))
            else:
                print(f"  {'ratio federated PCA / plink2 --pca ' + pca_flag(m):<56}"
                      f"{pca / p_pca:9.2f} x   (information)")
            print(f"  {'':<56}{pca_all / p_pca:9.2f} x   (variants+samples+counts+PCA "
                  "phases / plink2)")
            eig_ok = bool(rel.max() <= EIG_TOL)
            if m == main:
                ok &= eig_ok
            print("    plink2    " + " ".join(f"{x:.4f}" for x in val[: len(eig)]))
            print(f"  eigenvalues vs plink2 {pca_flag(m)}: max relative difference "
                  f"{rel.max():.1e} (<= {EIG_TOL:g}: {'ok' if eig_ok else 'FAILED'})")
            out.update({f"ratio_pca_{m}": pca / p_pca,
                        f"ratio_pca_with_counts_{m}": pca_all / p_pca,
                        f"eigenvalues_plink2_{m}": val.tolist(),
                        f"eigenvalue_rel_diff_{m}": rel.tolist(),
                        f"eigenvalues_agree_{m}": eig_ok})
        if "glm" in refs:
            ag = glm_agreement(fed_glm.result, refs["glm"])
            print(f"  glm vs plink2 (different PC estimates): OR max relative difference "
                  f"{ag['max_rel_diff_or']:.1e} (median {ag['median_rel_diff_or']:.1e}, 99th "
                  f"pct {ag['p99_rel_diff_or']:.1e}; {ag['over_tolerance']:,} of "
                  f"{ag['compared']:,} over {OR_TOL:g}); corr(-log10 P) "
                  f"{ag['corr_log10p']:.6f}, max |dlog10 P| {ag['max_abs_dlog10p']:.2e}; "
                  f"A1 differs at {ag['a1_differs']}")
            out["glm_agreement"] = ag
        print_phases("federated glm phases (last run)", fed_glm)
        out.update({"eigenvalues_federated": eig.tolist(), "fed_glm_rounds": fed_glm.rounds,
                    "fed_glm_phases": fed_glm.phases})
    if profile:
        print(f"  one round per op replayed in-process at site a ({roots[0].name}): "
              "request MB, response MB; seconds: coordinator JSON encode, node JSON decode, "
              "validate, compute, encode+mask")
        for op, v in profile.items():
            print(f"    {op:<16}{v['request_mb']:8.2f}{v['response_mb']:8.2f}   "
                  f"{v['coord_encode_s']:7.3f}{v['node_decode_s']:7.3f}"
                  f"{v['node_validate_s']:7.3f}{v['node_compute_s']:8.3f}"
                  f"{v['node_mask_s']:7.3f}")
    peak = max_rss(rss_end)
    print(f"node peak RSS (VmHWM): at start {fmt_rss(rss_start)}; end of run {fmt_rss(rss_end)}"
          f"   (max {peak:.0f} MB; issue: <= {RSS_LIMIT_MB:.0f} MB at 50,000 x 200,000)")
    print(f"coordinator process peak RSS {coord_rss:.0f} MB")
    for msg in failures:
        print("FAILED reference run: " + msg.splitlines()[0] + " " + msg.splitlines()[1])
    out["coordinator_peak_rss_mb"] = coord_rss
    out["agree"] = ok
    return out


def mem_check(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    """Node peak RSS of a study (``--mem-test``) at variants / 4 and variants, fresh nodes
    each (``--mem-single``: at ``--variants`` only, the <= 1 GB check)."""
    sizes = [args.variants] if args.mem_single else [max(100, args.variants // 4),
                                                     args.variants]
    test, pcs = args.mem_test, (args.pcs if args.mem_test == "glm" else 0)
    rows = []
    for m in sizes:
        data = ensure_data(workdir, args.samples, m, args.seed)
        with federation(data, workdir, args.node_blas_threads) as (coord, pids, *_):
            start = peak_rss(coord)
            run = run_federated(coord, pids, test, pcs, False)
            end = peak_rss(coord)
        rows.append({"variants": m, "simulation_s": data.sim_seconds,
                     "simulation_cached": data.cached, "fed_assoc_s": run.wall_s,
                     "rounds": run.rounds, "node_peak_rss_mb_start": start,
                     "node_peak_rss_mb": end})
    what = "allelic test" if test == "assoc" else f"logistic regression with {pcs} PCs"
    if args.mem_single:
        r = rows[0]
        worst_mb = max(float(v) for v in r["node_peak_rss_mb"].values())
        ok = worst_mb <= 1024
        print(f"memory check: {what}, {args.samples:,} samples x {r['variants']:,} variants; "
              f"code {code_version()}")
        print(f"  node peak RSS {fmt_rss(r['node_peak_rss_mb'])}   (after startup "
              f"{fmt_rss(r['node_peak_rss_mb_start'])}; study {r['fed_assoc_s']:.1f} s, "
              f"{r['rounds']} rounds; simulation {r['simulation_s']:.0f} s"
              f"{' cached' if r['simulation_cached'] else ''})")
        print(f"  <= 1024 MB: {'ok' if ok else 'EXCEEDED'} (max {worst_mb:.0f} MB)")
        return {"benchmark": "gwas-mem-single", "code": code_version(), "test": test,
                "pcs": pcs, "samples": args.samples, "sizes": rows, "flat": ok}
    lo, hi = rows
    ratios = {n: float(hi["node_peak_rss_mb"][n]) / float(lo["node_peak_rss_mb"][n])
              for n in hi["node_peak_rss_mb"]}
    worst = max(ratios.values())
    flat = worst <= 1 + RSS_NOISE
    print(f"memory check: {what}, {args.samples:,} samples, {sizes[0]:,} vs "
          f"{sizes[1]:,} variants, fresh nodes for each; code {code_version()}")
    for r in rows:
        print(f"  {r['variants']:>9,} variants: node peak RSS {fmt_rss(r['node_peak_rss_mb'])}"
              f"   (after startup {fmt_rss(r['node_peak_rss_mb_start'])}; study "
              f"{r['fed_assoc_s']:.1f} s, {r['rounds']} rounds; simulation "
              f"{r['simulation_s']:.0f} s{' cached' if r['simulation_cached'] else ''})")
    grow = {n: float(hi["node_peak_rss_mb"][n]) - float(lo["node_peak_rss_mb"][n])
            for n in ratios}
    print("  growth: " + ", ".join(
        f"{n} {v:+.0f} MB ({v * 2**20 / (sizes[1] - sizes[0]):+.0f} bytes per added variant)"
        for n, v in grow.items()))
    print("  ratio (4x variants): " + ", ".join(f"{n} {v:.3f}" for n, v in ratios.items())
          + f"   (no growth beyond noise, <= {1 + RSS_NOISE:.2f}: "
            f"{'ok' if flat else 'GROWS'})")
    return {"benchmark": "gwas-mem-check", "code": code_version(), "test": test, "pcs": pcs,
            "samples": args.samples,
            "sizes": rows,
            "ratios": ratios, "growth_mb": grow, "flat": flat, "noise": RSS_NOISE}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=10_000)
    ap.add_argument("--variants", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--pcs", type=int, default=10)
    ap.add_argument("--only", choices=("all", "assoc", "glm"), default="all",
                    help="assoc: allelic test only; glm: regression with PCA only")
    ap.add_argument("--mem-check", action="store_true",
                    help="only the node peak RSS at --variants / 4 and --variants")
    ap.add_argument("--mem-test", choices=("assoc", "glm"), default="assoc",
                    help="the study --mem-check runs (glm: age, sex and --pcs PCs)")
    ap.add_argument("--mem-single", action="store_true",
                    help="--mem-check at --variants only (the <= 1 GB check, no reference)")
    ap.add_argument("--workdir", type=Path, default=None,
                    help="keep and reuse the simulated data here (keyed by size and seed)")
    ap.add_argument("--plink-threads", type=int, default=2)
    ap.add_argument("--node-blas-threads", type=int, default=None,
                    help="BLAS threads per node (default: local_federation's share)")
    ap.add_argument("--plink-pca", choices=("exact", "approx", "both"), default="exact",
                    help="the PCA reference: plink2 --pca meanimpute (exact, the default), "
                    "--pca approx (randomized), or both (exact is the headline)")
    ap.add_argument("--no-node-profile", action="store_true",
                    help="skip the in-process replay of one round per op")
    ap.add_argument("--json", type=Path, default=None, help="write the figures here")
    args = ap.parse_args()
    with contextlib.ExitStack() as stack:
        if args.workdir is None:
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(
                prefix="medveil-bench-gwas-")))
        else:
            workdir = args.workdir.resolve()
            workdir.mkdir(parents=True, exist_ok=True)
        out = mem_check(args, workdir) if args.mem_check else main_run(args, workdir)
    if args.json is not None:
        args.json.write_text(json.dumps(out, indent=2, default=float) + "\n")
    return 0 if out.get("agree", out.get("flat", True)) else 1


if __name__ == "__main__":
    sys.exit(main())
