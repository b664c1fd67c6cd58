"""Key material for the token cache: everything that decides which token is right.

Built on every kubectl command, so it costs only environment lookups and a few
``os.stat`` calls; credential values are hashed (SHA-256), never kept in clear.
"""

from __future__ import annotations

import os

from eks_token.core.paths import expand_user, expand_vars

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Protocol

    from eks_token.core.credentials import AwsCredentials
    from eks_token.core.options import SignerOptions

    class _Digest(Protocol):
        def hexdigest(self) -> str: ...


__all__ = [
    "CACHE_KEY_VERSION",
    "OWN_ROLE_PREFIX",
    "CacheKey",
    "note_written",
    "request_key",
    "sha256_hex",
    "token_cache_key",
]

#: Bumped when the key material changes meaning, so older entries are misses.
CACHE_KEY_VERSION = "4"

#: Variables that choose the profile, the region, the STS endpoint or the credential
#: provider; kept as they are (they hold no secrets).
PLAIN_VARIABLES = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_STS_REGIONAL_ENDPOINTS",
    "AWS_USE_FIPS_ENDPOINT",
    "AWS_USE_DUALSTACK_ENDPOINT",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_STS",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_EC2_METADATA_DISABLED",
    "AWS_EC2_METADATA_SERVICE_ENDPOINT",
)

#: Credential values: only one SHA-256 over all of them is kept.
SECRET_VARIABLES = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
)

#: Files botocore reads credentials or settings from: (key name, variable, default paths,
#: expansion). botocore's config loader expands ``$VARIABLES`` and then ``~``
#: ("vars+user"); the EC2 credential file gets ``~`` only ("user"); the token files are
#: opened as given ("none"). A relative path is relative to the working directory.
FILES: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    ("config", "AWS_CONFIG_FILE", ("~/.aws/config",), "vars+user"),
    ("credentials", "AWS_SHARED_CREDENTIALS_FILE", ("~/.aws/credentials",), "vars+user"),
    ("web_identity_token", "AWS_WEB_IDENTITY_TOKEN_FILE", (), "none"),
    ("container_authorization_token", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", (), "none"),
    ("ec2_credentials", "AWS_CREDENTIAL_FILE", (), "user"),
    ("boto_config", "BOTO_CONFIG", ("/etc/boto.cfg", "~/.boto"), "vars+user"),
)

#: Directories of cached SSO tokens, login sessions and assumed-role credentials
#: (``aws sso login``, ``aws login``, the AWS CLI's role cache): (key name, the variable
#: that moves it, the path under HOME).
DIRECTORIES: tuple[tuple[str, str | None, str], ...] = (
    ("sso_cache", None, "~/.aws/sso/cache"),
    ("login_cache", "AWS_LOGIN_CACHE_DIRECTORY", "~/.aws/login/cache"),
    ("cli_cache", None, "~/.aws/cli/cache"),
)

#: Every variable the key reads (HOME for ``~``).
_LOOKED_UP = (
    "HOME",
    *PLAIN_VARIABLES,
    *SECRET_VARIABLES,
    *(variable for _, variable, _, _ in FILES),
    *(variable for _, variable, _ in DIRECTORIES if variable),
)


