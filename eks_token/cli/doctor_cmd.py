"""``eks-token doctor``: find the first broken link between kubeconfig and RBAC."""

from __future__ import annotations

from collections.abc import Sequence

from eks_token.cli._cluster_side import print_json
from eks_token.cli._common import (
    EXIT_ERROR,
    add_verbose,
    exit_status_help,
    guarded,
    new_parser,
    parse,
)

__all__ = ["run"]

DESCRIPTION = """\
Walk the chain kubectl depends on and stop at the first broken link, saying
what is wrong and what to do: the kubeconfig context and its exec entry, AWS
credentials (and where they come from), the caller identity from STS, the
token against the cluster's static rules, clock skew against STS, the API
server's reachability and TLS with the kubeconfig's CA, authentication (who
the cluster says you are; on 401 the likely causes, in order) and
authorization for a sample request. The token is signed here; neither
kubectl nor the plugin is run."""

EPILOG = """\
examples:
  eks-token doctor
  eks-token doctor --context prod --verb list --resource deployments.apps
  eks-token doctor --json | jq '.checks[] | select(.ok | not)'


""" + exit_status_help(
    "every link holds", "a link is broken (the report says which and what to do)"
)


def run(argv: Sequence[str]) -> int:
    parser = new_parser("eks-token doctor", DESCRIPTION, EPILOG)
    parser.add_argument("--context", help="kubeconfig context (default: the current one)")
    parser.add_argument("--kubeconfig", help="kubeconfig file (default: KUBECONFIG)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--verb", default="get", help="sample verb to authorize (default: get)")
    parser.add_argument(
        "--resource", default="pods", help="sample resource to authorize (default: pods)"
    )
    parser.add_argument(
        "--sts-endpoint-url",
        help="send the caller-identity request to this base URL (e.g. an STS VPC endpoint)",
    )
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per request")
    add_verbose(parser)
    args = parse(parser, argv)

    def action() -> int:
        from eks_token.doctor.run import run_doctor

        report = run_doctor(
            context=args.context,
            kubeconfig=args.kubeconfig,
            sts_endpoint_url=args.sts_endpoint_url,
            verb=args.verb,
            resource=args.resource,
            timeout=args.timeout,
        )
        if args.json:
            print_json(report.to_dict())
        else:
            print(report.render())
        return 0 if report.ok else EXIT_ERROR

    return guarded(action, verbose=args.verbose)
