"""Dask, for work that outgrows one process: a sweep's chunks, placebo draws, walk-forward folds.

Nothing here imports Dask until a scheduler is asked for (the ``distributed`` extra:
``pip install 'reelab[distributed]'``). A scheduler is one of

* a ``distributed.Client`` you made (it is used, and left open);
* a scheduler address such as ``"tcp://10.0.0.5:8786"`` (``dask scheduler`` / ``dask worker``);
* a number of workers: a ``LocalCluster`` of that many single-threaded worker processes on this
  machine, started for the call and closed after it.

What every task reads (prices, events, parameters) is scattered to the workers once; each task is
one memory-bounded chunk, and results come back in task order, so a distributed run gives exactly
the numbers of the same run in one process.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from signals.errors import ParameterError

__all__ = ["Scheduler", "connect", "map_ordered"]

#: A ``distributed.Client``, a scheduler address, or a number of local worker processes.
Scheduler = Any


@contextmanager
def connect(scheduler: Scheduler) -> Iterator[Any]:
    """A ``distributed.Client`` for ``scheduler`` (see the module docstring), closed afterwards if made here."""
    try:
        import distributed
    except ImportError:
        needs = "a Dask scheduler, which needs the distributed extra: pip install 'reelab[distributed]'"
        raise ParameterError("scheduler", scheduler, needs) from None
    if isinstance(scheduler, distributed.Client):
        yield scheduler
    elif isinstance(scheduler, int) and not isinstance(scheduler, bool) and scheduler >= 1:
        cluster = distributed.LocalCluster(
            n_workers=scheduler, threads_per_worker=1, processes=True, dashboard_address=":0"
        )  # fmt: skip
        with cluster, distributed.Client(cluster) as client:
            yield client
    elif isinstance(scheduler, str) and scheduler.strip():
        try:
            client = distributed.Client(scheduler.strip(), timeout="10s")
        except OSError as error:  # nothing listens there, or it is not a Dask scheduler
            raise ParameterError("scheduler", scheduler, f"a reachable Dask scheduler address ({error})") from None
        with client:
            yield client
    else:
        valid = "a distributed.Client, an address like tcp://host:8786, or a number of workers >= 1"
        raise ParameterError("scheduler", scheduler, valid)


def map_ordered(client: Any, function: Callable[[Any, Any], Any], shared: Any, items: Sequence) -> list:
    """``[function(shared, item) for item in items]`` on the cluster: ``shared`` is scattered to
    every worker once, each item is one task, and the results come back in ``items``' order."""
    shared_future = client.scatter(shared, broadcast=True, hash=False)
    futures = [client.submit(function, shared_future, item, pure=False) for item in items]
    return client.gather(futures)
