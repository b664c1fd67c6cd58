"""The Go reference presigner (tests/oracles/go-presign), built on first use.

It is built with the installed Go toolchain against Debian's aws-sdk-go v1
(``golang-go golang-github-aws-aws-sdk-go-dev``), in GOPATH mode and offline,
into the repository's ignored cache: ``.cache/go-presign/<key>/go-presign``,
where the key is the SHA-256 of everything that goes into the binary (the
source, the build settings, the Go version and the SDK's version). Nothing is
installed here: without the toolchain or the SDK, `unavailable_reason` says
what is missing and the callers skip.

Two processes may build at once: each builds in its own temporary directory
beside the target and renames the binary into place, so a reader sees either
no binary or a whole one.

``python -m tests.support.go_oracle`` builds it and prints its path.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SOURCE_DIR = REPO_ROOT / "tests" / "oracles" / "go-presign"
CACHE_DIR = REPO_ROOT / ".cache" / "go-presign"
#: Where Debian's golang-*-dev packages put their sources: a GOPATH.
DEBIAN_GOPATH = Path("/usr/share/gocode")
AWS_SDK_GO = DEBIAN_GOPATH / "src" / "github.com" / "aws" / "aws-sdk-go"
INSTALL_HINT = "apt-get install golang-go golang-github-aws-aws-sdk-go-dev"
WHAT = "Go reference signer"

#: The build's settings; they are part of the cache key.
BUILD_ENV = {
    "GO111MODULE": "off",
    "GOPATH": str(DEBIAN_GOPATH),
    "GOFLAGS": "-trimpath",
    "GOPROXY": "off",
    "GOTOOLCHAIN": "local",
    "CGO_ENABLED": "0",
}
BUILD_ARGS = ("build", "-o")


class GoOracleUnavailable(Exception):
    """No Go toolchain or no aws-sdk-go source: the message is the reason to skip."""


def unavailable_reason() -> str | None:
    """Why the reference signer cannot be built here, or None when it can."""
    if shutil.which("go") is None:
        return f"{WHAT}: no Go toolchain ({INSTALL_HINT})"
    if not (AWS_SDK_GO / "aws" / "version.go").is_file():
        return f"{WHAT}: no aws-sdk-go source in {DEBIAN_GOPATH} ({INSTALL_HINT})"
    return None


def _environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GO", "CGO_"))}
    env.update(BUILD_ENV)
    env["GOCACHE"] = str(REPO_ROOT / ".cache" / "go-build")
    return env


def build_key() -> str:
    """SHA-256 over the source files, the build settings, `go version` and the SDK version."""
    digest = hashlib.sha256()
    for path in sorted(SOURCE_DIR.glob("*.go")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(repr(sorted(BUILD_ENV.items())).encode() + repr(BUILD_ARGS).encode())
    go_version = subprocess.run(
        ["go", "version"], env=_environment(), capture_output=True, text=True, check=True
    ).stdout
    digest.update(go_version.encode())
    digest.update((AWS_SDK_GO / "aws" / "version.go").read_bytes())
    return digest.hexdigest()


def go_presign_binary() -> Path:
    """The built binary, building it when the cache has none for the current inputs.

    Raises `GoOracleUnavailable` when it cannot be built here, and RuntimeError (with
    Go's output) when the build itself fails.
    """
    reason = unavailable_reason()
    if reason is not None:
        raise GoOracleUnavailable(reason)
    target = CACHE_DIR / build_key() / "go-presign"
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".build-", dir=target.parent))
    try:
        built = scratch / "go-presign"
        result = subprocess.run(
            ["go", *BUILD_ARGS, str(built), "."],
            cwd=SOURCE_DIR,
            env=_environment(),
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"building {WHAT} failed:\n{result.stderr.strip()}")
        os.replace(built, target)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return target


def main() -> int:
    try:
        print(go_presign_binary())
    except GoOracleUnavailable as missing:
        print(missing, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
