"""File paths from AWS variables, expanded exactly as botocore expands them.

botocore reads ``AWS_CONFIG_FILE``, ``AWS_SHARED_CREDENTIALS_FILE`` and ``BOTO_CONFIG``
through ``os.path.expandvars`` and then ``os.path.expanduser``; ``AWS_CREDENTIAL_FILE``
through ``expanduser`` only; ``AWS_WEB_IDENTITY_TOKEN_FILE`` and
``AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE`` not at all. These functions do the same
against a given environment mapping (``os.environ`` when none), without importing
``re`` or anything else, so the exec plugin's start-up path can use them.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "CONFIG_FILE",
    "CREDENTIALS_FILE",
    "aws_file_path",
    "expand_user",
    "expand_vars",
    "expand_vars_and_user",
]

#: (variable, default) of the shared config and credentials files.
CONFIG_FILE = ("AWS_CONFIG_FILE", "~/.aws/config")
CREDENTIALS_FILE = ("AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials")

_NAME_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")


def expand_vars(path: str, environ: Mapping[str, str] | None = None) -> str:
    """``os.path.expandvars`` (POSIX) against ``environ``: ``$NAME`` and ``${NAME}`` are
    replaced by the variable's value, unknown names are left as they are, and a
    replacement is never expanded again."""
    if "$" not in path:
        return path
    env = os.environ if environ is None else environ
    out: list[str] = []
    i = 0
    while True:
        start = path.find("$", i)
        if start < 0:
            out.append(path[i:])
            return "".join(out)
        out.append(path[i:start])
        name, end = _variable_at(path, start)
        if name is not None and name in env:
            out.append(env[name])
        else:
            out.append(path[start:end])
        i = end


def _variable_at(path: str, start: int) -> tuple[str | None, int]:
    """The name of the reference starting at ``path[start] == "$"`` and where it ends;
    (None, start + 1) when no reference starts there."""
    after = start + 1
    if path.startswith("{", after):
        close = path.find("}", after + 1)
        if close >= 0:
            return path[after + 1 : close], close + 1
    end = after
    while end < len(path) and path[end] in _NAME_CHARACTERS:
        end += 1
    if end == after:
        return None, after
    return path[after:end], end


def expand_user(path: str, environ: Mapping[str, str] | None = None) -> str:
    """``os.path.expanduser`` (POSIX) with ``HOME`` read from ``environ``."""
    if not path.startswith("~"):
        return path
    env = os.environ if environ is None else environ
    slash = path.find("/", 1)
    if slash < 0:
        slash = len(path)
    if slash == 1 and "HOME" in env:
        home = env["HOME"].rstrip("/")
        return (home + path[slash:]) or "/"
    # ~user, or no HOME: the password database, as os.path.expanduser reads it.
    return os.path.expanduser(path)


def expand_vars_and_user(path: str, environ: Mapping[str, str] | None = None) -> str:
    """What botocore's config loader opens for ``path``: variables first, then ``~``."""
    return expand_user(expand_vars(path, environ), environ)


def aws_file_path(which: tuple[str, str], environ: Mapping[str, str] | None = None) -> str:
    """The file botocore reads for :data:`CONFIG_FILE` or :data:`CREDENTIALS_FILE`: the
    variable whenever it is set (an empty one names no file), else the default, expanded."""
    env = os.environ if environ is None else environ
    variable, default = which
    return expand_vars_and_user(env.get(variable, default), env)
