"""Tokens per second for 1,000 cluster ids from one process: eks_token vs the AWS CLI.

    .venv/bin/python benchmarks/many_clusters.py [--clusters 1000] [--rounds 7]

Both sides sign with the same static credentials (AWS's documented example
keys) for the same regional STS endpoint, with their clients built once before
timing, as a long-running program would. Each round times, in turn:

* eks_token: a new TokenProvider per cluster id, all sharing one TokenSigner,
  each asked for its token (what examples/tokens_for_many_clusters.py does);
* the AWS CLI: awscli.customizations.eks.get_token.TokenGenerator on one STS
  client from STSClientFactory (what ``aws eks get-token`` runs), per cluster id.

Prints the median tokens per second of each and their ratio; exits 1 when
eks_token is the slower. Signing only: no network.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence

EXAMPLE_ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
EXAMPLE_SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
REGION = "us-west-2"


def isolate_environment() -> None:
    """Only the example keys and region: no profile, config file or instance metadata."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            del os.environ[name]
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": EXAMPLE_ACCESS_KEY_ID,
            "AWS_SECRET_ACCESS_KEY": EXAMPLE_SECRET_ACCESS_KEY,
            "AWS_REGION": REGION,
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true",
        }
    )


def eks_token_round() -> Callable[[Sequence[str]], list[str]]:
    from eks_token import TokenProvider, TokenSigner

    signer = TokenSigner(region=REGION)
    signer.get_token("warm-up")

    def run(cluster_ids: Sequence[str]) -> list[str]:
        providers = [TokenProvider(cluster_id, signer=signer) for cluster_id in cluster_ids]
        return [provider.token().value for provider in providers]

    return run


def aws_cli_round() -> Callable[[Sequence[str]], list[str]]:
    import botocore.session
    from awscli.customizations.eks.get_token import STSClientFactory, TokenGenerator

    session = botocore.session.Session()
    client = STSClientFactory(session).get_sts_client(region_name=REGION)
    generator = TokenGenerator(client)
    generator.get_token("warm-up")

    def run(cluster_ids: Sequence[str]) -> list[str]:
        return [str(generator.get_token(cluster_id)) for cluster_id in cluster_ids]

    return run


def tokens_per_second(
    run: Callable[[Sequence[str]], list[str]], cluster_ids: Sequence[str]
) -> float:
    started = time.perf_counter()
    tokens = run(cluster_ids)
    elapsed = time.perf_counter() - started
    if len(tokens) != len(cluster_ids) or not all(t.startswith("k8s-aws-v1.") for t in tokens):
        raise RuntimeError("a run did not return one token per cluster id")
    return len(cluster_ids) / elapsed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--clusters", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args(argv)

    isolate_environment()
    cluster_ids = [f"cluster-{n:04d}" for n in range(args.clusters)]
    contenders = {"eks_token": eks_token_round(), "aws cli": aws_cli_round()}
    rates: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(args.rounds):
        for name, run in contenders.items():
            rates[name].append(tokens_per_second(run, cluster_ids))

    medians = {name: statistics.median(values) for name, values in rates.items()}
    print(f"{args.clusters} cluster ids, {args.rounds} rounds, median tokens per second:")
    for name, median in medians.items():
        spread = f"{min(rates[name]):,.0f}..{max(rates[name]):,.0f}"
        print(f"  {name:<10} {median:>10,.0f}   (rounds: {spread})")
    ratio = medians["eks_token"] / medians["aws cli"]
    print(f"  ratio      {ratio:>10.2f}x  (eks_token / aws cli)")
    return 0 if ratio >= 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())
