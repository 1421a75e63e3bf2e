"""Node halves of the federated GWAS: one site's fileset to per-variant sums.

Ops (each a pure function of the site's :class:`PlinkSet`, the params and, for sample QC,
nothing else; no genotype, phenotype or sample id leaves):

* ``gwas.variants``: the site's variant list (ids, positions, alleles; not patient data),
  keyed by its digest so identical lists merge.
* ``gwas.samples``: sample QC at the site: each sample's missing-call rate over the
  study's variants, ``--mind`` applied; returns pooled-only sums (samples kept, removed,
  cases, controls, missing phenotypes) and the digest of the site's study order (the
  coordinator checks every site orders the study's variants the same way).
* ``gwas.counts``: per study variant in a chunk, genotype counts (hom counted allele,
  het, hom other, missing) among controls, cases and samples without a phenotype: sums.
* ``gwas.null``: the IRLS sums of the logistic model without genotype, ``y ~ 1 +
  covariates``: the starting point of every variant's fit.
* ``gwas.regress``: per variant of a chunk, the sums of batched IRLS (logistic) or least
  squares (linear) for ``y ~ 1 + g + covariates`` at the given coefficients: sums.

The study's variants and their order are derived at each site from its own .bim minus
the excluded ids (see :mod:`medveil.gwas._harmonize`). Results are cached per fileset
object for the QC of one study (the sample pass reads every genotype once).
"""

from __future__ import annotations

import base64
import hashlib
import logging
import math
import threading
import weakref
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import Field, model_validator
from scipy import special

from medveil.analysis._contribution import Contribution
from medveil.analysis._memo import FrameMemo
from medveil.analysis._params import _Params, validate_params
from medveil.errors import InputError
from medveil.gwas._harmonize import (
    SiteOrder,
    SiteSort,
    site_sort,
    site_study_order,
    variant_text,
)
from medveil.gwas._pca import (
    PackedChunk,
    scale_scores,
    site_product,
    site_scores,
    site_t_times,
    site_times,
)
from medveil.gwas._plink import MISSING, PlinkSet
from medveil.gwas._stats import logistic_sums_packed, regression_sums
from medveil.policy import DisclosureThresholds

__all__ = ["GWAS_OPS", "prepare", "run_gwas_op"]

logger = logging.getLogger(__name__)

CHUNK = 20_000  # variants read at a time in a full pass (fewer when samples are many)
MAX_CHUNK = 50_000
CELLS = 32_000_000  # genotypes (int8) a node holds at once: bounds memory by samples x chunk
PCA_CELLS = 8_000_000  # float64 genotypes (64 MB) in the PCA's centred chunk
PACKED_BYTES = 8 << 20  # .bed bytes read at once (4 genotypes a byte); larger slices left
# 32 MB holes in the heap that glibc does not return (node RSS grew with the slices read)


