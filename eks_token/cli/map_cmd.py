"""``eks-token map``: what EKS access entries and the aws-auth ConfigMap make of an identity."""

from __future__ import annotations

from argparse import Namespace
from collections.abc import Sequence
from typing import TYPE_CHECKING

from eks_token.cli._cluster_side import print_json, read_token
from eks_token.cli._common import (
    add_verbose,
    error,
    exit_status_help,
    guarded,
    new_parser,
    parse,
    warn,
)
from eks_token.clock import utc_now

if TYPE_CHECKING:
    from eks_token.cluster.aws_auth import AwsAuth, PrivateDnsLookup
    from eks_token.cluster.identity import Identity

__all__ = ["run"]

DESCRIPTION = """\
Compute the Kubernetes username and groups an identity gets, as the cluster
does, from EKS access entries (--access-entries CLUSTER), from the aws-auth
ConfigMap (--aws-auth FILE or --from-cluster), or both.

aws-auth: mapRoles, then mapUsers, then mapAccounts, with every template
({{AccountID}}, {{SessionName}}, {{SessionNameRaw}}, {{AccessKeyID}},
{{EC2PrivateDNSName}}); warns about entries that can never match or that the
cluster would drop as malformed.

Access entries: the cluster's authentication mode (DescribeCluster) decides
the sources: CONFIG_MAP uses only aws-auth, API only access entries, and
API_AND_CONFIG_MAP an access entry first, aws-auth only when none matches.
An assumed-role session matches its role's entry (whatever the role's path);
an entry without a username gives a role's sessions
arn:aws:sts::ACCOUNT:assumed-role/ROLE/{{SessionName}} and a user its ARN.
The entry's associated access policies and their scopes are shown. Needs
eks:DescribeCluster, eks:ListAccessEntries, eks:DescribeAccessEntry and
eks:ListAssociatedAccessPolicies."""

EPILOG = """\
examples:
  kubectl get configmap aws-auth -n kube-system -o yaml > aws-auth.yaml
  eks-token map --aws-auth aws-auth.yaml --arn arn:aws:sts::111122223333:assumed-role/Dev/alice
  eks-token map --aws-auth aws-auth.yaml --session-name alice \\
      --arn arn:aws:iam::111122223333:role/Dev
  eks-token map --aws-auth aws-auth.yaml --token "$TOKEN" -i my-cluster
  eks-token map --from-cluster --arn arn:aws:iam::111122223333:user/alice
  eks-token map --access-entries prod --region eu-west-1 \
      --arn arn:aws:sts::111122223333:assumed-role/Dev/alice
  eks-token map --access-entries prod --aws-auth aws-auth.yaml --arn ARN

""" + exit_status_help(
    "mapped", "not mapped, or the ConfigMap could not be read (the reason is on stderr)"
)


def run(argv: Sequence[str]) -> int:
    parser = new_parser("eks-token map", DESCRIPTION, EPILOG)
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--aws-auth", metavar="FILE", help="the ConfigMap as YAML (- for stdin)")
    source.add_argument(
        "--from-cluster", action="store_true", help="read kube-system/aws-auth from the cluster"
    )
    who = parser.add_mutually_exclusive_group(required=True)
    who.add_argument("--arn", help="the identity's ARN (IAM user/role or STS session)")
    who.add_argument("--token", help="a token to verify first (- for stdin)")
    parser.add_argument("--session-name", help="the role session name (with --arn)")
    parser.add_argument("--access-key-id", default="", help="for {{AccessKeyID}} (with --arn)")
    parser.add_argument("-i", "--cluster-id", help="the cluster id (with --token)")
    parser.add_argument("--partition", default="aws", help="the cluster's partition (--token)")
    parser.add_argument("--sts-endpoint-url", help="STS base URL override (--token)")
    parser.add_argument(
        "--access-entries",
        metavar="CLUSTER",
        help="read the EKS cluster's authentication mode and access entries",
    )
    parser.add_argument("--region", help="region of the cluster (EKS, and EC2 lookups)")
    parser.add_argument("--profile", help="AWS profile for the EKS and EC2 calls")
    parser.add_argument("--context", help="kubeconfig context (with --from-cluster)")
    parser.add_argument("--kubeconfig", help="kubeconfig file (with --from-cluster)")
    add_verbose(parser)
    args = parse(parser, argv)
    if args.token is not None and not args.cluster_id:
        parser.error("--token needs -i/--cluster-id")
    if args.arn is not None and args.cluster_id:
        parser.error("-i/--cluster-id goes with --token, not --arn")
    if args.aws_auth is None and not args.from_cluster and args.access_entries is None:
        parser.error("give --access-entries CLUSTER, --aws-auth FILE or --from-cluster")

    def action() -> int:
        from eks_token.aws.ec2 import Ec2PrivateDnsNames
        from eks_token.cluster.aws_auth import map_identity
        from eks_token.errors import NotMappedError

        config = None
        if args.aws_auth is not None or args.from_cluster:
            config = _load(args.aws_auth, args.context, args.kubeconfig)
            for message in config.warnings:
                warn(message)
        identity = _identity(args)
        lookup = Ec2PrivateDnsNames(args.region, profile=args.profile)
        if config is None or args.access_entries is not None:
            return _with_access_entries(args, identity, config, lookup)
        try:
            mapping = map_identity(config, identity, private_dns_name=lookup)
        except NotMappedError as exc:
            return error(str(exc))
        result = mapping.to_dict()
        result.pop("warnings")
        print_json(result)
        return 0

    return guarded(action, verbose=args.verbose)


def _with_access_entries(
    args: Namespace, identity: Identity, config: AwsAuth | None, lookup: PrivateDnsLookup
) -> int:
    from eks_token.aws.access_entries import EksAccessApi
    from eks_token.cluster.access import combine_access, matching_entry_arn

    api = EksAccessApi.connect(args.access_entries, region=args.region, profile=args.profile)
    mode = api.authentication_mode()
    entry = None
    if mode != "CONFIG_MAP":
        arn = matching_entry_arn(api.principal_arns(), identity)
        entry = api.entry(arn) if arn else None
    if config is None and mode != "API" and entry is None:
        warn(f"the cluster's mode is {mode}: give --aws-auth FILE or --from-cluster to consult it")
    answer = combine_access(mode, identity, entry=entry, aws_auth=config, private_dns_name=lookup)
    if not answer.mapped:
        return error(answer.reason)
    print_json(answer.to_dict())
    return 0


def _load(path: str | None, context: str | None, kubeconfig: str | None) -> AwsAuth:
    from eks_token.cluster.aws_auth import fetch_aws_auth, load_aws_auth_file

    if path is not None:
        return load_aws_auth_file(path)
    from eks_token.cluster.kube_api import KubeApi
    from eks_token.inprocess.context_token import token_for_context
    from eks_token.kubeconfig.files import load_context

    view = load_context(context, kubeconfig)
    with KubeApi.for_cluster(view.cluster, token_for_context(view)) as api:
        return fetch_aws_auth(api)


def _identity(args: Namespace) -> Identity:
    if args.token is not None:
        from eks_token.cluster.verifier import TokenVerifier

        verifier = TokenVerifier(
            args.cluster_id, partition=args.partition, sts_endpoint_url=args.sts_endpoint_url
        )
        return verifier.verify(read_token(args.token), now=utc_now())
    from eks_token.cluster.identity import identity_from_arn

    return identity_from_arn(
        args.arn, session_name=args.session_name, access_key_id=args.access_key_id
    )
