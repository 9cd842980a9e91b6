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

An address is checked in two steps, both before any work: its syntax, by distributed's own parser
(:func:`address_problem`, without connecting), then whether a Dask scheduler answers there
(:func:`check_scheduler`) within :data:`SCHEDULER_TIMEOUT` seconds, or ``$REELAB_SCHEDULER_TIMEOUT``.

A local cluster keeps its scratch space (``dask-scratch-space``: lock files, spilled data) in a
temporary folder that is removed when the cluster closes, and its worker processes never receive
SIGINT: a terminal sends Ctrl-C to every process of its foreground group, and workers hit by it
would each print a traceback and die mid-task, while the main process closes them in order.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import shutil
import signal
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager, suppress
from typing import Any

from signals.errors import ParameterError

__all__ = [
    "SCHEDULER_TIMEOUT",
    "TIMEOUT_ENV",
    "Scheduler",
    "address_problem",
    "check_scheduler",
    "connect",
    "map_ordered",
]

#: A ``distributed.Client``, a scheduler address, or a number of local worker processes.
Scheduler = Any

#: Seconds a scheduler has to accept a connection and answer who it is (:func:`check_scheduler`).
SCHEDULER_TIMEOUT = 5.0
#: The environment variable that overrides :data:`SCHEDULER_TIMEOUT`.
TIMEOUT_ENV = "REELAB_SCHEDULER_TIMEOUT"

ADDRESS_EXAMPLE = "an address like tcp://10.0.0.5:8786 or 10.0.0.5:8786 (schemes: tcp, tls, ws, wss, ucx, inproc)"
NEEDS_EXTRA = "a Dask scheduler, which needs the distributed extra: pip install 'reelab[distributed]'"


def _needs_distributed(scheduler: Scheduler) -> ParameterError:
    return ParameterError("scheduler", scheduler, NEEDS_EXTRA)


def address_problem(text: str) -> str | None:
    """What is wrong with ``text`` as a Dask scheduler address, or None; nothing is connected to.

    distributed's own parser reads it (``host:port`` is ``tcp://host:port``); the scheme must be one
    distributed knows, and every scheme but ``inproc`` needs a host and a port from 1 to 65535.
    Raises :class:`~signals.errors.ParameterError` when distributed is not installed.
    """
    address = text.strip()
    if not address:
        return "it is empty"
    try:
        from distributed.comm import registry
        from distributed.comm.addressing import parse_address, parse_host_port
    except ImportError:
        raise _needs_distributed(text) from None
    try:
        scheme, location = parse_address(address)
        registry.get_backend(scheme)  # its ValueError names the known schemes
        if not location:
            return f"nothing after {scheme}://"
        if scheme == "inproc":
            return None
        host, port = parse_host_port(location)
    except ValueError as error:
        return str(error).replace("invalid literal for int() with base 10", "the port is not a number")
    if not host:
        return "no host before the port"
    if not 1 <= port <= 65535:
        return f"port {port} is not in 1-65535"
    return None


def scheduler_timeout() -> float:
    """Seconds to wait for a scheduler: ``$REELAB_SCHEDULER_TIMEOUT``, else :data:`SCHEDULER_TIMEOUT`."""
    text = os.environ.get(TIMEOUT_ENV, "").strip()
    if not text:
        return SCHEDULER_TIMEOUT
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds > 0):
        raise ParameterError(TIMEOUT_ENV, text, "a number of seconds > 0, e.g. 5")
    return seconds


async def _identity(address: str) -> dict:
    """Dask's ``identity`` of the server at ``address``: a handshake, then one request and its answer."""
    from distributed.comm import connect as comm_connect
    from distributed.security import Security

    comm = await comm_connect(address, **Security().get_connection_args("client"))
    try:
        await comm.write({"op": "identity", "reply": True, "close": True})
        return await comm.read()
    finally:
        comm.abort()


def check_scheduler(address: str, timeout: float | None = None) -> None:
    """Raise :class:`~signals.errors.ParameterError` unless a Dask scheduler answers at ``address``.

    Called before any work, so that a wrong address costs seconds, not a backtest. A TCP connection
    is tried first (a refused port or an unknown host fails at once), then the scheduler is asked who
    it is; a server that accepts and never answers fails after ``timeout`` seconds (default:
    :func:`scheduler_timeout`). The message names the address and what happened.
    """
    seconds = scheduler_timeout() if timeout is None else timeout
    deadline = time.monotonic() + seconds
    problem = address_problem(address)
    if problem is not None:
        raise ParameterError("scheduler", address, f"{ADDRESS_EXAMPLE}: {problem}")
    from distributed.comm.addressing import parse_address, parse_host_port

    address = address.strip()
    scheme, location = parse_address(address)

    def unreachable(what: str) -> ParameterError:
        return ParameterError("scheduler", address, f"a reachable Dask scheduler; {what}")

    if scheme == "inproc":
        raise unreachable("an inproc:// address exists only inside the process that made it")

    if scheme in ("tcp", "tls", "ws", "wss"):
        host, port = parse_host_port(location)
        try:
            socket.create_connection((host, port), timeout=seconds).close()
        except ConnectionRefusedError:
            raise unreachable(f"connection refused at {host}:{port} (nothing listens there)") from None
        except socket.gaierror as error:
            raise unreachable(f"host {host!r} not found ({error.strerror})") from None
        except TimeoutError:
            raise unreachable(f"no connection to {host}:{port} within {seconds:g} s ({TIMEOUT_ENV})") from None
        except OSError as error:
            raise unreachable(f"cannot connect to {host}:{port} ({error.strerror or error})") from None
    try:
        reply = asyncio.run(asyncio.wait_for(_identity(address), max(0.0, deadline - time.monotonic())))
    except TimeoutError:
        what = f"it accepted the connection but did not answer as a Dask scheduler within {seconds:g} s ({TIMEOUT_ENV})"
        raise unreachable(what) from None
    except Exception as error:  # TLS, protocol, a server of another kind: said in one line
        said = " ".join(str(error).split())  # one line, whatever the error's text
        raise unreachable(f"it did not answer as a Dask scheduler ({type(error).__name__}: {said})") from None
    kind = reply.get("type") if isinstance(reply, dict) else None
    if kind != "Scheduler":
        raise unreachable(f"it answered as a Dask {kind}, not a scheduler" if kind else "it did not answer as Dask")


