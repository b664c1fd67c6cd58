"""List the pods of a namespace with a plain requests.Session.

    python examples/list_pods_requests.py CLUSTER [--namespace NS] [--region R]
        [--profile P] [--server URL --ca-file PEM]

The session sends the token to the cluster's API server only, refreshes it
ahead of expiry, and after a 401 refreshes once and retries once.
"""

from __future__ import annotations

import argparse
import base64
import sys
from collections.abc import Sequence
from pathlib import Path

from eks_token import EksTokenError, TokenProvider, describe_cluster
from eks_token.transport.requests_auth import cluster_session


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("cluster", help="the EKS cluster name")
    parser.add_argument("--namespace", default="default")
    parser.add_argument("--region")
    parser.add_argument("--profile")
    parser.add_argument("--server", help="API server URL (skips DescribeCluster)")
    parser.add_argument("--ca-file", type=Path, help="the cluster's CA, PEM (with --server)")
    args = parser.parse_args(argv)

    try:
        if args.server:
            server, cluster_id = args.server, args.cluster
            ca_pem = args.ca_file.read_bytes() if args.ca_file else None
        else:
            described = describe_cluster(args.cluster, region=args.region, profile=args.profile)
            server, cluster_id = described.endpoint, described.cluster_id
            ca_pem = base64.b64decode(described.certificate_authority_data)
        provider = TokenProvider(cluster_id, region=args.region, profile=args.profile)
        with cluster_session(provider, server, ca_pem) as session:
            url = f"{server.rstrip('/')}/api/v1/namespaces/{args.namespace}/pods"
            response = session.get(url, timeout=30)
    except EksTokenError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if response.status_code != 200:
        print(f"error: {response.status_code} {response.reason}", file=sys.stderr)
        return 1
    for pod in response.json()["items"]:
        print(f"{pod['metadata']['name']}\t{pod.get('status', {}).get('phase', '')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
