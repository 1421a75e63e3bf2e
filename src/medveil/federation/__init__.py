"""Federation: node service, coordinator, wire formats, membership, local mode.

Nodes serve vetted operations over signed, pinned HTTPS and return masked
contributions; the coordinator sums them and learns only pooled totals.
"""

from __future__ import annotations

from medveil.federation._auth import NonceCache, sign_request, verify_request
from medveil.federation._client import NodeClient, NodeUnavailable, pinned_context
from medveil.federation._coordinator import Coordinator, StudyAborted
from medveil.federation._local import local_federation
from medveil.federation._membership import (
    Federation,
    Member,
    default_identity_path,
    init_identity,
    load_federation,
    load_researcher,
    member_from_site,
)
from medveil.federation._node import NodeService, create_app
from medveil.federation._serve import serve
from medveil.federation._wire import Frame, decode_frame, encode_frame

__all__ = [
    "Coordinator",
    "Federation",
    "Frame",
    "Member",
    "NodeClient",
    "NodeService",
    "NodeUnavailable",
    "NonceCache",
    "StudyAborted",
    "create_app",
    "decode_frame",
    "default_identity_path",
    "encode_frame",
    "init_identity",
    "load_federation",
    "load_researcher",
    "local_federation",
    "member_from_site",
    "pinned_context",
    "serve",
    "sign_request",
    "verify_request",
]
