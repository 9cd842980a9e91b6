"""Atomic file output: a reader never sees a half-written file, nor files that do not belong together."""

from __future__ import annotations

import contextlib
import fcntl
import glob
import hashlib
import os
import shutil
import tempfile
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

__all__ = ["atomic_write", "input_record", "locked", "package_versions", "publish_folder", "sha256_file"]

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


@contextlib.contextmanager
def locked(path: str | Path) -> Iterator[None]:
    """Hold an exclusive advisory lock on ``path`` (created if needed) for the duration of the block."""
    with open(path, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _fsync_dir(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def publish_folder(final: str | Path, files: Mapping[str, bytes]) -> Path:
    """Publish ``files`` (name -> bytes) together as the folder ``final``: all of them or none.

    They are written to a staging folder beside ``final`` and renamed into place, so a reader sees
    the previous complete folder, no folder, or the new complete one, never a mix. A rerun with
    identical bytes leaves ``final`` untouched. A lock serialises writers of the same folder, and
    leftovers of writers that were killed are removed first.
    """
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    with locked(final.parent / f".{final.name}.lock"):
        for leftover in final.parent.glob(f".{final.name}.*.tmp"):
            shutil.rmtree(leftover, ignore_errors=True)
        if (
            final.is_dir()
            and sorted(p.name for p in final.iterdir()) == sorted(files)
            and all((final / name).read_bytes() == data for name, data in files.items())
        ):
            return final
        staging = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{final.name}.", suffix=".tmp"))
        try:
            for name, data in files.items():
                with open(staging / name, "wb") as stream:
                    stream.write(data)
                    stream.flush()
                    os.fsync(stream.fileno())
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(staging, 0o777 & ~umask)  # mkdtemp creates 0700
            _fsync_dir(staging)
            if os.environ.get(PAUSE_ENV):
                time.sleep(float(os.environ[PAUSE_ENV]))
            if final.exists():
                retired = final.parent / f".{final.name}.{os.getpid()}.tmp"
                os.rename(final, retired)  # from here until the next rename, readers see no folder
                os.rename(staging, final)
                shutil.rmtree(retired, ignore_errors=True)
            else:
                os.rename(staging, final)
            _fsync_dir(final.parent)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
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
