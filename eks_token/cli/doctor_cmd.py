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
what is wrong and what to do: the kubeconfig context; its exec entry as
kubectl checks it (apiVersion, interactiveMode, the command on PATH or beside
the kubeconfig, args, env, provideClusterInfo); the plugin, run exactly as
kubectl runs it (its env, KUBERNETES_EXEC_INFO, stdin per interactiveMode),
and the ExecCredential it prints; the same request signed in-process as a
second opinion (differences are noted); the plugin's token against the
cluster's static rules and STS; clock skew against STS; the API server's
reachability and TLS with the kubeconfig's CA; authentication and
authorization for a sample request. A 401 or 403 is explained from the
cluster's EKS access entries and authentication mode (CONFIG_MAP,
API_AND_CONFIG_MAP, API) when the credentials may read them. The plugin's
stderr is shown with secrets redacted; the token never is. The last line is
the one thing to do next."""

EPILOG = """\
examples:
  eks-token doctor
  eks-token doctor --context prod --verb list --resource deployments.apps
  eks-token doctor --json | jq '.checks[] | select(.ok | not)'

--json prints a stable document
(version 1): ok, failed, next_step, checks[] (name, ok, summary, details with
numbers as numbers, fix, likely_causes, notes), not_run.

""" + exit_status_help(
    "every link holds (kubectl would authenticate and be allowed the sample request)",
    "a link is broken (the report says which and what to do)",
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
    parser.add_argument(
        "--plugin-timeout", type=float, default=60.0, help="seconds the plugin may run"
    )
    parser.add_argument(
        "--no-access-entries",
        action="store_true",
        help="do not ask EKS for the cluster's access entries to explain a 401 or 403",
    )
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
            plugin_timeout=args.plugin_timeout,
            access_entries=not args.no_access_entries,
        )
        if args.json:
            print_json(report.to_dict())
        else:
            from eks_token.redact import redact

            print(redact(report.render()))
        return 0 if report.ok else EXIT_ERROR

    return guarded(action, verbose=args.verbose)
