"""``eks-token decode``: what a token holds and which of the cluster's rules it breaks."""

from __future__ import annotations

from collections.abc import Sequence

from eks_token.cli._cluster_side import ONE_TOKEN, add_token_rule_options, print_json, read_token
from eks_token.cli._common import (
    EXIT_ERROR,
    add_verbose,
    error,
    exit_status_help,
    guarded,
    new_parser,
    parse,
)
from eks_token.clock import utc_now

__all__ = ["run"]

DESCRIPTION = """\
Decode a k8s-aws-v1 token offline: STS host, region, partition, access key id,
signing time, age and time left, signed headers, whether a session token is
present, and its length. Every static rule the cluster applies is checked and
each one that fails is listed by name. Nothing is sent anywhere; the
signature and session token are never printed."""

EPILOG = """\
examples:
  eks-token decode "$TOKEN"
  eks-token token -i my-cluster --token-only | eks-token decode -

""" + exit_status_help("every rule passes", "a rule fails (each one is named on stderr)")


def run(argv: Sequence[str]) -> int:
    parser = new_parser("eks-token decode", DESCRIPTION, EPILOG)
    parser.add_argument("token", nargs="?", help="the token, or - (default) to read stdin")
    add_token_rule_options(parser)
    add_verbose(parser)
    args = parse(parser, argv, lambda extras: ONE_TOKEN)

    def action() -> int:
        from eks_token.cluster.token_rules import inspect_token

        report = inspect_token(
            read_token(args.token),
            now=utc_now(),
            partition=args.partition,
            extra_regions=args.extra_region,
        )
        print_json(report.to_dict())
        if report.valid:
            return 0
        broken = ", ".join(f.rule for f in report.failures)
        if len(report.failures) == 1:
            # One rule broken (always so when the prefix is wrong): say how.
            broken += f": {report.failures[0].message}"
        error(f"the token breaks: {broken}")
        return EXIT_ERROR

    return guarded(action, verbose=args.verbose)
