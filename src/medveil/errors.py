"""medveil's exception tree.

Every error medveil raises on purpose derives from :class:`MedveilError`, so a
caller (and the CLI) can catch one type and turn it into a clear message and a
non-zero exit code::

    MedveilError
    ├── InputError            bad user input: names the file, line or field
    │   └── ConfigError       a site.toml / federation file that does not validate
    ├── PolicyRefusal         a request the site's policy does not allow
    ├── DisclosureRefusal     an output that would break disclosure control
    ├── IntegrityError        a signature, proof or stored log that does not verify
    │   └── LedgerTampered    a ledger whose stored entries or checkpoints were changed
    ├── StateError            an operation that conflicts with existing state
    │                         (e.g. a site folder that already exists)
    └── ModelError            a model the data cannot estimate (perfect separation,
                              a singular design, no convergence)

Messages never contain patient values, keys or tokens: they name ids, counts,
indices and hashes.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "ConfigError",
    "DisclosureRefusal",
    "InputError",
    "IntegrityError",
    "LedgerTampered",
    "MedveilError",
    "ModelError",
    "PolicyRefusal",
    "StateError",
]


class MedveilError(Exception):
    """Root of every error medveil raises on purpose."""


class InputError(MedveilError):
    """Bad input. ``where`` names the file (and line or field) at fault."""

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.path = str(path) if path is not None else None
        self.line = line
        self.field = field
        super().__init__(message)

    @property
    def where(self) -> str:
        parts: list[str] = []
        if self.path is not None:
            parts.append(self.path)
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.field is not None:
            parts.append(f"field {self.field!r}")
        return ", ".join(parts)

    def __str__(self) -> str:
        msg = super().__str__()
        return f"{self.where}: {msg}" if self.where else msg


class ConfigError(InputError):
    """A configuration file (site.toml, federation file) that does not validate."""


class PolicyRefusal(MedveilError):
    """The site's policy does not allow this request."""


class DisclosureRefusal(MedveilError):
    """Releasing this output would break disclosure control."""


class IntegrityError(MedveilError):
    """A signature, proof, or stored structure that does not verify."""


class LedgerTampered(IntegrityError):
    """A ledger's stored entries or checkpoints were changed.

    ``index`` is the first entry index found to be wrong, when it can be located;
    ``problems`` lists every problem found, each naming its index or size.
    """

    def __init__(
        self, message: str, *, index: int | None = None, problems: tuple[str, ...] = ()
    ) -> None:
        self.index = index
        self.problems = problems
        super().__init__(message)


class StateError(MedveilError):
    """The operation conflicts with existing state."""


class ModelError(MedveilError):
    """The data cannot estimate the model as specified: perfect separation, a singular
    design, or an iteration that does not converge. The message says which and why."""
