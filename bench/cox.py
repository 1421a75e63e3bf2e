"""Federated Cox proportional hazards (5 covariates) over 3 sites holding 200,000 rows in total,
against lifelines' CoxPHFitter on the pooled rows put on the same time grid, in the same run.

Model: ``age + albumin + sex + C(stage)`` with stage I/II/III, i.e. 2 numeric covariates +
sex (1 dummy) + stage (2 dummies) = 5 covariates; Efron ties. Durations are in days:
exponential event times (hazard depends on the covariates and, unmodelled, on the site),
uniform censoring between 200 and 2,600 days, administrative censoring at the horizon (1,800
days); grid width 30 days (60 points). Sites hold 50% / 30% / 20% of the rows and are not
identically distributed (different covariate means, stage mix, sex ratio and baseline
hazard).

Nodes run on loopback (real HTTPS, secure aggregation, two-limb fixed point); each node loads
its dataset once (a warm-up ``count``), then ``cox(...)`` is timed end to end (surv.levels,
surv.summary, surv.plan, and one surv.cox round per Newton step). The reference is lifelines'
``CoxPHFitter().fit(df, "T", "E", formula=...)`` on the pooled rows already in memory with the
durations already put on the grid the federated fit used (``res.grid``): once with lifelines'
default options (the headline ratio: what a user would run) and once with
``fit_options={"precision": 1e-10}`` (the agreement check, since lifelines' default stops at
a step norm of 1e-7). Runs are interleaved; medians are reported.

Checks: max relative difference of params and standard errors against the precise lifelines
fit must be < 1e-5 (exit status 1 otherwise); the difference from the default fit is printed
too. Prints the ratio federated / lifelines default (target <= 2x), the ratio against the
precise fit, the wall times, the per-op round times, the grid used (and its notes) and each
node's peak RSS (VmHWM).

Usage: python bench/cox.py [--rows 200000] [--repeats 3] [--json FILE]
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
import warnings
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from lifelines import CoxPHFitter

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _sites import make_sites
from medveil.analysis import CoxResult, Totals, count, cox
from medveil.analysis._survival_math import grid_index, grid_times
from medveil.federation import Coordinator, local_federation

SHARES = (0.5, 0.3, 0.2)
COVARIATES = "age + albumin + sex + C(stage)"
WIDTH = 30.0
HORIZON = 1800.0
TOLERANCE = 1e-5
PRECISE = {"precision": 1e-10}


def site_rows(i: int, n: int, rng: np.random.Generator) -> pd.DataFrame:
    """Site i's rows: covariate means, stage mix, sex ratio and baseline hazard differ."""
    stage = rng.choice(np.array(["I", "II", "III"]), size=n,
                       p=[0.4 - 0.05 * i, 0.35, 0.25 + 0.05 * i])
    sex = rng.choice(np.array(["F", "M"]), size=n, p=[0.5 + 0.05 * i, 0.5 - 0.05 * i])
    age = rng.normal(62 + 3 * (i - 1), 9, n).round(1)
    albumin = rng.normal(40 - i, 5, n).round(1)
    st = pd.Series(stage).map({"I": 0.0, "II": 0.5, "III": 1.1}).to_numpy()
    rate = np.exp(-7.8 + 0.02 * (age - 60) - 0.04 * (albumin - 40) + 0.2 * (sex == "M")
                  + st + 0.1 * i)
    t_event = rng.exponential(1.0 / rate)
    t_cens = rng.uniform(200, 2600, n)
    return pd.DataFrame({
        "days": np.minimum(t_event, t_cens).round(0),
        "died": (t_event <= t_cens).astype(np.int64),
        "age": age, "albumin": albumin, "sex": sex, "stage": stage,
    })


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


def federated(coord: Coordinator) -> tuple[CoxResult, float, list[tuple[str, float]]]:
    agg = TimedAggregator(coord)
    t = time.perf_counter()
    res = cox(agg, "data", COVARIATES, time="days", event="died", width=WIDTH, horizon=HORIZON)
    return res, time.perf_counter() - t, agg.rounds


def gridded(pooled: pd.DataFrame, width: float, n_points: int) -> pd.DataFrame:
    """The pooled rows with durations put on the grid: columns T, E and the covariates."""
    k, ev = grid_index(pooled["days"].to_numpy(float), pooled["died"].to_numpy(bool),
                       width, n_points)
    out = pooled[["age", "albumin", "sex", "stage"]].copy()
    out["T"] = grid_times(width, n_points)[k]
    out["E"] = ev.astype(np.int64)
    return out


def lifelines_fit(df: pd.DataFrame, fit_options: dict[str, float] | None
                  ) -> tuple[CoxPHFitter, float]:
    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # lifelines' convergence chatter
        cph = CoxPHFitter().fit(df, "T", "E", formula=COVARIATES, fit_options=fit_options)
    return cph, time.perf_counter() - t


def max_rel(ours: np.ndarray, ref: np.ndarray) -> float:
    return float(np.max(np.abs(ours - ref) / np.abs(ref)))


