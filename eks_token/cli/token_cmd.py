"""``eks-token token``: the aws-iam-authenticator / heptio-authenticator-aws interface."""

from __future__ import annotations

import os
from collections.abc import Sequence

from eks_token.cli._common import exit_status_help, guarded, new_parser, parse, warn
from eks_token.cli._exec import (
    CREDENTIALS_HELP,
    add_cache_options,
    dialect_advice,
    emit,
    exec_info_with_warning,
    obtain,
    signing_time,
    use_cache,
)
from eks_token.cli._options import warn_if_expired
from eks_token.clock import utc_now
from eks_token.exec_plugin.request import resolve_token_request

__all__ = ["run"]

DESCRIPTION = (
    """\
Print an ExecCredential with a fresh EKS token, for kubectl's exec credential
plugin. Takes aws-iam-authenticator's flags, so a kubeconfig entry written for
it (or for heptio-authenticator-aws) keeps its args; change `command:` to
eks-token and a v1alpha1 `apiVersion` (refused by kubectl 1.24+) to v1beta1,
or run `eks-token kubeconfig migrate`, which does both. The output is always
JSON, whatever ~/.aws/config says.

"""
    + CREDENTIALS_HELP
)

EPILOG = """\
examples:
  eks-token token -i my-cluster
  eks-token token -i my-cluster --region eu-west-1 --profile team -v
  eks-token token -i my-cluster -r arn:aws:iam::111122223333:role/admin -e ext-id
  eks-token token -i my-cluster --token-only | eks-token decode -
  eks-token token -i my-cluster --no-cache --signing-time 2026-11-28T21:19:04Z

kubeconfig user entry:
  users:
  - name: aws
    user:
      exec:
        apiVersion: client.authentication.k8s.io/v1beta1
        command: eks-token
        args: [token, -i, my-cluster]
        env:
        - name: AWS_PROFILE
          value: my-profile

environment:
  KUBERNETES_AWS_AUTHENTICATOR_CLUSTER_ID  cluster id when -i is not given
  DEFAULT_ROLE                             role ARN when -r is not given
  KUBERNETES_EXEC_INFO                     set by kubectl: apiVersion to answer with
  EKS_TOKEN_CACHE_DIR                      token cache (default ~/.kube/cache/eks-token)
  EKS_TOKEN_NO_CACHE                       1: sign every time (as --no-cache)

""" + exit_status_help("the ExecCredential (or, with --token-only, the token) was printed")


def run(argv: Sequence[str]) -> int:
    parser = new_parser("eks-token token", DESCRIPTION, EPILOG)
    parser.add_argument("-i", "--cluster-id", help="EKS cluster name (or Outposts cluster id)")
    parser.add_argument("-r", "--role", "--role-arn", dest="role", help="IAM role ARN to assume")
    parser.add_argument("-e", "--external-id", help="external id for AssumeRole")
    names = parser.add_mutually_exclusive_group()
    names.add_argument("-s", "--session-name", help="role session name for AssumeRole")
    names.add_argument(
        "--forward-session-name",
        action="store_true",
        help="use the session part of the caller's UserId as the role session name",
    )
    parser.add_argument("--region", help="AWS region of the STS endpoint")
    parser.add_argument("--profile", help="AWS profile (default: AWS_PROFILE)")
    parser.add_argument("--token-only", action="store_true", help="print only the token")
    parser.add_argument("-v", "--verbose", action="store_true", help="explain on stderr")
    parser.add_argument("--output", help="accepted and ignored: the output is always JSON")
    parser.add_argument(
        "--signing-time",
        metavar="TIME",
        help="sign as of this RFC 3339 time instead of now (reproducible tokens)",
    )
    add_cache_options(parser)
    args = parse(parser, argv, lambda extras: dialect_advice("token", extras))

    def action() -> int:
        info = exec_info_with_warning()
        request = resolve_token_request(
            "token",
            environ=os.environ,
            exec_info=info,
            cluster_id=args.cluster_id,
            region=args.region,
            profile=args.profile,
            role_arn=args.role,
            external_id=args.external_id,
            session_name=args.session_name,
            forward_session_name=args.forward_session_name,
        )
        moment = signing_time(args.signing_time)
        token = obtain(request, now=moment, verbose=args.verbose, use_cache=use_cache(args))
        if moment is not None:
            warn_if_expired(token.expiration, utc_now(), warn)
        emit(token, info, token_only=args.token_only)
        return 0

    return guarded(action, verbose=args.verbose)
