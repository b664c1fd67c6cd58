"""How long kubectl waits for its exec plugin: the installed ``eks-token`` (cache hit and
miss) against ``aws eks get-token``, an empty Python start and a compiled Go presigner.

Usage (from the project root, with the project's virtualenv)::

    .venv/bin/python benchmarks/exec_startup.py [--rounds 40] [--venv DIR] [--go PATH] [--no-go]

It measures the command as a user gets it: it makes a plain virtualenv in a
temporary directory (or uses ``--venv DIR``, made the same way if missing) and
``pip install``s this checkout into it, not editable. Every command runs once per
round, in turn, so that machine noise falls on all of them alike; the table
shows medians over the rounds, the ratios the targets are stated in, and each
command's peak memory (the child's ``ru_maxrss``). Commands run in a throw-away
HOME with AWS's documented example keys in the environment ("cold, --profile"
reads them from a profile instead, through botocore's full credential chain);
nothing touches the network. "warm, pip launcher" runs the same cache hit
through the launcher pip writes for a console-script entry point, for
comparison. ``aws eks get-token`` is the AWS CLI found beside the running
Python or on PATH, if any; the Go presigner is built by tests/support/go_oracle.py
when a Go toolchain is installed, unless ``--go`` names a binary.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.support import go_oracle  # noqa: E402

CLUSTER = "bench-cluster"
EXEC_INFO = json.dumps(
    {
        "kind": "ExecCredential",
        "apiVersion": "client.authentication.k8s.io/v1beta1",
        "spec": {"interactive": False},
    }
)
#: The targets of the fast exec path, as (numerator, denominator, limit).
RATIO_TARGETS = (("warm", "python -I", 1.3), ("cold", "aws eks get-token", 0.35))
WARM_RSS_LIMIT_MIB = 20.0
IMPORT_LIMIT_MS = 5.0
#: What pip writes for a console-script entry point ``eks-token = eks_token.cli.main:main``.
PIP_LAUNCHER = """\
# -*- coding: utf-8 -*-
import re
import sys
from eks_token.cli.main import main
if __name__ == '__main__':
    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])
    sys.exit(main())
"""


class Command:
    """One thing to time: its argv and, optionally, something to do before each run."""

    def __init__(
        self, name: str, argv: Sequence[str], before: Callable[[], dict[str, str]] | None = None
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.before = before
        self.seconds: list[float] = []
        self.rss_mib: list[float] = []

    def run(self, launcher: Launcher, env: Mapping[str, str]) -> None:
        child_env = dict(env)
        if self.before is not None:
            child_env.update(self.before())
        seconds, rss_kib, status = launcher.run(self.argv, child_env)
        if status != 0:
            failed = subprocess.run(self.argv, env=child_env, capture_output=True, text=True)
            raise SystemExit(f"{self.name} failed ({status}): {failed.stderr.strip()}")
        self.seconds.append(seconds)
        self.rss_mib.append(rss_kib / 1024)

    @property
    def median_ms(self) -> float:
        return statistics.median(self.seconds) * 1000

    @property
    def median_rss(self) -> float:
        return statistics.median(self.rss_mib)


#: Runs in a bare interpreter (-I -S): starts each command with posix_spawn and
#: reports its wall time, peak RSS (KiB) and exit status. A child's ru_maxrss
#: counts the memory of the process it was spawned from, so that one must be
#: smaller than anything measured; this one is about 8 MiB, the benchmark 15+.
LAUNCHER = """
import os, sys, time
null = [(os.POSIX_SPAWN_OPEN, fd, os.devnull, os.O_WRONLY, 0) for fd in (1, 2)]
scale = 1024 if sys.platform == "darwin" else 1
for line in sys.stdin:
    argv, env = line.rstrip("\\n").split("\\x01")
    argv = argv.split("\\x00")
    env = dict(item.split("=", 1) for item in env.split("\\x00") if item)
    start = time.perf_counter()
    pid = os.posix_spawn(argv[0], argv, env, file_actions=null)
    _, status, usage = os.wait4(pid, 0)
    elapsed = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    sys.stdout.write(f"{elapsed!r} {usage.ru_maxrss // scale} {code}\\n")
    sys.stdout.flush()