def compare(res: CoxResult, cph: CoxPHFitter) -> tuple[float, float]:
    names = list(cph.params_.index)
    order = [names.index(n) for n in res.names]
    return (max_rel(res.params, cph.params_.to_numpy()[order]),
            max_rel(res.bse, cph.standard_errors_.to_numpy()[order]))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--node-blas-threads", type=int, default=None,
                    help="BLAS threads per node process (default: inherit the environment)")
    ap.add_argument("--json", type=Path, default=None, help="write the figures here")
    args = ap.parse_args()
    rng = np.random.default_rng(2026)
    sizes = [int(args.rows * s) for s in SHARES]
    frames = [site_rows(i, n, rng) for i, n in enumerate(sizes)]
    pooled = pd.concat(frames, ignore_index=True)
    with tempfile.TemporaryDirectory(prefix="medveil-bench-") as tmp:
        sites, key = make_sites(Path(tmp), list(frames))
        with contextlib.ExitStack() as stack:
            fed = stack.enter_context(local_federation(
                [s.root for s in sites], threads=args.node_blas_threads))
            coord = stack.enter_context(Coordinator(fed, key))
            assert count(coord, "data").n == len(pooled)  # loads each node's data once
            fed_times, ll_times, precise_times = [], [], []
            round_log: list[tuple[str, float]] = []
            g: pd.DataFrame | None = None
            for _ in range(args.repeats):
                r0 = coord.rounds
                res, dt, round_log = federated(coord)
                n_rounds = coord.rounds - r0
                fed_times.append(dt)
                if g is None:  # the reference's input, on the grid the federation used
                    g = gridded(pooled, res.grid.width, res.grid.n_points)
                default, dt = lifelines_fit(g, None)
                ll_times.append(dt)
                precise, dt = lifelines_fit(g, PRECISE)
                precise_times.append(dt)
            health = coord.health()
    assert g is not None
    if sorted(res.names) != sorted(precise.params_.index):
        print(f"design mismatch: {res.names} vs {list(precise.params_.index)}")
        return 1
    err_params, err_bse = compare(res, precise)
    err_params_default, err_bse_default = compare(res, default)
    err_ll = abs(res.log_likelihood - precise.log_likelihood_) / abs(precise.log_likelihood_)
    f, p, q = (statistics.median(x) for x in (fed_times, ll_times, precise_times))
    by_op: dict[str, list[float]] = defaultdict(list)
    for op, dt in round_log:
        by_op[op].append(dt)
    rss = {n: h.get("peak_rss_mb") for n, h in health.items()}
    ok = err_params < TOLERANCE and err_bse < TOLERANCE
    grid = res.grid
    print(f"Cox PH (Efron), {len(res.names)} covariates, over 3 sites, {len(pooled):,} rows "
          f"({', '.join(f'{n:,}' for n in sizes)}; {res.n_events:,} events on the grid), "
          f"median of {args.repeats}")
    print(f"  covariates: {COVARIATES}; grid width {grid.width:g} days x {grid.n_points} points "
          f"(horizon {grid.horizon:g}); notes: {'; '.join(grid.notes) or 'none'}")
    print(f"  federated cox (3 nodes, HTTPS, secure aggregation)   {f:8.3f} s   "
          f"({n_rounds} rounds, {res.iterations} Newton iterations)")
    print(f"  lifelines CoxPHFitter().fit(), default options       {p:8.3f} s")
    print(f"  lifelines CoxPHFitter().fit(), precision 1e-10       {q:8.3f} s")
    print(f"  ratio federated / lifelines default (headline)       {f / p:8.2f}x   "
          f"(target <= 2x)")
    print(f"  ratio federated / lifelines precision 1e-10          {f / q:8.2f}x")
    print("  federated rounds (last run): " + ", ".join(
        f"{op} {len(ts)} x {statistics.median(ts) * 1e3:.0f} ms" for op, ts in by_op.items()))
    print(f"  max relative difference vs lifelines (precision 1e-10): params {err_params:.1e}, "
          f"se {err_bse:.1e}, log-likelihood {err_ll:.1e}   (must be < {TOLERANCE:g}: "
          f"{'ok' if ok else 'FAILED'})")
    print(f"  max relative difference vs lifelines (default options): params "
          f"{err_params_default:.1e}, se {err_bse_default:.1e}")
    print("  node peak RSS: " + ", ".join(f"{n} {v} MB" for n, v in rss.items())
          + f"   (node BLAS threads: {args.node_blas_threads or 'inherited'})")
    if args.json is not None:
        args.json.write_text(json.dumps({
            "benchmark": "cox", "rows": len(pooled), "site_rows": sizes,
            "events": res.n_events, "repeats": args.repeats, "covariates": COVARIATES,
            "names": list(res.names), "grid": {"width": grid.width, "n_points": grid.n_points,
                                               "horizon": grid.horizon,
                                               "notes": list(grid.notes)},
            "federated_s": fed_times, "lifelines_default_s": ll_times,
            "lifelines_precise_s": precise_times, "federated_median_s": f,
            "lifelines_default_median_s": p, "lifelines_precise_median_s": q,
            "ratio_federated_over_lifelines_default": f / p,
            "ratio_federated_over_lifelines_precise": f / q, "headline_ratio": "default",
            "target_ratio": 2.0, "rounds": n_rounds, "iterations": res.iterations,
            "round_times_s": [[op, dt] for op, dt in round_log],
            "max_rel_diff_params": err_params, "max_rel_diff_se": err_bse,
            "rel_diff_log_likelihood": err_ll,
            "max_rel_diff_params_default": err_params_default,
            "max_rel_diff_se_default": err_bse_default, "agree": ok, "node_peak_rss_mb": rss,
            "node_blas_threads": args.node_blas_threads,
        }, indent=2) + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