def token_cache_key(
    cluster_id: str,
    options: SignerOptions | None = None,
    *,
    credentials: AwsCredentials | None = None,
    environ: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The key material for a token request, as the arguments and the environment show it.

    Two requests get the same key only when their arguments, the AWS variables
    that pick a profile, region, endpoint or credentials (a variable set to "" is
    not an unset one), and the AWS config, credentials and token files (resolved
    as botocore resolves them: ``$VARIABLES`` and ``~`` expanded; path, size,
    times, inode) and the ``*.json`` files of ``~/.aws/sso/cache``, ``~/.aws/login/cache``
    and ``~/.aws/cli/cache`` (names, sizes, times, inodes; eks-token's own role entries
    only for a request with a role) are all the same. What a ``credential_process``
    prints is not seen (see docs/cli.md).
    """
    return request_key(cluster_id, options, credentials=credentials, environ=environ).material


class CacheKey:
    """A request's key material and the state of the files it was computed from.

    ``material`` is what a cache stores a token under. :meth:`after_signing` looks at the
    files again (a few ``stat`` calls) and says under which key a token signed meanwhile
    may be stored, if any.
    """

    __slots__ = ("_directories", "_files", "material")

    def __init__(
        self,
        material: dict[str, str],
        files: tuple[tuple[str, tuple[str, ...], str], ...],
        directories: tuple[tuple[str, str, bool, dict[str, _Stat] | str], ...],
    ) -> None:
        self.material = material
        self._files = files
        self._directories = directories

    def __repr__(self) -> str:
        return f"CacheKey({self.material.get('cluster_id')!r})"

    def after_signing(self) -> dict[str, str] | None:
        """The key to store a token signed for this key under, as the files stand now; None
        when they no longer describe what was signed (do not store it).

        The files must be as they were, and the cache directories too, except for entries
        this process wrote meanwhile (assuming a role writes its credentials into
        ``~/.aws/cli/cache``): a token stored under the key that names them is forgotten
        when they are removed. Anything else that changed (a config file edited while a
        ``credential_process`` ran) means the token may be of another identity than the
        files now describe.
        """
        for _, paths, before in self._files:
            if _paths_fingerprint(paths) != before:
                return None
        material = dict(self.material)
        for name, path, own_roles, before_listing in self._directories:
            listing = _directory_listing(path, own_roles)
            if listing == before_listing:
                continue
            if isinstance(listing, str) or isinstance(before_listing, str):
                return None  # unreadable then or now
            if not before_listing.keys() <= listing.keys():
                return None  # an entry was removed meanwhile
            for entry, stat in listing.items():
                if before_listing.get(entry) != stat and stat not in _WRITTEN:
                    return None  # written by someone else
            material["dir." + name] = _listing_fingerprint(listing)
        return material


def request_key(
    cluster_id: str,
    options: SignerOptions | None = None,
    *,
    credentials: AwsCredentials | None = None,
    environ: Mapping[str, str] | None = None,
) -> CacheKey:
    """The :class:`CacheKey` of a token request (see :func:`token_cache_key`): computed once
    per request, and looked at again after signing (:meth:`CacheKey.after_signing`)."""
    source = os.environ if environ is None else environ
    # Each variable looked up once (os.environ lookups are most of the key's cost);
    # ``source`` itself only for ``$NAME`` in a path, which may name any variable.
    env = {name: value for name in _LOOKED_UP if (value := source.get(name)) is not None}
    if options is None:
        from eks_token.core.options import SignerOptions

        options = SignerOptions()
    key = {
        "version": CACHE_KEY_VERSION,
        "cluster_id": cluster_id,
        "region": options.region or "",
        "profile": options.profile or "",
        "role_arn": options.role_arn or "",
        "external_id": options.external_id or "",
        "session_name": options.session_name or "",
        "forward_session_name": "yes" if options.forward_session_name else "no",
        "sts_endpoint_url": options.sts_endpoint_url or "",
    }
    # A variable that is set but empty overrides the profile as botocore reads it
    # (AWS_USE_FIPS_ENDPOINT= is false, AWS_CONFIG_FILE= is no config file): set and
    # unset must never share a key, so presence is recorded even for "".
    for name in PLAIN_VARIABLES:
        value = env.get(name)
        if value is not None:
            key["env." + name] = value
    secrets = [f"{name}={env[name]}" for name in SECRET_VARIABLES if name in env]
    if secrets:
        key["env.credentials_sha256"] = sha256_hex("\0".join(secrets))
    if credentials is not None:
        parts = (credentials.access_key_id, credentials.secret_access_key)
        key["explicit_credentials_sha256"] = sha256_hex(
            "\0".join((*parts, credentials.session_token or ""))
        )
    files: list[tuple[str, tuple[str, ...], str]] = []
    for name, variable, defaults, expansion in FILES:
        configured = env.get(variable)
        if configured is not None:
            paths: tuple[str, ...] = (_resolve(configured, expansion, env, source),)
            prefix = "set "
        elif defaults:
            paths = tuple(_resolve(path, expansion, env, source) for path in defaults)
            prefix = ""
        else:
            continue
        fingerprint = _paths_fingerprint(paths)
        key["file." + name] = prefix + fingerprint
        files.append((name, paths, fingerprint))
    # eks-token's own role entries (``--role-arn``) hold the credentials of roles it
    # assumes itself: a request with a role looks at them (removing them forgets its
    # tokens); one without a role does not (a new one must not make its tokens misses).
    own_roles = bool(options.role_arn)
    directories: list[tuple[str, str, bool, dict[str, _Stat] | str]] = []
    for name, moved_by, default in DIRECTORIES:
        configured = env.get(moved_by) if moved_by else None
        path = _resolve(default if configured is None else configured, "vars+user", env, source)
        listing = _directory_listing(path, own_roles and name == "cli_cache")
        key["dir." + name] = _listing_fingerprint(listing)
        directories.append((name, path, own_roles and name == "cli_cache", listing))
    return CacheKey(key, tuple(files), tuple(directories))


def _resolve(path: str, expansion: str, env: Mapping[str, str], source: Mapping[str, str]) -> str:
    """The file botocore opens for ``path`` (expanded as it expands it), made absolute."""
    if expansion == "vars+user":
        path = expand_user(expand_vars(path, source), env)
    elif expansion == "user":
        path = expand_user(path, env)
    if not path:
        return ""  # botocore finds no file at "" (not the working directory)
    return path if path.startswith("/") else os.path.join(os.getcwd(), path)


#: The name prefix of the role credentials eks-token caches for roles it assumes itself.
OWN_ROLE_PREFIX = "eks-token-role-"

#: What ``stat`` says of a file, as far as the key looks: size, modification and change
#: times, device and inode. A rewrite of the same size with the modification time put
#: back still changes the change time; a file renamed into place has a new inode.
_Stat = tuple[int, int, int, int, int]

#: Files this process wrote through :func:`eks_token.cache.files.write_atomically` (such as
#: role credentials into ``~/.aws/cli/cache``), as ``stat`` saw them just after: a change
#: to a key's directories that is one of these is the process's own doing.
_WRITTEN: dict[_Stat, None] = {}
_WRITTEN_KEPT = 64


def note_written(st: os.stat_result) -> None:
    """Remember that this process has just written the file ``st`` describes."""
    _WRITTEN[_stat_of(st)] = None
    while len(_WRITTEN) > _WRITTEN_KEPT:
        try:
            del _WRITTEN[next(iter(_WRITTEN))]
        except (KeyError, RuntimeError, StopIteration):
            break  # another thread trimmed it


def _stat_of(st: os.stat_result) -> _Stat:
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_dev, st.st_ino)


def _directory_listing(path: str, own_roles: bool) -> dict[str, _Stat] | str:
    """The ``*.json`` files in ``path``, by name (a missing directory is an empty one;
    eks-token's own role entries only with ``own_roles``), or why it cannot be read."""
    files: dict[str, _Stat] = {}
    try:
        with os.scandir(path) as entries:
            for entry in entries:
                name = entry.name
                if name.endswith(".json") and (own_roles or not name.startswith(OWN_ROLE_PREFIX)):
                    try:
                        files[name] = _stat_of(entry.stat(follow_symlinks=False))
                    except FileNotFoundError:
                        continue  # removed while we looked
    except (FileNotFoundError, NotADirectoryError):
        return {}
    except OSError as exc:
        return f"unreadable {exc.errno}"
    return files


def _listing_fingerprint(listing: dict[str, _Stat] | str) -> str:
    """A SHA-256 over the names and ``stat`` of the files; "" when there are none."""
    if isinstance(listing, str):
        return listing
    if not listing:
        return ""
    return sha256_hex(
        "\n".join(f"{name} {' '.join(map(str, listing[name]))}" for name in sorted(listing))
    )


def _paths_fingerprint(paths: tuple[str, ...]) -> str:
    return " | ".join(_fingerprint(path) for path in paths)


def _fingerprint(path: str) -> str:
    if not path:
        return "'' absent"
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return f"{path} absent"
    except OSError as exc:
        return f"{path} unreadable {exc.errno}"
    return f"{path} {st.st_size} {st.st_mtime_ns} {st.st_ctime_ns} {st.st_dev} {st.st_ino}"


def sha256_hex(text: str) -> str:
    """SHA-256 of ``text`` (UTF-8), in hex."""
    return _sha256()(text.encode("utf-8", "surrogatepass")).hexdigest()


_SHA256: list[Callable[[bytes], _Digest]] = []


def _sha256() -> Callable[[bytes], _Digest]:
    if not _SHA256:
        # hashlib loads OpenSSL, a few milliseconds on every kubectl command;
        # CPython's built-in SHA-256 module gives the same digest.
        import sys

        for module in ("_sha2",) if sys.version_info >= (3, 12) else ("_sha256",):
            try:
                _SHA256.append(__import__(module).sha256)
                break
            except (ImportError, AttributeError):
                continue
        else:
            from hashlib import sha256

            _SHA256.append(sha256)
    return _SHA256[0]
