"""``eks-token can-i``: ask the cluster whether we may do something (RBAC)."""

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
Ask the API server whether the context's identity may VERB RESOURCE
(SelfSubjectAccessReview), with a token signed here as the context's exec
entry would sign it, after checking the entry as kubectl checks it. Prints
yes or no, as 'kubectl auth can-i' does."""

EPILOG = """\
examples:
  eks-token can-i get pods
  eks-token can-i create deployments.apps -n team-a
  eks-token can-i get pods --subresource log --context prod --json


""" + exit_status_help("yes", "no, or the question could not be asked (the reason is on stderr)")


def run(argv: Sequence[str]) -> int:
    parser = new_parser("eks-token can-i", DESCRIPTION, EPILOG)
    parser.add_argument("verb", help="get, list, create, delete, ...")
    parser.add_argument("resource", help="pods, or RESOURCE.GROUP such as deployments.apps")
    parser.add_argument("-n", "--namespace", help="namespace (default: the context's)")
    parser.add_argument(
        "-A", "--all-namespaces", action="store_true", help="ask for every namespace"
    )
    parser.add_argument("--subresource", help="a subresource such as log")
    parser.add_argument("--name", help="a single object's name")
    parser.add_argument("--context", help="kubeconfig context (default: the current one)")
    parser.add_argument("--kubeconfig", help="kubeconfig file (default: KUBECONFIG)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    add_verbose(parser)
    args = parse(parser, argv)

    def action() -> int:
        from eks_token.cluster.kube_api import KubeApi
        from eks_token.inprocess.context_token import token_for_context
        from eks_token.kubeconfig.exec_check import ensure_kubectl_can_run
        from eks_token.kubeconfig.files import load_context

        view = load_context(args.context, args.kubeconfig)
        ensure_kubectl_can_run(view)
        namespace = None if args.all_namespaces else args.namespace or view.namespace or "default"
        with KubeApi.for_cluster(view.cluster, token_for_context(view)) as api:
            review = api.can_i(
                args.verb,
                args.resource,
                namespace=namespace,
                subresource=args.subresource,
                name=args.name,
            )
        if args.json:
            print_json(review.to_dict())
        else:
            print("yes" if review.allowed else "no")
        return 0 if review.allowed else EXIT_ERROR

    return guarded(action, verbose=args.verbose)
