"""List the pods of a namespace with the kubernetes client, no kubeconfig, no AWS CLI.

    python examples/list_pods_kubernetes.py CLUSTER [--namespace NS] [--region R]
        [--profile P] [--role-arn ARN] [--server URL --ca-file PEM] [--every SECONDS]

The API server URL and CA come from EKS DescribeCluster unless --server is given.
With --every, the listing repeats until interrupted: the token is refreshed in
the process, so the client keeps working past the token's 15 minutes.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from kubernetes.client import CoreV1Api

from eks_token import EksTokenError
from eks_token.transport.kubernetes_client import api_client_for_cluster


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("cluster", help="the EKS cluster name")
    parser.add_argument("--namespace", default="default")
    parser.add_argument("--region")
    parser.add_argument("--profile")
    parser.add_argument("--role-arn")
    parser.add_argument("--server", help="API server URL (skips DescribeCluster)")
    parser.add_argument("--ca-file", type=Path, help="the cluster's CA, PEM (with --server)")
    parser.add_argument("--every", type=float, help="repeat every SECONDS until interrupted")
    args = parser.parse_args(argv)

    try:
        client = api_client_for_cluster(
            args.cluster,
            server=args.server,
            certificate_authority_data=args.ca_file.read_bytes() if args.ca_file else None,
            region=args.region,
            profile=args.profile,
            role_arn=args.role_arn,
        )
    except EksTokenError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    with client:
        pods = CoreV1Api(client)
        while True:
            for pod in pods.list_namespaced_pod(args.namespace).items:
                name = pod.metadata.name if pod.metadata else ""
                phase = pod.status.phase if pod.status else ""
                print(f"{name}\t{phase}")
            if args.every is None:
                return 0
            time.sleep(args.every)


if __name__ == "__main__":
    sys.exit(main())
