"""Starts moto's server for strata's integration tests.

    python launcher.py --port N

Serves every moto service on 127.0.0.1:N, prints ``READY 127.0.0.1:N`` on stdout once the
server accepts requests, and exits by itself when its stdin reaches EOF: the Rust test
binary holds the other end of that pipe, so the server dies with the tests, even when they
crash or are killed. With ``--port 0`` a free port is chosen and printed.

Where moto (pinned in scripts/setup-emulator.sh) departs from real AWS in a way that would
let a strata test pass wrongly, or block one, ``apply_patches`` restores the real AWS
behaviour. Each patch names the AWS behaviour and the AWS docs page it follows, and is
pinned by a test in tests/it/emulator_smoke.rs; see tests/emulator/README.md.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
import urllib.request

from moto.server import ThreadedMotoServer


def apply_patches() -> None:
    _patch_elasticache()
    _patch_rds()
    _patch_ec2_security_groups()


# --------------------------------------------------------------------------------------
# ElastiCache
# --------------------------------------------------------------------------------------


def _patch_elasticache() -> None:
    from moto.core.responses import ActionResult, EmptyResult
    from moto.elasticache.exceptions import (
        CacheClusterNotFound,
        CacheSubnetGroupNotFound,
        ElastiCacheException,
    )
    from moto.elasticache.models import CacheCluster, ElastiCacheBackend
    from moto.elasticache.responses import ElastiCacheResponse

    class CacheSubnetGroupInUse(ElastiCacheException):
        code = "CacheSubnetGroupInUse"

    # (a) Real AWS: DeleteCacheCluster answers with status "deleting" and the cluster then
    # disappears: DescribeCacheClusters for it fails with CacheClusterNotFound. moto keeps
    # it in "deleting" forever, so a "wait until gone" loop never ends.
    # https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_DeleteCacheCluster.html
    def delete_cache_cluster(self, cache_cluster_id):  # type: ignore[no-untyped-def]
        cluster = self.cache_clusters.pop(cache_cluster_id, None) if cache_cluster_id else None
        if cluster is None:
            raise CacheClusterNotFound(cache_cluster_id)
        cluster.cache_cluster_status = "deleting"
        cluster.status = "deleting"
        return cluster

    ElastiCacheBackend.delete_cache_cluster = delete_cache_cluster

    # (a) Real AWS: DeleteReplicationGroup answers with status "deleting" and the group then
    # disappears (ReplicationGroupNotFoundFault). moto keeps it in "deleting" forever.
    # https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_DeleteReplicationGroup.html
    original_delete_rg = ElastiCacheBackend.delete_replication_group

    def delete_replication_group(self, replication_group_id, retain_primary_cluster):  # type: ignore[no-untyped-def]
        group = original_delete_rg(self, replication_group_id, retain_primary_cluster)
        self.replication_groups.pop(replication_group_id, None)
        return group

    ElastiCacheBackend.delete_replication_group = delete_replication_group

    # (b) DeleteCacheSubnetGroup is not implemented by moto (HTTP 500). Real AWS deletes the
    # group and answers with an empty result; CacheSubnetGroupNotFoundFault when it does not
    # exist; CacheSubnetGroupInUse while a cluster or replication group uses it.
    # https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_DeleteCacheSubnetGroup.html
    def backend_delete_cache_subnet_group(self, name):  # type: ignore[no-untyped-def]
        if name not in self.cache_subnet_groups:
            raise CacheSubnetGroupNotFound(name)
        users = [
            c.cache_cluster_id
            for c in self.cache_clusters.values()
            if getattr(c, "cache_subnet_group_name", None) == name
        ] + [
            g.replication_group_id
            for g in self.replication_groups.values()
            if getattr(g, "cache_subnet_group_name", None) == name
        ]
        if users:
            raise CacheSubnetGroupInUse(f"Cache subnet group {name} is currently in use by a cache cluster.")
        return self.cache_subnet_groups.pop(name)

    def response_delete_cache_subnet_group(self):  # type: ignore[no-untyped-def]
        self.elasticache_backend.delete_cache_subnet_group(self._get_param("CacheSubnetGroupName"))
        return EmptyResult()

    ElastiCacheBackend.delete_cache_subnet_group = backend_delete_cache_subnet_group
    ElastiCacheResponse.delete_cache_subnet_group = response_delete_cache_subnet_group

    # (b) ModifyCacheCluster is not implemented by moto (HTTP 500). Real AWS changes the
    # cluster's settings and answers with the cluster. Here every change is applied at
    # once, as with ApplyImmediately=true (no PendingModifiedValues).
    # https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_ModifyCacheCluster.html
    def backend_modify_cache_cluster(self, cache_cluster_id, changes):  # type: ignore[no-untyped-def]
        cluster = self.cache_clusters.get(cache_cluster_id)
        if cluster is None:
            raise CacheClusterNotFound(cache_cluster_id)
        for attr, value in changes.items():
            if value is not None:
                setattr(cluster, attr, value)
        return cluster

    def response_modify_cache_cluster(self):  # type: ignore[no-untyped-def]
        changes = {
            "num_cache_nodes": self._get_int_param("NumCacheNodes"),
            "cache_node_type": self._get_param("CacheNodeType"),
            "engine_version": self._get_param("EngineVersion"),
            "cache_parameter_group_name": self._get_param("CacheParameterGroupName"),
            "security_group_ids": self._get_param("SecurityGroupIds"),
            "cache_security_group_names": self._get_param("CacheSecurityGroupNames"),
            "preferred_maintenance_window": self._get_param("PreferredMaintenanceWindow"),
            "notification_topic_arn": self._get_param("NotificationTopicArn"),
            "auto_minor_version_upgrade": self._get_bool_param("AutoMinorVersionUpgrade"),
            "snapshot_retention_limit": self._get_int_param("SnapshotRetentionLimit"),
            "snapshot_window": self._get_param("SnapshotWindow"),
            "az_mode": self._get_param("AZMode"),
            "ip_discovery": self._get_param("IpDiscovery"),
        }
        cluster = self.elasticache_backend.modify_cache_cluster(self._get_param("CacheClusterId"), changes)
        return ActionResult({"CacheCluster": cluster})

    ElastiCacheBackend.modify_cache_cluster = backend_modify_cache_cluster
    ElastiCacheResponse.modify_cache_cluster = response_modify_cache_cluster

    # Real AWS: a CacheCluster in a VPC reports its VPC security groups as
    # SecurityGroups = [{SecurityGroupId, Status: "active"}]. moto stores the
    # SecurityGroupIds it was given but never returns them, so reading them back
    # would show a permanent diff.
    # https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CacheCluster.html
    # https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_SecurityGroupMembership.html
    CacheCluster.security_groups = property(
        lambda self: [{"SecurityGroupId": sg, "Status": "active"} for sg in (self.security_group_ids or [])]
    )


# --------------------------------------------------------------------------------------
# RDS
# --------------------------------------------------------------------------------------


def _patch_rds() -> None:
    from moto.rds.exceptions import InvalidParameterCombination
    from moto.rds.models import DBInstance, RDSBackend

    # (c) Real AWS: DeleteDBInstance of a stand-alone instance with neither
    # SkipFinalSnapshot=true nor a FinalDBSnapshotIdentifier fails with
    # InvalidParameterCombination ("FinalDBSnapshotIdentifier is required unless
    # SkipFinalSnapshot is specified."). moto deletes the instance without a snapshot.
    # Aurora cluster members are exempt: their snapshots belong to the cluster.
    # https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DeleteDBInstance.html
    original_delete = RDSBackend.delete_db_instance

    def delete_db_instance(  # type: ignore[no-untyped-def]
        self,
        db_instance_identifier,
        final_db_snapshot_identifier=None,
        skip_final_snapshot=False,
        delete_automated_backups=True,
    ):
        db = self.databases.get(db_instance_identifier)
        if (
            db is not None
            and not getattr(db, "db_cluster_identifier", None)
            and not skip_final_snapshot
            and not final_db_snapshot_identifier
        ):
            raise InvalidParameterCombination(
                "FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is specified."
            )
        return original_delete(
            self,
            db_instance_identifier,
            final_db_snapshot_identifier=final_db_snapshot_identifier,
            skip_final_snapshot=skip_final_snapshot,
            delete_automated_backups=delete_automated_backups,
        )

    RDSBackend.delete_db_instance = delete_db_instance

    # (e) Real AWS: CreateDBInstance with Engine=mariadb and no EngineVersion uses the
    # current default MariaDB version. moto has no default for mariadb and fails with an
    # internal error (KeyError, HTTP 500). The number below is only a plausible default:
    # tests must not pin it, since AWS moves its default over time.
    # https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html
    # https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/MariaDB.Concepts.VersionMgmt.html
    DBInstance.default_engine_versions.setdefault("mariadb", "11.4.5")

    # (f) Real AWS: ModifyDBSubnetGroup changes the group in place; a missing group is
    # DBSubnetGroupNotFoundFault. moto pops the group out of its backend and never puts it
    # back (the group is gone afterwards), and a missing name is an internal error (HTTP 500).
    # https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBSubnetGroup.html
    from moto.rds.exceptions import DBSubnetGroupNotFoundError

    def modify_db_subnet_group(self, subnet_name, description, subnets):  # type: ignore[no-untyped-def]
        subnet_group = self.subnet_groups.get(subnet_name)
        if subnet_group is None:
            raise DBSubnetGroupNotFoundError(subnet_name)
        if subnets:
            subnet_group.subnets = subnets
            subnet_group.vpc_id = subnets[0].vpc_id
        if description is not None:
            subnet_group.description = description
        return subnet_group

    RDSBackend.modify_db_subnet_group = modify_db_subnet_group

    # (g) Real AWS: ResetDBParameterGroup / ResetDBClusterParameterGroup return the named
    # parameters (or all, with ResetAllParameters) to the family's defaults: they are no
    # longer Source=user, so DescribeDB[Cluster]Parameters with Source=user stops listing
    # them. A missing group is DBParameterGroupNotFound. moto implements neither action
    # (HTTP 500). moto keeps only user-set parameters, so a reset removes them.
    # https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ResetDBParameterGroup.html
    # https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ResetDBClusterParameterGroup.html
    from moto.core.responses import ActionResult
    from moto.rds.exceptions import DBParameterGroupNotFoundError
    from moto.rds.responses import RDSResponse

    def _reset(groups, response, name_key):  # type: ignore[no-untyped-def]
        name = response.params.get(name_key)
        group = groups.get((name or "").lower())
        if group is None:
            raise DBParameterGroupNotFoundError(name)
        reset_all = str(response.params.get("ResetAllParameters", "false")).lower() == "true"
        if reset_all:
            group.parameters.clear()
        else:
            for param in response.params.get("Parameters", []) or []:
                raw = param.original_dict() if hasattr(param, "original_dict") else param
                group.parameters.pop(raw.get("ParameterName"), None)
        return ActionResult({name_key: group.name})

    def reset_db_parameter_group(self):  # type: ignore[no-untyped-def]
        return _reset(self.backend.db_parameter_groups, self, "DBParameterGroupName")

    def reset_db_cluster_parameter_group(self):  # type: ignore[no-untyped-def]
        return _reset(
            self.backend.db_cluster_parameter_groups, self, "DBClusterParameterGroupName"
        )

    RDSResponse.reset_db_parameter_group = reset_db_parameter_group
    RDSResponse.reset_db_cluster_parameter_group = reset_db_cluster_parameter_group

    # (h) Real AWS: DescribeOptionGroups without OptionGroupName lists every option group
    # of the account and region (paginated; none is an empty list); only a named group that
    # does not exist is OptionGroupNotFoundFault. moto fails with an internal error (KeyError,
    # HTTP 500) when no name is given, and with OptionGroupNotFoundFault when a filter
    # matches nothing.
    # https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeOptionGroups.html
    from moto.rds.exceptions import OptionGroupNotFoundFaultError

    def describe_option_groups(self, option_group_kwargs):  # type: ignore[no-untyped-def]
        name = option_group_kwargs.get("option_group_name")
        engine = option_group_kwargs.get("engine_name")
        major = option_group_kwargs.get("major_engine_version")
        found = [
            g
            for g in self.option_groups.values()
            if (not name or g.name == name.lower())
            and (not engine or g.engine_name == engine)
            and (not major or g.major_engine_version == major)
        ]
        if name and not found:
            raise OptionGroupNotFoundFaultError(name)
        return found

    RDSBackend.describe_option_groups = describe_option_groups


# --------------------------------------------------------------------------------------
# EC2 security groups
# --------------------------------------------------------------------------------------


def _patch_ec2_security_groups() -> None:
    from moto.ec2.exceptions import DependencyViolationError
    from moto.ec2.models.security_groups import SecurityGroupBackend

    # (d) Real AWS: DeleteSecurityGroup fails with DependencyViolation ("resource sg-... has
    # a dependent object") while the group is referenced by a rule of ANOTHER security
    # group (ingress or egress), or is attached to a network interface, which includes the
    # interfaces of RDS instances/clusters and ElastiCache nodes. moto deletes it anyway.
    # A group whose own rules reference itself can still be deleted.
    # https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteSecurityGroup.html
    # https://docs.aws.amazon.com/vpc/latest/userguide/deleting-security-groups.html
    original_delete = SecurityGroupBackend._delete_security_group

    def _delete_security_group(self, vpc_id, group_id):  # type: ignore[no-untyped-def]
        if _security_group_in_use(self, group_id):
            raise DependencyViolationError(f"resource {group_id} has a dependent object")
        return original_delete(self, vpc_id, group_id)

    SecurityGroupBackend._delete_security_group = _delete_security_group


def _security_group_in_use(ec2_backend, group_id: str) -> bool:  # type: ignore[no-untyped-def]
    for groups in list(ec2_backend.groups.values()):
        for group in list(groups.values()):
            if group.id == group_id:
                continue
            for rule in list(group.ingress_rules) + list(group.egress_rules):
                if (rule.source_group or {}).get("GroupId") == group_id:
                    return True

    for eni in list(getattr(ec2_backend, "enis", {}).values()):
        if any(getattr(g, "id", None) == group_id for g in getattr(eni, "_group_set", []) or []):
            return True

    account, region = ec2_backend.account_id, ec2_backend.region_name
    try:
        from moto.rds.models import rds_backends

        rds = rds_backends[account][region]
        for db in list(rds.databases.values()) + list(rds.clusters.values()):
            if group_id in (db.vpc_security_group_ids or []):
                return True
    except Exception:  # noqa: BLE001 - a backend that was never used has nothing in it
        pass
    try:
        from moto.elasticache.models import elasticache_backends

        cache = elasticache_backends[account][region]
        for item in list(cache.cache_clusters.values()) + list(cache.replication_groups.values()):
            if group_id in (getattr(item, "security_group_ids", None) or []):
                return True
    except Exception:  # noqa: BLE001
        pass
    return False


# --------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args()

    # Request lines would flood the log; errors (tracebacks) are still logged.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    apply_patches()

    server = ThreadedMotoServer(ip_address=args.host, port=args.port, verbose=False)
    server.start()
    host, port = server.get_host_and_port()

    # Answering a request (not only accepting the connection) is what "ready" means.
    with urllib.request.urlopen(f"http://{host}:{port}/moto-api/", timeout=10) as resp:
        resp.read()

    print(f"READY {host}:{port}", flush=True)

    def watch_stdin() -> None:
        try:
            while sys.stdin.buffer.read(4096):
                pass
        finally:
            os._exit(0)

    watcher = threading.Thread(target=watch_stdin, daemon=True)
    watcher.start()
    watcher.join()


if __name__ == "__main__":
    main()
