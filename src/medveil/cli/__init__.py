"""medveil's command line (Typer + Rich). Commands parse, call a package, print."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from medveil._version import __version__
from medveil.cli import _federation, _gwas, _ledger, _models, _scan, _site, _stats
from medveil.cli._common import configure_logging, console, handled

__all__ = ["app", "main"]

app = typer.Typer(
    name="medveil",
    help="Privacy-preserving biomedical data collaboration: usable, not visible.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(_site.app, name="site")
app.add_typer(_ledger.app, name="ledger")
app.add_typer(_federation.node_app, name="node")
app.add_typer(_federation.identity_app, name="identity")
app.add_typer(_federation.federation_app, name="federation")
app.add_typer(_stats.app, name="stats")
app.command("scan")(_scan.scan_command)
app.command("glm")(_models.glm_command)
app.command("cox")(_models.cox_command)
app.command("km")(_models.km_command)
app.command("gwas")(_gwas.gwas_command)


def _version(value: bool) -> None:
    if value:
        console.print(f"medveil {__version__}", highlight=False)
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
    verbose: Annotated[int, typer.Option("--verbose", "-v", count=True,
                                         help="More log output (-v info, -vv debug).")] = 0,
) -> None:
    configure_logging(verbose)


@app.command("demo")
def demo(
    workdir: Annotated[Path, typer.Option("--workdir", help="Folder for the demo sites "
                                          "(recreated).")] = Path("medveil-demo"),
) -> None:
    """Run the platform end to end on synthetic hospitals."""
    from medveil.demo import run_demo

    with handled():
        run_demo(workdir, console)


def main() -> None:
    app()