def _width(n_samples: int) -> int:
    """Variants per read so that a read holds at most CELLS genotypes."""
    return max(256, min(CHUNK, CELLS // max(n_samples, 1)))


class GwasSpec(_Params):
    """The study's exclusions, the phenotype (None: the .fam's) and the sample QC."""

    exclude: list[str] = Field(default_factory=list, max_length=200_000)
    pheno: str | None = None
    mind: float | None = Field(default=None, ge=0.0, le=1.0)


class VariantsParams(_Params):
    """``gwas.variants``: no parameters."""


class SamplesParams(GwasSpec):
    """``gwas.samples``: sample QC and phenotype summary."""

    covar: list[str] = Field(default_factory=list, max_length=64)


class ChunkParams(GwasSpec):
    """A chunk of the study's variants: positions [start, stop) in the study order."""

    start: int = Field(ge=0)
    stop: int = Field(ge=0)

    @model_validator(mode="after")
    def _check_chunk(self) -> ChunkParams:
        if not 0 < self.stop - self.start <= MAX_CHUNK:
            raise ValueError(f"a chunk holds 1 to {MAX_CHUNK} variants")
        return self


class CountsParams(ChunkParams):
    """``gwas.counts``: genotype counts by phenotype group."""


class ArrayParam(_Params):
    """A float64 array in a request: its shape and its little-endian bytes in base64."""

    shape: list[int] = Field(min_length=1, max_length=2)
    b64: str


def encode_array(a: NDArray[np.float64]) -> dict[str, Any]:
    arr = np.ascontiguousarray(a, dtype="<f8")
    return {"shape": list(arr.shape), "b64": base64.b64encode(arr.tobytes()).decode()}


def decode_array(p: ArrayParam, name: str) -> NDArray[np.float64]:
    try:
        raw = base64.b64decode(p.b64, validate=True)
    except ValueError:
        raise InputError("not base64", field=name) from None
    if any(d < 0 for d in p.shape) or len(raw) != 8 * math.prod(p.shape):
        raise InputError(f"{len(raw)} bytes do not hold an array of shape {p.shape}",
                         field=name)
    out = np.frombuffer(raw, dtype="<f8").reshape(p.shape)  # read-only view, no copy
    if not np.isfinite(out).all():
        raise InputError("holds non-finite values", field=name)
    return out


class PcaParams(GwasSpec):
    """``gwas.pca``: this site's X_s'(X_s Q) for the basis ``q`` over the variants marked
    in ``keep`` (hex bit mask over the whole study), standardized with the pooled counted-
    allele frequencies ``freq`` of those variants.

    ``part`` "full" takes the whole basis in one request. A large study sends it in blocks
    of kept variants [start, stop) instead, so no request grows with the study: "y" blocks
    (in order, covering every kept variant) add ``X_block Q_block`` to the site's n_s x L
    sum ``Y``, kept at the site under (``session``, ``round``) and never returned; then
    "z" blocks return ``X_block' Y``. ``freq`` and ``q`` hold the block's rows."""

    keep: str
    freq: ArrayParam
    q: ArrayParam | None = None
    part: Literal["full", "y", "z"] = "full"
    start: int = Field(default=0, ge=0)
    stop: int | None = Field(default=None, ge=1)
    session: str | None = Field(default=None, pattern=r"^[0-9a-f]{32}$")
    round: int = Field(default=0, ge=0)


class PcaScoresParams(GwasSpec):
    """``gwas.pca_scores``: compute and KEEP this site's samples' PC scores (nothing about
    them leaves) under ``session``, for ``gwas.regress`` with ``pcs``. ``part`` "block":
    the loadings ``v`` and ``freq`` of kept variants [start, stop), in order; the scores
    are stored when the last block arrives."""

    keep: str
    freq: ArrayParam
    v: ArrayParam
    eigenvalues: list[float] = Field(min_length=1, max_length=100)
    session: str = Field(pattern=r"^[0-9a-f]{32}$")
    part: Literal["full", "block"] = "full"
    start: int = Field(default=0, ge=0)
    stop: int | None = Field(default=None, ge=1)


class RegressParams(ChunkParams):
    """``gwas.regress``: regression sums for the chunk's variants marked in ``keep``.

    ``keep`` and ``minor`` are hex bit masks over the chunk (bit i of byte i // 8, least
    significant first): which variants are tested, and which count the other allele (the
    pooled minor allele) instead of the counted one. ``beta`` holds one row of
    coefficients (intercept, genotype, covariates) per tested variant (float64, base64), or
    null to start at zero. The response holds each X'WX as its upper triangle, row by row
    (``xtwx_upper``, p(p+1)/2 numbers: the matrix is symmetric).
    """

    keep: str = Field(max_length=2 * MAX_CHUNK // 8 + 2)
    minor: str = Field(max_length=2 * MAX_CHUNK // 8 + 2)
    covar: list[str] = Field(default_factory=list, max_length=64)
    beta: ArrayParam | None = None
    logistic: bool = True
    pcs: int = Field(default=0, ge=0, le=100)  # PC scores of ``session`` as covariates
    session: str | None = Field(default=None, pattern=r"^[0-9a-f]{32}$")


class NullParams(GwasSpec):
    """``gwas.null``: IRLS sums of the logistic model ``y ~ 1 + covariates`` (no genotype)
    at ``beta`` (null: zero), over the samples every regression of the study uses: the
    coordinator starts each variant's fit from this model's coefficients."""

    covar: list[str] = Field(default_factory=list, max_length=64)
    beta: list[float] | None = Field(default=None, max_length=200)
    pcs: int = Field(default=0, ge=0, le=100)
    session: str | None = Field(default=None, pattern=r"^[0-9a-f]{32}$")


def bits(mask: NDArray[np.bool_]) -> str:
    """A boolean mask as the hex bit string :class:`RegressParams` takes."""
    return np.packbits(mask.astype(np.uint8), bitorder="little").tobytes().hex()


def unbits(text: str, n: int) -> NDArray[np.bool_]:
    try:
        raw = bytes.fromhex(text)
    except ValueError:
        raise InputError("not a hex bit mask", field="keep") from None
    if len(raw) != (n + 7) // 8:
        raise InputError(f"a bit mask over {n} variants needs {(n + 7) // 8} bytes",
                         field="keep")
    return np.unpackbits(np.frombuffer(raw, dtype=np.uint8), bitorder="little")[:n].astype(bool)


@dataclass(frozen=True)
class _SampleQC:
    order: SiteOrder
    keep: NDArray[np.bool_]
    removed: int


_QC: FrameMemo[_SampleQC] = FrameMemo(size=4)


def _sample_qc(gs: PlinkSet, p: GwasSpec) -> _SampleQC:
    key = {"exclude": hashlib.sha256("\n".join(sorted(p.exclude)).encode()).hexdigest(),
           "mind": p.mind}

    def build() -> _SampleQC:
        order = site_study_order(gs.variants, p.exclude, presorted=_site_sort(gs))
        keep = np.ones(gs.n_samples, dtype=bool)
        if p.mind is not None and len(order.index):
            missing = np.zeros(gs.n_samples, dtype=np.int64)
            for _, g in gs.chunks(order.index, _width(gs.n_samples)):
                missing += (g == MISSING).sum(axis=1)
            keep = missing / len(order.index) <= p.mind
        return _SampleQC(order, keep, int((~keep).sum()))

    return _QC.get(gs, key, build)  # type: ignore[arg-type]


def _groups(gs: PlinkSet, p: GwasSpec, qc: _SampleQC) -> tuple[NDArray[np.int64], bool,
                                                                NDArray[np.float64]]:
    """Per sample: 0 control, 1 case, 2 no phenotype, -1 removed by QC; binary?; values."""
    ph = gs.phenotype(p.pheno)
    values = ph.values
    groups = np.full(gs.n_samples, 2, dtype=np.int64)
    if ph.binary:
        groups[values == 0.0] = 0
        groups[values == 1.0] = 1
    else:
        groups[~np.isnan(values)] = 0
    groups = np.where(qc.keep, groups, -1).astype(np.int64)
    return groups, ph.binary, values


def _check_stop(qc: _SampleQC, p: ChunkParams) -> None:
    if p.stop > len(qc.order.index):
        raise InputError(f"the study has {len(qc.order.index)} variants at this site; the chunk "
                         "ends beyond them (the sites' variant lists changed?)", field="stop")


def _chunk(gs: PlinkSet, qc: _SampleQC, p: ChunkParams) -> NDArray[np.int8]:
    """The chunk's genotypes (all samples), counting the study's allele."""
    from medveil.gwas._kernels import decode  # numba: loaded by nodes that hold genotypes

    _check_stop(qc, p)
    return decode(gs.rows(qc.order.index[p.start:p.stop]),
                  np.arange(gs.n_samples, dtype=np.int64), qc.order.flip[p.start:p.stop])


_TEXT: FrameMemo[tuple[str, str]] = FrameMemo(size=4)


def _variant_text(gs: PlinkSet) -> tuple[str, str]:
    """The site's variant list as sent: (digest of the text, ``zlib:`` + base64 of the
    zlib-compressed text), built once per fileset. One compressed string: the JSON holds
    one value, not 100,000, and about a third of the bytes."""

    def build() -> tuple[str, str]:
        raw = variant_text(gs.variants).encode()
        digest = hashlib.sha256(raw).hexdigest()[:32]
        return digest, "zlib:" + base64.b64encode(zlib.compress(raw, 1)).decode()

    return _TEXT.get(gs, {}, build)  # type: ignore[arg-type]


_SORT: FrameMemo[SiteSort] = FrameMemo(size=4)


def _site_sort(gs: PlinkSet) -> SiteSort:
    """The fileset's variants sorted in study order, once per fileset."""
    return _SORT.get(gs, {}, lambda: site_sort(gs.variants))  # type: ignore[arg-type]


def prepare(gs: PlinkSet) -> None:
    """What a node does once per fileset when it starts: the variant list it sends, the
    variants' study order, and the phenotype and covariate files read and matched."""
    _variant_text(gs)
    _site_sort(gs)
    gs.phenotype(None)
    gs.load_tables()


def gwas_variants(gs: PlinkSet, p: VariantsParams) -> Contribution:
    digest, payload = _variant_text(gs)
    return Contribution(cells={}, sums={}, n_records=gs.n_samples,
                        levels={f"variants/{digest}": (payload,)})


def gwas_samples(gs: PlinkSet, p: SamplesParams) -> Contribution:
    qc = _sample_qc(gs, p)
    groups, binary, _ = _groups(gs, p, qc)
    kept = groups >= 0
    if p.covar:
        cov = gs.covariates(p.covar)
        no_cov = np.isnan(cov).any(axis=1) & kept
    else:
        no_cov = np.zeros(gs.n_samples, dtype=bool)
    sums = {
        "kept": np.array([float(kept.sum())]),
        "removed_mind": np.array([float(qc.removed)]),
        "cases": np.array([float(((groups == 1) & binary).sum())]),
        "controls": np.array([float(((groups == 0) & binary).sum())]),
        "no_pheno": np.array([float((groups == 2).sum())]),
        "no_covar": np.array([float(no_cov.sum())]),
        "quantitative": np.array([0.0 if binary else 1.0]),
    }
    return Contribution(cells={}, sums=sums, n_records=int(kept.sum()),
                        levels={"study": (qc.order.digest(),)})


def gwas_counts(gs: PlinkSet, p: CountsParams) -> Contribution:
    qc = _sample_qc(gs, p)
    groups, _, _ = _groups(gs, p, qc)
    from medveil.gwas._kernels import group_counts

    _check_stop(qc, p)
    # packed rows (never decoded), popcounts per group, read in slices of at most
    # PACKED_BYTES: memory does not grow with the chunk
    index = qc.order.index[p.start:p.stop]
    counts = np.zeros((3, 4, len(index)), dtype=np.int64)
    step = max(64, PACKED_BYTES // max((gs.n_samples + 3) // 4, 1))
    for a in range(0, len(index), step):
        b = min(a + step, len(index))
        counts[:, :, a:b] = group_counts(gs.rows(index[a:b]), groups, 3)
    flip = qc.order.flip[p.start:p.stop]
    counts[:, [0, 2]] = np.where(flip, counts[:, [2, 0]], counts[:, [0, 2]])
    return Contribution(cells={}, sums={"counts": counts.astype(np.float64)},
                        n_records=int((groups >= 0).sum()))


def _model_samples(gs: PlinkSet, p: GwasSpec, qc: _SampleQC, covar: list[str], pcs: int,
                   session: str | None) -> tuple[NDArray[np.int64], NDArray[np.float64],
                                                 NDArray[np.float64], bool]:
    """The samples a regression uses (QC kept, phenotype and every covariate present), their
    response (0/1 for case/control) and covariates, and whether the phenotype is binary."""
    groups, binary, values = _groups(gs, p, qc)
    usable = (groups == 0) | (groups == 1) if binary else groups == 0
    cov = gs.covariates(covar)
    if pcs:
        cov = np.column_stack([cov, _session_scores(gs, session, pcs)])
    usable &= ~np.isnan(cov).any(axis=1)
    y = (groups == 1).astype(np.float64) if binary else values
    samples = np.flatnonzero(usable)
    return samples, y[samples], cov[samples], binary


def upper(xtwx: NDArray[np.float64]) -> NDArray[np.float64]:
    """(m, p, p) symmetric matrices as (m, p(p+1)/2) upper triangles, row by row."""
    iu = np.triu_indices(xtwx.shape[-1])
    return np.ascontiguousarray(xtwx[:, iu[0], iu[1]])


def from_upper(packed: NDArray[np.float64], p: int) -> NDArray[np.float64]:
    """The inverse of :func:`upper`."""
    iu = np.triu_indices(p)
    out = np.zeros((packed.shape[0], p, p))
    out[:, iu[0], iu[1]] = packed
    out[:, iu[1], iu[0]] = packed
    return out


def gwas_regress(gs: PlinkSet, p: RegressParams) -> Contribution:
    qc = _sample_qc(gs, p)
    samples, y, cov, binary = _model_samples(gs, p, qc, p.covar, p.pcs, p.session)
    if p.logistic and not binary:
        raise InputError("a logistic regression needs a case/control phenotype", field="pheno")
    n_chunk = p.stop - p.start
    keep = unbits(p.keep, n_chunk)
    minor = unbits(p.minor, n_chunk)
    _check_stop(qc, p)
    index = qc.order.index[p.start:p.stop][keep]
    flip = qc.order.flip[p.start:p.stop][keep] ^ minor[keep]
    n_par = 2 + len(p.covar) + p.pcs
    m = len(index)
    beta = None if p.beta is None else decode_array(p.beta, "beta")
    if beta is not None and beta.shape != (m, n_par):
        raise InputError("one row of coefficients per tested variant", field="beta")
    parts: list[dict[str, NDArray[Any]]] = []
    # read and fit the variants in slices of at most PACKED_BYTES of .bed rows
    step = max(64, PACKED_BYTES // max((gs.n_samples + 3) // 4, 1))
    for a in range(0, m, step) if m else [0]:
        b = min(a + step, m)
        rows = gs.rows(index[a:b])
        bb = None if beta is None else beta[a:b]
        if p.logistic:  # compiled, from the packed rows; IRLS steps and SEs need no deviance
            part = logistic_sums_packed(rows, samples, flip[a:b], y, cov, bb, deviance=False)
        else:
            from medveil.gwas._kernels import decode

            part = regression_sums(decode(rows, samples, flip[a:b]), y, cov, bb,
                                   logistic=False)
        parts.append(part)
    sums = {k: np.concatenate([pt[k] for pt in parts]) for k in parts[0]}
    sums["xtwx_upper"] = upper(sums.pop("xtwx"))
    return Contribution(cells={}, sums={k: np.asarray(v, dtype=np.float64)
                                        for k, v in sums.items()},
                        n_records=len(samples), n_parameters=n_par)


def gwas_null(gs: PlinkSet, p: NullParams) -> Contribution:
    samples, y, cov, binary = _model_samples(gs, p, _sample_qc(gs, p), p.covar, p.pcs,
                                             p.session)
    if not binary:
        raise InputError("the null model is fitted for a case/control phenotype", field="pheno")
    q = 1 + cov.shape[1]
    beta = np.zeros(q) if p.beta is None else np.asarray(p.beta, dtype=np.float64)
    if beta.shape != (q,) or not np.isfinite(beta).all():
        raise InputError(f"{q} finite coefficients (intercept and covariates)", field="beta")
    X = np.column_stack([np.ones(len(samples)), cov])
    eta = X @ beta
    mu = special.expit(eta)
    w = mu * (1.0 - mu)
    xtwx = (X * w[:, None]).T @ X
    xtwz = X.T @ (w * eta + (y - mu))
    return Contribution(cells={}, sums={"xtwx": xtwx, "xtwz": xtwz,
                                        "n": np.array([float(len(samples))])},
                        n_records=len(samples), n_parameters=q)


# PC scores stay at the site, in the node's memory, for the regressions of the same study.
_SCORES: OrderedDict[tuple[int, str], tuple[weakref.ref[PlinkSet], NDArray[np.float64]]] = (
    OrderedDict())
_SCORES_LOCK = threading.Lock()
MAX_SESSIONS = 8


def _pca_genotypes(gs: PlinkSet, qc: _SampleQC, keep: NDArray[np.bool_], start: int = 0,
                   stop: int | None = None
                   ) -> Callable[[], Iterator[tuple[slice, PackedChunk]]]:
    """Chunk factory over the kept study variants [start, stop) (all by default), counted
    allele, QC'd samples only: packed rows, decoded and centred by the compiled kernel
    inside the PCA's products."""
    index = qc.order.index[keep][start:stop]
    flip = qc.order.flip[keep][start:stop]
    samples = np.flatnonzero(qc.keep).astype(np.int64)
    width = max(256, PCA_CELLS // max(len(samples), 1))

    def factory() -> Iterator[tuple[slice, PackedChunk]]:
        for a in range(0, len(index), width):
            b = min(a + width, len(index))
            yield slice(a, b), PackedChunk(gs.rows(index[a:b]), samples, flip[a:b])

    return factory


@dataclass
class _Partial:
    """A sum over variant blocks kept at the site between requests (never returned)."""

    gs: weakref.ref[PlinkSet]
    round: int
    next: int  # the next block must start here
    total: NDArray[np.float64]


_PARTIAL: OrderedDict[tuple[int, str, str], _Partial] = OrderedDict()


def _block(p: PcaParams | PcaScoresParams, m: int) -> tuple[int, int]:
    stop = m if p.stop is None else p.stop
    if not p.start < stop <= m:
        raise InputError(f"a block of kept variants within [0, {m})", field="stop")
    return p.start, stop


def _accumulate(gs: PlinkSet, key: tuple[str, str], round_: int, start: int, stop: int,
                part: NDArray[np.float64]) -> _Partial:
    """Add ``part`` to the site's running sum (a new one when ``start`` is 0)."""
    full = (id(gs), *key)
    with _SCORES_LOCK:
        if start == 0:
            _PARTIAL[full] = _Partial(weakref.ref(gs), round_, 0, np.zeros_like(part))
            while len(_PARTIAL) > 2 * MAX_SESSIONS:
                _PARTIAL.popitem(last=False)
        acc = _PARTIAL.get(full)
        if acc is None or acc.gs() is not gs or acc.round != round_ or acc.next != start:
            raise InputError("blocks must arrive in order from the first (was the node "
                             "restarted?); run the study again", field="start")
        acc.total += part
        acc.next = stop
        return acc


def _finished(gs: PlinkSet, key: tuple[str, str], round_: int, m: int) -> _Partial:
    with _SCORES_LOCK:
        acc = _PARTIAL.get((id(gs), *key))
    if acc is None or acc.gs() is not gs or acc.round != round_ or acc.next != m:
        raise InputError("this node has not summed every block of the round (was it "
                         "restarted?); run the study again", field="part")
    return acc


def gwas_pca(gs: PlinkSet, p: PcaParams) -> Contribution:
    qc = _sample_qc(gs, p)
    keep = unbits(p.keep, len(qc.order.index))
    m = int(keep.sum())
    n_kept = int(qc.keep.sum())
    start, stop = _block(p, m) if p.part != "full" else (0, m)
    freq = decode_array(p.freq, "freq").reshape(-1)
    if freq.shape[0] != stop - start:
        raise InputError(f"freq needs one entry per variant of the block ({stop - start})",
                         field="freq")
    if p.part != "full" and p.session is None:
        raise InputError("a block needs a session", field="session")
    session = p.session or ""
    if p.part == "z":
        acc = _finished(gs, (session, "pca"), p.round, m)
        z = site_t_times(_pca_genotypes(gs, qc, keep, start, stop), freq, acc.total)
        return Contribution(cells={}, sums={"z": z}, n_records=n_kept)
    if p.q is None:
        raise InputError("the basis is missing", field="q")
    q = decode_array(p.q, "q")
    if q.shape[0] != stop - start:
        raise InputError("q needs one row per kept variant of the block", field="q")
    if p.part == "full":
        z = site_product(_pca_genotypes(gs, qc, keep), freq, q)
        return Contribution(cells={}, sums={"z": z}, n_records=n_kept)
    y = site_times(_pca_genotypes(gs, qc, keep, start, stop), freq, q)
    _accumulate(gs, (session, "pca"), p.round, start, stop, y)
    return Contribution(cells={}, sums={"rows": np.array([float(stop - start)])},
                        n_records=n_kept)


def _store_scores(gs: PlinkSet, qc: _SampleQC, session: str,
                  scores: NDArray[np.float64]) -> None:
    full = np.full((gs.n_samples, scores.shape[1]), np.nan)
    full[qc.keep] = scores
    with _SCORES_LOCK:
        _SCORES[(id(gs), session)] = (weakref.ref(gs), full)
        while len(_SCORES) > MAX_SESSIONS:
            _SCORES.popitem(last=False)


def gwas_pca_scores(gs: PlinkSet, p: PcaScoresParams) -> Contribution:
    qc = _sample_qc(gs, p)
    keep = unbits(p.keep, len(qc.order.index))
    m = int(keep.sum())
    n_kept = int(qc.keep.sum())
    freq = decode_array(p.freq, "freq").reshape(-1)
    v = decode_array(p.v, "v")
    lam = np.asarray(p.eigenvalues)
    if v.ndim != 2 or v.shape[1] != len(lam):
        raise InputError(f"{len(lam)} eigenvalues for the loadings' columns", field="v")
    if p.part == "full":
        _store_scores(gs, qc, p.session, site_scores(_pca_genotypes(gs, qc, keep), freq, v,
                                                     lam))
        return Contribution(cells={}, sums={"stored": np.array([float(n_kept)])},
                            n_records=n_kept)
    start, stop = _block(p, m)
    if freq.shape[0] != stop - start or v.shape[0] != stop - start:
        raise InputError("freq and v need one row per kept variant of the block", field="v")
    part = site_times(_pca_genotypes(gs, qc, keep, start, stop), freq, v)
    acc = _accumulate(gs, (p.session, "scores"), 0, start, stop, part)
    stored = 0.0
    if stop == m:
        _store_scores(gs, qc, p.session, scale_scores(acc.total, lam, m))
        with _SCORES_LOCK:
            _PARTIAL.pop((id(gs), p.session, "scores"), None)
        stored = float(n_kept)
    return Contribution(cells={}, sums={"stored": np.array([stored])}, n_records=n_kept)


def _session_scores(gs: PlinkSet, session: str | None, k: int) -> NDArray[np.float64]:
    with _SCORES_LOCK:
        hit = _SCORES.get((id(gs), session or ""))
    if hit is None or hit[0]() is not gs:
        raise InputError("this node holds no PC scores for the study (was it restarted?); "
                         "run the study again", field="session")
    if k > hit[1].shape[1]:
        raise InputError(f"{k} PCs asked, {hit[1].shape[1]} computed", field="pcs")
    return hit[1][:, :k]


_OPS: dict[str, tuple[type[_Params], Any]] = {
    "gwas.variants": (VariantsParams, gwas_variants),
    "gwas.samples": (SamplesParams, gwas_samples),
    "gwas.counts": (CountsParams, gwas_counts),
    "gwas.regress": (RegressParams, gwas_regress),
    "gwas.null": (NullParams, gwas_null),
    "gwas.pca": (PcaParams, gwas_pca),
    "gwas.pca_scores": (PcaScoresParams, gwas_pca_scores),
}
GWAS_OPS = frozenset(_OPS)


def run_gwas_op(op: str, gs: PlinkSet, params: Mapping[str, Any], *,
                thresholds: DisclosureThresholds | None = None) -> Contribution:
    """Validate ``params`` for ``op`` and run it on the site's fileset."""
    if op not in _OPS:
        raise InputError(f"unknown op {op!r}", field="op")
    model, fn = _OPS[op]
    validated = validate_params(model, params)  # parsed JSON (no copy of a large basis)
    return fn(gs, validated)  # type: ignore[no-any-return]
