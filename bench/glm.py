"""Federated logistic regression (10 covariates) over 3 sites holding 1,000,000 rows in total,
against statsmodels' GLM on the pooled rows, in the same run.

Design: ``recurrence ~ age + bmi + cea + albumin + crp + ldh + sex + C(stage)``, i.e. 6
numeric covariates + sex (1 dummy, F reference) + stage I-IV (3 dummies, I reference) = 10
covariates plus the intercept (11 parameters), binomial family, logit link. cea is missing in
~5% of the rows (dropped listwise by both sides). Sites hold 50% / 30% / 20% of the rows and
are not identically distributed (different covariate means, stage mix and baseline risk).

Nodes run on loopback (real HTTPS, secure aggregation, two-limb fixed point); each node loads
its dataset once (a warm-up ``count``), then ``glm(..., family_name="binomial")`` is timed end
to end (glm.levels, glm.summary, and one glm.irls round per IRLS step). The reference is
``smf.glm(formula, pooled, family=Binomial()).fit()`` on the pooled rows already in memory
(what a user with all the data would run, patsy design included); ``sm.GLM(y, X).fit()`` on
a prebuilt design matrix is timed too, for information. Runs are interleaved; medians are
reported.

Checks: max relative difference of params and bse against statsmodels' default fit must be
< 1e-6 (exit status 1 otherwise). Prints the ratio federated / statsmodels formula API
(target <= 2x), the wall times, the per-op round times of the federated fit and each node's
peak RSS (VmHWM).

Usage: python bench/glm.py [--rows 1000000] [--repeats 3] [--json FILE]
                           [--node-blas-threads N]

``--node-blas-threads N`` sets OPENBLAS/OMP/MKL_NUM_THREADS for the node processes only
(default: inherited). Three nodes on a 2-core machine each start one BLAS thread per core,
which oversubscribes the cores; the default figures are measured as a user would run them.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
import statsmodels.formula.api as smf

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _sites import make_sites
from medveil.analysis import GlmResult, Totals, count, glm
from medveil.federation import Coordinator, local_federation

SHARES = (0.5, 0.3, 0.2)
FORMULA = "recurrence ~ age + bmi + cea + albumin + crp + ldh + sex + C(stage)"
TOLERANCE = 1e-6


def site_rows(i: int, n: int, rng: np.random.Generator) -> pd.DataFrame:
    """Site i's rows: covariate means, stage mix and baseline risk differ by site."""
    stage = rng.choice(np.array(["I", "II", "III", "IV"]), size=n,
                       p=[0.15 + 0.05 * i, 0.3, 0.35 - 0.05 * i, 0.2])
    sex = rng.choice(np.array(["F", "M"]), size=n, p=[0.55 - 0.05 * i, 0.45 + 0.05 * i])
    age = rng.normal(62 - 2 * i, 11, n)
    bmi = rng.normal(26 + 0.6 * i, 4, n)
    cea = np.exp(rng.normal(1.0 + 0.2 * i, 0.7, n))
    albumin = rng.normal(40 - i, 5, n)
    crp = np.exp(rng.normal(1.5 + 0.1 * i, 0.8, n))
    ldh = rng.normal(200 + 10 * i, 40, n)
    st = pd.Series(stage).map({"I": 0.0, "II": 0.4, "III": 0.9, "IV": 1.6}).to_numpy()
    eta = (-1.8 + 0.02 * (age - 60) + 0.03 * (bmi - 26) + 0.05 * cea - 0.03 * (albumin - 40)
           + 0.02 * crp + 0.004 * (ldh - 200) + 0.25 * (sex == "M") + st + 0.1 * i)
    recurrence = (rng.random(n) < 1.0 / (1.0 + np.exp(-eta))).astype(np.int64)
    cea[rng.random(n) < 0.05] = np.nan
    return pd.DataFrame({"sex": sex, "age": age, "bmi": bmi, "cea": cea, "albumin": albumin,
                         "crp": crp, "ldh": ldh, "stage": stage, "recurrence": recurrence})


class TimedAggregator:
    """The coordinator, with each round's wall time recorded by op."""

    def __init__(self, inner: Coordinator) -> None:
        self.inner = inner
        self.rounds: list[tuple[str, float]] = []

    @property
    def active(self) -> list[str]:
        return list(self.inner.active)

    def aggregate(self, op: str, dataset: str, where: str | None,
                  params: Mapping[str, Any]) -> Totals:
        t = time.perf_counter()
        out = self.inner.aggregate(op, dataset, where, params)
        self.rounds.append((op, time.perf_counter() - t))
        return out


def federated(coord: Coordinator) -> tuple[GlmResult, float, list[tuple[str, float]]]:
    agg = TimedAggregator(coord)
    t = time.perf_counter()
    res = glm(agg, "data", FORMULA, family_name="binomial")
    return res, time.perf_counter() - t, agg.rounds


def statsmodels_formula(pooled: pd.DataFrame) -> tuple[Any, float]:
    t = time.perf_counter()
    ref = smf.glm(FORMULA, pooled, family=sm.families.Binomial()).fit()
    return ref, time.perf_counter() - t


def statsmodels_matrix(y: np.ndarray, x: np.ndarray) -> float:
    t = time.perf_counter()
    sm.GLM(y, x, family=sm.families.Binomial()).fit()
    return time.perf_counter() - t


