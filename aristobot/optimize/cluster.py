"""The Dask cluster sweeps run on: a LocalCluster by default, an existing scheduler if set.

``client_for(settings)`` returns a ``distributed.Client``, one per process and address:

* ``settings.dask_scheduler`` set (``ARISTOBOT_DASK_SCHEDULER=tcp://host:8786``): a client of
  that scheduler (its workers need aristobot installed, see README « Calcul distribué »);
* otherwise a process-wide ``LocalCluster`` started on first use: ``dask_workers`` worker
  processes (0 = one per CPU core), one thread each, ``dask_worker_memory_mb`` each, no web
  dashboard. Closed by ``close_clients()`` (or at interpreter exit).

A user who outgrows one machine starts ``dask scheduler`` and ``dask worker tcp://…`` processes
on other machines and sets ``ARISTOBOT_DASK_SCHEDULER``; nothing else changes.
"""

from __future__ import annotations

import atexit
import logging
import os
import signal
import threading
from typing import TYPE_CHECKING

from aristobot.errors import ConfigError
from aristobot.optimize import messages as msg

if TYPE_CHECKING:
    from distributed import Client, LocalCluster

    from aristobot.config import Settings

log = logging.getLogger(__name__)

_LOCK = threading.Lock()
_CLIENTS: dict[str, Client] = {}
_CLUSTERS: dict[str, LocalCluster] = {}
CONNECT_TIMEOUT_S = 20
#: How long closing a client or a LocalCluster may take before its workers are killed.
CLOSE_TIMEOUT_S = 30
#: No web dashboard; the scheduler's health/metrics HTTP server on a free port (8787 may be
#: taken by another cluster on the machine).
LOCAL_SCHEDULER_OPTIONS: dict[str, object] = {"dashboard_address": ":0"}


def local_cluster(n_workers: int = 0, memory_mb: int = 1024) -> LocalCluster:
    """Start a LocalCluster of ``n_workers`` processes (0: one per core), 1 thread each."""
    from distributed import LocalCluster

    workers = n_workers or os.cpu_count() or 1
    return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                        memory_limit=f"{memory_mb}MiB", dashboard_address=None,
                        scheduler_kwargs=dict(LOCAL_SCHEDULER_OPTIONS),
                        silence_logs=logging.WARNING)


def client_for(settings: Settings | None = None) -> Client:
    """Return this process's client for ``settings`` (see the module docstring)."""
    from distributed import Client

    if settings is None:
        from aristobot.config import get_settings

        settings = get_settings()
    key = settings.dask_scheduler or f"local:{settings.dask_workers}"
    with _LOCK:
        client = _CLIENTS.get(key)
        if client is not None and client.status == "running":
            return client
        if settings.dask_scheduler:
            try:
                client = Client(settings.dask_scheduler, timeout=CONNECT_TIMEOUT_S,
                                set_as_default=False)
            except OSError:
                raise ConfigError(key="ARISTOBOT_DASK_SCHEDULER",
                                  reason=msg.SCHEDULER_UNREACHABLE) from None
        else:
            cluster = _CLUSTERS.get(key)
            if cluster is None or cluster.status.name != "running":
                cluster = _CLUSTERS[key] = local_cluster(settings.dask_workers,
                                                         settings.dask_worker_memory_mb)
            client = Client(cluster, set_as_default=False)
        _CLIENTS[key] = client
        log.info("dask client ready: %s", client.scheduler_info().get("address", key))
        return client


def worker_pids(cluster: LocalCluster) -> list[int]:
    """Return the pids of ``cluster``'s live worker processes (started by its nannies)."""
    pids = []
    for worker in list(cluster.workers.values()):
        pid = getattr(worker, "pid", None)
        if isinstance(pid, int):
            pids.append(pid)
    return pids


def close_cluster(cluster: LocalCluster, timeout_s: float = CLOSE_TIMEOUT_S) -> None:
    """Close ``cluster``; if that fails or times out, SIGKILL its worker processes (their
    sandboxed strategy workers die with them: ``sandbox.die_with_parent``)."""
    pids = worker_pids(cluster)
    try:
        cluster.close(timeout=timeout_s)
        return
    except Exception as e:  # noqa: BLE001 - whatever went wrong, the workers must not survive
        log.warning("LocalCluster did not close cleanly (%r): killing its workers", e)
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)  # a worker process this process started
        except OSError:
            pass


def close_clients() -> None:
    """Close every client and LocalCluster this process started (each one even if closing
    another fails)."""
    with _LOCK:
        clients, clusters = list(_CLIENTS.values()), list(_CLUSTERS.values())
        _CLIENTS.clear()
        _CLUSTERS.clear()
    for client in clients:
        try:
            client.close(timeout=CLOSE_TIMEOUT_S)
        except Exception as e:  # noqa: BLE001 - keep closing the others
            log.warning("dask client did not close cleanly: %r", e)
    for cluster in clusters:
        close_cluster(cluster)


atexit.register(close_clients)
