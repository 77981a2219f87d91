"""A real Dask LocalCluster (2 worker processes) per test module of the sweep tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

SECRET = "the-dashboard-secret-key"


@pytest.fixture(scope="module")
def dask_client() -> Iterator[object]:
    """A client of a 2-process LocalCluster whose workers inherit a secret in their
    environment (as the dashboard's would): sandboxed runs must not see it.

    Module-scoped, closed in a ``finally`` (even when a test fails or times out): its workers
    and their sandboxed strategy workers never outlive the module (``tests/conftest.py``
    checks it)."""
    from distributed import Client

    from aristobot.optimize.cluster import close_cluster, local_cluster

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ARISTOBOT_SECRET_KEY", SECRET)
        cluster = local_cluster(2, 1024)
    try:
        client = Client(cluster, set_as_default=False)
        try:
            yield client
        finally:
            client.close()
    finally:
        close_cluster(cluster)
