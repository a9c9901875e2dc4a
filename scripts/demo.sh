#!/usr/bin/env bash
# The demo: starts the AWS emulator, then plans, applies and destroys examples/webapp against
# it, printing the outputs. Leaves nothing behind (the example runs in a temporary copy).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
scripts/setup-emulator.sh
cargo build --quiet
strata="$root/target/debug/strata"

work="$(mktemp -d)"
fifo="$work/emulator-stdin"
mkfifo "$fifo"
cleanup() {
    exec 3>&- 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
# The emulator exits when its stdin closes, i.e. when this script ends.
.venv/bin/python tests/emulator/launcher.py --port 0 <"$fifo" >"$work/emulator.out" 2>"$work/emulator.log" &
exec 3>"$fifo"
for _ in $(seq 1 100); do
    grep -q READY "$work/emulator.out" 2>/dev/null && break
    sleep 0.1
done
address="$(awk '/READY/ {print $2}' "$work/emulator.out")"
[[ -n "$address" ]] || { echo "the emulator did not start:"; cat "$work/emulator.log"; exit 1; }

export AWS_ENDPOINT_URL="http://$address" AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo
export AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
export STRATA_POLL_INTERVAL_MS=200 STRATA_VAR_db_password="demo-password-$RANDOM$RANDOM"

cp -r examples modules "$work/"
cd "$work/examples/webapp"
echo "== strata plan"
"$strata" plan
echo "== strata apply --auto-approve"
"$strata" apply --auto-approve
echo "== strata output"
"$strata" output
echo "== strata plan --detailed-exitcode (nothing left to change)"
"$strata" plan --detailed-exitcode >/dev/null && echo "No changes."
echo "== strata destroy --auto-approve"
"$strata" destroy --auto-approve
