"""Local mode: real node servers on loopback for a list of site folders.

Each site's node runs in its own process (``python -m medveil node serve``) on a
free loopback port, trusting a temporary federation file built from the site
folders' public keys; the study talks to them over HTTPS exactly as it would
to remote hospitals, and the nodes are stopped afterwards.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path

from medveil.errors import InputError, StateError
from medveil.federation._membership import Federation, member_from_site
from medveil.site import Site

log = logging.getLogger(__name__)


_BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                 "NUMBA_NUM_THREADS")


def _node_env(n_nodes: int, threads: int | None = None) -> dict[str, str]:
    """The environment of local-mode nodes: the machine's cores shared among them.

    Every node process would otherwise start one BLAS (and numba) thread per core, so N
    nodes on one machine oversubscribe it N times over. ``threads`` sets each node's
    count; otherwise a variable the caller set is kept, and the rest get the share.
    """
    env = dict(os.environ)
    if threads is not None:
        env.update(dict.fromkeys(_BLAS_THREADS, str(max(1, threads))))
        return env
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
        os.cpu_count() or 1)
    share = str(max(1, cores // max(n_nodes, 1)))
    for name in _BLAS_THREADS:
        env.setdefault(name, share)
    return env


@contextlib.contextmanager
def local_federation(site_dirs: Sequence[Path], *, startup_timeout: float = 60.0,
                     log_level: str = "warning",
                     threads: int | None = None) -> Iterator[Federation]:
    """Start one node per site folder on 127.0.0.1; yield the federation; stop them.
    ``threads``: BLAS/numba threads per node (default: the machine's cores shared)."""
    sites = [Site.open(d) for d in site_dirs]
    names = [s.name for s in sites]
    if len(set(names)) != len(names):
        raise InputError(f"site names are not unique: {names}", field="--local")
    tmp = Path(tempfile.mkdtemp(prefix="medveil-local-"))
    procs: list[tuple[Site, subprocess.Popen[bytes], Path, Path]] = []
    try:
        trust = Federation(tuple(member_from_site(s, "https://127.0.0.1") for s in sites))
        fed_path = tmp / "federation.toml"
        trust.save(fed_path)
        env = _node_env(len(sites), threads)
        for site in sites:
            port_file = tmp / f"{site.name}.port"
            log_file = tmp / f"{site.name}.log"
            with log_file.open("wb") as out:
                proc = subprocess.Popen(
                    [sys.executable, "-m", "medveil", "node", "serve", str(site.root),
                     "--host", "127.0.0.1", "--port", "0", "--federation", str(fed_path),
                     "--port-file", str(port_file), "--log-level", log_level],
                    stdout=subprocess.DEVNULL, stderr=out, env=env)
            procs.append((site, proc, port_file, log_file))
        ports: dict[str, int] = {}
        deadline = time.monotonic() + startup_timeout
        while len(ports) < len(procs):
            for site, proc, port_file, log_file in procs:
                if site.name in ports:
                    continue
                if port_file.exists():
                    ports[site.name] = int(port_file.read_text())
                elif proc.poll() is not None:
                    raise StateError(f"node {site.name} failed to start: {_last_line(log_file)}")
            if time.monotonic() > deadline:
                raise StateError("local nodes did not start within "
                                 f"{startup_timeout:.0f} s")
            time.sleep(0.05)
        fed = Federation(tuple(replace(m, url=f"https://127.0.0.1:{ports[m.name]}")
                               for m in trust.members))
        log.info("local nodes: %s", ", ".join(f"{m.name}={m.url}" for m in fed.members))
        yield fed
    finally:
        for _, proc, _, _ in procs:
            if proc.poll() is None:
                proc.terminate()
        for _, proc, _, _ in procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)


def _last_line(log_file: Path) -> str:
    try:
        lines = [ln for ln in log_file.read_text(errors="replace").splitlines() if ln.strip()]
    except OSError:
        return "(no log)"
    return lines[-1][:500] if lines else "(no output)"
