"""``eks-token whoami``: the username and groups the cluster sees for our token."""

from __future__ import annotations

from collections.abc import Sequence

from eks_token.cli._cluster_side import print_json
from eks_token.cli._common import add_verbose, exit_status_help, guarded, new_parser, parse

__all__ = ["run"]

DESCRIPTION = """\
Ask the API server who we are (SelfSubjectReview, authentication.k8s.io v1,
then v1beta1, then v1alpha1), with the kubeconfig context's server and CA and
a token signed here as the context's exec entry would sign it. The exec entry
is first checked as kubectl checks it (apiVersion, interactiveMode, the
command on PATH): an entry kubectl would refuse is an error here too."""

EPILOG = """\
examples:
  eks-token whoami
  eks-token whoami --context prod --json

""" + exit_status_help("the cluster answered (the identity is printed)", None)


def run(argv: Sequence[str]) -> int:
    parser = new_parser("eks-token whoami", DESCRIPTION, EPILOG)
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
        with KubeApi.for_cluster(view.cluster, token_for_context(view)) as api:
            user = api.whoami()
        if args.json:
            print_json(user.to_dict())
            return 0
        from eks_token.redact import redact

        lines = [f"Username: {user.username}"]
        if user.uid:
            lines.append(f"UID:      {user.uid}")
        lines.append(f"Groups:   {', '.join(user.groups) or '(none)'}")
        for key, values in sorted(user.extra.items()):
            lines.append(f"Extra:    {key}={','.join(values)}")
        # The cluster's answer, which may echo a secret.
        print(redact("\n".join(lines)))
        return 0

    return guarded(action, verbose=args.verbose)
