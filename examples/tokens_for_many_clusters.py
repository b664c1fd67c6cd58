"""Tokens for many clusters from one process: one identity, one provider per cluster.

    python examples/tokens_for_many_clusters.py CLUSTER [CLUSTER ...] [--region R] [--profile P]

The AWS identity and STS endpoint are resolved once (one TokenSigner) and
shared; each cluster gets its own TokenProvider, which signs only when its
token nears expiry. Prints each cluster's token expiry, never the token.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from eks_token import EksTokenError, TokenProvider, TokenSigner


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("clusters", nargs="+", help="EKS cluster names")
    parser.add_argument("--region")
    parser.add_argument("--profile")
    args = parser.parse_args(argv)

    try:
        signer = TokenSigner(region=args.region, profile=args.profile)
        providers = {name: TokenProvider(name, signer=signer) for name in args.clusters}
        print(f"signing as {signer.credentials().access_key_id} for {signer.endpoint.host}")
        for name, provider in providers.items():
            token = provider.token()
            print(f"{name}\texpires {token.expiration_timestamp}\t{len(token.value)} bytes")
    except EksTokenError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
