#!/usr/bin/env bash
# The full cycle of public module examples, unmodified, against a private emulator:
# init (from the loopback module registry), validate, plan, apply, an empty re-plan, destroy.
#
#   scripts/corpus-cycle.sh [--strata BIN] [--corpus DIR] [--apply-flag F]... [--soft-fail] EXAMPLE...
#
# EXAMPLE is a directory below the corpus's modules/ (…/vpc/aws/6.6.0/examples/simple). Each
# example's module version is copied to a scratch directory first (strata writes .strata/ and
# state beside the configuration). Prints one line per example with each step's exit code and
# wall time; exits 1 when any step of any example failed. CORPUS_KEEP=1 keeps the
# scratch directory (every step's output is in it).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
corpus="$root/../shared/corpus" strata="" apply_flags=() plan_flags=() examples=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --strata) strata="$2"; shift 2 ;;
        --corpus) corpus="$2"; shift 2 ;;
        --apply-flag) apply_flags+=("$2"); shift 2 ;;
        # Guardrail errors reported but not stopping plan and apply (borrowed examples trip them).
        --soft-fail) plan_flags+=(--soft-fail); shift ;;
        *) examples+=("$1"); shift ;;
    esac
done
strata="$(realpath "${strata:-${CARGO_TARGET_DIR:-$root/target}/debug/strata}")"
corpus="$(realpath "$corpus")"
[[ ${#examples[@]} -gt 0 ]] || { echo "name at least one example" >&2; exit 1; }
# shellcheck source=scripts/private-emulator.sh
source "$root/scripts/private-emulator.sh"
start_private_emulator CORPUS_KEEP

mkfifo "$work/registry-stdin"
python3 "$corpus/registry.py" --root "$corpus/modules" --port 0 --cli-config "$work/tfrc" \
    <"$work/registry-stdin" >"$work/registry.out" 2>"$work/registry.log" &
pids+=($!)
exec 4>"$work/registry-stdin"
for _ in $(seq 1 100); do grep -q READY "$work/registry.out" 2>/dev/null && break; sleep 0.1; done

export TF_CLI_CONFIG_FILE="$work/tfrc" AWS_ENDPOINT_URL="http://$emulator"
export AWS_ACCESS_KEY_ID=123456789012 AWS_SECRET_ACCESS_KEY=corpus AWS_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true STRATA_POLL_INTERVAL_MS=100 NO_COLOR=1

failed=0 account=100000000000
for example in "${examples[@]}"; do
    # Each example in an account of its own: what one leaves behind cannot collide with the next.
    account=$((account + 1))
    export AWS_ACCESS_KEY_ID=$account
    # …/NS/NAME/PROVIDER/VERSION/examples/X: copy NS/NAME/PROVIDER/VERSION.
    version_dir="${example%%/examples/*}"
    scratch="$work/$(echo "$example" | tr '/' '_')"
    mkdir -p "$scratch"
    cp -r "$corpus/modules/$version_dir/." "$scratch/"
    dir="$scratch/${example#"$version_dir"/}"
    step() {
        local name="$1" expect="$2"; shift 2
        local rc=0 start; start=$(date +%s.%N)
        "$strata" -C "$dir" "$@" >"$scratch/$name.out" 2>"$scratch/$name.err" || rc=$?
        [[ "$rc" == "$expect" ]] || failed=1
        printf ' %s=%s(%.1fs)' "$name" "$rc" "$(echo "$(date +%s.%N) - $start" | bc)"
        [[ "$rc" == "$expect" ]]
    }
    printf '%s:' "$example"
    if step init 0 init && step validate 0 validate && step plan 0 plan "${plan_flags[@]}" \
        && step apply 0 apply --auto-approve "${plan_flags[@]}" "${apply_flags[@]}"; then
        step replan 0 plan --detailed-exitcode "${plan_flags[@]}" || true
        step destroy 0 destroy --auto-approve "${apply_flags[@]}" || true
    fi
    echo
done
exit "$failed"
