"""The exec-plugin path shared by ``token`` and ``get-token``: sign, then print for kubectl."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from eks_token.cli._common import warn
from eks_token.core.token import Token
from eks_token.exec_plugin.exec_info import ExecInfo, read_exec_info

if TYPE_CHECKING:
    import argparse

    from eks_token.aws.signer import TokenSigner
    from eks_token.exec_plugin.request import TokenRequest

CREDENTIALS_HELP = """\
Credentials and region come from botocore: --profile or AWS_PROFILE, the
AWS_* variables, ~/.aws/config and ~/.aws/credentials, SSO, web identity,
container and instance roles. Region order: --region, AWS_REGION,
AWS_DEFAULT_REGION, the profile's region. With no region anywhere the token
is signed for the global endpoint sts.amazonaws.com (us-east-1), as the AWS
CLI does."""

__all__ = [
    "CREDENTIALS_HELP",
    "add_cache_options",
    "dialect_advice",
    "emit",
    "obtain",
    "report_signed",
    "signer_for",
    "signing_time",
    "use_cache",
]


#: Flags of one exec-plugin command the other spells otherwise (what to write instead)
#: or does not have (None).
_SPELLED_OTHERWISE: dict[str, dict[str, str | None]] = {
    # for ``token``: aws eks get-token's flags
    "token": {
        "--cluster-name": "-i {value}",
        "--debug": "-v",
        "--query": None,
        "--ca-bundle": None,
        "--cli-connect-timeout": None,
        "--cli-read-timeout": None,
    },
    # for ``get-token``: aws-iam-authenticator's flags
    "get-token": {
        "-i": "--cluster-name {value}",
        "-r": "--role-arn {value}",
        "--role": "--role-arn {value}",
        "-e": None,
        "--external-id": None,
        "-s": None,
        "--session-name": None,
        "--forward-session-name": None,
        "--token-only": "--query status.token --output text",
    },
}
_DIALECT = {"token": "aws-iam-authenticator's flags", "get-token": "aws eks get-token's flags"}


def dialect_advice(command: str, extras: list[str]) -> str | None:
    """What to write for arguments ``command`` does not take because they are the other
    exec-plugin command's: ``token`` takes aws-iam-authenticator's flags, ``get-token``
    those of ``aws eks get-token``, and neither takes the cluster as a positional."""
    other = "get-token" if command == "token" else "token"
    if not extras[0].startswith("-"):
        flag = "-i" if command == "token" else "--cluster-name"
        return f"the cluster is given with a flag: eks-token {command} {flag} {extras[0]}"
    table = _SPELLED_OTHERWISE[command]
    for index, word in enumerate(extras):
        flag, equals, inline = word.partition("=")
        following = extras[index + 1] if index + 1 < len(extras) else ""
        value = inline if equals else "" if following.startswith("-") else following
        if flag == "--name":
            # update-kubeconfig's spelling
            cluster_flag = "-i" if command == "token" else "--cluster-name"
            return f"the cluster is named with {cluster_flag} here: write {cluster_flag} {value}"
        if flag not in table:
            continue
        instead = table[flag]
        if instead is None:
            return (
                f"{flag} is a flag of 'eks-token {other}' ({_DIALECT[other]}), which "
                f"'eks-token {command}' ({_DIALECT[command]}) does not have: "
                f"run 'eks-token {other} ...'"
            )
        written = instead.format(value=value or "VALUE")
        return (
            f"'eks-token {command}' takes {_DIALECT[command]}: write {written} instead of "
            f"{flag} (or run 'eks-token {other}', which takes {flag})"
        )
    return None


def signer_for(request: TokenRequest, *, credential_cache: bool | None = None) -> TokenSigner:
    """The signer the request describes, in the request's environment."""
    from eks_token.aws.signer import TokenSigner

    return TokenSigner.for_request(request, credential_cache=credential_cache)


def report_signed(
    request: TokenRequest, signer: TokenSigner, token: Token, moment: datetime, *, verbose: bool
) -> None:
    """On stderr: with ``verbose`` how the token was signed; a token too long to be used."""
    from eks_token.core.endpoints import unknown_region_warning
    from eks_token.core.signing import MAX_TOKEN_LENGTH

    endpoint = signer.endpoint
    unknown = unknown_region_warning(endpoint.signing_region, endpoint.partition)
    if unknown is not None:
        warn(unknown)
    if verbose:
        credentials = signer.credentials(now=moment)
        note(
            f"signed for cluster {request.cluster_id!r} with {signer.credential_method} "
            f"credentials ({credentials.access_key_id}) at {signer.endpoint.url} "
            f"(signing region {signer.endpoint.signing_region}); "
            f"expires {token.expiration_timestamp}"
        )
        note_shortened(token, moment, credentials.expiry)
    if len(token.value) > MAX_TOKEN_LENGTH:
        warn(
            f"the token is {len(token.value)} bytes; clusters reject tokens over "
            f"{MAX_TOKEN_LENGTH} (a very long session token makes them that long)"
        )


