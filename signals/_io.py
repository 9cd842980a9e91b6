"""Atomic file output: a reader never sees a half-written file, nor files that do not belong together."""

from __future__ import annotations

import contextlib
import fcntl
import functools
import glob
import hashlib
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from ._places import lock_dir

__all__ = [
    "atomic_write",
    "input_record",
    "locked",
    "package_versions",
    "publish_folder",
    "sha256_file",
    "staged_folder",
]

#: Test hook: seconds to wait after the temporary file is complete and before the rename, so that a
#: test can kill the process at the worst moment and check that no partial output appears.
PAUSE_ENV = "REELAB_TEST_PAUSE_BEFORE_RENAME"


def stage_file(path: str | Path, data: str | bytes) -> Path:
    """Write ``data`` to a temporary file beside ``path`` (flushed to disk, ordinary permissions); return it.

    The caller renames it over ``path`` (:func:`atomic_write` does at once; the price store renames
    a batch of them only once all are staged). A failure removes the temporary file.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_dead_leftovers(path)
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp")
    temporary = Path(name)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data.encode("utf-8") if isinstance(data, str) else data)
            stream.flush()
            os.fsync(stream.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # mkstemp creates 0600; give the file ordinary permissions
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return temporary


def _remove_dead_leftovers(path: Path) -> None:
    """Remove temporary files of ``path`` left by writers that were killed (their process is gone).

    Temporary names carry the writer's pid (``.<name>.<pid>.<random>.tmp``), so a live writer's
    file is never touched.
    """
    prefix = f".{path.name}."
    for leftover in path.parent.glob(f"{glob.escape(prefix)}*.tmp"):
        pid = leftover.name[len(prefix) :].split(".")[0]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            leftover.unlink(missing_ok=True)
        except PermissionError:  # alive, someone else's
            pass


def atomic_write(path: str | Path, data: str | bytes) -> Path:
    """Write ``data`` to a temporary file beside ``path``, then rename it over ``path``."""
    temporary = stage_file(path, data)
    try:
        if os.environ.get(PAUSE_ENV):
            time.sleep(float(os.environ[PAUSE_ENV]))
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return Path(path)


def package_versions(packages: tuple[str, ...]) -> dict[str, str]:
    """Installed versions of ``packages`` (distribution names), ``unknown`` where one is not installed."""
    from importlib import metadata

    versions = {}
    for package in packages:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "unknown"
    return versions


def input_record(path: str | Path | None, shipped: str) -> dict[str, str]:
    """Where an input came from and the sha256 of its bytes: ``path``, or the shipped ``seeds/<shipped>``."""
    import seeds

    if path is None:
        return {"path": f"shipped:seeds/{shipped}", "sha256": sha256_file(seeds.path(shipped))}
    return {"path": str(path), "sha256": sha256_file(path)}


def sha256_file(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


#: Seconds a command waits for a lock that another process holds before it gives up (``--wait``).
DEFAULT_LOCK_WAIT = 600.0
LOCK_WAIT = DEFAULT_LOCK_WAIT
log = logging.getLogger("reelab.locks")


def lock_path(target: str | Path) -> Path:
    """The lock file of ``target``: in :func:`signals._places.lock_dir`, named by its absolute path's hash."""
    key = hashlib.sha256(str(Path(target).expanduser().resolve()).encode("utf-8")).hexdigest()[:32]
    return lock_dir() / f"{key}.lock"


def _holder(path: Path) -> str:
    try:
        pid, since, *_ = [*path.read_text(encoding="utf-8").split("\t"), "", ""]
    except OSError:
        return "another process"
    return f"pid {pid} since {since}" if pid.strip() else "another process"


@contextlib.contextmanager
def locked(target: str | Path, wait: float | None = None) -> Iterator[None]:
    """Hold reelab's exclusive lock on ``target`` (a file or folder, existing or not) for the block.

    The lock file lives in the one place for locks (:func:`signals._places.lock_dir`), never beside
    the user's files, holds the holder's pid and since when, and is removed on release. A lock whose
    holder died is free (an advisory ``flock`` ends with its process). A command that must wait says
    so in one line (who holds the lock, since when) and gives up after ``wait`` seconds (default
    :data:`LOCK_WAIT`) with :class:`~signals.errors.LockTimeout` (exit 1: try again later).
    """
    from .errors import LockTimeout

    limit = LOCK_WAIT if wait is None else wait
    path = lock_path(target)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    deadline, said = time.monotonic() + limit, False
    while True:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(descriptor)
            if not said:
                log.warning("waiting for %s: locked by %s (giving up after %g s)", target, _holder(path), limit)
                said = True
            if time.monotonic() >= deadline:
                raise LockTimeout(f"{target} is still locked by {_holder(path)} after {limit:g} s; try again later, "
                                  f"or wait longer with --wait SECONDS") from None  # fmt: skip
            time.sleep(min(0.05, max(deadline - time.monotonic(), 0)))
            continue
        try:  # the holder before us may have removed the file it locked: then lock the new one
            same = os.fstat(descriptor).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(descriptor)
    try:
        since = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
        os.ftruncate(descriptor, 0)
        os.write(descriptor, f"{os.getpid()}\t{since}\t{target}\n".encode())
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)  # while still held: a waiter that opened it retries on a new file
        fcntl.flock(descriptor, fcntl.LOCK_UN)
        os.close(descriptor)


