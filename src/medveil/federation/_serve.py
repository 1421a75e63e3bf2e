"""Running a node: uvicorn with the site's TLS certificate."""

from __future__ import annotations

import logging
import os
import socket
from pathlib import Path

import uvicorn

from medveil.errors import InputError, MedveilError
from medveil.federation._membership import Federation, load_federation
from medveil.federation._node import NodeService, create_app
from medveil.site import Site

log = logging.getLogger(__name__)


def node_federation(site: Site, override: Path | None = None) -> Federation:
    """The membership a node trusts: ``override`` or site.toml's [federation] members."""
    path = override or site.path(site.config.federation.members)
    return load_federation(path)


def serve(site_dir: Path, *, host: str = "127.0.0.1", port: int = 8443,
          federation: Path | None = None, port_file: Path | None = None,
          log_level: str = "warning") -> None:
    """Serve a site's node until interrupted. ``port=0`` picks a free port.

    When ``port_file`` is given, the bound port is written there (atomically)
    once the socket listens, which is how local mode learns it.
    """
    site = Site.open(site_dir)
    fed = node_federation(site, federation)
    service = NodeService(site, fed)
    app = create_app(service)
    genotype_sets = [d.name for d in site.config.datasets if d.resolved_format == "plink"]
    if genotype_sets:
        # before the node listens, so no study pays for it: load (or, the first time on
        # this machine, compile) the GWAS kernels, and open the registered filesets (their
        # .bim/.fam are parsed and checked once; a broken fileset is logged here)
        from medveil.gwas._kernels import warm_up
        from medveil.gwas._node import prepare

        warm_up()
        for name in genotype_sets:
            try:
                prepare(service.data.genotypes(name))
            except MedveilError as exc:
                log.warning("dataset %r cannot be opened: %s", name, exc)
    keys = site.config.keys
    try:
        # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY on accepted connections only when
        # the listening socket names TCP, and without it every response waits ~40 ms for
        # the peer's delayed ACK (uvicorn writes headers and body separately).
        sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET,
                             socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError as exc:
        raise InputError(f"cannot listen on {host}:{port} ({exc.strerror})",
                         field="--port") from None
    sock.listen(128)
    bound = sock.getsockname()[1]
    config = uvicorn.Config(app, ssl_keyfile=str(site.path(keys.tls_key)),
                            ssl_certfile=str(site.path(keys.tls_cert)), log_level=log_level,
                            access_log=False, timeout_keep_alive=30)
    server = uvicorn.Server(config)
    if port_file is not None:
        tmp = port_file.with_name(port_file.name + ".tmp")
        tmp.write_text(str(bound))
        os.replace(tmp, port_file)
    log.warning("node %s listening on https://%s:%d", site.name, host, bound)
    try:
        server.run(sockets=[sock])
    finally:
        service.close()
