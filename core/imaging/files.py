"""Opening source files safely: regular files only, never a pipe or a device that never ends.

A named pipe blocks `open` until a writer appears; `/dev/zero` never ends. Both can hide behind
an image suffix or a symbolic link, so the check is made on what the path resolves to, and again
on the open descriptor (the file may be swapped between the check and the open).
"""

from __future__ import annotations

import os
import stat

from core.imaging.types import ImageReadError

_KINDS = (
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a folder"),
)


def special_kind(path: str | os.PathLike) -> str | None:
    """None for a regular file (links followed); else what it is, e.g. 'a named pipe'.

    A path that does not exist (or a dangling link) is 'missing'.
    """
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return "missing"
    return _kind_of(mode)


def _kind_of(mode: int) -> str | None:
    if stat.S_ISREG(mode):
        return None
    for test, word in _KINDS:
        if test(mode):
            return word
    return "not a regular file"


def not_regular_reason(kind: str) -> str:
    """The reason a user reads for a path that is not a regular file."""
    if kind == "missing":
        return "no such file (or a link to nothing)"
    return f"not a regular file ({kind}): only regular files are imported"


def open_regular(path: str | os.PathLike) -> int:
    """A read-only descriptor of a regular file; ImageReadError for anything else.

    O_NONBLOCK makes opening a named pipe return at once instead of waiting for a writer.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise ImageReadError(
            f"cannot open the file ({exc.strerror or type(exc).__name__})"
        ) from None
    try:
        kind = _kind_of(os.fstat(fd).st_mode)
        if kind is not None:
            raise ImageReadError(not_regular_reason(kind))
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def open_bytes(path: str | os.PathLike, max_bytes: int) -> bytes:
    """The whole of a regular file, read-only, refusing one larger than max_bytes."""
    fd = open_regular(path)
    try:
        with os.fdopen(fd, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size > max_bytes:
                raise ImageReadError(
                    f"over the size limit: the file has {size / 2**20:.0f} MiB "
                    f"(at most {max_bytes / 2**20:.0f} MiB)"
                )
            # Read one byte more than allowed: a file that grows while read is still capped.
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise ImageReadError(
            f"cannot read the file ({exc.strerror or type(exc).__name__})"
        ) from None
    if len(data) > max_bytes:
        raise ImageReadError(f"over the size limit: more than {max_bytes / 2**20:.0f} MiB")
    return data


def read_head(path: str | os.PathLike, n_bytes: int) -> bytes:
    """The first n_bytes of a regular file (fewer if it is shorter)."""
    fd = open_regular(path)
    with os.fdopen(fd, "rb") as fh:
        return fh.read(n_bytes)
