#!/usr/bin/env bash
# The fault test at more seeds and rates than the test suite affords: for each rate and seed,
# examples/webapp and tests/fixtures/faults/many are applied, checked and destroyed through
# tests/emulator/proxy.py, which resets connections before and after the emulator acts,
# answers 500s before and after, and throttles, on that share of all requests.
#
#   scripts/faults.sh [--rates 0.1,0.2,0.3] [--seeds 1,2,3] [--faults KIND,...] [--tries N]
#                     [--strata PATH]
#
# One line per configuration and run: apply and destroy runs needed (a call whose six
# attempts all fail fails its run; the next one settles it, up to --tries), retried creates
# settled, the checks (empty plan straight against the emulator, one object per name,
# nothing the state does not know, nothing left after destroy), requests and faults by kind.
# Exits 1 if any check failed. FAULTS_KEEP=1 keeps the work directory (proxy logs, outputs).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rates=0.1,0.2,0.3 seeds=1,2,3 kinds=reset-before,reset-after,500-before,500-after,throttle
tries=3 strata=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --rates) rates="$2"; shift 2 ;;
        --seeds) seeds="$2"; shift 2 ;;
        --faults) kinds="$2"; shift 2 ;;
        --tries) tries="$2"; shift 2 ;;
        --strata) strata="$2"; shift 2 ;;
        *) echo "unknown argument $1" >&2; exit 1 ;;
    esac
done
target="${CARGO_TARGET_DIR:-$root/target}"
if [[ -z "$strata" ]]; then
    (cd "$root" && cargo build --quiet --bin strata)
    strata="$target/debug/strata"
fi
# shellcheck source=scripts/private-emulator.sh
source "$root/scripts/private-emulator.sh"
start_private_emulator FAULTS_KEEP
emulator="http://$emulator"

export AWS_ACCESS_KEY_ID=faults AWS_SECRET_ACCESS_KEY=faults AWS_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true STRATA_POLL_INTERVAL_MS=50 NO_COLOR=1
export AWS_CONFIG_FILE=/nonexistent AWS_SHARED_CREDENTIALS_FILE=/nonexistent
password="faults-$RANDOM-$RANDOM-password"
export STRATA_VAR_db_password="$password"

# check.py STATE ENDPOINT [gone]: what AWS holds against what the state names, as one word
# (ok, or what is wrong); with "gone", that nothing of ours is left.
cat >"$work/check.py" <<'PY'
import collections, json, sys
import boto3
state_path, endpoint = sys.argv[1], sys.argv[2]
gone = len(sys.argv) > 3
kw = dict(endpoint_url=endpoint, region_name="us-east-1")
ec2, rds, ec = (boto3.client(s, **kw) for s in ("ec2", "rds", "elasticache"))
held = collections.Counter()
for g in ec2.describe_security_groups()["SecurityGroups"]:
    held[("aws_security_group", g["GroupName"])] += 1
for d in rds.describe_db_instances()["DBInstances"]:
    held[("aws_db_instance", d["DBInstanceIdentifier"])] += 1
for g in rds.describe_db_subnet_groups()["DBSubnetGroups"]:
    held[("aws_db_subnet_group", g["DBSubnetGroupName"])] += 1
for g in rds.describe_db_parameter_groups()["DBParameterGroups"]:
    held[("aws_db_parameter_group", g["DBParameterGroupName"])] += 1
for g in ec.describe_cache_parameter_groups()["CacheParameterGroups"]:
    held[("aws_elasticache_parameter_group", g["CacheParameterGroupName"])] += 1
for g in ec.describe_cache_subnet_groups()["CacheSubnetGroups"]:
    held[("aws_elasticache_subnet_group", g["CacheSubnetGroupName"])] += 1
held = {k: n for k, n in held.items() if k[1] != "default" and not k[1].startswith("default.")}
attr = {"aws_db_instance": "identifier", "aws_security_group": "name",
        "aws_db_subnet_group": "name", "aws_db_parameter_group": "name",
        "aws_elasticache_parameter_group": "name", "aws_elasticache_subnet_group": "name"}
state = json.load(open(state_path))
known = {(r["type"], i["attributes"].get(attr[r["type"]]))
         for r in state.get("resources", []) if r["mode"] == "managed" and r["type"] in attr
         for i in r["instances"]}
