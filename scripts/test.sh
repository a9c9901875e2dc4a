#!/usr/bin/env bash
# The test command: installs the pinned AWS emulator (moto) into .venv if needed, then runs
# every test. Integration tests start the emulator themselves on a free loopback port.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
scripts/setup-emulator.sh
cargo test --all-targets "$@"
