#!/usr/bin/env bash
# Builds go-presign, the reference presigner on aws-sdk-go v1, from Debian's
# packages (golang-go golang-github-aws-aws-sdk-go-dev), offline, into the
# repository's ignored cache (.cache/go-presign/<sha256 of the build inputs>/)
# and prints the binary's path. The build itself is tests/support/go_oracle.py,
# the same code the tests and benchmarks/exec_startup.py use. It installs nothing.
# Usage: tests/oracles/go-presign/build.sh
set -euo pipefail
cd "$(dirname "$0")/../../.."
exec "${PYTHON:-python3}" -m tests.support.go_oracle