problems = []
if state.get("journal"):
    problems.append(f"journal:{len(state['journal'])}")
if gone:
    if held:
        problems.append("left:" + ",".join(n for _, n in held))
else:
    problems += [f"dup:{n}" for (_, n), c in held.items() if c > 1]
    problems += [f"untracked:{n}" for k, n in ((k, k[1]) for k in held) if k not in known]
    problems += [f"missing:{n}" for k, n in ((k, k[1]) for k in known) if k not in held]
print(" ".join(problems) or "ok")
PY

# runs N ARGS...: runs strata until it exits 0, at most $tries times; prints the number of
# runs (0 when it never succeeded). Appends stdout and stderr to $dir/ARGS[0].log.
runs() {
    local n=0 args=("$@")
    while (( n < tries )); do
        n=$((n + 1))
        if "$strata" -C "$dir" "${args[@]}" >>"$dir/${args[0]}.out" 2>>"$dir/${args[0]}.err"; then
            echo "$n"; return
        fi
    done
    echo 0
}

status=0
printf '%-5s %-5s %-7s %-6s %-8s %-8s %-5s %-8s %-8s %-9s %s\n' \
    rate seed config applies destroys settled plan after after-gone requests "faults (rb ra 5b 5a th)"
IFS=, read -ra rate_list <<<"$rates"
IFS=, read -ra seed_list <<<"$seeds"
for rate in "${rate_list[@]}"; do
    for seed in "${seed_list[@]}"; do
        for config in webapp many; do
            run="$work/$rate-$seed-$config"
            mkdir -p "$run"
            curl -s -X POST "$emulator/moto-api/reset" >/dev/null
            "$py" "$root/tests/emulator/proxy.py" --upstream "${emulator#http://}" \
                --fault-rate "$rate" --faults "$kinds" --seed "$seed" --fault-actions all \
                --log "$run/proxy.log" >"$run/proxy.out" &
            proxy_pid=$!
            pids+=("$proxy_pid")
            for _ in $(seq 1 100); do grep -q READY "$run/proxy.out" 2>/dev/null && break; sleep 0.1; done
            proxy="http://$(awk '/READY/ {print $2}' "$run/proxy.out")"
            if [[ "$config" == webapp ]]; then
                cp -r "$root/examples" "$root/modules" "$run/"
                dir="$run/examples/webapp"
            else
                dir="$run/many"
                mkdir -p "$dir"
                cp "$root/tests/fixtures/faults/many/main.tf" "$dir/"
            fi
            export AWS_ENDPOINT_URL="$proxy"
            applies="$(runs apply --auto-approve)"
            plan=fail
            AWS_ENDPOINT_URL="$emulator" "$strata" -C "$dir" plan --detailed-exitcode \
                >"$dir/plan.out" 2>&1 && plan=empty
            after="$("$py" "$work/check.py" "$dir/strata.tfstate" "$emulator" 2>&1 | tail -1)"
            destroys="$(runs destroy --auto-approve)"
            gone="$("$py" "$work/check.py" "$dir/strata.tfstate" "$emulator" gone 2>&1 | tail -1)"
            settled="$(cat "$dir"/apply.err | grep -c "settled a retried create" || true)"
            faults="$(curl -s "$proxy/__faults")"
            kill "$proxy_pid" 2>/dev/null || true
            figures="$(python3 -c '
import json, sys
f = json.loads(sys.argv[1])
k = f["by_kind"]
print(f["requests"], " ".join(str(k[x]) for x in ("reset-before", "reset-after", "500-before", "500-after", "throttle")))
' "$faults")"
            if grep -rqs -- "$password" "$dir" "$run/proxy.log"; then after="$after password-leaked"; fi
            printf '%-5s %-5s %-7s %-6s %-8s %-8s %-5s %-8s %-8s %s\n' \
                "$rate" "$seed" "$config" "$applies" "$destroys" "$settled" "$plan" "$after" "$gone" "$figures"
            if [[ "$applies" == 0 || "$destroys" == 0 || "$plan" != empty || "$after" != ok || "$gone" != ok ]]; then
                status=1
            fi
        done
    done
done
exit "$status"