def _fsync_dir(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


@functools.cache
def _renameat2() -> Any:
    import ctypes
    import ctypes.util

    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True).renameat2
    except (OSError, AttributeError):  # not Linux, or a C library without it
        return None


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths in one atomic step (Linux ``renameat2(RENAME_EXCHANGE)``); False where unsupported."""
    call = _renameat2()
    at_fdcwd, rename_exchange = -100, 2
    return call is not None and call(at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second), rename_exchange) == 0


@contextlib.contextmanager
def staged_folder(final: str | Path) -> Iterator[Path]:
    """A staging folder beside ``final`` to write into; when the block ends, published as ``final`` whole.

    The staging folder replaces ``final`` in one atomic exchange of the two (Linux), so a reader, a
    Ctrl-C, a SIGTERM or a SIGKILL sees the previous complete folder or the new one, never a mix
    (elsewhere: two renames, with an instant of no folder between them). An exception in the block
    removes the staging folder and leaves ``final`` as it was. A lock serialises writers of
    ``final``, and leftovers of writers that were killed are removed first.
    """
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    with locked(final):
        for leftover in final.parent.glob(f".{glob.escape(final.name)}.*.tmp"):  # we hold the lock: writers gone
            shutil.rmtree(leftover, ignore_errors=True)
        staging = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{final.name}.{os.getpid()}.", suffix=".tmp"))
        try:
            yield staging
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(staging, 0o777 & ~umask)  # mkdtemp creates 0700
            _fsync_dir(staging)
            if os.environ.get(PAUSE_ENV):
                time.sleep(float(os.environ[PAUSE_ENV]))
            if final.exists() and _exchange(staging, final):
                shutil.rmtree(staging, ignore_errors=True)  # the previous folder, now under the staging name
            elif final.exists():
                retired = final.parent / f".{final.name}.{os.getpid()}.retired.tmp"
                os.rename(final, retired)  # from here until the next rename, readers see no folder
                os.rename(staging, final)
                shutil.rmtree(retired, ignore_errors=True)
            else:
                os.rename(staging, final)
            _fsync_dir(final.parent)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise


def publish_folder(final: str | Path, files: Mapping[str, bytes], check: Callable[[], object] | None = None) -> Path:
    """Publish ``files`` (name -> bytes) together as the folder ``final``: all of them or none
    (:func:`staged_folder`). A rerun with identical bytes leaves ``final`` untouched. ``check`` runs
    under the folder's lock before anything is written: a precondition that must still hold when the
    folder is replaced (it raises to leave ``final`` as it was)."""
    final = Path(final)
    if (
        final.is_dir()
        and sorted(p.name for p in final.iterdir()) == sorted(files)
        and all((final / name).read_bytes() == data for name, data in files.items())
    ):
        return final
    with staged_folder(final) as staging:
        if check is not None:
            check()
        for name, data in files.items():
            with open(staging / name, "wb") as stream:
                stream.write(data)
                stream.flush()
                os.fsync(stream.fileno())
    return final


#: Largest text input reelab reads (event files, articles): far above any real one.
MAX_TEXT_BYTES = 64 * 1024 * 1024


def read_text_input(path: str | Path, kind: str, max_bytes: int = MAX_TEXT_BYTES) -> str:
    """The text of the file at ``path`` (``kind`` names it in errors: "event file", "article").

    The one reader for text inputs: it checks that ``path`` is a regular file of a sane size, that
    it is text (no NUL bytes) and UTF-8 (with or without a byte-order mark), and names the file,
    the byte offset and the problem otherwise (:class:`~signals.errors.InputFileError`).
    """
    from .errors import InputFileError, MissingFileError

    file = Path(path)
    if not file.exists():
        raise MissingFileError(kind, file)
    if not file.is_file():
        raise InputFileError(f"{kind} {str(file)!r} is {'a folder' if file.is_dir() else 'not a regular file'}")
    size = file.stat().st_size
    if size > max_bytes:
        raise InputFileError(f"{kind} {str(file)!r} is {size:,} bytes; at most {max_bytes:,} are read")
    data = file.read_bytes()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputFileError(f"{kind} {str(file)!r} is UTF-16; save it as UTF-8")
    nul = data.find(b"\x00")
    if nul >= 0:
        raise InputFileError(f"{kind} {str(file)!r} is not text (a NUL byte at byte {nul})")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputFileError(
            f"{kind} {str(file)!r} is not UTF-8: byte {error.start} is 0x{data[error.start]:02x} (save it as UTF-8)"
        ) from None
