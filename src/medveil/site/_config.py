"""site.toml: parsing and validation at the trust boundary."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

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


class SiteConfig(_Strict):
    site: SiteSection
    keys: KeysSection = KeysSection()
    ledger: LedgerSection


def load_config(path: Path) -> SiteConfig:
    """Parse and validate a site.toml; errors name the file and the field."""
    try:
        raw: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError("no site.toml: is this a site folder?", path=path) from None
    except UnicodeDecodeError:
        raise ConfigError("not UTF-8 text", path=path) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML ({exc})", path=path) from None
    try:
        return SiteConfig.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"])
        raise ConfigError(err["msg"], path=path, field=field) from None