"""


class Launcher:
    """A small long-lived process that starts the measured commands."""

    def __init__(self, python: Path) -> None:
        self._process = subprocess.Popen(
            [str(python), "-I", "-S", "-c", LAUNCHER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def run(self, argv: Sequence[str], env: Mapping[str, str]) -> tuple[float, int, int]:
        assert self._process.stdin is not None
        assert self._process.stdout is not None
        line = "\x00".join(argv) + "\x01" + "\x00".join(f"{k}={v}" for k, v in env.items())
        self._process.stdin.write(line + "\n")
        self._process.stdin.flush()
        seconds, rss, status = self._process.stdout.readline().split()
        return float(seconds), int(rss), int(status)

    def close(self) -> None:
        if self._process.stdin is not None:
            self._process.stdin.close()
        self._process.wait()


def isolated_env(home: Path) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "AWS_REGION": "us-west-2",
        "AWS_CONFIG_FILE": str(home / "aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "aws-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "KUBERNETES_EXEC_INFO": EXEC_INFO,
    }


def go_presigner(path: str | None) -> Path | None:
    if path:
        return Path(path)
    try:
        return go_oracle.go_presign_binary()
    except go_oracle.GoOracleUnavailable as missing:
        print(f"{missing}: left out", file=sys.stderr)
        return None


def aws_cli() -> Path | None:
    beside = Path(sys.executable).parent / "aws"
    if beside.is_file():
        return beside
    found = shutil.which("aws")
    return Path(found) if found else None


def plain_venv(where: Path) -> Path:
    """A virtualenv at `where` with this checkout pip-installed (not editable); its bin."""
    bin_dir = where / "bin"
    if (bin_dir / "eks-token").exists():
        return bin_dir
    print(f"installing {ROOT} into a plain virtualenv at {where} ...", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "venv", str(where)], check=True)
    subprocess.run(
        [str(bin_dir / "python"), "-m", "pip", "install", "-q", str(ROOT)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return bin_dir


# --- Misses through a profile (static keys; role credentials the AWS CLI cached) -------------
# A separate addition: ``profile_commands`` prepares its own files in HOME and returns
# its commands; ``PROFILE_TARGETS`` are its ratio targets.

BENCH_ROLE = "arn:aws:iam::111122223333:role/bench"
PROFILE_TARGETS = (
    ("cold via --profile (static keys)", "aws eks get-token", 0.2),
    ("cold via --profile (cached role)", "aws eks get-token", 0.2),
)


def profile_commands(
    home: Path, bin_dir: Path, empty_cache: Callable[[], dict[str, str]]
) -> list[Command]:
    """Token cache misses through ``--profile``: static keys in the credentials file, and
    a ``role_arn`` profile whose role credentials are in ``~/.aws/cli/cache``."""
    import hashlib
    import time

    with (home / "aws-config").open("a") as config:
        config.write(f"[profile bench-role]\nrole_arn = {BENCH_ROLE}\nsource_profile = bench\n")
    cache = home / ".aws" / "cli" / "cache"
    cache.mkdir(parents=True, mode=0o700, exist_ok=True)
    # The AWS CLI's key: SHA-1 of the sorted JSON of the AssumeRole arguments.
    key = hashlib.sha1(json.dumps({"RoleArn": BENCH_ROLE}).encode(), usedforsecurity=False)
    expiration = time.strftime("%Y-%m-%dT%H:%M:%SUTC", time.gmtime(time.time() + 12 * 3600))
    entry = cache / f"{key.hexdigest()}.json"
    entry.write_text(
        json.dumps(
            {
                "Credentials": {
                    "AccessKeyId": "ASIAIOSFODNN7EXAMPLE",
                    "SecretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                    "SessionToken": "FwoGZXIvYXdzEXAMPLE",
                    "Expiration": expiration,
                }
            }
        )
    )
    entry.chmod(0o600)
    eks_token = [str(bin_dir / "eks-token"), "token", "-i", CLUSTER]
    return [
        Command(
            "cold via --profile (static keys)",
            [*eks_token, "--profile", "bench"],
            before=empty_cache,
        ),
        Command(
            "cold via --profile (cached role)",
            [*eks_token, "--profile", "bench-role"],
            before=empty_cache,
        ),
    ]


def commands(home: Path, bin_dir: Path, aws: Path | None, go: Path | None) -> list[Command]:
    python = str(bin_dir / "python")
    args = ["token", "-i", CLUSTER]
    eks_token = [str(bin_dir / "eks-token"), *args]
    pip_launcher = home / "eks-token-pip-launcher"
    pip_launcher.write_text(f"#!{python}\n{PIP_LAUNCHER}")
    pip_launcher.chmod(0o755)
    fresh_dirs = iter(range(1_000_000))

    def empty_cache() -> dict[str, str]:
        return {"EKS_TOKEN_CACHE_DIR": str(home / "cold" / str(next(fresh_dirs)))}

    found = [
        Command("python -I", [python, "-I", "-c", "pass"]),
        Command("import eks_token", [python, "-I", "-c", "import eks_token"]),
        Command("warm", eks_token),
        Command("warm, pip launcher", [str(pip_launcher), *args]),
        Command("cold", eks_token, before=empty_cache),
        # Credentials in a profile: botocore's whole credential chain is loaded.
        Command("cold, --profile", [*eks_token, "--profile", "bench"], before=empty_cache),
        *profile_commands(home, bin_dir, empty_cache),
    ]
    if aws is not None:
        found.append(
            Command("aws eks get-token", [str(aws), "eks", "get-token", "--cluster-name", CLUSTER])
        )
    if go is not None:
        found.append(Command("go-presign", [str(go), "-i", CLUSTER, "-region", "us-west-2"]))
    return found


def report(results: list[Command], rounds: int) -> None:
    by_name = {c.name: c for c in results}
    base = by_name["python -I"].median_ms
    print(f"\nmedians over {rounds} alternating rounds ({os.cpu_count()} CPUs)\n")
    print(f"{'command':<34} {'median ms':>10} {'x python -I':>12} {'peak MiB':>9}")
    for c in results:
        print(f"{c.name:<34} {c.median_ms:>10.1f} {c.median_ms / base:>12.2f} {c.median_rss:>9.1f}")
    print()
    checks: list[tuple[str, float, float]] = [
        (f"{a} / {b}", by_name[a].median_ms / by_name[b].median_ms, limit)
        for a, b, limit in (*RATIO_TARGETS, *PROFILE_TARGETS)
        if a in by_name and b in by_name
    ]
    checks.append(("warm peak memory MiB", by_name["warm"].median_rss, WARM_RSS_LIMIT_MIB))
    checks.append(
        (
            "import eks_token - python -I, ms",
            by_name["import eks_token"].median_ms - base,
            IMPORT_LIMIT_MS,
        )
    )
    if "go-presign" in by_name:
        go = by_name["go-presign"].median_ms
        print(f"warm / go-presign: {by_name['warm'].median_ms / go:.2f}")
        if "aws eks get-token" in by_name:
            aws = by_name["aws eks get-token"].median_ms
            print(f"aws eks get-token / go-presign: {aws / go:.1f}")
    for label, value, limit in checks:
        verdict = "ok" if value <= limit else "MISSED"
        print(f"{label:<56} {value:>7.2f}  (target <= {limit}) {verdict}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=40, help="runs of each command")
    parser.add_argument(
        "--venv", type=Path, help="plain virtualenv to use (made if missing; default: temporary)"
    )
    parser.add_argument("--go", help="a built go-presign binary (default: build it)")
    parser.add_argument("--no-go", action="store_true", help="leave out the Go presigner")
    args = parser.parse_args(argv)
    go = None if args.no_go else go_presigner(args.go)
    home = Path(tempfile.mkdtemp(prefix="eks-token-bench-"))
    launcher = None
    try:
        bin_dir = plain_venv(args.venv.resolve() if args.venv else home / "venv")
        (home / "aws-credentials").write_text(
            "[bench]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
            "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
        )
        launcher = Launcher(bin_dir / "python")
        env = isolated_env(home)
        results = commands(home, bin_dir, aws_cli(), go)
        for command in results:  # warm-up; also fills the cache for "warm"
            command.run(launcher, env)
            command.seconds.clear()
            command.rss_mib.clear()
        for done in range(args.rounds):
            for command in results:
                command.run(launcher, env)
            print(f"\rround {done + 1}/{args.rounds}", end="", file=sys.stderr, flush=True)
        print(file=sys.stderr)
        report(results, args.rounds)
    finally:
        if launcher is not None:
            launcher.close()
        shutil.rmtree(home, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