def obtain(
    request: TokenRequest,
    *,
    now: datetime | None = None,
    verbose: bool = False,
    use_cache: bool = True,
) -> Token:
    """The request's token by the cache policy of :func:`~eks_token.aws.obtain.obtain_token`:
    a fixed signing time (``now``) is always signed and never cached; without ``use_cache``
    no cache is read or written, role credentials' included."""
    from eks_token.aws.obtain import obtain_token

    cache = None
    if use_cache:
        from eks_token.cache.file_cache import FileTokenCache

        cache = FileTokenCache(on_problem=warn if verbose else None)
        if verbose:
            from eks_token.aws.cli_cache import report_skipped_entries

            report_skipped_entries(warn)
    signer = signer_for(request, credential_cache=None if use_cache else False)
    from eks_token.cli._fast import missed_key

    # The key the start-up path computed for this request before it missed, if it did.
    key = missed_key(request) if cache is not None and now is None else None
    result = obtain_token(
        signer, request.cluster_id, cache=cache, now=now, cache_fixed_time=False, key=key
    )
    if not result.from_cache:
        report_signed(request, signer, result.token, result.now, verbose=verbose)
    elif verbose:
        from eks_token.cli._fast import cached_note

        message = cached_note(request.cluster_id, result.token.expiration_timestamp)
        print(message, file=sys.stderr)
    return result.token


def add_cache_options(parser: argparse.ArgumentParser) -> None:
    from eks_token.cache.entry import FRESHNESS_MARGIN_SECONDS

    parser.set_defaults(cache=True)
    parser.add_argument(
        "--no-cache",
        dest="cache",
        action="store_false",
        help="sign a new token without reading or writing the token cache or the role "
        "credential cache (also: EKS_TOKEN_NO_CACHE=1)",
    )
    parser.add_argument(
        "--cache",
        dest="cache",
        action="store_true",
        help="use the caches (the default): a token is printed again while more than "
        f"{FRESHNESS_MARGIN_SECONDS // 60} of its 14 minutes are left ('eks-token cache list' "
        "shows them), and role credentials are shared with the AWS CLI in ~/.aws/cli/cache",
    )


def use_cache(args: argparse.Namespace) -> bool:
    """The cache is used unless --no-cache or EKS_TOKEN_NO_CACHE says otherwise."""
    from eks_token.cache.files import cache_disabled

    return bool(args.cache) and not cache_disabled()


def emit(token: Token, exec_info: ExecInfo, *, token_only: bool = False) -> None:
    """Print the ExecCredential (or the bare token) as the only thing on stdout."""
    from eks_token.exec_plugin.stdout import write_stdout

    out = token.value if token_only else token.exec_credential_json(exec_info.api_version)
    write_stdout(out + "\n")


def signing_time(text: str | None) -> datetime | None:
    """``--signing-time``: an RFC 3339 time to sign as of (reproducible tokens)."""
    if text is None:
        return None
    from eks_token.clock import parse_rfc3339

    return parse_rfc3339(text)


def note_shortened(token: Token, signed_at: datetime, credentials_expiry: datetime | None) -> None:
    """Say when a token's lifetime was cut short by its credentials, and why."""
    from eks_token.core.signing import CREDENTIALS_MARGIN
    from eks_token.core.token import TOKEN_LIFETIME

    lifetime = token.expiration - signed_at.replace(microsecond=0)
    if credentials_expiry is None or lifetime >= TOKEN_LIFETIME:
        return
    from eks_token.clock import format_rfc3339

    minutes, seconds = divmod(int(lifetime.total_seconds()), 60)
    note(
        f"token lifetime shortened to {minutes} min {seconds} s (of "
        f"{int(TOKEN_LIFETIME.total_seconds() // 60)}): the signing credentials expire at "
        f"{format_rfc3339(credentials_expiry)} and a token ends "
        f"{int(CREDENTIALS_MARGIN.total_seconds())} s before its credentials"
    )


def note(message: str) -> None:
    print(f"eks-token: {message}", file=sys.stderr)


def exec_info_with_warning(environ: Mapping[str, str] | None = None) -> ExecInfo:
    info = read_exec_info(environ)
    if info.warning:
        warn(info.warning)
    return info
