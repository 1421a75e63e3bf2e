"""site.toml: parsing and validation at the trust boundary."""

from __future__ import annotations

import base64
import re
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from medveil.errors import ConfigError

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SiteSection(_Strict):
    name: str
    display_name: str = ""

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not NAME_RE.match(v):
            raise ValueError("lowercase letters, digits, '.', '_' or '-', at most 63")
        return v


class KeysSection(_Strict):
    identity: str = "keys/identity.key"
    kex: str = "keys/kex.key"
    tls_key: str = "keys/tls.key"
    tls_cert: str = "keys/tls.crt"


class LedgerSection(_Strict):
    path: str = "ledger.sqlite"
    origin: str
    checkpoint_interval: int = Field(default=1, ge=1, le=1_000_000)

    @field_validator("origin")
    @classmethod
    def _origin(cls, v: str) -> str:
        if not v or any(c.isspace() or c == "+" for c in v):
            raise ValueError("non-empty, without spaces or '+'")
        return v


class DisclosureSection(_Strict):
    """Disclosure control applied by this node to every release."""

    min_cell: int = Field(default=5, ge=1)
    min_records: int = Field(default=10, ge=1)
    min_sites: int = Field(default=3, ge=2)
    max_param_ratio: float = Field(default=0.33, gt=0.0, le=1.0)
    min_time_grid: float = Field(default=1.0, ge=0.0)


class DatasetSection(_Strict):
    """A table (or a PLINK genotype fileset) this node serves read-only."""

    name: str
    path: str  # a file, or for format "plink" the fileset prefix (path.bed/.bim/.fam)
    format: Literal["csv", "parquet", "duckdb", "plink"] | None = None
    table: str | None = None  # for DuckDB database files
    identifiers: list[str] = Field(default_factory=list)  # never usable in any query
    pheno: str | None = None  # plink: PLINK-style phenotype file (FID IID name ...)
    covar: str | None = None  # plink: PLINK-style covariate file

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not NAME_RE.match(v):
            raise ValueError("lowercase letters, digits, '.', '_' or '-'")
        return v

    @property
    def resolved_format(self) -> str:
        if self.format:
            return self.format
        suffix = self.path.rsplit(".", 1)[-1].lower()
        return {"csv": "csv", "tsv": "csv", "parquet": "parquet", "pq": "parquet",
                "duckdb": "duckdb", "db": "duckdb", "bed": "plink"}.get(suffix, "csv")


class AccessRule(_Strict):
    """Who may do what: a requester's Ed25519 key, its role, datasets and operations."""

    name: str
    key: str  # base64 of the raw 32-byte Ed25519 public key
    role: Literal["researcher", "coordinator", "auditor"] = "researcher"
    datasets: list[str] = Field(default_factory=lambda: ["*"])
    operations: list[str] = Field(default_factory=lambda: ["stats.*"])

    @field_validator("key")
    @classmethod
    def _key(cls, v: str) -> str:
        try:
            raw = base64.b64decode(v, validate=True)
        except ValueError:
            raise ValueError("not base64") from None
        if len(raw) != 32:
            raise ValueError("an Ed25519 public key is 32 bytes")
        return v


class FederationSection(_Strict):
    """The membership this node trusts for peers' key-agreement and identity keys."""

    members: str = "federation.toml"


class SiteConfig(_Strict):
    site: SiteSection
    keys: KeysSection = KeysSection()
    ledger: LedgerSection
    disclosure: DisclosureSection = DisclosureSection()
    datasets: list[DatasetSection] = Field(default_factory=list)
    access: list[AccessRule] = Field(default_factory=list)
    federation: FederationSection = FederationSection()

    def dataset(self, name: str) -> DatasetSection | None:
        return next((d for d in self.datasets if d.name == name), None)


def load_config(path: Path) -> SiteConfig:
    """Parse and validate a site.toml; errors name the file and the field."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("no site.toml: is this a site folder?", path=path) from None
    except UnicodeDecodeError:
        raise ConfigError("not UTF-8 text", path=path) from None
    return parse_config(text, path)


def parse_config(text: str, path: Path) -> SiteConfig:
    """Validate site.toml text (``path`` names it in errors)."""
    try:
        raw: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML ({exc})", path=path) from None
    try:
        return SiteConfig.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"])
        raise ConfigError(err["msg"], path=path, field=field) from None
