"""Role credentials shared with the AWS CLI: ``~/.aws/cli/cache``.

The AWS CLI hands botocore's role providers (``assume-role`` and
``assume-role-with-web-identity``) a JSON file cache in ``~/.aws/cli/cache``:
one ``<key>.json`` per role configuration, holding the AssumeRole response
(``{"Credentials": {"AccessKeyId", "SecretAccessKey", "SessionToken",
"Expiration"}, ...}``). The key is the SHA-1 of the sorted JSON of the
AssumeRole arguments (see :func:`assume_role_cache_key`). :class:`CredentialFileCache`
reads and writes that format with stricter rules than the AWS CLI's own
cache: files are 0600 in a 0700 directory, written atomically, and an entry
that is not a regular file of ours, or that others may write, is never read. An
entry whose credentials no AWS credential could be (a newline in the access key
id) is skipped, named under ``--verbose``, and the credentials are fetched again.

This module does not import botocore;
:func:`eks_token.aws.cli_cache_wiring.install_cli_cache` wires the cache onto a
botocore session's providers.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from typing import Any

from eks_token.cache.files import (
    O_CLOEXEC,
    O_NOFOLLOW,
    O_NONBLOCK,
    open_cache_dir,
    write_atomically,
)
from eks_token.cache.key import OWN_ROLE_PREFIX
from eks_token.core.credentials import malformed_field
from eks_token.errors import CacheError
from eks_token.redact import remember_secret

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from eks_token.core.credentials import AwsCredentials

__all__ = [
    "CLI_CACHE_DIR",
    "EXPIRY_WINDOW_SECONDS",
    "CredentialFileCache",
    "FixedKeyCache",
    "assume_role_cache_key",
    "cli_cache_dir",
    "entry_credentials",
    "own_role_entry_name",
    "parse_expiration",
    "report_skipped_entries",
]

CLI_CACHE_DIR = "~/.aws/cli/cache"
#: botocore treats cached role credentials with less than this left as expired.
EXPIRY_WINDOW_SECONDS = 15 * 60
_MAX_ENTRY_BYTES = 64 * 1024
_TIMESTAMP = re.compile(
    r"^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:\.\d+)?"
    r"(Z|UTC|GMT|[+-]\d\d:?\d\d)$"
)


def cli_cache_dir(environ: Mapping[str, str] | None = None) -> str:
    """``~/.aws/cli/cache`` under the environment's HOME."""
    env = os.environ if environ is None else environ
    home = env.get("HOME")
    return home + CLI_CACHE_DIR[1:] if home else os.path.expanduser(CLI_CACHE_DIR)


def assume_role_cache_key(arguments: Mapping[str, Any]) -> str:
    """The file name (without ``.json``) botocore's role fetchers give ``arguments``.

    ``arguments`` are the AssumeRole parameters as botocore builds them from a
    profile: ``RoleArn`` and, when configured, ``RoleSessionName``, ``ExternalId``,
    ``SerialNumber``, ``DurationSeconds`` (an int), ``Policy`` (JSON text). A
    session name botocore makes up (none configured, or empty) is left out.
    """
    args = dict(arguments)
    if not args.get("RoleSessionName"):
        args.pop("RoleSessionName", None)
    if "Policy" in args:
        args["Policy"] = json.loads(args["Policy"])
    text = json.dumps(args, sort_keys=True)
    digest = hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()
    return digest.replace(":", "_").replace(os.sep, "_").replace("/", "_")


def own_role_entry_name(
    base: AwsCredentials,
    *,
    role_arn: str,
    session_name: str,
    external_id: str | None,
    region: str | None,
    endpoint: tuple[object, ...],
    duration_seconds: int | None = None,
) -> str:
    """The cache entry of a role eks-token assumes itself (``--role-arn``).

    Keyed by everything that decides the credentials: the base identity (a hash of
    the base credentials, never the secret itself), the role, session name, external
    id, the region and STS endpoint settings, and the duration. The ``eks-token-role-``
    prefix keeps these apart from the AWS CLI's own entries.
    """
    identity = hashlib.sha256(
        "\0".join((base.access_key_id, base.secret_access_key, base.session_token or "")).encode(
            "utf-8"
        )
    ).hexdigest()
    material = json.dumps(
        {
            "version": 1,
            "base_credentials_sha256": identity,
            "role_arn": role_arn,
            "session_name": session_name,
            "external_id": external_id,
            "region": region,
            "endpoint": [str(part) if part is not None else None for part in endpoint],
            "duration_seconds": duration_seconds,
        },
        sort_keys=True,
    )
    return OWN_ROLE_PREFIX + hashlib.sha256(material.encode("utf-8")).hexdigest()


def parse_expiration(text: object) -> float | None:
    """Epoch seconds of a cached ``Expiration``; None for anything not plainly a UTC time
    (or a time with an explicit offset)."""
    import calendar
    import time

    if not isinstance(text, str):
        return None
    match = _TIMESTAMP.match(text.strip())
    if not match:
        return None
    fields = tuple(int(g) for g in match.groups()[:6])
    zone = match.group(7)
    try:
        epoch = calendar.timegm((*fields, 0, 0, 0))
        if time.gmtime(epoch)[:6] != fields:
            return None  # no such day or time (botocore's parser would refuse it)
    except (OverflowError, ValueError):
        return None
    if zone[0] in "+-":
        digits = zone[1:].replace(":", "")
        offset = int(digits[:2]) * 3600 + int(digits[2:]) * 60
        epoch -= offset if zone[0] == "+" else -offset
    return float(epoch)


def entry_credentials(value: object) -> tuple[str, str, str, float] | None:
    """(access key, secret, session token, expiry epoch) of a cache entry; None if malformed."""
    found = _read_credentials(value)
    return None if isinstance(found, str) else found


