"""Use a kubeconfig context whose exec entry runs an EKS token tool, without running it.

    python examples/kubeconfig_exec.py [--context NAME] [--kubeconfig PATH] [--namespace NS]

Works for entries running eks-token, aws-iam-authenticator,
heptio-authenticator-aws or `aws eks get-token`: their arguments are read and
the token is signed (and refreshed) in this process, so no plugin is started.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from kubernetes.client import CoreV1Api

from eks_token import EksTokenError, load_context
from eks_token.transport.kubernetes_client import api_client_from_kubeconfig


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--context", help="default: the current context")
    parser.add_argument("--kubeconfig", help="default: $KUBECONFIG or ~/.kube/config")
    parser.add_argument("--namespace", help="default: the context's namespace, else default")
    args = parser.parse_args(argv)

    try:
        view = load_context(args.context, args.kubeconfig)
        client = api_client_from_kubeconfig(args.context, args.kubeconfig)
    except EksTokenError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    namespace = args.namespace or view.namespace or "default"
    with client:
        for pod in CoreV1Api(client).list_namespaced_pod(namespace).items:
            name = pod.metadata.name if pod.metadata else ""
            phase = pod.status.phase if pod.status else ""
            print(f"{name}\t{phase}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
