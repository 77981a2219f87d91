"""A real Dask LocalCluster (2 worker processes) shared by the sweep tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

SECRET = "the-dashboard-secret-key"


@pytest.fixture(scope="session")
def dask_client() -> Iterator[object]:
    """A client of a 2-process LocalCluster whose workers inherit a secret in their
    environment (as the dashboard's would): sandboxed runs must not see it."""
    from distributed import Client, LocalCluster

    from aristobot.optimize.cluster import LOCAL_SCHEDULER_OPTIONS

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ARISTOBOT_SECRET_KEY", SECRET)
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                               dashboard_address=None, memory_limit="1GiB",
                               scheduler_kwargs=dict(LOCAL_SCHEDULER_OPTIONS))
    client = Client(cluster, set_as_default=False)
    yield client
    client.close()
    cluster.close()