#: The JSON names of the fields :func:`~eks_token.core.credentials.malformed_field` names.
_JSON_FIELDS = {
    "access_key_id": "AccessKeyId",
    "secret_access_key": "SecretAccessKey",
    "session_token": "SessionToken",
}


def _read_credentials(value: object) -> tuple[str, str, str, float] | str:
    """:func:`entry_credentials`, or what is wrong with the entry."""
    if not isinstance(value, dict):
        return "it is not a JSON object"
    creds = value.get("Credentials")
    if not isinstance(creds, dict):
        return "it has no Credentials"
    fields = [creds.get(_JSON_FIELDS[name]) for name in _JSON_FIELDS]
    for name, field in zip(_JSON_FIELDS.values(), fields, strict=True):
        if not (isinstance(field, str) and field):
            return f"it has no {name}"
    access_key, secret, token = (str(field) for field in fields)
    # What AwsCredentials would refuse later, blaming AWS_ACCESS_KEY_ID and the like.
    wrong = malformed_field(access_key, secret, token)
    if wrong is not None:
        return f"its {_JSON_FIELDS[wrong]} has characters no AWS credential has"
    expires = parse_expiration(creds.get("Expiration"))
    if expires is None:
        return "its Expiration is not a time"
    return access_key, secret, token, expires


#: Where skipped entries are reported (one line each, once): the CLI sets it under
#: --verbose (:func:`report_skipped_entries`); by default they are skipped quietly.
_REPORT: list[Callable[[str], None]] = []
_REPORTED: set[str] = set()


def report_skipped_entries(report: Callable[[str], None] | None) -> None:
    """Send one line for each cache entry skipped as malformed to ``report`` (None: none)."""
    _REPORT[:] = [report] if report is not None else []


def _skipped(path: str, problem: str) -> None:
    message = f"skipping the credential cache entry {path}: {problem}"
    if _REPORT and message not in _REPORTED:
        _REPORTED.add(message)
        _REPORT[0](message)


class CredentialFileCache:
    """A JSON file cache in the AWS CLI's format, as botocore's providers use one
    (``key in cache``, ``cache[key]``, ``cache[key] = response``)."""

    def __init__(self, directory: str) -> None:
        self.directory = directory
        self._last: tuple[str, dict[str, Any]] | None = None

    def load(self, key: str) -> dict[str, Any] | None:
        """The entry for ``key`` when it is safe and well formed, else None."""
        if not _safe_name(key):
            return None
        try:
            dir_fd = open_cache_dir(self.directory)
        except (OSError, CacheError):
            return None
        try:
            data = _read(dir_fd, key + ".json")
        finally:
            os.close(dir_fd)
        if data is None:
            return None
        path = os.path.join(self.directory, key + ".json")
        try:
            value = json.loads(data)
        except ValueError:
            _skipped(path, "it is not JSON")
            return None
        found = _read_credentials(value)
        if isinstance(found, str):
            _skipped(path, found)
            return None
        remember_secret(found[1])
        remember_secret(found[2])
        self._last = (key, value)
        return dict(value)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.load(key) is not None

    def __getitem__(self, key: str) -> dict[str, Any]:
        # botocore asks ``in`` first: answer from that read, so a file removed in
        # between cannot turn a hit into an error.
        if self._last is not None and self._last[0] == key:
            return dict(self._last[1])
        value = self.load(key)
        if value is None:
            raise KeyError(key)
        return value

    def __setitem__(self, key: str, value: Any) -> None:
        if not _safe_name(key):
            return  # never a path outside the directory; the credentials are still used
        try:
            data = json.dumps(value, default=_serialize).encode("utf-8")
        except (TypeError, ValueError):
            return
        try:
            dir_fd = open_cache_dir(self.directory, create=True)
        except (OSError, CacheError):
            return  # not cached: the credentials are still used
        try:
            os.fchmod(dir_fd, 0o700)
            write_atomically(dir_fd, key + ".json", data)
        except OSError:
            pass
        finally:
            os.close(dir_fd)


class FixedKeyCache:
    """One entry of a :class:`CredentialFileCache` under a name of ours, whatever key
    botocore's fetcher computes (for roles eks-token assumes itself)."""

    def __init__(self, cache: CredentialFileCache, name: str) -> None:
        self.cache = cache
        self.name = name

    def __contains__(self, key: object) -> bool:
        return self.name in self.cache

    def __getitem__(self, key: str) -> dict[str, Any]:
        return self.cache[self.name]

    def __setitem__(self, key: str, value: Any) -> None:
        self.cache[self.name] = value


def _safe_name(key: str) -> bool:
    return bool(key) and "/" not in key and os.sep not in key and not key.startswith(".")


def _read(dir_fd: int, name: str) -> bytes | None:
    import stat

    try:
        # O_NONBLOCK: a FIFO put in an entry's place must not make the open wait forever
        # (it is then refused below as not a regular file).
        fd = os.open(name, os.O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, dir_fd=dir_fd)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if (
            not stat.S_ISREG(info.st_mode)
            or info.st_uid != os.getuid()
            or info.st_mode & 0o022
            or info.st_size > _MAX_ENTRY_BYTES
        ):
            return None
        return os.read(fd, _MAX_ENTRY_BYTES + 1)
    except OSError:
        return None
    finally:
        os.close(fd)


def _serialize(value: Any) -> Any:
    # As the AWS CLI's cache writes datetimes (botocore parses either form back).
    strftime = getattr(value, "strftime", None)
    if strftime is not None:
        return strftime("%Y-%m-%dT%H:%M:%S%Z")
    raise TypeError(f"cannot cache a {type(value).__name__}")
