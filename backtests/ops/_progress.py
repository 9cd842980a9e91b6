"""Progress of long operations: a small hook the operations call, and a tqdm bar that can be one.

An operation made of many pieces (a sweep's combinations, placebo draws, walk-forward folds, a
study's event-asset pairs, a backtest's stages) reports each finished piece to a *hook*: any
callable that takes a :class:`Step`. The operations hold no terminal logic: they report to the
hook they are given (``progress=``) or, given none, to the hook of the enclosing :func:`reporting`
block (a context variable: the block's own code in its own thread, nothing else), and to nothing
otherwise, at the cost of one no-op call per piece. On Dask, a piece is reported when
its task has finished (:func:`map_reported`).

:class:`TqdmProgress` is the hook that draws bars (``tqdm.auto``: a widget in Jupyter, text on a
terminal); ``reelab run``, ``sweep`` and ``study`` use it when stderr is a terminal.

>>> steps = []
>>> with reporting(steps.append):
...     pieces = track(None, "demo", 2, "piece")
...     pieces.advance()
...     pieces.advance()
>>> [(step.task, step.done, step.total) for step in steps]
[('demo', 0, 2), ('demo', 1, 2), ('demo', 2, 2)]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import IO, Any, TypeVar

from ..simulation._distributed import map_ordered

T = TypeVar("T")

__all__ = ["Progress", "ProgressHook", "Step", "TqdmProgress", "Tracker", "map_reported", "reporting", "track"]


@dataclass(frozen=True)
class Step:
    """Where a task stands: ``done`` of ``total`` pieces (``unit``: combination, draw, fold, pair, stage ...).

    A task is reported once with ``done == 0`` when it starts (its total is then known), then after
    each finished piece; ``done == total`` is its last step. ``detail`` says what runs now, if anything.
    """

    task: str
    done: int
    total: int
    unit: str = "step"
    detail: str = ""


#: What an operation reports to: called with each :class:`Step`, in the operation's own thread.
ProgressHook = Callable[[Step], None]
#: An operation's ``progress`` argument: a hook, True (tqdm bars), False (nothing), or None (the
#: hook of the enclosing :func:`reporting` block, if any).
Progress = bool | ProgressHook | None

_HOOK: ContextVar[ProgressHook | None] = ContextVar("reelab_progress", default=None)


class TqdmProgress:
    """A hook that draws one tqdm bar per task, closed when the task's last step comes.

    Parameters
    ----------
    file : file-like, optional
        Where text bars go (default: ``sys.stderr`` when the bar starts).
    leave : bool
        Keep finished bars on screen (False: each bar is erased when its task ends).
    tqdm_class : optional
        The bar class (default ``tqdm.auto.tqdm``: a widget in Jupyter, text elsewhere).
    **options
        More arguments for each bar (``mininterval``, ``ncols``, ...).
    """

    def __init__(self, file: IO[str] | None = None, leave: bool = True, tqdm_class: Any = None, **options: Any):
        self.file, self.leave, self.tqdm_class, self.options = file, leave, tqdm_class, options
        self._bars: dict[str, tuple[Any, str]] = {}  # task -> (its bar, the detail shown)

    def __call__(self, step: Step) -> None:
        bar, detail = self._bars.get(step.task, (None, ""))
        if bar is None:
            if self.tqdm_class is None:
                from tqdm.auto import tqdm

                self.tqdm_class = tqdm
            bar = self.tqdm_class(
                total=step.total, desc=step.task, unit=step.unit, file=self.file, leave=self.leave, **self.options
            )
        self._bars[step.task] = (bar, step.detail)
        if step.detail != detail:
            bar.set_postfix_str(step.detail, refresh=False)
        bar.update(step.done - bar.n)  # drawn at most every 0.1 s ...
        if step.detail != detail:
            bar.refresh()  # ... but a new stage always: it may be the long one
        if step.done >= step.total:
            del self._bars[step.task]
            bar.close()

    def close(self) -> None:
        """Close the bars of tasks that did not finish (an error, an interrupt)."""
        while self._bars:
            self._bars.popitem()[1][0].close()


@contextmanager
def reporting(hook: ProgressHook | bool = True) -> Iterator[ProgressHook | None]:
    """Within the block, operations called without ``progress=`` report to ``hook``.

    ``True`` (the default) draws tqdm bars (:class:`TqdmProgress`), ``False`` reports to nothing
    (inside an outer block too). A :class:`TqdmProgress` hook's unfinished bars are closed when the
    block ends, however it ends.

    Examples
    --------
    >>> from backtests import ops
    >>> with reporting():  # doctest: +SKIP
    ...     result = ops.placebo(spec, draws=1000)
    """
    chosen = TqdmProgress() if hook is True else None if hook is False else hook
    token = _HOOK.set(chosen)
    try:
        yield chosen
    finally:
        _HOOK.reset(token)
        if isinstance(chosen, TqdmProgress):
            chosen.close()


def hook_for(progress: Progress) -> ProgressHook | None:
    """The hook an operation's ``progress`` argument means (see :data:`Progress`)."""
    if progress is None:
        return _HOOK.get()
    if progress is True:
        return TqdmProgress()
    if progress is False:
        return None
    return progress


class Tracker:
    """The pieces of one task, reported to a hook: built by :func:`track`, advanced by the operation."""

    __slots__ = ("done", "hook", "task", "total", "unit")

    def __init__(self, hook: ProgressHook | None, task: str, total: int, unit: str = "step", detail: str = ""):
        self.hook, self.task, self.total, self.unit, self.done = hook, task, int(total), unit, 0
        if hook is not None:
            hook(Step(task, 0, self.total, unit, detail))

    @property
    def silent(self) -> bool:
        """Whether nobody listens (then :meth:`advance` does nothing)."""
        return self.hook is None

    def advance(self, count: int = 1, detail: str = "") -> None:
        """``count`` more pieces are done; ``detail`` says what runs next."""
        if self.hook is not None:
            self.done += count
            self.hook(Step(self.task, self.done, self.total, self.unit, detail))

    def over(self, items: Iterable[T]) -> Iterator[T]:
        """``items``, one by one, each reported done when the loop asks for the next (or ends); silent,
        ``items`` themselves."""
        return iter(items) if self.hook is None else self._reported(items)

    def _reported(self, items: Iterable[T]) -> Iterator[T]:
        for item in items:
            yield item
            self.advance()


def track(progress: Progress, task: str, total: int, unit: str = "step", detail: str = "") -> Tracker:
    """Start reporting ``task`` (``total`` pieces of ``unit``) to the hook ``progress`` means (:func:`hook_for`)."""
    return Tracker(hook_for(progress), task, total, unit, detail)


def map_reported(
    client: Any, function: Callable[[Any, Any], Any], shared: Any, items: Sequence, tracker: Tracker,
    sizes: Sequence[int] | None = None,
) -> list:  # fmt: skip
    """:func:`~backtests.simulation._distributed.map_ordered`, with ``tracker`` advanced as each task
    finishes (by ``sizes[i]`` pieces for item i, else 1). Silent, it is map_ordered itself.

    A failed task stops the wait, and its error is raised by the gather, as map_ordered raises it.
    """
    if tracker.silent:
        return map_ordered(client, function, shared, items)
    from distributed import as_completed

    shared_future = client.scatter(shared, broadcast=True, hash=False)
    futures = [client.submit(function, shared_future, item, pure=False) for item in items]
    number = {future.key: position for position, future in enumerate(futures)}
    for future in as_completed(futures):
        if future.status == "error":
            break
        tracker.advance(sizes[number[future.key]] if sizes is not None else 1)
    return client.gather(futures)
