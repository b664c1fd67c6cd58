"""``eks-token get-token``: the ``aws eks get-token`` interface."""

from __future__ import annotations

import json
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
from eks_token.cli._options import (
    add_aws_cli_options,
    apply_aws_cli_options,
    compile_query,
    render_output,
    warn_if_expired,
)
from eks_token.clock import utc_now
from eks_token.exec_plugin.request import resolve_token_request

__all__ = ["run"]

DESCRIPTION = (
    """\
Print an ExecCredential with a fresh EKS token, for kubectl's exec credential
plugin. Takes the flags of `aws eks get-token`, so a kubeconfig entry with
`command: aws` and `args: [eks, get-token, ...]` converts by writing
`command: eks-token` and dropping `eks` (global options such as --region and
--profile may stay in front). The ExecCredential kubectl reads is always JSON,
whatever ~/.aws/config, --output or --query say when kubectl runs it; for scripts,
--query and --output text|yaml format the answer as the AWS CLI does (--output
table prints a plain key/value table, not the AWS CLI's table layout).

"""
    + CREDENTIALS_HELP
    + " AssumeRole uses the session name EKSGetTokenAuth."
)

EPILOG = """\
examples:
  eks-token get-token --cluster-name my-cluster
  eks-token --region eu-west-1 get-token --cluster-name my-cluster --output json
  eks-token get-token --cluster-name my-cluster --role-arn arn:aws:iam::111122223333:role/admin
  eks-token get-token --cluster-name my-cluster --query status.token --output text
  eks-token get-token --cluster-name my-cluster --query status.expirationTimestamp

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
          value: my-profile

""" + exit_status_help("the ExecCredential (or the --query result) was printed")


def run(argv: Sequence[str]) -> int:
    parser = new_parser("eks-token get-token", DESCRIPTION, EPILOG)
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--cluster-name", help="EKS cluster name")
    which.add_argument("--cluster-id", help="cluster id of an EKS local cluster on Outposts")
    parser.add_argument("--role-arn", help="IAM role ARN to assume (session EKSGetTokenAuth)")
    parser.add_argument("--region", help="AWS region of the STS endpoint")
    parser.add_argument("--profile", help="AWS profile (default: AWS_PROFILE)")
    parser.add_argument(
        "--signing-time",
        metavar="TIME",
        help="sign as of this RFC 3339 time instead of now (reproducible tokens)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="explain on stderr")
    add_cache_options(parser)
    add_aws_cli_options(parser)
    args = parse(parser, argv, lambda extras: dialect_advice("get-token", extras))

    def action() -> int:
        query = compile_query(args.query)
        verbose = apply_aws_cli_options(args)
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
        moment = signing_time(args.signing_time)
        token = obtain(request, now=moment, verbose=verbose, use_cache=use_cache(args))
        if moment is not None:
            warn_if_expired(token.expiration, utc_now(), warn)
        run_by_kubectl = "KUBERNETES_EXEC_INFO" in os.environ
        if run_by_kubectl or (query is None and args.output in (None, "json")):
            # what kubectl reads: the ExecCredential, whatever --output or --query say
            # (a query's answer is never one)
            emit(token, info)
        else:
            from eks_token.exec_plugin.stdout import write_stdout

            credential = json.loads(token.exec_credential_json(info.api_version))
            write_stdout(render_output(credential, query, args.output))
        return 0

    return guarded(action, verbose=args.verbose or args.debug)
