#!/usr/bin/env python3
"""The practical floor: an ideal client issuing a graph's minimal mutating calls.

Reads a graph (JSON: {"nodes": [{"name", "parent": name|null}], "keep_default_egress": bool})
of security groups, each with an ingress rule from its parent when it has one. Every node:
CreateSecurityGroup, then at once RevokeSecurityGroupEgress (the default allow-all egress, as
Terraform removes it; not when the configuration keeps it) and, with a parent,
AuthorizeSecurityGroupIngress. A node starts when its parent is done (each
chain sequential); all chains run at once. Prints the wall time in seconds.

  floor.py GRAPH.json ENDPOINT_URL
"""

import json
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import boto3
from botocore.config import Config


def main():
    graph = json.load(open(sys.argv[1]))
    endpoint = sys.argv[2]
    ec2 = boto3.client(
        "ec2",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="bench",
        aws_secret_access_key="bench",
        config=Config(max_pool_connections=1000, retries={"max_attempts": 1}),
    )
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    nodes = {n["name"]: n for n in graph["nodes"]}
    children = {}
    for n in graph["nodes"]:
        children.setdefault(n.get("parent"), []).append(n["name"])
    ids = {}
    pool = ThreadPoolExecutor(max_workers=1000)
    done = threading.Semaphore(0)
    run = graph.get("run", "floor")

    def node(name):
        try:
            create(name)
        except Exception as e:  # a failed call ends the run: never hang
            print(f"floor: {name}: {e}", file=sys.stderr, flush=True)
            os._exit(1)

    def create(name):
        gid = ec2.create_security_group(
            GroupName=f"{run}-{name}",
            Description="floor",
            VpcId=vpc,
            TagSpecifications=[{"ResourceType": "security-group", "Tags": [{"Key": "Name", "Value": name}]}],
        )["GroupId"]
        ids[name] = gid
        calls = []
        if not graph.get("keep_default_egress"):
            calls.append(
                lambda: ec2.revoke_security_group_egress(
                    GroupId=gid,
                    IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
                )
            )
        parent = nodes[name].get("parent")
        if parent:
            calls.append(
                lambda: ec2.authorize_security_group_ingress(
                    GroupId=gid,
                    IpPermissions=[
                        {
                            "IpProtocol": "tcp",
                            "FromPort": 5432,
                            "ToPort": 5432,
                            "UserIdGroupPairs": [{"GroupId": ids[parent]}],
                        }
                    ],
                )
            )
        for f in [pool.submit(c) for c in calls]:
            f.result()
        for c in children.get(name, []):
            pool.submit(node, c)
        done.release()

    start = time.monotonic()
    for root in children.get(None, []):
        pool.submit(node, root)
    for _ in nodes:
        done.acquire()
    print(f"{time.monotonic() - start:.2f}")
    pool.shutdown()


if __name__ == "__main__":
    main()
