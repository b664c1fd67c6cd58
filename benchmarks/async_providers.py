"""AsyncTokenProvider: tokens per second for 1,000 clusters, and the event loop's lag.

    .venv/bin/python benchmarks/async_providers.py [--clusters 1000] [--rounds 7]

* Tokens per second: each round makes a new AsyncTokenProvider per cluster id, all sharing
  one TokenSigner (the example keys, no network), and awaits every provider's token at once
  (credentials resolved in worker threads, presigning in the loop). The sync TokenProvider
  on the same signer is timed alongside for comparison.
* Loop lag: a ticker task sleeps 1 ms at a time and records its longest gap, (a) while the
  1,000 providers refresh, and (b) while one provider resolves its credentials through a
  credential_process that takes one second (a botocore profile in a temporary AWS config).

Prints the medians; exits 1 when the loop was blocked for half the credential_process's
second.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from many_clusters import EXAMPLE_ACCESS_KEY_ID, EXAMPLE_SECRET_ACCESS_KEY, REGION
from many_clusters import isolate_environment as _isolate

if TYPE_CHECKING:
    from eks_token import TokenSigner

SLOW_PROCESS = """\
import json, time
time.sleep(1)
print(json.dumps({{"Version": 1, "AccessKeyId": {key!r}, "SecretAccessKey": {secret!r}}}))
"""


async def longest_gap(work: Awaitable[object]) -> tuple[float, float]:
    """(seconds ``work`` took, the longest gap between a 1 ms ticker's ticks meanwhile)."""
    done = False
    gaps: list[float] = []

    async def ticker() -> None:
        last = time.perf_counter()
        while not done:
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    ticking = asyncio.create_task(ticker())
    await asyncio.sleep(0.01)
    started = time.perf_counter()
    await work
    took = time.perf_counter() - started
    done = True
    await ticking
    return took, max(gaps)


async def async_round(cluster_ids: Sequence[str]) -> tuple[float, float]:
    from eks_token import AsyncTokenProvider, TokenSigner

    signer = _SIGNER.setdefault("signer", TokenSigner(region=REGION))
    providers = [AsyncTokenProvider(cluster_id, signer=signer) for cluster_id in cluster_ids]

    async def everything() -> list[str]:
        tokens = await asyncio.gather(*(provider.token() for provider in providers))
        return [token.value for token in tokens]

    took, gap = await longest_gap(everything())
    return len(cluster_ids) / took, gap


def sync_round(cluster_ids: Sequence[str]) -> float:
    from eks_token import TokenProvider

    signer = _SIGNER["signer"]
    started = time.perf_counter()
    providers = [TokenProvider(cluster_id, signer=signer) for cluster_id in cluster_ids]
    tokens = [provider.token().value for provider in providers]
    assert len(tokens) == len(cluster_ids)
    return len(cluster_ids) / (time.perf_counter() - started)


async def credential_process_lag(directory: Path) -> tuple[float, float]:
    from eks_token import AsyncTokenProvider

    script = directory / "slow_credentials.py"
    script.write_text(
        SLOW_PROCESS.format(key=EXAMPLE_ACCESS_KEY_ID, secret=EXAMPLE_SECRET_ACCESS_KEY)
    )
    config = directory / "config"
    config.write_text(
        f"[profile slow]\nregion = {REGION}\ncredential_process = {sys.executable} {script}\n"
    )
    os.environ["AWS_CONFIG_FILE"] = str(config)
    provider = AsyncTokenProvider("my-cluster", profile="slow")
    return await longest_gap(provider.token())


_SIGNER: dict[str, TokenSigner] = {}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--clusters", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args(argv)

    _isolate()
    cluster_ids = [f"cluster-{n:04d}" for n in range(args.clusters)]
    rates: list[float] = []
    gaps: list[float] = []
    sync_rates: list[float] = []
    for _ in range(args.rounds):
        rate, gap = asyncio.run(async_round(cluster_ids))
        rates.append(rate)
        gaps.append(gap)
        sync_rates.append(sync_round(cluster_ids))
    print(f"{args.clusters} clusters, {args.rounds} rounds (medians):")
    print(f"  AsyncTokenProvider  {statistics.median(rates):>9,.0f} tokens/s")
    print(f"  TokenProvider       {statistics.median(sync_rates):>9,.0f} tokens/s")
    print(f"  loop lag while refreshing {args.clusters}: {statistics.median(gaps) * 1000:.1f} ms")

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        del os.environ[name]
    with tempfile.TemporaryDirectory() as directory:
        took, gap = asyncio.run(credential_process_lag(Path(directory)))
    print(
        f"  credential_process of 1 s: resolved in {took:.2f} s, "
        f"longest loop lag {gap * 1000:.1f} ms"
    )
    return 0 if gap < 0.5 else 1


if __name__ == "__main__":
    sys.exit(main())
