"""Shared CLI plumbing: consoles, logging setup, and error-to-exit-code mapping."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.logging import RichHandler

from medveil.errors import (
    DisclosureRefusal,
    InputError,
    IntegrityError,
    LedgerTampered,
    MedveilError,
    PolicyRefusal,
    StateError,
)

# soft_wrap: long paths and keys stay on one line when output is not a terminal.
console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)

#: Exit codes, documented in the README.
EXIT_OK = 0
EXIT_INTEGRITY = 1  # something does not verify (tampered ledger, bad proof)
EXIT_INPUT = 2  # bad input or usage
EXIT_REFUSED = 3  # refused by state, policy or disclosure control


def configure_logging(verbose: int) -> None:
    level = logging.WARNING if verbose <= 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(
        level=level,
        format="%(name)s: %(message)s",
        handlers=[RichHandler(console=err_console, show_path=False, show_time=False)],
        force=True,
    )


@contextmanager
def handled() -> Iterator[None]:
    """Turn medveil's errors into a one-line message and an exit code, never a traceback."""
    try:
        yield
    except LedgerTampered as exc:
        err_console.print("[bold red]TAMPERED[/]: ", end="", highlight=False)
        err_console.print(str(exc), markup=False, highlight=False)
        for p in exc.problems:
            err_console.print(f"  - {p}", highlight=False, markup=False)
        raise typer.Exit(EXIT_INTEGRITY) from None
    except IntegrityError as exc:
        _fail("does not verify", exc, EXIT_INTEGRITY)
    except InputError as exc:
        _fail("bad input", exc, EXIT_INPUT)
    except (StateError, PolicyRefusal, DisclosureRefusal) as exc:
        _fail("refused", exc, EXIT_REFUSED)
    except MedveilError as exc:
        _fail("error", exc, EXIT_INPUT)
    except sqlite3.DatabaseError as exc:
        _fail("database error", exc, EXIT_INTEGRITY)
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        _fail("cannot access file", f"{where}{exc.strerror or exc}", EXIT_INPUT)


def _fail(kind: str, exc: object, code: int) -> None:
    err_console.print(f"[bold red]error[/] ({kind}): ", end="", highlight=False)
    err_console.print(str(exc), markup=False, highlight=False)
    raise typer.Exit(code) from None