def max_rel(ours: np.ndarray, ref: np.ndarray) -> float:
    return float(np.max(np.abs(ours - ref) / np.abs(ref)))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--node-blas-threads", type=int, default=None,
                    help="BLAS threads per node process (default: inherit the environment)")
    ap.add_argument("--json", type=Path, default=None, help="write the figures here")
    args = ap.parse_args()
    rng = np.random.default_rng(2026)
    sizes = [int(args.rows * s) for s in SHARES]
    frames = [site_rows(i, n, rng) for i, n in enumerate(sizes)]
    pooled = pd.concat(frames, ignore_index=True)
    prebuilt = smf.glm(FORMULA, pooled, family=sm.families.Binomial())
    y_mat, x_mat = np.asarray(prebuilt.endog), np.asarray(prebuilt.exog)
    del prebuilt
    with tempfile.TemporaryDirectory(prefix="medveil-bench-") as tmp:
        sites, key = make_sites(Path(tmp), list(frames))
        with contextlib.ExitStack() as stack:
            fed = stack.enter_context(local_federation(
                [s.root for s in sites], threads=args.node_blas_threads))
            coord = stack.enter_context(Coordinator(fed, key))
            assert count(coord, "data").n == len(pooled)  # loads each node's data once
            fed_times, ref_times, mat_times = [], [], []
            round_log: list[tuple[str, float]] = []
            for _ in range(args.repeats):
                r0 = coord.rounds
                res, dt, round_log = federated(coord)
                n_rounds = coord.rounds - r0
                fed_times.append(dt)
                ref, dt = statsmodels_formula(pooled)
                ref_times.append(dt)
                mat_times.append(statsmodels_matrix(y_mat, x_mat))
            health = coord.health()
    names = list(ref.model.exog_names)
    if sorted(names) != sorted(res.names):
        print(f"design mismatch: {res.names} vs {names}")
        return 1
    order = [names.index(n) for n in res.names]
    err_params = max_rel(res.params, np.asarray(ref.params)[order])
    err_bse = max_rel(res.bse, np.asarray(ref.bse)[order])
    err_dev = abs(res.deviance - ref.deviance) / ref.deviance
    f, p, m = (statistics.median(x) for x in (fed_times, ref_times, mat_times))
    by_op: dict[str, list[float]] = defaultdict(list)
    for op, dt in round_log:
        by_op[op].append(dt)
    rss = {n: h.get("peak_rss_mb") for n, h in health.items()}
    ok = err_params < TOLERANCE and err_bse < TOLERANCE
    print(f"logistic GLM, {len(res.names) - 1} covariates + intercept, over 3 sites, "
          f"{len(pooled):,} rows ({', '.join(f'{n:,}' for n in sizes)}; {res.n:,} complete), "
          f"median of {args.repeats}")
    print(f"  formula: {FORMULA}")
    print(f"  federated glm (3 nodes, HTTPS, secure aggregation) {f:8.3f} s   "
          f"({n_rounds} rounds, {res.iterations} IRLS iterations)")
    print(f"  statsmodels smf.glm(formula, pooled).fit()         {p:8.3f} s   "
          f"({ref.fit_history['iteration']} iterations)")
    print(f"  statsmodels sm.GLM(y, X).fit(), X prebuilt         {m:8.3f} s")
    print(f"  ratio federated / smf.glm                          {f / p:8.2f}x   "
          f"(target <= 2x)")
    print(f"  ratio federated / sm.GLM(y, X)                     {f / m:8.2f}x")
    print("  federated rounds (last run): " + ", ".join(
        f"{op} {len(ts)} x {statistics.median(ts) * 1e3:.0f} ms" for op, ts in by_op.items()))
    print(f"  max relative difference vs statsmodels: params {err_params:.1e}, bse "
          f"{err_bse:.1e}, deviance {err_dev:.1e}   (must be < {TOLERANCE:g}: "
          f"{'ok' if ok else 'FAILED'})")
    print("  node peak RSS: " + ", ".join(f"{n} {v} MB" for n, v in rss.items())
          + f"   (node BLAS threads: {args.node_blas_threads or 'inherited'})")
    if args.json is not None:
        args.json.write_text(json.dumps({
            "benchmark": "glm", "rows": len(pooled), "site_rows": sizes, "complete_rows": res.n,
            "repeats": args.repeats, "formula": FORMULA, "names": list(res.names),
            "federated_s": fed_times, "statsmodels_formula_s": ref_times,
            "statsmodels_matrix_s": mat_times, "federated_median_s": f,
            "statsmodels_formula_median_s": p, "statsmodels_matrix_median_s": m,
            "ratio_federated_over_formula": f / p, "ratio_federated_over_matrix": f / m,
            "target_ratio": 2.0, "rounds": n_rounds, "iterations": res.iterations,
            "statsmodels_iterations": ref.fit_history["iteration"],
            "round_times_s": [[op, dt] for op, dt in round_log],
            "max_rel_diff_params": err_params, "max_rel_diff_bse": err_bse,
            "rel_diff_deviance": err_dev, "agree": ok, "node_peak_rss_mb": rss,
            "node_blas_threads": args.node_blas_threads,
        }, indent=2) + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
