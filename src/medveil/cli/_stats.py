"""`medveil stats ...`: federated statistics over --federation or --local nodes."""

from __future__ import annotations

import contextlib
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from medveil.cli._common import console, err_console, handled
from medveil.errors import InputError

app = typer.Typer(help="Federated statistics equal to the pooled computation; sites only "
                       "ever release masked aggregates.", no_args_is_help=True)


@dataclass
class StatsOptions:
    federation: Path | None
    local: list[Path]
    identity: Path | None
    dataset: str
    where: str | None
    fmt: str
    on_failure: str
    min_sites: int
    witness: bool


@app.callback()
def _options(
    ctx: typer.Context,
    dataset: Annotated[str, typer.Option(help="Dataset name registered at every site.")],
    federation: Annotated[Path | None, typer.Option(help="Membership file.")] = None,
    local: Annotated[list[Path] | None, typer.Option(
        help="Site folder to run a loopback node for (repeat: --local a --local b ...).")]
    = None,
    identity: Annotated[Path | None, typer.Option(help="Researcher key (default "
                                                 "$MEDVEIL_IDENTITY or ~/.medveil/identity.key).")]
    = None,
    where: Annotated[str | None, typer.Option(
        help="Row filter, e.g. \"stage == 'III' and age >= 50\".")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table | json")] = "table",
    on_failure: Annotated[str, typer.Option(
        help="If a node is down: abort, or continue without it (min-sites permitting).")]
    = "abort",
    min_sites: Annotated[int, typer.Option(help="Fewest sites a release may pool.", min=2)] = 3,
    witness: Annotated[bool, typer.Option(help="Cosign ledgers across nodes afterwards.")]
    = True,
) -> None:
    ctx.obj = StatsOptions(federation, list(local or []), identity, dataset, where, fmt,
                           on_failure, min_sites, witness)


@contextlib.contextmanager
def _session(opts: StatsOptions) -> Iterator[Any]:
    from medveil.federation import (
        Coordinator,
        default_identity_path,
        load_federation,
        load_researcher,
        local_federation,
    )

    if opts.fmt not in ("table", "json"):
        raise InputError("table or json", field="--format")
    if opts.on_failure not in ("abort", "continue"):
        raise InputError("abort or continue", field="--on-failure")
    if (opts.federation is None) == (not opts.local):
        raise InputError("give either --federation FILE or --local SITE_DIR (repeated)",
                         field="--federation")
    key = load_researcher(opts.identity or default_identity_path())
    fed_ctx: contextlib.AbstractContextManager[Any]
    if opts.local:
        fed_ctx = local_federation(opts.local)
    else:
        assert opts.federation is not None
        fed_ctx = contextlib.nullcontext(load_federation(opts.federation))
    with contextlib.ExitStack() as stack:
        status = stack.enter_context(err_console.status("starting", spinner="dots"))
        fed = stack.enter_context(fed_ctx)
        coord = stack.enter_context(Coordinator(
            fed, key, min_sites=opts.min_sites,
            on_failure=opts.on_failure,  # type: ignore[arg-type]
            progress=lambda msg: status.update(msg)))
        yield coord
        if opts.witness:
            status.update("witnessing: nodes cosign each other's ledger checkpoints")
            coord.witness()
        if coord.dropped:
            err_console.print(f"note: continued without {', '.join(coord.dropped)}",
                              highlight=False)


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        if math.isnan(v):
            return "NA"
        return f"{v:.6g}"
    if isinstance(v, list | tuple) and all(not isinstance(x, dict | list) for x in v):
        return ", ".join(_fmt(x) for x in v)
    return str(v)


def _render(title: str, data: Any) -> None:
    """Render a result's to_dict() as tables: lists of records, then scalar fields."""
    if isinstance(data, dict):
        scalars = {k: v for k, v in data.items() if not isinstance(v, dict | list)
                   or (isinstance(v, list) and all(not isinstance(x, dict | list) for x in v))}
        nested = {k: v for k, v in data.items() if k not in scalars}
        if scalars:
            t = Table(title=title, show_header=False)
            t.add_column("field")
            t.add_column("value")
            for k, v in scalars.items():
                t.add_row(str(k), _fmt(v))
            console.print(t)
        for k, v in nested.items():
            _render(f"{title}: {k}", v)
    elif isinstance(data, list) and data and all(isinstance(r, dict) for r in data):
        cols: list[str] = []
        for r in data:
            cols.extend(c for c in r if c not in cols)
        t = Table(title=title)
        for c in cols:
            t.add_column(str(c))
        for r in data:
            t.add_row(*(_fmt(r.get(c, "")) for c in cols))
        console.print(t)
    elif isinstance(data, list):
        for i, row in enumerate(data):
            _render(f"{title}[{i}]", row)
    else:
        console.print(f"{title}: {_fmt(data)}", highlight=False)


def _emit(opts: StatsOptions, title: str, result: Any) -> None:
    data = result.to_dict()
    if opts.fmt == "json":
        console.print(json.dumps(data, ensure_ascii=False, allow_nan=True, default=str),
                      highlight=False, markup=False, soft_wrap=True)
    else:
        _render(title, data)


def _cols(text: str) -> list[str]:
    cols = [c.strip() for c in text.split(",") if c.strip()]
    if not cols:
        raise InputError("no columns given", field="COLUMNS")
    return cols


@app.command("count")
def count_cmd(ctx: typer.Context) -> None:
    """Number of rows (matching --where) across all sites."""
    from medveil.analysis import count

    opts: StatsOptions = ctx.obj
    with handled(), _session(opts) as coord:
        _emit(opts, "count", count(coord, opts.dataset, where=opts.where))


@app.command("describe")
def describe_cmd(
    ctx: typer.Context,
    columns: Annotated[str, typer.Argument(help="Comma-separated numeric columns.")],
    by: Annotated[str | None, typer.Option(help="Group by this categorical column.")] = None,
) -> None:
    """n, mean, variance and SD per column (and group)."""
    from medveil.analysis import describe

    opts: StatsOptions = ctx.obj
    with handled(), _session(opts) as coord:
        _emit(opts, "describe", describe(coord, opts.dataset, _cols(columns), by=by,
                                         where=opts.where))


@app.command("table")
def table_cmd(
    ctx: typer.Context,
    columns: Annotated[str, typer.Argument(help="1 to 3 comma-separated categorical columns.")],
) -> None:
    """Contingency table with a chi-square test of independence."""
    from medveil.analysis import table

    opts: StatsOptions = ctx.obj
    with handled(), _session(opts) as coord:
        _emit(opts, "table", table(coord, opts.dataset, _cols(columns), where=opts.where))


@app.command("ttest")
def ttest_cmd(
    ctx: typer.Context,
    column: Annotated[str, typer.Argument(help="Numeric column.")],
    by: Annotated[str, typer.Option(help="Two-level grouping column.")],
    welch: Annotated[bool, typer.Option(help="Welch's t-test (unequal variances).")] = False,
) -> None:
    """Two-group t-test (Student's by default)."""
    from medveil.analysis import ttest

    opts: StatsOptions = ctx.obj
    with handled(), _session(opts) as coord:
        _emit(opts, "t-test", ttest(coord, opts.dataset, column, by=by, where=opts.where,
                                    equal_var=not welch))


@app.command("anova")
def anova_cmd(
    ctx: typer.Context,
    column: Annotated[str, typer.Argument(help="Numeric column.")],
    by: Annotated[str, typer.Option(help="Grouping column.")],
) -> None:
    """One-way ANOVA."""
    from medveil.analysis import anova

    opts: StatsOptions = ctx.obj
    with handled(), _session(opts) as coord:
        _emit(opts, "ANOVA", anova(coord, opts.dataset, column, by=by, where=opts.where))


@app.command("corr")
def corr_cmd(
    ctx: typer.Context,
    columns: Annotated[str, typer.Argument(help="Comma-separated numeric columns.")],
) -> None:
    """Covariance and Pearson correlation matrices (complete cases)."""
    from medveil.analysis import correlation

    opts: StatsOptions = ctx.obj
    with handled(), _session(opts) as coord:
        _emit(opts, "correlation", correlation(coord, opts.dataset, _cols(columns),
                                               where=opts.where))


@app.command("hist")
def hist_cmd(
    ctx: typer.Context,
    column: Annotated[str, typer.Argument(help="Numeric column.")],
    bins: Annotated[str, typer.Option(help="Edges '0,10,20,...' or a number of bins.")] = "10",
) -> None:
    """Histogram on given edges, or on agreed equal-width bins."""
    from medveil.analysis import histogram

    opts: StatsOptions = ctx.obj
    with handled():
        try:
            parsed: list[float] | int = (int(bins) if bins.strip().isdigit()
                                         else [float(b) for b in bins.split(",")])
        except ValueError:
            raise InputError("edges are numbers separated by commas", field="--bins") from None
        with _session(opts) as coord:
            _emit(opts, "histogram", histogram(coord, opts.dataset, column, bins=parsed,
                                               where=opts.where))


@app.command("quantiles")
def quantiles_cmd(
    ctx: typer.Context,
    column: Annotated[str, typer.Argument(help="Numeric column.")],
    q: Annotated[str, typer.Option(help="Comma-separated probabilities.")] = "0.25,0.5,0.75",
) -> None:
    """Quantiles, exact to a small bin, by secure bisection on counts."""
    from medveil.analysis import quantiles

    opts: StatsOptions = ctx.obj
    with handled():
        try:
            qs = [float(x) for x in q.split(",")]
        except ValueError:
            raise InputError("probabilities are numbers separated by commas", field="--q") \
                from None
        with _session(opts) as coord:
            _emit(opts, "quantiles", quantiles(coord, opts.dataset, column, qs,
                                               where=opts.where))
