"""The exec-plugin path shared by ``token`` and ``get-token``: sign, then print for kubectl."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from eks_token.cli._common import warn
from eks_token.clock import utc_now
from eks_token.core.token import Token
from eks_token.errors import InvalidInputError
from eks_token.exec_plugin.exec_info import ExecInfo, read_exec_info

if TYPE_CHECKING:
    import argparse

    from eks_token.aws.signer import TokenSigner

CREDENTIALS_HELP = """\
Credentials and region come from botocore: --profile or AWS_PROFILE, the
AWS_* variables, ~/.aws/config and ~/.aws/credentials, SSO, web identity,
container and instance roles. Region order: --region, AWS_REGION,
AWS_DEFAULT_REGION, the profile's region. With no region anywhere the token
is signed for the global endpoint sts.amazonaws.com (us-east-1), as the AWS
CLI does."""

__all__ = [
    "CREDENTIALS_HELP",
    "TokenRequest",
    "add_cache_options",
    "emit",
    "obtain",
    "request_cache_key",
    "resolve_request",
    "sign",
    "signing_time",
    "use_cache",
]


class TokenRequest:
    """Everything that decides which token is right, as the command line and kubectl give it."""

    __slots__ = (
        "cluster_id",
        "external_id",
        "forward_session_name",
        "profile",
        "region",
        "role_arn",
        "session_name",
    )

    def __init__(
        self,
        cluster_id: str,
        *,
        region: str | None = None,
        profile: str | None = None,
        role_arn: str | None = None,
        external_id: str | None = None,
        session_name: str | None = None,
        forward_session_name: bool = False,
    ) -> None:
        self.cluster_id = cluster_id
        self.region = region
        self.profile = profile
        self.role_arn = role_arn
        self.external_id = external_id
        self.session_name = session_name
        self.forward_session_name = forward_session_name

    def signer(self) -> TokenSigner:
        """The signer this request describes, with the process's environment."""
        from eks_token.aws.signer import TokenSigner

        return TokenSigner(
            region=self.region,
            profile=self.profile,
            role_arn=self.role_arn,
            external_id=self.external_id,
            session_name=self.session_name,
            forward_session_name=self.forward_session_name,
        )


def resolve_request(
    exec_info: ExecInfo,
    *,
    cluster_id: str | None,
    region: str | None,
    profile: str | None,
    role_arn: str | None = None,
    external_id: str | None = None,
    session_name: str | None = None,
    forward_session_name: bool = False,
) -> TokenRequest:
    """Fill the cluster id and region from the cluster's exec extension when not given."""
    if cluster_id is None and exec_info.cluster is not None:
        cluster_id = exec_info.cluster.cluster_id()
        region = region or exec_info.cluster.region()
    if cluster_id is None:
        raise InvalidInputError(
            "no cluster id: pass the cluster name (or, with provideClusterInfo: true, give the "
            "cluster a client.authentication.k8s.io/exec extension with cluster-id)",
            option="cluster_id",
        )
    from eks_token.core.signing import validate_cluster_id

    validate_cluster_id(cluster_id)
    return TokenRequest(
        cluster_id,
        region=region or None,
        profile=profile or None,
        role_arn=role_arn or None,
        external_id=external_id or None,
        session_name=session_name or None,
        forward_session_name=forward_session_name,
    )


def sign(
    request: TokenRequest,
    *,
    now: datetime | None = None,
    verbose: bool = False,
    signer: TokenSigner | None = None,
) -> Token:
    """Sign a token for the request with botocore's credentials, as of ``now`` (default: now)."""
    from eks_token.core.signing import MAX_TOKEN_LENGTH

    signer = signer or request.signer()
    token = signer.get_token(request.cluster_id, now=now)
    if verbose:
        note(
            f"signed for cluster {request.cluster_id!r} with {signer.credential_method} "
            f"credentials ({signer.credentials().access_key_id}) at {signer.endpoint.url} "
            f"(signing region {signer.endpoint.signing_region}); "
            f"expires {token.expiration_timestamp}"
        )
    if len(token.value) > MAX_TOKEN_LENGTH:
        warn(
            f"the token is {len(token.value)} bytes; clusters reject tokens over "
            f"{MAX_TOKEN_LENGTH} (a very long session token makes them that long)"
        )
    return token


def obtain(
    request: TokenRequest,
    *,
    now: datetime | None = None,
    verbose: bool = False,
    use_cache: bool = True,
) -> Token:
    """The request's token from the token cache while it has a fresh one, else signed and
    cached. With a fixed signing time (``now``) it is always signed and never cached."""
    if now is not None or not use_cache:
        return sign(request, now=now, verbose=verbose)
    from eks_token.cache.file_cache import FileTokenCache, fetch_or_sign
    from eks_token.cli._fast import cached_note

    moment = utc_now()
    cache = FileTokenCache(on_problem=warn if verbose else None)
    signer = request.signer()
    signed: list[Token] = []

    def sign_now() -> Token:
        signed.append(sign(request, now=moment, verbose=verbose, signer=signer))
        return signed[0]

    token = fetch_or_sign(cache, signer.cache_key(request.cluster_id), moment, sign_now)
    if verbose and not signed:
        print(cached_note(request.cluster_id, token.expiration_timestamp), file=sys.stderr)
    return token


def request_cache_key(request: TokenRequest) -> dict[str, str]:
    """The token cache's key material for the request in this environment."""
    return request.signer().cache_key(request.cluster_id)


def add_cache_options(parser: argparse.ArgumentParser) -> None:
    parser.set_defaults(cache=True)
    parser.add_argument(
        "--no-cache",
        dest="cache",
        action="store_false",
        help="sign a new token without reading or writing the token cache "
        "(also: EKS_TOKEN_NO_CACHE=1)",
    )
    parser.add_argument(
        "--cache",
        dest="cache",
        action="store_true",
        help="use the token cache (the default): a token is printed again while more "
        "than 6 of its 14 minutes are left ('eks-token cache list' shows them)",
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


def note(message: str) -> None:
    print(f"eks-token: {message}", file=sys.stderr)


def exec_info_with_warning(environ: Mapping[str, str] | None = None) -> ExecInfo:
    info = read_exec_info(environ)
    if info.warning:
        warn(info.warning)
    return info
