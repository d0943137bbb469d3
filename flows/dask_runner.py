"""Task runner choice for the flows: the default thread pool, a Dask cluster, or a local one.

`task_runner_for(...)` returns a runner for `nightly_flow.with_options(task_runner=...)`, or None
for the flow's default thread pool. A local cluster's worker processes each import the flow
module and talk to the Prefect API: they are given the parent's `PREFECT_API_URL` (and the
no-telemetry variables) so they share one server instead of starting one each. The script that
starts a local cluster needs an `if __name__ == "__main__":` guard (workers re-import it).
Workers of a cluster started elsewhere (`--dask-address`) need the same: PREFECT_API_URL in
their environment, and DASK_DISTRIBUTED__WORKER__DAEMON=False so the sandbox can fork.
"""

from __future__ import annotations

import os

from prefect_dask import DaskTaskRunner

LOCAL_CLUSTER = {"n_workers": 2, "threads_per_worker": 1, "processes": True}
QUIET = {"DO_NOT_TRACK": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}


class DaskSetupError(RuntimeError):
    """A Dask choice that cannot work as asked; the message says what to do."""


def current_api_url() -> str | None:
    """The Prefect API this process talks to (environment, profile or test harness), if any."""
    from prefect.settings import get_current_settings

    url = get_current_settings().api.url
    return str(url) if url else os.environ.get("PREFECT_API_URL") or None


def worker_env(api_url: str) -> dict[str, str]:
    return {"PREFECT_API_URL": api_url, **QUIET}


def local_cluster_kwargs(api_url: str | None, *, processes: bool = True) -> dict:
    """LocalCluster arguments; worker processes need a shared API URL, threads do not."""
    kwargs = dict(LOCAL_CLUSTER, processes=processes)
    if not processes:
        return kwargs
    if not api_url:
        raise DaskSetupError(
            "--dask-local starts worker processes that must share one Prefect API; start one "
            "with `prefect server start --host 127.0.0.1` and set "
            "PREFECT_API_URL=http://127.0.0.1:4200/api, then run again."
        )
    return kwargs | {"env": worker_env(api_url)}


def allow_worker_children() -> None:
    """Make local worker processes non-daemonic: the nightly flow extracts each file in a
    forked sandbox child, and a daemonic process may not have children. Read by the nanny
    each time it starts a worker, so it is set for the whole process, not for one block."""
    import dask

    dask.config.set({"distributed.worker.daemon": False})


def task_runner_for(
    dask_address: str | None,
    local_cluster: bool,
    *,
    processes: bool = True,
    api_url: str | None = None,
) -> DaskTaskRunner | None:
    """A Dask runner on `dask_address` (tcp://host:8786), a local 2-worker cluster, or None
    (the flow keeps its thread pool)."""
    if dask_address and local_cluster:
        raise DaskSetupError("choose --dask-address or --dask-local, not both")
    if dask_address:
        return DaskTaskRunner(address=dask_address)
    if local_cluster:
        url = api_url or (current_api_url() if processes else None)
        kwargs = local_cluster_kwargs(url, processes=processes)
        if processes:
            allow_worker_children()
        return DaskTaskRunner(cluster_kwargs=kwargs)
    return None
