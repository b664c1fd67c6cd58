"""Where botocore looks for the AWS config and credentials files, expanded as it does.

botocore takes ``AWS_CONFIG_FILE`` / ``AWS_SHARED_CREDENTIALS_FILE`` (default
``~/.aws/config`` / ``~/.aws/credentials``) as given and, when it opens the file,
expands ``$VAR`` / ``${VAR}`` first and ``~`` second (``os.path.expandvars`` then
``os.path.expanduser``). :func:`expand_aws_path` does the same against any
environment mapping, so a token cache key or a lean credential lookup names
exactly the file botocore would read.
"""

from __future__ import annotations

import os
import re

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["CONFIG_FILE", "CREDENTIALS_FILE", "aws_file_path", "expand_aws_path"]

#: (variable, default) of the two files.
CONFIG_FILE = ("AWS_CONFIG_FILE", "~/.aws/config")
CREDENTIALS_FILE = ("AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials")

# posixpath.expandvars's own pattern.
_VARIABLE = re.compile(r"\$(\w+|\{[^}]*\})", re.ASCII)


def aws_file_path(which: tuple[str, str], environ: Mapping[str, str] | None = None) -> str:
    """The expanded path of :data:`CONFIG_FILE` or :data:`CREDENTIALS_FILE`.

    As botocore's session: the variable whenever it is set (an empty one names no
    file), else the default.
    """
    env = os.environ if environ is None else environ
    variable, default = which
    return expand_aws_path(env.get(variable, default), env)


def expand_aws_path(path: str, environ: Mapping[str, str] | None = None) -> str:
    """``path`` with ``$VAR`` and then ``~`` expanded, as botocore's config loader does."""
    if environ is None or environ is os.environ:
        return os.path.expanduser(os.path.expandvars(path))
    return _expanduser(_expandvars(path, environ), environ)


def _expandvars(path: str, environ: Mapping[str, str]) -> str:
    if "$" not in path:
        return path
    i = 0
    while True:
        match = _VARIABLE.search(path, i)
        if not match:
            return path
        start, end = match.span(0)
        name = match.group(1)
        if name.startswith("{") and name.endswith("}"):
            name = name[1:-1]
        if name in environ:
            tail = path[end:]
            path = path[:start] + environ[name]
            i = len(path)
            path += tail
        else:
            i = end


def _expanduser(path: str, environ: Mapping[str, str]) -> str:
    if not path.startswith("~"):
        return path
    i = path.find("/", 1)
    if i < 0:
        i = len(path)
    if i == 1:
        if "HOME" in environ:
            home = environ["HOME"]
        else:
            import pwd

            try:
                home = pwd.getpwuid(os.getuid()).pw_dir
            except KeyError:
                return path
    else:
        import pwd

        try:
            home = pwd.getpwnam(path[1:i]).pw_dir
        except KeyError:
            return path
    home = home.rstrip("/")
    return (home + path[i:]) or "/"
