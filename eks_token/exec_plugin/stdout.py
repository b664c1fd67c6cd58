"""Writing the answer to standard output, with one clean error when that is impossible.

kubectl reads the plugin's stdout; a script may have closed it (``>&-``) or
pointed it at a full disk (``>/dev/full``). Either way the command must fail
with one ``error:`` line, not a traceback, and Python must not complain again
when it flushes stdout at exit.
"""

from __future__ import annotations

import os
import sys

from eks_token.errors import OutputError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TextIO

__all__ = ["guard_stdout", "silence_stdout", "write_stdout"]


def write_stdout(text: str) -> None:
    """Write and flush ``text``; raise :class:`OutputError` when stdout cannot take it."""
    stream = sys.stdout
    if stream is None:
        raise OutputError("cannot write the output: standard output is closed")
    try:
        stream.write(text)
        stream.flush()
    except (OSError, ValueError) as exc:
        raise _output_error(exc) from None


def guard_stdout() -> None:
    """Make every later write to ``sys.stdout`` raise :class:`OutputError` when it fails."""
    if sys.stdout is not None and not isinstance(sys.stdout, _GuardedStream):
        sys.stdout = _GuardedStream(sys.stdout)


class _GuardedStream:
    """A stdout whose write and flush failures are one :class:`OutputError`."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except (OSError, ValueError) as exc:
            raise _output_error(exc) from None

    def flush(self) -> None:
        try:
            self._stream.flush()
        except (OSError, ValueError) as exc:
            raise _output_error(exc) from None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _output_error(exc: BaseException) -> OutputError:
    silence_stdout()
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "it is closed"
    return OutputError(f"cannot write to standard output: {reason}")


def silence_stdout() -> None:
    """Point stdout at the null device so the interpreter's final flush cannot fail."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
    except OSError:
        return
    try:
        if sys.stdout is not None:
            os.dup2(null, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    finally:
        os.close(null)