@contextmanager
def _signals_held(deliver: bool = True) -> Iterator[None]:
    """SIGINT and SIGTERM wait until the block ends; threads and processes it starts never get SIGINT.

    Threads inherit the signal mask of the thread that starts them, and processes that of the thread
    that forks them (through ``exec`` too): with SIGINT blocked while a cluster starts, its loop
    thread and every worker process it spawns (now or on a restart) keep it blocked. This thread
    records both signals meanwhile and, if ``deliver``, raises them afterwards, when the cluster can
    be closed in order. Python runs signal handlers in the main thread only; elsewhere this does nothing.
    """
    numbers = (signal.SIGINT, signal.SIGTERM)
    if threading.current_thread() is not threading.main_thread() or None in map(signal.getsignal, numbers):
        yield
        return
    held: list[int] = []
    previous = {number: signal.signal(number, lambda number, _: held.append(number)) for number in numbers}
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)  # a SIGINT that came meanwhile is recorded now
        for number, handler in previous.items():
            signal.signal(number, handler)
        for came in dict.fromkeys(held) if deliver else ():
            signal.raise_signal(came)


@contextmanager
def _logs_silenced(silenced: bool) -> Iterator[None]:
    """No logging in this process during the block (if ``silenced``): a cluster closed with tasks in
    flight logs every cancelled task, every lost piece of scattered data, every broken connection."""
    disabled = logging.root.manager.disable
    if silenced:
        logging.disable(logging.CRITICAL)
    try:
        yield
    finally:
        logging.disable(disabled)


def _fall_silent(number: int, frame: object) -> None:
    logging.disable(logging.CRITICAL)


def dask_setup(worker: Any) -> None:
    """Run in each worker process of a local cluster as it starts (this module is its ``preload``).

    The worker was started with SIGINT blocked (see :func:`_signals_held`); from now on SIGINT makes
    it stop logging, nothing else. SIGINT comes from the terminal's Ctrl-C, or from the main process
    when it stops early (:func:`_silence_workers`); the main process then closes the worker, which
    would otherwise log each task it cancels and each connection that closes under it.
    """
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, _fall_silent)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _silence_workers(cluster: Any) -> None:
    """SIGINT to each live worker process of ``cluster`` (see :func:`dask_setup`)."""
    for nanny in list(getattr(cluster, "workers", {}).values()):
        pid = getattr(nanny, "pid", None)
        if pid:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGINT)


@contextmanager
def _local_cluster(distributed: Any, workers: int) -> Iterator[Any]:
    """A client of a ``LocalCluster`` of ``workers`` single-threaded processes, with its scratch space
    in a temporary folder; on the way out, however it is left, the cluster is closed, its processes
    joined and the folder removed, with signals held meanwhile (a second Ctrl-C leaves nothing behind)
    and, when the work stopped early, without a word from the closing cluster."""
    from multiprocessing import resource_tracker

    import dask

    # The tracker of the workers' semaphores, started here: started from the cluster's loop thread,
    # it would unblock SIGINT there (CPython's ensure_running unblocks, not restores, the mask).
    resource_tracker.ensure_running()
    scratch = tempfile.mkdtemp(prefix="reelab-dask-")
    stack = ExitStack()
    cluster = None
    failed = False
    try:
        with _signals_held():  # an interrupt lands once both are in the stack, so both get closed
            # every Dask server (the scheduler too, which takes no local_directory) has its scratch here
            stack.enter_context(dask.config.set({"temporary-directory": scratch}))
            cluster = stack.enter_context(
                distributed.LocalCluster(
                    n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0",
                    local_directory=scratch, preload=[__name__],
                )
            )  # fmt: skip
            client = stack.enter_context(distributed.Client(cluster))
        yield client
    except BaseException:
        failed = True
        raise
    finally:
        with _signals_held(deliver=not failed), _logs_silenced(failed):
            try:
                if failed:
                    _silence_workers(cluster)
                stack.close()
            finally:
                shutil.rmtree(scratch, ignore_errors=True)


@contextmanager
def connect(scheduler: Scheduler) -> Iterator[Any]:
    """A ``distributed.Client`` for ``scheduler`` (see the module docstring), closed afterwards if made here."""
    try:
        import distributed
    except ImportError:
        raise _needs_distributed(scheduler) from None
    if isinstance(scheduler, distributed.Client):
        yield scheduler
    elif isinstance(scheduler, int) and not isinstance(scheduler, bool) and scheduler >= 1:
        with _local_cluster(distributed, scheduler) as client:
            yield client
    elif isinstance(scheduler, str) and scheduler.strip():
        problem = address_problem(scheduler)
        if problem is not None:
            raise ParameterError("scheduler", scheduler, f"{ADDRESS_EXAMPLE}: {problem}")
        try:
            client = distributed.Client(scheduler.strip(), timeout=f"{max(10.0, scheduler_timeout())}s")
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
