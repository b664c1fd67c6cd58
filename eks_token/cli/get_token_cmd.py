"""``eks-token get-token``: the ``aws eks get-token`` interface."""

from __future__ import annotations

import os
from collections.abc import Sequence

from eks_token.cli._common import guarded, new_parser, parse
from eks_token.cli._exec import (
    CREDENTIALS_HELP,
    add_cache_options,
    emit,
    exec_info_with_warning,
    obtain,
    signing_time,
    use_cache,
)
from eks_token.exec_plugin.request import resolve_token_request

__all__ = ["run"]

DESCRIPTION = (
    """\
Print an ExecCredential with a fresh EKS token, for kubectl's exec credential
plugin. Takes the flags of `aws eks get-token`, so a kubeconfig entry with
`command: aws` and `args: [eks, get-token, ...]` converts by writing
`command: eks-token` and dropping `eks` (global options such as --region and
--profile may stay in front). --output is accepted and ignored: the output is
always JSON, whatever ~/.aws/config says.

"""
    + CREDENTIALS_HELP
    + " AssumeRole uses the session name EKSGetTokenAuth."
)

EPILOG = """\
kubeconfig user entry:
  users:
  - name: arn:aws:eks:us-west-2:111122223333:cluster/my-cluster
    user:
      exec:
        apiVersion: client.authentication.k8s.io/v1beta1
        command: eks-token
        args: [--region, us-west-2, get-token, --cluster-name, my-cluster, --output, json]
        env:
        - name: AWS_PROFILE
          value: my-profile"""


def run(argv: Sequence[str]) -> int:
    parser = new_parser("eks-token get-token", DESCRIPTION, EPILOG)
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--cluster-name", help="EKS cluster name")
    which.add_argument("--cluster-id", help="cluster id of an EKS local cluster on Outposts")
    parser.add_argument("--role-arn", help="IAM role ARN to assume (session EKSGetTokenAuth)")
    parser.add_argument("--region", help="AWS region of the STS endpoint")
    parser.add_argument("--profile", help="AWS profile (default: AWS_PROFILE)")
    parser.add_argument("--output", help="accepted and ignored: the output is always JSON")
    parser.add_argument(
        "--signing-time",
        metavar="TIME",
        help="sign as of this RFC 3339 time instead of now (reproducible tokens)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="explain on stderr")
    add_cache_options(parser)
    args = parse(parser, argv)

    def action() -> int:
        info = exec_info_with_warning()
        cluster = args.cluster_name if args.cluster_name is not None else args.cluster_id
        request = resolve_token_request(
            "get-token",
            environ=os.environ,
            exec_info=info,
            cluster_id=cluster,
            region=args.region,
            profile=args.profile,
            role_arn=args.role_arn,
        )
        token = obtain(
            request,
            now=signing_time(args.signing_time),
            verbose=args.verbose,
            use_cache=use_cache(args),
        )
        emit(token, info)
        return 0

    return guarded(action, verbose=args.verbose)
