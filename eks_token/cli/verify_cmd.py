"""``eks-token verify``: verify a token as the cluster's authenticator does."""

from __future__ import annotations

from collections.abc import Sequence

from eks_token.cli._cluster_side import ONE_TOKEN, add_token_rule_options, print_json, read_token
from eks_token.cli._common import add_verbose, exit_status_help, guarded, new_parser, parse
from eks_token.clock import utc_now

__all__ = ["run"]

DESCRIPTION = """\
Verify a token exactly as the cluster does: the static rules in order, then
STS GetCallerIdentity with this cluster id in x-k8s-aws-id (so a token made
for another cluster fails). Prints the identity as JSON: ARN, canonical ARN,
account, user id, session name, access key id and STS host."""

EPILOG = """\
examples:
  eks-token verify -i my-cluster "$TOKEN"
  eks-token verify -i my-cluster -t "$TOKEN"      (aws-iam-authenticator's form)
  eks-token token -i my-cluster --token-only | eks-token verify -i my-cluster -
  eks-token verify -i my-cluster - \\
      --sts-endpoint-url https://vpce-0abc.sts.us-west-2.vpce.amazonaws.com

""" + exit_status_help("the token is valid for this cluster (the identity is printed)")


def run(argv: Sequence[str]) -> int:
    parser = new_parser("eks-token verify", DESCRIPTION, EPILOG)
    parser.add_argument("token", nargs="?", help="the token, or - (default) to read stdin")
    parser.add_argument(
        "-t", "--token", dest="token_option", metavar="TOKEN", help="the token (as an option)"
    )
    parser.add_argument("-i", "--cluster-id", required=True, help="the cluster's id (its name)")
    add_token_rule_options(parser)
    parser.add_argument(
        "--sts-endpoint-url",
        help="send the STS request (same path and query) to this base URL instead",
    )
    parser.add_argument(
        "--timeout", type=float, default=10.0, help="seconds to wait for STS (default: 10)"
    )
    add_verbose(parser)
    args = parse(parser, argv, lambda extras: ONE_TOKEN)
    if args.token_option is not None and args.token is not None:
        parser.error("give the token once: as an argument or with -t/--token")
    token_text = args.token_option if args.token_option is not None else args.token

    def action() -> int:
        from eks_token.cluster.verifier import TokenVerifier

        verifier = TokenVerifier(
            args.cluster_id,
            partition=args.partition,
            sts_endpoint_url=args.sts_endpoint_url,
            timeout=args.timeout,
            extra_regions=args.extra_region,
        )
        identity = verifier.verify(read_token(token_text), now=utc_now())
        print_json(identity.to_dict())
        return 0

    return guarded(action, verbose=args.verbose)
