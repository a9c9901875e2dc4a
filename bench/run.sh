#!/usr/bin/env bash
# strata's apply/plan benchmarks against the emulator behind tests/emulator/proxy.py. See README.md.
#
#   bench/run.sh [--latency S] [--only a,b,c,d,e] [--strata PATH] [--default-egress]
#   BENCH_KEEP=1 keeps the work directory (configs, state, strata's last stdout/stderr).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
latency=2 only=a,b,c,d,e strata="" default_egress=0
while [[ $# -gt 0 ]]; do
    case "$1" in
        --latency) latency="$2"; shift 2 ;;
        --only) only="$2"; shift 2 ;;
        --strata) strata="$2"; shift 2 ;;
        --default-egress) default_egress=1; shift ;;
        *) echo "unknown argument $1" >&2; exit 1 ;;
    esac
done
target="${CARGO_TARGET_DIR:-$root/target}"
if [[ -z "$strata" ]]; then
    if [[ -x "$target/release/strata" ]]; then strata="$target/release/strata"; else strata="$target/debug/strata"; fi
fi
# shellcheck source=scripts/private-emulator.sh
source "$root/scripts/private-emulator.sh"
start_private_emulator BENCH_KEEP
"$py" "$root/tests/emulator/proxy.py" --upstream "$emulator" --latency "$latency" >"$work/proxy.out" &
pids+=($!)
for _ in $(seq 1 100); do grep -q READY "$work/proxy.out" 2>/dev/null && break; sleep 0.1; done
proxy="http://$(awk '/READY/ {print $2}' "$work/proxy.out")"

export AWS_ENDPOINT_URL="$proxy" AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench
export AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true STRATA_POLL_INTERVAL_MS=200
export STRATA_RATE_LIMIT="${STRATA_RATE_LIMIT:-0}"

echo "strata: $strata"
echo "emulator: $emulator  proxy: $proxy  mutating latency: ${latency}s  STRATA_RATE_LIMIT=$STRATA_RATE_LIMIT  default egress declared: $default_egress"

counts() { curl -s "$proxy/__counts"; echo; }

# moto builds a service's models on first use (a second or more): warm every path both
# clients take, so neither pays for it inside a measured run (strata, measured first, did).
"$py" - "$proxy" <<'PY'
import sys, boto3
ec2 = boto3.client("ec2", endpoint_url=sys.argv[1], region_name="us-east-1",
                   aws_access_key_id="bench", aws_secret_access_key="bench")
vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
ec2.describe_vpc_attribute(VpcId=vpc, Attribute="enableDnsSupport")
ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])
a = ec2.create_security_group(GroupName="bench-warm-a", Description="warm", VpcId=vpc)["GroupId"]
b = ec2.create_security_group(GroupName="bench-warm-b", Description="warm", VpcId=vpc)["GroupId"]
ec2.describe_security_groups(GroupIds=[a, b])
ec2.revoke_security_group_egress(GroupId=a, IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
ec2.authorize_security_group_ingress(GroupId=b, IpPermissions=[{"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "UserIdGroupPairs": [{"GroupId": a}]}])
ec2.delete_security_group(GroupId=b)
ec2.delete_security_group(GroupId=a)
PY
curl -s -X POST "$proxy/__reset" >/dev/null
reset() { curl -s -X POST "$proxy/__reset" >/dev/null; }

# Runs strata under /usr/bin/time; prints "wall_s max_rss_kb".
timed() {
    local dir="$1"; shift
    /usr/bin/time -v -o "$work/time" "$strata" -C "$dir" "$@" >"$work/last.out" 2>"$work/last.err" || {
        echo "strata $* failed:" >&2; tail -20 "$work/last.err" >&2; tail -5 "$work/last.out" >&2; return 1; }
    awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]; w=s}
                /Maximum resident set size/ {m=$2} END {printf "%.2f %d\n", w, m}' "$work/time"
}

# gen SCENARIO DIR GRAPH.json: writes main.tf (and the floor's graph). With --default-egress
# every group declares AWS's default egress rule (the idiom of most configurations).
gen() {
    python3 - "$@" "$default_egress" <<'PY'
import json, os, sys
scenario, d, graph, default_egress = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "1"
os.makedirs(d, exist_ok=True)
out = ['provider "aws" {\n  region = "us-east-1"\n}\n',
       'data "aws_vpc" "default" {\n  default = true\n}\n']
nodes = []
def sg(name, parent=None):
    body = [f'  name        = "bench-{scenario}-{name}"', '  description = "bench"',
            '  vpc_id      = data.aws_vpc.default.id']
    if default_egress:
        body += ['  egress {', '    from_port   = 0', '    to_port     = 0',
                 '    protocol    = "-1"', '    cidr_blocks = ["0.0.0.0/0"]', '  }']
    if parent:
        body += ['  ingress {', '    from_port       = 5432', '    to_port         = 5432',
                 '    protocol        = "tcp"',
                 f'    security_groups = [aws_security_group.{parent}.id]', '  }']
    out.append(f'resource "aws_security_group" "{name}" {{\n' + "\n".join(body) + "\n}\n")
    nodes.append({"name": name, "parent": parent})
if scenario == "a":
    for i in range(150):
        sg(f"g{i}")
elif scenario == "b":
    for w in range(30):
        for l in range(5):
            sg(f"l{l}_{w}", f"l{l-1}_{w}" if l else None)
elif scenario == "c":
    out.append('data "aws_subnets" "default" {\n  filter {\n    name   = "vpc-id"\n'
               '    values = [data.aws_vpc.default.id]\n  }\n}\n')
    for i in range(400):
        sg(f"g{i}")
    for i in range(200):
        out.append(f'resource "aws_db_subnet_group" "s{i}" {{\n  name       = "bench-c-s{i}"\n'
                   '  subnet_ids = data.aws_subnets.default.ids\n}\n')
        out.append(f'resource "aws_db_parameter_group" "p{i}" {{\n  name   = "bench-c-p{i}"\n'
                   '  family = "postgres16"\n}\n')
    for i in range(100):
        out.append(f'resource "aws_elasticache_parameter_group" "e{i}" {{\n  name   = "bench-c-e{i}"\n'
                   '  family = "redis7"\n}\n')
        out.append(f'resource "aws_elasticache_subnet_group" "n{i}" {{\n  name       = "bench-c-n{i}"\n'
                   '  subnet_ids = data.aws_subnets.default.ids\n}\n')
elif scenario == "d":
    out.append('resource "aws_security_group" "x" {\n  count       = 10000\n'
               '  name        = "bench-d-${count.index}"\n  description = "bench"\n'
               '  vpc_id      = "vpc-12345678"\n}\n')
    out = [o for o in out if "aws_vpc" not in o]
open(os.path.join(d, "main.tf"), "w").write("\n".join(out))
json.dump({"run": f"floor-{scenario}", "nodes": nodes, "keep_default_egress": default_egress},
          open(graph, "w"))
PY
}

apply_vs_floor() {
    local s="$1" dir="$work/$1"
    gen "$s" "$dir" "$work/$s.json"
    reset
    read -r wall rss < <(timed "$dir" apply --auto-approve)
    local strata_counts; strata_counts="$(counts)"
    reset
    local floor; floor="$("$py" "$root/bench/floor.py" "$work/$s.json" "$proxy")"
    local floor_counts; floor_counts="$(counts)"
    echo "[$s] apply ${wall}s  floor ${floor}s  ratio $(python3 -c "print(f'{$wall/$floor:.2f}')")  peak RSS ${rss} kB"
    echo "[$s] strata calls: $strata_counts"
    echo "[$s] floor calls:  $floor_counts"
    reset
    read -r wall rss < <(timed "$dir" plan --detailed-exitcode)
    echo "[$s] no-change plan ${wall}s  peak RSS ${rss} kB  calls: $(counts)"
}

[[ ",$only," == *",a,"* ]] && apply_vs_floor a
[[ ",$only," == *",b,"* ]] && apply_vs_floor b
if [[ ",$only," == *",c,"* ]]; then
    gen c "$work/c" "$work/c.json"
    reset
    read -r wall rss < <(timed "$work/c" apply --auto-approve)
    echo "[c] apply of 1000 mixed resources ${wall}s  peak RSS ${rss} kB  calls: $(counts)"
    reset
    read -r wall rss < <(timed "$work/c" plan --detailed-exitcode)
    echo "[c] no-change plan ${wall}s  peak RSS ${rss} kB  refresh calls: $(counts)"
fi
if [[ ",$only," == *",d,"* ]]; then
    gen d "$work/d" "$work/d.json"
    reset
    read -r wall rss < <(timed "$work/d" plan --refresh=false)
    echo "[d] offline plan --refresh=false of 10000 instances ${wall}s  peak RSS ${rss} kB  calls: $(counts)"
fi
if [[ ",$only," == *",e,"* ]]; then
    # examples/bootstrap: a network and the database in it, from an empty region.
    mkdir -p "$work/e/examples"
    cp -r "$root/examples/bootstrap" "$work/e/examples/"
    cp -r "$root/modules" "$work/e/"
    export STRATA_VAR_db_password=bench-password-0123
    reset
    read -r wall rss < <(timed "$work/e/examples/bootstrap" apply --auto-approve)
    echo "[e] apply of examples/bootstrap ${wall}s  peak RSS ${rss} kB  calls: $(counts)"
    reset
    read -r wall rss < <(timed "$work/e/examples/bootstrap" destroy --auto-approve)
    echo "[e] destroy of examples/bootstrap ${wall}s  calls: $(counts)"
fi
