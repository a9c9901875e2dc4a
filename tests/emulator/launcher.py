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
import ipaddress
import logging
import os
import sys
import threading
import urllib.request

from moto.server import ThreadedMotoServer


def apply_patches() -> None:
    _patch_elasticache()
    _patch_elasticache_arguments()
    _patch_rds()
    # Before (s)/(t): their restore defaults then apply to restores from replicated backups.
    _patch_rds_backup_replication()
    _patch_rds_instance_arguments()
    _patch_rds_adjacent_windows()
    _patch_rds_cluster_arguments()
    _patch_ec2_security_groups()
    _patch_ec2_network()
    _patch_ec2_endpoints_and_peering()
    _patch_ec2_endpoint_addresses()
    _patch_ec2_vpn()
    _patch_ec2_block_public_access()
    _patch_redshift()
    _patch_ec2_describe_regions()
    _patch_sts_role_id()
    _patch_tagging_api()
    _patch_logs()
    _patch_iam()


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

    _patch_elasticache_cluster_nodes()
    _patch_elasticache_subnet_group_modify()
    _patch_elasticache_replication_group_members()
    _patch_elasticache_parameter_groups()


def _patch_elasticache_cluster_nodes() -> None:
    from moto.elasticache.models import CacheCluster

    # (g) Real AWS: DescribeCacheClusters with ShowCacheNodeInfo=true lists every node as
    # CacheNodes [{CacheNodeId "0001"…, CacheNodeStatus, Endpoint {Address, Port},
    # CustomerAvailabilityZone}], a Memcached cluster has a ConfigurationEndpoint
    # (`<id>.<hash>.cfg.<region>.cache.amazonaws.com:11211`), and the cluster's parameter
    # group is CacheParameterGroup {CacheParameterGroupName, ParameterApplyStatus}. A
    # Memcached cluster created without Port listens on 11211. moto returns no nodes, no
    # configuration endpoint, no parameter group, and defaults every port to 6379.
    # https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CacheCluster.html
    # https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CacheNode.html
    original_init = CacheCluster.__init__

    def init(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        original_init(self, *args, **kwargs)
        if self.engine == "memcached" and not kwargs.get("port"):
            self.port = 11211
        if not hasattr(self, "num_cache_nodes"):
            self.num_cache_nodes = 1
        self._region = kwargs.get("region_name") or "us-east-1"
        self._hash = self.cache_node_id.replace("-", "")[:6]

    def _domain(self):  # type: ignore[no-untyped-def]
        short = "".join(part[0] for part in self._region.split("-")[:2]) + self._region.split("-")[-1]
        return f"{self._hash}.{short}.cache.amazonaws.com"

    def cache_nodes(self):  # type: ignore[no-untyped-def]
        az = self.preferred_availability_zone or f"{self._region}a"
        return [
            {
                "CacheNodeId": f"{n:04d}",
                "CacheNodeStatus": "available",
                "Endpoint": {"Address": f"{self.cache_cluster_id}.{_domain(self)}".replace(
                    f".{self._hash}.", f".{self._hash}.{n:04d}.", 1), "Port": self.port},
                "CustomerAvailabilityZone": az,
            }
            for n in range(1, (self.num_cache_nodes or 1) + 1)
        ]

    def configuration_endpoint(self):  # type: ignore[no-untyped-def]
        if self.engine != "memcached":
            return None
        return {"Address": f"{self.cache_cluster_id}.{self._hash}.cfg.{_domain(self).split('.', 1)[1]}", "Port": self.port}

    def cache_parameter_group(self):  # type: ignore[no-untyped-def]
        name = self.cache_parameter_group_name
        return {"CacheParameterGroupName": name, "ParameterApplyStatus": "in-sync"} if name else None

    CacheCluster.__init__ = init
    CacheCluster.cache_nodes = property(cache_nodes)
    CacheCluster.configuration_endpoint = property(configuration_endpoint)
    CacheCluster.cache_parameter_group = property(cache_parameter_group)


def _patch_elasticache_subnet_group_modify() -> None:
    from moto.core.responses import ActionResult
    from moto.elasticache.exceptions import CacheSubnetGroupNotFound
    from moto.elasticache.models import CacheSubnetGroup, ElastiCacheBackend
    from moto.elasticache.responses import ElastiCacheResponse

    # (h) ModifyCacheSubnetGroup is not implemented by moto (HTTP 500). Real AWS changes the
    # description and/or subnets in place (same name and ARN) and answers with the group;
    # CacheSubnetGroupNotFoundFault when it does not exist.
    # https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_ModifyCacheSubnetGroup.html
    def backend_modify(self, name, description, subnet_ids):  # type: ignore[no-untyped-def]
        old = self.cache_subnet_groups.get(name)
        if old is None:
            raise CacheSubnetGroupNotFound(name)
        new = CacheSubnetGroup(
            account_id=self.account_id,
            region_name=self.region_name,
            cache_subnet_group_name=name,
            cache_subnet_group_description=(
                description if description is not None else old.cache_subnet_group_description
            ),
            subnet_ids=subnet_ids or old.subnet_ids,
            tags=old.tags,
        )
        new.arn = old.arn
        self.cache_subnet_groups[name] = new
        return new

    def response_modify(self):  # type: ignore[no-untyped-def]
        group = self.elasticache_backend.modify_cache_subnet_group(
            self._get_param("CacheSubnetGroupName"),
            self._get_param("CacheSubnetGroupDescription"),
            self._get_param("SubnetIds"),
        )
        return ActionResult({"CacheSubnetGroup": group})

    ElastiCacheBackend.modify_cache_subnet_group = backend_modify
    ElastiCacheResponse.modify_cache_subnet_group = response_modify


def _full_engine_version(engine: str, version):  # type: ignore[no-untyped-def]
    # AWS reports the full version it runs: "7.1" runs as "7.1.0"; no version means the
    # current default. The default numbers are plausible values only: tests must not pin them.
    if not version:
        return "8.0.1" if engine == "valkey" else "7.1.0"
    return f"{version}.0" if version.count(".") == 1 and not version.endswith(".x") else version


def _patch_elasticache_replication_group_members() -> None:
    from moto.elasticache.exceptions import ReplicationGroupNotFound
    from moto.elasticache.models import ElastiCacheBackend

    # (i) Real AWS: CreateReplicationGroup creates the member cache clusters listed in
    # MemberClusters (`<id>-001`, `<id>-002`, … or `<id>-0001-001` in cluster mode); each is
    # visible in DescribeCacheClusters with its ReplicationGroupId and carries what the group
    # has but the ReplicationGroup type does not report: EngineVersion (full, "7.1.0"),
    # CacheParameterGroup, CacheSubnetGroupName, SecurityGroups, PreferredMaintenanceWindow.
    # DeleteReplicationGroup deletes the members with the group; ModifyReplicationGroup
    # changes these settings on every member. moto creates no members and ignores these
    # modify parameters.
    # https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateReplicationGroup.html
    # https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_ModifyReplicationGroup.html
    original_create = ElastiCacheBackend.create_replication_group

    def create_replication_group(self, **kwargs):  # type: ignore[no-untyped-def]
        # Real AWS: NumCacheClusters=N (cluster mode disabled) makes N members, a primary and
        # N-1 replicas; moto only counts ReplicasPerNodeGroup and makes one.
        if kwargs.get("num_cache_clusters") and not kwargs.get("replicas_per_node_group"):
            kwargs["replicas_per_node_group"] = kwargs["num_cache_clusters"] - 1
        group = original_create(self, **kwargs)
        # Real AWS: a node group (cluster mode disabled) has ReaderEndpoint {Address, Port}
        # next to PrimaryEndpoint; moto keeps the address but never returns it.
        for node_group in group.node_groups:
            if node_group.get("reader_endpoint_address"):
                node_group["reader_endpoint"] = {
                    "address": node_group["reader_endpoint_address"],
                    "port": group.port,
                }
        engine = kwargs.get("engine") or "redis"
        version = _full_engine_version(engine, kwargs.get("engine_version"))
        group.engine_version = version
        for member in group.member_clusters:
            cluster = self.create_cache_cluster(
                cache_cluster_id=member,
                replication_group_id=group.replication_group_id,
                az_mode=None,
                preferred_availability_zone=None,
                num_cache_nodes=1,
                cache_node_type=group.cache_node_type,
                engine="redis",
                engine_version=version,
                cache_parameter_group_name=kwargs.get("cache_parameter_group_name"),
                cache_subnet_group_name=kwargs.get("cache_subnet_group_name"),
                transit_encryption_enabled=kwargs.get("transit_encryption_enabled"),
                network_type=kwargs.get("network_type"),
                ip_discovery=kwargs.get("ip_discovery"),
                snapshot_name=None,
                preferred_maintenance_window=kwargs.get("preferred_maintenance_window"),
                port=group.port,
                notification_topic_arn=kwargs.get("notification_topic_arn"),
                auto_minor_version_upgrade=kwargs.get("auto_minor_version_upgrade"),
                snapshot_retention_limit=None,
                snapshot_window=None,
                auth_token=None,
                outpost_mode=None,
                preferred_outpost_arn=None,
                preferred_availability_zones=None,
                cache_security_group_names=None,
                security_group_ids=kwargs.get("security_group_ids"),
                tags=None,
                snapshot_arns=None,
                preferred_outpost_arns=None,
                log_delivery_configurations=[],
                cache_node_ids_to_remove=[],
                cache_node_ids_to_reboot=[],
            )
            cluster.engine = engine
            cluster.auth_token_enabled = group.auth_token_enabled
        return group

    ElastiCacheBackend.create_replication_group = create_replication_group

    patched_delete = ElastiCacheBackend.delete_replication_group

    def delete_replication_group(self, replication_group_id, retain_primary_cluster):  # type: ignore[no-untyped-def]
        group = self.replication_groups.get(replication_group_id)
        members = list(group.member_clusters) if group else []
        result = patched_delete(self, replication_group_id, retain_primary_cluster)
        for member in members:
            self.cache_clusters.pop(member, None)
        return result

    ElastiCacheBackend.delete_replication_group = delete_replication_group

    from moto.elasticache.responses import ElastiCacheResponse

    original_modify_response = ElastiCacheResponse.modify_replication_group

    def modify_replication_group(self):  # type: ignore[no-untyped-def]
        backend = self.elasticache_backend
        group = backend.replication_groups.get(self._get_param("ReplicationGroupId"))
        if group is None:
            raise ReplicationGroupNotFound(self._get_param("ReplicationGroupId"))
        member_changes = {
            "security_group_ids": self._get_param("SecurityGroupIds"),
            "preferred_maintenance_window": self._get_param("PreferredMaintenanceWindow"),
            "cache_parameter_group_name": self._get_param("CacheParameterGroupName"),
            "auto_minor_version_upgrade": self._get_bool_param("AutoMinorVersionUpgrade"),
        }
        version = self._get_param("EngineVersion")
        if version:
            member_changes["engine_version"] = _full_engine_version(group.engine, version)
            group.engine_version = member_changes["engine_version"]
        for attr in ("snapshot_window", "auto_minor_version_upgrade"):
            value = self._get_param("SnapshotWindow") if attr == "snapshot_window" else member_changes[attr]
            if value is not None:
                setattr(group, attr, value)
        for member in group.member_clusters:
            cluster = backend.cache_clusters.get(member)
            for attr, value in member_changes.items():
                if cluster is not None and value is not None:
                    setattr(cluster, attr, value)
        return original_modify_response(self)

    ElastiCacheResponse.modify_replication_group = modify_replication_group


def _patch_elasticache_arguments() -> None:
    from moto.elasticache.models import ElastiCacheBackend
    from moto.elasticache.responses import ElastiCacheResponse

    def _notify(backend, group, topic):  # type: ignore[no-untyped-def]
        group.notification_topic_arn = topic
        for member in group.member_clusters:
            cluster = backend.cache_clusters.get(member)
            if cluster is not None:
                cluster.notification_configuration = {"TopicArn": topic, "TopicStatus": "active"}

    # (z) Real AWS: the member cache clusters of a replication group created with a
    # NotificationTopicArn report it (NotificationConfiguration {TopicArn, TopicStatus});
    # moto never answers a NotificationConfiguration.
    # https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CacheCluster.html
    original_create = ElastiCacheBackend.create_replication_group

    def create_replication_group(self, **kwargs):  # type: ignore[no-untyped-def]
        group = original_create(self, **kwargs)
        if kwargs.get("notification_topic_arn"):
            _notify(self, group, kwargs["notification_topic_arn"])
        return group

    ElastiCacheBackend.create_replication_group = create_replication_group

    # (z) Real AWS: ModifyReplicationGroup changes ClusterMode, TransitEncryptionMode,
    # IpDiscovery, the user groups (UserGroupIdsToAdd / UserGroupIdsToRemove), the log
    # deliveries (LogDeliveryConfigurations: a new or changed one per log type, Enabled=false
    # removes that type's) and the members' NotificationTopicArn. moto ignores them all.
    # https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_ModifyReplicationGroup.html
    original_modify = ElastiCacheResponse.modify_replication_group

    def modify_replication_group(self):  # type: ignore[no-untyped-def]
        backend = self.elasticache_backend
        group = backend.replication_groups.get(self._get_param("ReplicationGroupId"))
        if group is not None:
            for param, attr in (("ClusterMode", "cluster_mode"),
                                ("TransitEncryptionMode", "transit_encryption_mode"),
                                ("IpDiscovery", "ip_discovery")):
                if self._get_param(param):
                    setattr(group, attr, self._get_param(param))
            users = list(group.user_group_ids or [])
            users += [u for u in self._get_param("UserGroupIdsToAdd") or [] if u not in users]
            removed = self._get_param("UserGroupIdsToRemove") or []
            group.user_group_ids = [u for u in users if u not in removed]
            for change in self._get_param("LogDeliveryConfigurations") or []:
                kind = change.get("LogType")
                kept = [c for c in group.log_delivery_configurations if c.get("LogType") != kind]
                if str(change.get("Enabled", True)).lower() != "false":
                    entry = {k: v for k, v in change.items() if k != "Enabled"}
                    kept.append(dict(entry, Status="active", Message="Log delivery configuration is active."))
                group.log_delivery_configurations = kept
            if self._get_param("NotificationTopicArn"):
                _notify(backend, group, self._get_param("NotificationTopicArn"))
        return original_modify(self)

    ElastiCacheResponse.modify_replication_group = modify_replication_group


def _patch_elasticache_parameter_groups() -> None:
    from moto.core.responses import ActionResult, EmptyResult
    from moto.elasticache.exceptions import ElastiCacheException
    from moto.elasticache.models import ElastiCacheBackend
    from moto.elasticache.responses import ElastiCacheResponse
    from re import compile as re_compile

    # (j) moto implements none of the cache parameter group APIs (HTTP 500). Real AWS:
    # CreateCacheParameterGroup (CacheParameterGroupAlreadyExists on a taken name),
    # DescribeCacheParameterGroups (CacheParameterGroupNotFound for a missing name),
    # ModifyCacheParameterGroup / ResetCacheParameterGroup (answer the group name),
    # DescribeCacheParameters (Source=user lists the parameters set away from the default),
    # DeleteCacheParameterGroup, and ARN `...:parametergroup:<name>` for the tag APIs.
    # Only user-set parameters are modelled: moto knows no engine defaults, so every name is
    # accepted and a reset simply forgets the value.
    # https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateCacheParameterGroup.html
    # https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_DescribeCacheParameters.html
    # https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_ResetCacheParameterGroup.html
    class CacheParameterGroupNotFound(ElastiCacheException):
        code = "CacheParameterGroupNotFound"

    class CacheParameterGroupAlreadyExists(ElastiCacheException):
        code = "CacheParameterGroupAlreadyExists"

    class CacheParameterGroup:
        def __init__(self, account_id, region, name, family, description):  # type: ignore[no-untyped-def]
            self.cache_parameter_group_name = name
            self.cache_parameter_group_family = family
            self.description = description
            self.is_global = False
            self.arn = f"arn:aws:elasticache:{region}:{account_id}:parametergroup:{name}"
            self.parameters: dict[str, str] = {}

    def groups(backend):  # type: ignore[no-untyped-def]
        if not hasattr(backend, "cache_parameter_groups"):
            backend.cache_parameter_groups = {}
            backend.arn_regex = re_compile(
                r"^arn:aws:elasticache:.*:[0-9]*:(cluster|snapshot|subnetgroup|replicationgroup|user|parametergroup):.*$"
            )
        return backend.cache_parameter_groups

    def get(backend, name):  # type: ignore[no-untyped-def]
        group = groups(backend).get(name)
        if group is None:
            raise CacheParameterGroupNotFound(f"CacheParameterGroup {name} not found.")
        return group

    def parameters_of(self):  # type: ignore[no-untyped-def]
        names = []
        i = 1
        while True:
            name = self._get_param(f"ParameterNameValues.ParameterNameValue.{i}.ParameterName")
            if name is None:
                break
            names.append((name, self._get_param(f"ParameterNameValues.ParameterNameValue.{i}.ParameterValue")))
            i += 1
        if not names:
            names = [
                (p.get("ParameterName"), p.get("ParameterValue"))
                for p in (self._get_param("ParameterNameValues") or [])
            ]
        return names

    def create(self):  # type: ignore[no-untyped-def]
        backend = self.elasticache_backend
        name = self._get_param("CacheParameterGroupName")
        if name in groups(backend):
            raise CacheParameterGroupAlreadyExists(f"Parameter group {name} already exists.")
        group = CacheParameterGroup(
            backend.account_id,
            backend.region_name,
            name,
            self._get_param("CacheParameterGroupFamily"),
            self._get_param("Description"),
        )
        groups(backend)[name] = group
        tags = self._get_param("Tags", [])
        if tags:
            backend.tagging_service.tag_resource(group.arn, tags)
        return ActionResult({"CacheParameterGroup": group})

    def describe(self):  # type: ignore[no-untyped-def]
        backend = self.elasticache_backend
        name = self._get_param("CacheParameterGroupName")
        found = [get(backend, name)] if name else list(groups(backend).values())
        return ActionResult({"CacheParameterGroups": found})

    def describe_parameters(self):  # type: ignore[no-untyped-def]
        group = get(self.elasticache_backend, self._get_param("CacheParameterGroupName"))
        source = self._get_param("Source")
        params = [] if source not in (None, "user") else [
            {"ParameterName": k, "ParameterValue": v, "Source": "user", "IsModifiable": True}
            for k, v in sorted(group.parameters.items())
        ]
        return ActionResult({"Parameters": params})

    def modify(self):  # type: ignore[no-untyped-def]
        group = get(self.elasticache_backend, self._get_param("CacheParameterGroupName"))
        for name, value in parameters_of(self):
            group.parameters[name] = value
        return ActionResult({"CacheParameterGroupName": group.cache_parameter_group_name})

    def reset(self):  # type: ignore[no-untyped-def]
        group = get(self.elasticache_backend, self._get_param("CacheParameterGroupName"))
        if self._get_bool_param("ResetAllParameters"):
            group.parameters.clear()
        for name, _ in parameters_of(self):
            group.parameters.pop(name, None)
        return ActionResult({"CacheParameterGroupName": group.cache_parameter_group_name})

    def delete(self):  # type: ignore[no-untyped-def]
        backend = self.elasticache_backend
        group = get(backend, self._get_param("CacheParameterGroupName"))
        groups(backend).pop(group.cache_parameter_group_name)
        return EmptyResult()

    ElastiCacheResponse.create_cache_parameter_group = create
    ElastiCacheResponse.describe_cache_parameter_groups = describe
    ElastiCacheResponse.describe_cache_parameters = describe_parameters
    ElastiCacheResponse.modify_cache_parameter_group = modify
    ElastiCacheResponse.reset_cache_parameter_group = reset
    ElastiCacheResponse.delete_cache_parameter_group = delete
    _ = ElastiCacheBackend


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

    # (g) Real AWS: a DB snapshot copied from another region reports where it came from:
    # SourceRegion (the source's region) and SourceDBSnapshotIdentifier (the source's ARN);
    # both are empty for a copy within one region. A DB cluster snapshot copy reports
    # SourceDBClusterSnapshotArn (the source's ARN) for every copy. moto leaves all of them
    # out, so a copy could never be read back with its source.
    # https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DBSnapshot.html
    # https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DBClusterSnapshot.html
    original_copy = RDSBackend.copy_db_snapshot

    def copy_db_snapshot(self, source_db_snapshot_identifier, target_db_snapshot_identifier, *args, **kwargs):  # type: ignore[no-untyped-def]
        target = original_copy(self, source_db_snapshot_identifier, target_db_snapshot_identifier, *args, **kwargs)
        if source_db_snapshot_identifier.startswith("arn:"):
            region = source_db_snapshot_identifier.split(":")[3]
            if region != self.region_name:
                target.source_region = region
                target.source_db_snapshot_identifier = source_db_snapshot_identifier
        return target

    RDSBackend.copy_db_snapshot = copy_db_snapshot

    original_cluster_copy = RDSBackend.copy_db_cluster_snapshot

    def copy_db_cluster_snapshot(self, source_db_cluster_snapshot_identifier, target_db_cluster_snapshot_identifier, *args, **kwargs):  # type: ignore[no-untyped-def]
        target = original_cluster_copy(
            self, source_db_cluster_snapshot_identifier, target_db_cluster_snapshot_identifier, *args, **kwargs
        )
        source = self.get_db_cluster_snapshot(source_db_cluster_snapshot_identifier)
        target.source_db_cluster_snapshot_arn = source.arn
        return target

    RDSBackend.copy_db_cluster_snapshot = copy_db_cluster_snapshot
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

    # (k) Real AWS: CreateDBSubnetGroup with the name of an existing group fails with
    # DBSubnetGroupAlreadyExists, and CreateDBCluster with an existing identifier with
    # DBClusterAlreadyExistsFault; the existing object is left as it was. moto replaces the
    # subnet group silently, and replaces the cluster before failing with an unrelated
    # DBClusterSnapshotAlreadyExistsFault (from the new cluster's automated backup). A create
    # the SDK retries after its first answer was lost must be told the object exists, as AWS
    # tells it.
    # https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBSubnetGroup.html
    # https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBCluster.html
    from moto.rds.exceptions import RDSClientError

    original_create_subnet_group = RDSBackend.create_subnet_group

    def create_subnet_group(self, subnet_name, description, subnets, tags):  # type: ignore[no-untyped-def]
        if any(name.lower() == subnet_name.lower() for name in self.subnet_groups):
            raise RDSClientError(
                "DBSubnetGroupAlreadyExists", f"The DB subnet group '{subnet_name}' already exists."
            )
        return original_create_subnet_group(self, subnet_name, description, subnets, tags)

    RDSBackend.create_subnet_group = create_subnet_group

    original_create_cluster = RDSBackend.create_db_cluster

    def create_db_cluster(self, kwargs):  # type: ignore[no-untyped-def]
        cluster_id = kwargs["db_cluster_identifier"]
        if any(c.lower() == cluster_id.lower() for c in self.clusters):
            raise RDSClientError("DBClusterAlreadyExistsFault", "DB Cluster already exists")
        return original_create_cluster(self, kwargs)

    RDSBackend.create_db_cluster = create_db_cluster

    # (p) Real AWS: an encrypted DB instance created without KmsKeyId is encrypted with the
    # account's AWS-managed key of its region (alias aws/rds), and DescribeDBInstances,
    # CreateDBSnapshot and restores report that key's ARN. moto reports the placeholder
    # "default_kms_key_id", so no check could tell which region's key encrypts a database.
    # https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html
    from moto.kms.models import kms_backends

    original_instance_init = DBInstance.__init__

    def instance_init(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        original_instance_init(self, *args, **kwargs)
        if getattr(self, "storage_encrypted", False) and self.kms_key_id == "default_kms_key_id":
            kms = kms_backends[self.account_id][self.region]
            key_id = kms.get_key_id_from_alias("alias/aws/rds")
            self.kms_key_id = kms.keys[key_id].arn

    DBInstance.__init__ = instance_init

    # (p) The same for an encrypted DB cluster created without KmsKeyId.
    # https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBCluster.html
    from moto.rds.models import DBCluster

    original_cluster_init = DBCluster.__init__

    def cluster_init(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        original_cluster_init(self, *args, **kwargs)
        if getattr(self, "storage_encrypted", False) and self.kms_key_id == "default_kms_key_id":
            kms = kms_backends[self.account_id][self.region]
            key_id = kms.get_key_id_from_alias("alias/aws/rds")
            self.kms_key_id = kms.keys[key_id].arn

    DBCluster.__init__ = cluster_init


def _patch_rds_adjacent_windows() -> None:
    from moto.rds import utils as rds_utils

    # (d1) Real AWS: the backup window and the maintenance window must not overlap; one may
    # end when the other begins (the public rds module's examples use "03:00-06:00" with
    # "Mon:00:00-Mon:03:00"). moto counts windows that only touch as overlapping and refuses
    # CreateDBInstance / ModifyDBInstance with InvalidParameterValue.
    # https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_WorkingWithAutomatedBackups.BackupWindow.html
    original_overlap = rds_utils.get_overlap_between_two_date_ranges

    def overlap(*args):  # type: ignore[no-untyped-def]
        seconds = original_overlap(*args)
        return -1 if seconds == 0 else seconds

    rds_utils.get_overlap_between_two_date_ranges = overlap


def _patch_rds_instance_arguments() -> None:
    from moto.kms.models import kms_backends
    from moto.rds.models import DBInstance

    # (s) Real AWS: CreateDBInstance (and the replica and restore calls) keep what they are
    # given, and DescribeDBInstances reports it: PerformanceInsightsEnabled (with a 7-day
    # PerformanceInsightsRetentionPeriod and the region's aws/rds key as
    # PerformanceInsightsKMSKeyId unless others are given), NetworkType (IPV4 by default),
    # Timezone, NcharCharacterSetName, EngineLifecycleSupport
    # (open-source-rds-extended-support by default), DatabaseInsightsMode (standard by
    # default), DedicatedLogVolume and CustomerOwnedIpEnabled (false by default). moto drops
    # them all, and ModifyDBInstance's EnablePerformanceInsights / EnableCustomerOwnedIp land
    # on attributes the answer never reads.
    # https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html
    # https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBInstance.html
    original_init = DBInstance.__init__

    def init(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        original_init(self, *args, **kwargs)
        self.network_type = kwargs.get("network_type") or "IPV4"
        self.timezone = kwargs.get("timezone")
        self.nchar_character_set_name = kwargs.get("nchar_character_set_name")
        self.engine_lifecycle_support = (
            kwargs.get("engine_lifecycle_support") or "open-source-rds-extended-support"
        )
        self.database_insights_mode = kwargs.get("database_insights_mode") or "standard"
        self.dedicated_log_volume = bool(kwargs.get("dedicated_log_volume") or False)
        self.customer_owned_ip_enabled = bool(kwargs.get("enable_customer_owned_ip") or False)
        _set_performance_insights(self, kwargs)

    def _set_performance_insights(db, kwargs):  # type: ignore[no-untyped-def]
        enabled = kwargs.get("enable_performance_insights")
        if enabled is None:
            db.performance_insights_enabled = getattr(db, "performance_insights_enabled", False)
            return
        db.performance_insights_enabled = bool(enabled)
        if not db.performance_insights_enabled:
            db.performance_insights_retention_period = None
            db.performance_insights_kms_key_id = None
            return
        db.performance_insights_retention_period = (
            kwargs.get("performance_insights_retention_period")
            or getattr(db, "performance_insights_retention_period", None)
            or 7
        )
        key = kwargs.get("performance_insights_kms_key_id") or getattr(
            db, "performance_insights_kms_key_id", None
        )
        if not key:
            kms = kms_backends[db.account_id][db.region]
            key = kms.keys[kms.get_key_id_from_alias("alias/aws/rds")].arn
        db.performance_insights_kms_key_id = key

    DBInstance.__init__ = init

    original_update = DBInstance.update

    def update(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        insights = {k: kwargs.pop(k) for k in list(kwargs) if k.startswith("enable_performance_insights")}
        customer_ip = kwargs.pop("enable_customer_owned_ip", None)
        original_update(self, *args, **kwargs)
        if insights:
            merged = dict(kwargs)
            merged.update(insights)
            _set_performance_insights(self, merged)
        if customer_ip is not None:
            self.customer_owned_ip_enabled = bool(customer_ip)

    DBInstance.update = update

    # (t) Real AWS: RestoreDBInstanceFromDBSnapshot and RestoreDBInstanceToPointInTime make a
    # stand-alone instance with the restore call's settings, defaulting what the call does
    # not set: IAM database authentication off, no log exports, Performance Insights and
    # Enhanced Monitoring off, deletion protection off. moto copies every attribute of the
    # source instance instead, and the point-in-time restore's SourceDBInstanceIdentifier
    # makes the new instance report itself a read replica of its source.
    # https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_RestoreDBInstanceFromDBSnapshot.html
    # https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_RestoreDBInstanceToPointInTime.html
    from moto.rds.models import RDSBackend

    def restored_as_aws_restores(db, given):  # type: ignore[no-untyped-def]
        db.source_db_instance_identifier = None
        db.enable_iam_database_authentication = bool(
            given.get("enable_iam_database_authentication") or False
        )
        db.enabled_cloudwatch_logs_exports = list(given.get("enable_cloudwatch_logs_exports") or [])
        db.deletion_protection = bool(given.get("deletion_protection") or False)
        db.monitoring_interval = 0
        db.monitoring_role_arn = None
        _set_performance_insights(db, {"enable_performance_insights": False})
        return db

    original_from_snapshot = RDSBackend.restore_db_instance_from_db_snapshot

    def from_snapshot(self, from_snapshot_id, overrides):  # type: ignore[no-untyped-def]
        db = original_from_snapshot(self, from_snapshot_id, overrides)
        return restored_as_aws_restores(db, overrides)

    RDSBackend.restore_db_instance_from_db_snapshot = from_snapshot

    original_to_point = RDSBackend.restore_db_instance_to_point_in_time

    def to_point(self, source, target, overrides):  # type: ignore[no-untyped-def]
        db = original_to_point(self, source, target, overrides)
        return restored_as_aws_restores(db, overrides)

    RDSBackend.restore_db_instance_to_point_in_time = to_point

    # (w) RemoveRoleFromDBInstance and RemoveRoleFromDBCluster are not implemented by moto
    # (HTTP 500). Real AWS removes the association (feature name optional; when given it
    # must match) and answers empty; DBInstanceRoleNotFound / DBClusterRoleNotFound when the
    # role is not associated, DBInstanceNotFound / DBClusterNotFoundFault for no database.
    # https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_RemoveRoleFromDBInstance.html
    # https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_RemoveRoleFromDBCluster.html
    from moto.rds.exceptions import (
        DBClusterNotFoundError,
        DBInstanceNotFoundError,
        RDSClientError,
    )
    from moto.core.responses import EmptyResult
    from moto.rds.responses import RDSResponse

    def remove_role(database, role_arn, feature_name, not_found):  # type: ignore[no-untyped-def]
        for role in list(database._associated_roles):
            if role.role_arn == role_arn and feature_name in (None, "", role.feature_name):
                database._associated_roles.remove(role)
                return
        raise RDSClientError(not_found, f"Role {role_arn} is not associated with the database.")

    def remove_role_from_db_instance(self):  # type: ignore[no-untyped-def]
        ident = self.params.get("DBInstanceIdentifier")
        database = self.backend.databases.get(ident)
        if database is None:
            raise DBInstanceNotFoundError(ident)
        remove_role(database, self.params.get("RoleArn"), self.params.get("FeatureName"), "DBInstanceRoleNotFound")
        return EmptyResult()

    def remove_role_from_db_cluster(self):  # type: ignore[no-untyped-def]
        ident = self.params.get("DBClusterIdentifier")
        cluster = self.backend.clusters.get(ident)
        if cluster is None:
            raise DBClusterNotFoundError(ident)
        remove_role(cluster, self.params.get("RoleArn"), self.params.get("FeatureName"), "DBClusterRoleNotFound")
        return EmptyResult()

    RDSResponse.remove_role_from_db_instance = remove_role_from_db_instance
    RDSResponse.remove_role_from_db_cluster = remove_role_from_db_cluster


def _patch_rds_backup_replication() -> None:
    from moto.core.responses import ActionResult
    from moto.rds.exceptions import DBInstanceNotFoundError, RDSClientError
    from moto.rds.models import RDSBackend, rds_backends
    from moto.rds.responses import RDSResponse

    # (x) StartDBInstanceAutomatedBackupsReplication / StopDBInstanceAutomatedBackupsReplication
    # are not implemented by moto (HTTP 500), and DescribeDBInstanceAutomatedBackups knows no
    # replicated backups. Real AWS, called in the destination Region: Start replicates the
    # source instance's automated backups there (answering the new DBInstanceAutomatedBackup,
    # status "replicating", with its own DBInstanceAutomatedBackupsArn in the destination
    # Region), an encrypted source needs a KmsKeyId of the destination Region
    # (InvalidParameterCombination otherwise), a missing source is DBInstanceNotFound; the
    # source instance then lists the replication in DBInstanceAutomatedBackupsReplications.
    # Stop ends it: the replicated backup is gone from the destination Region.
    # https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_StartDBInstanceAutomatedBackupsReplication.html
    # https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_StopDBInstanceAutomatedBackupsReplication.html
    # https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeDBInstanceAutomatedBackups.html
    import uuid

    from datetime import datetime, timezone

    class RestoreWindow:  # from the start of the replication to now
        def __init__(self):  # type: ignore[no-untyped-def]
            self.earliest_time = datetime.now(timezone.utc)

        @property
        def latest_time(self):  # type: ignore[no-untyped-def]
            return datetime.now(timezone.utc)

    class Replication:  # one entry of DBInstanceAutomatedBackupsReplications
        def __init__(self, arn):  # type: ignore[no-untyped-def]
            self.db_instance_automated_backups_arn = arn

    class ReplicatedBackup:
        def __init__(self, backend, source, retention, kms_key_id):  # type: ignore[no-untyped-def]
            self.db_instance_arn = source.db_instance_arn
            self.dbi_resource_id = source.dbi_resource_id
            self.region = source.region
            self.db_instance_identifier = source.db_instance_identifier
            self.status = "replicating"
            self.engine = source.engine
            self.engine_version = source.engine_version
            self.allocated_storage = source.allocated_storage
            self.port = source.port
            self.master_username = source.master_username
            self.storage_type = source.storage_type
            self.encrypted = bool(source.storage_encrypted)
            self.kms_key_id = kms_key_id
            self.backup_retention_period = retention
            self.restore_window = RestoreWindow()
            self.db_instance_automated_backups_arn = (
                f"arn:aws:rds:{backend.region_name}:{backend.account_id}:auto-backup:"
                f"ab-{uuid.uuid4().hex[:26]}"
            )

    def replicated(backend):  # type: ignore[no-untyped-def]
        if not hasattr(backend, "replicated_backups"):
            backend.replicated_backups = {}
        return backend.replicated_backups

    def source_of(backend, arn):  # type: ignore[no-untyped-def]
        parts = (arn or "").split(":")
        if len(parts) < 7 or parts[5] != "db":
            raise DBInstanceNotFoundError(arn)
        source_backend = rds_backends[parts[4]][parts[3]]
        source = source_backend.databases.get(parts[6])
        if source is None:
            raise DBInstanceNotFoundError(parts[6])
        return source

    def start(self):  # type: ignore[no-untyped-def]
        source = source_of(self.backend, self.params.get("SourceDBInstanceArn"))
        kms_key_id = self.params.get("KmsKeyId")
        if source.storage_encrypted and not kms_key_id:
            raise RDSClientError(
                "InvalidParameterCombination",
                "Encrypted automated backups replication requires a KmsKeyId in the destination Region.",
            )
        retention = int(self.params.get("BackupRetentionPeriod") or 7)
        backup = ReplicatedBackup(self.backend, source, retention, kms_key_id)
        replicated(self.backend)[backup.db_instance_automated_backups_arn] = backup
        replications = getattr(source, "db_instance_automated_backups_replications", None) or []
        replications.append(Replication(backup.db_instance_automated_backups_arn))
        source.db_instance_automated_backups_replications = replications
        return ActionResult({"DBInstanceAutomatedBackup": backup})

    def stop(self):  # type: ignore[no-untyped-def]
        arn = self.params.get("SourceDBInstanceArn")
        backups = replicated(self.backend)
        found = [b for b in backups.values() if b.db_instance_arn == arn]
        if not found:
            raise RDSClientError(
                "InvalidDBInstanceAutomatedBackupState",
                f"No automated backups replication of {arn} in this Region.",
            )
        backup = found[0]
        del backups[backup.db_instance_automated_backups_arn]
        try:
            source = source_of(self.backend, arn)
            source.db_instance_automated_backups_replications = [
                r
                for r in getattr(source, "db_instance_automated_backups_replications", [])
                if r.db_instance_automated_backups_arn != backup.db_instance_automated_backups_arn
            ]
        except DBInstanceNotFoundError:
            pass
        backup.status = "deleting"
        return ActionResult({"DBInstanceAutomatedBackup": backup})

    original_describe = RDSBackend.describe_db_instance_automated_backups

    def describe(self, db_instance_identifier=None, **kwargs):  # type: ignore[no-untyped-def]
        ident = db_instance_identifier or kwargs.get("DBInstanceIdentifier")
        backups = original_describe(self, db_instance_identifier=ident)
        arn = kwargs.get("db_instance_automated_backups_arn")
        resource = kwargs.get("dbi_resource_id")
        for b in replicated(self).values():
            if ident and b.db_instance_identifier != ident:
                continue
            if resource and b.dbi_resource_id != resource:
                continue
            backups.append(b)
        if arn:
            backups = [b for b in backups if getattr(b, "db_instance_automated_backups_arn", None) == arn]
        return backups

    RDSBackend.describe_db_instance_automated_backups = describe

    # (x) Real AWS: RestoreDBInstanceToPointInTime with SourceDBInstanceAutomatedBackupsArn,
    # in the Region the backups are replicated to, restores the source instance there (its
    # engine, storage and encryption with the replicated backups' key). moto looks for a
    # source instance of that Region and fails.
    # https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_RestoreDBInstanceToPointInTime.html
    import copy

    restore_to_point = RDSBackend.restore_db_instance_to_point_in_time

    def to_point(self, source, target, overrides):  # type: ignore[no-untyped-def]
        arn = overrides.get("SourceDBInstanceAutomatedBackupsArn")
        if not arn:
            return restore_to_point(self, source, target, overrides)
        backup = replicated(self).get(arn)
        if backup is None:
            raise RDSClientError(
                "DBInstanceAutomatedBackupNotFound", f"Automated backups {arn} not found."
            )
        original = source_of(self, backup.db_instance_arn)
        skipped = {
            "backend", "db_subnet_group", "db_subnet_group_name", "vpc_security_group_ids",
            "option_group_name", "db_parameter_group_name", "max_allocated_storage",
            "source_db_instance_identifier", "db_instance_automated_backups_replications",
            "kms_key_id", "tags", "option_group_supplied", "status", "availability_zone",
        }
        props = {
            (k[1:] if k.startswith("_") else k): copy.deepcopy(v)
            for k, v in original.__dict__.items()
            if (k[1:] if k.startswith("_") else k) not in skipped
        }
        props["kms_key_id"] = backup.kms_key_id
        for key, value in overrides.items():
            if value and key not in ("source_db_instance_automated_backups_arn",):
                props[key] = value
        props["db_instance_identifier"] = target
        return self.create_db_instance(props)

    RDSBackend.restore_db_instance_to_point_in_time = to_point
    RDSResponse.start_db_instance_automated_backups_replication = start
    RDSResponse.stop_db_instance_automated_backups_replication = stop


def _patch_rds_cluster_arguments() -> None:
    from datetime import timedelta

    from moto.core.responses import ActionResult
    from moto.core.utils import utcnow
    from moto.rds.exceptions import DBClusterNotFoundError
    from moto.rds.models import DBCluster, RDSBackend
    from moto.rds.responses import RDSResponse

    def _get(d, pascal, snake):  # type: ignore[no-untyped-def]
        if d is None:
            return None
        value = d.get(pascal)
        return d.get(snake) if value is None else value

    def _apply(cluster, kwargs):  # type: ignore[no-untyped-def]
        if kwargs.get("monitoring_interval") is not None:
            cluster.monitoring_interval = kwargs["monitoring_interval"]
        if kwargs.get("monitoring_role_arn"):
            cluster.monitoring_role_arn = kwargs["monitoring_role_arn"]
        if kwargs.get("enable_performance_insights") is not None:
            enabled = bool(kwargs["enable_performance_insights"])
            cluster.performance_insights_enabled = enabled
            if enabled and not getattr(cluster, "performance_insights_retention_period", None):
                cluster.performance_insights_retention_period = 7
        for key in ("performance_insights_kms_key_id", "performance_insights_retention_period",
                    "database_insights_mode", "engine_lifecycle_support", "cluster_scalability_type"):
            if kwargs.get(key) is not None:
                setattr(cluster, key, kwargs[key])
        if kwargs.get("ca_certificate_identifier"):
            cluster.certificate_details = {
                "CAIdentifier": kwargs["ca_certificate_identifier"],
                "ValidTill": utcnow() + timedelta(days=365 * 10),
            }
        if kwargs.get("enable_local_write_forwarding") is not None:
            on = bool(kwargs["enable_local_write_forwarding"])
            cluster.local_write_forwarding_status = "enabled" if on else "disabled"
        if kwargs.get("enable_iam_database_authentication") is not None:
            cluster.iam_auth = bool(kwargs["enable_iam_database_authentication"])

    # (y) Real AWS: CreateDBCluster (and the restores) keep what they are given and
    # DescribeDBClusters reports it: MonitoringInterval/MonitoringRoleArn,
    # PerformanceInsightsEnabled (retention 7 days unless given) / KMSKeyId /
    # RetentionPeriod, DatabaseInsightsMode, CertificateDetails.CAIdentifier (from
    # CACertificateIdentifier), EngineLifecycleSupport (open-source-rds-extended-support
    # unless given), LocalWriteForwardingStatus, ClusterScalabilityType, and
    # HttpEndpointEnabled for a provisioned Aurora cluster (the RDS Data API); an Aurora
    # cluster's StorageType is "aurora" unless given. moto drops them all (and the Data API
    # outside old Serverless v1 versions), and gives Aurora clusters the gp2 of instances.
    # https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBCluster.html
    # https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DBCluster.html
    original_init = DBCluster.__init__

    def cluster_init(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        original_init(self, *args, **kwargs)
        if kwargs.get("engine_lifecycle_support") is None and not hasattr(self, "engine_lifecycle_support"):
            self.engine_lifecycle_support = "open-source-rds-extended-support"
        _apply(self, kwargs)
        aurora = self.engine.startswith("aurora")
        if aurora and not kwargs.get("storage_type"):
            self.storage_type = "aurora"
        if kwargs.get("enable_http_endpoint") and aurora and self.engine_mode == "provisioned":
            self._enable_http_endpoint = True

    DBCluster.__init__ = cluster_init

    # (y) Real AWS: ModifyDBCluster applies what DescribeDBClusters then reports:
    # EnableIAMDatabaseAuthentication (IAMDatabaseAuthenticationEnabled),
    # EnablePerformanceInsights (PerformanceInsightsEnabled), CloudwatchLogsExportConfiguration
    # (EnabledCloudwatchLogsExports), CACertificateIdentifier, EnableLocalWriteForwarding.
    # moto stores them under names its answer never reads (or not at all).
    # https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBCluster.html
    original_modify = RDSBackend.modify_db_cluster

    def modify_db_cluster(self, kwargs):  # type: ignore[no-untyped-def]
        cluster = self.clusters.get(kwargs.get("db_cluster_identifier"))
        if cluster is not None:
            _apply(cluster, kwargs)
            logs = kwargs.get("cloudwatch_logs_export_configuration")
            exports = cluster.enabled_cloudwatch_logs_exports
            for log in _get(logs, "DisableLogTypes", "disable_log_types") or []:
                if log in exports:
                    exports.remove(log)
            for log in _get(logs, "EnableLogTypes", "enable_log_types") or []:
                if log not in exports:
                    exports.append(log)
        return original_modify(self, kwargs)

    RDSBackend.modify_db_cluster = modify_db_cluster

    # (y) Real AWS: EnableHttpEndpoint / DisableHttpEndpoint turn the RDS Data API of an
    # Aurora cluster on and off (ResourceArn: the cluster's ARN) and answer ResourceArn and
    # HttpEndpointEnabled; an unknown cluster is DBClusterNotFoundFault. moto implements
    # neither (HTTP 500).
    # https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_EnableHttpEndpoint.html
    def _http_endpoint(response, on):  # type: ignore[no-untyped-def]
        arn = response.params.get("ResourceArn")
        cluster = next((c for c in response.backend.clusters.values() if c.db_cluster_arn == arn), None)
        if cluster is None:
            raise DBClusterNotFoundError(arn)
        cluster._enable_http_endpoint = on
        return ActionResult({"ResourceArn": arn, "HttpEndpointEnabled": on})

    RDSResponse.enable_http_endpoint = lambda self: _http_endpoint(self, True)
    RDSResponse.disable_http_endpoint = lambda self: _http_endpoint(self, False)


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

    # (m) Real AWS answers concurrent CreateSecurityGroup calls each on its own. moto looks
    # the new name up by iterating the VPC's groups while another request may be adding
    # one: "dictionary changed size during iteration", an HTTP 500 that the SDK retries
    # (after a backoff: a benchmark's critical path grows by a second or more, at random).
    # The same look-up over a copy.
    # https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html
    def get_security_group_from_name(self, name, vpc_id=None):  # type: ignore[no-untyped-def]
        vpcs = [vpc_id] if vpc_id else list(self.groups)
        for vpc in vpcs:
            for group in list(self.groups[vpc].values()):
                if group.name == name:
                    return group
        return None

    SecurityGroupBackend.get_security_group_from_name = get_security_group_from_name

    _patch_ec2_rule_matching()




def _patch_ec2_network() -> None:
    from moto.ec2.exceptions import DependencyViolationError, EC2ClientError
    from moto.ec2.models.elastic_ip_addresses import ElasticAddressBackend
    from moto.ec2.models.internet_gateways import InternetGatewayBackend
    from moto.ec2.models.nat_gateways import NatGatewayBackend
    from moto.ec2.models.subnets import SubnetBackend
    from moto.ec2.models.vpcs import VPCBackend

    # (n1) Real AWS: a new NAT gateway is `pending` for a minute or two, then `available`; a
    # deleted one is `deleting`, then `deleted` — only then are its Elastic IP and its network
    # interface in the subnet let go. moto answers `available` at once and `deleted` at once,
    # and never lets the address or the interface go. Here each step lasts one describe: a new
    # gateway is shown `pending` once, a deleted one `deleting` once; at `deleted` its address
    # is disassociated and its interface deleted.
    # https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-basics.html
    # https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteNatGateway.html
    original_create = NatGatewayBackend.create_nat_gateway
    original_describe = NatGatewayBackend.describe_nat_gateways

    def create_nat_gateway(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        gateway = original_create(self, *args, **kwargs)
        gateway.state = "pending"
        gateway._strata_shown = False
        return gateway

    def delete_nat_gateway(self, nat_gateway_id):  # type: ignore[no-untyped-def]
        gateway = self.nat_gateways.get(nat_gateway_id)
        if gateway is None:
            raise EC2ClientError(
                "NatGatewayNotFound", f"NAT gateway {nat_gateway_id} was not found"
            )
        if gateway.state not in ("deleting", "deleted"):
            gateway.state = "deleting"
            gateway._strata_shown = False
        return gateway

    def _settle(self, gateway):  # type: ignore[no-untyped-def]
        if gateway.state not in ("pending", "deleting"):
            return
        if not getattr(gateway, "_strata_shown", True):
            gateway._strata_shown = True
            return
        if gateway.state == "pending":
            gateway.state = "available"
            return
        gateway.state = "deleted"
        for eip in list(self.addresses):
            if eip.eni is not None and eip.eni.id == gateway._eni.id:
                self.disassociate_address(address=eip.public_ip)
        for address in gateway.address_set:
            address.pop("associationId", None)
        if gateway._eni.id in self.enis:
            self.delete_network_interface(gateway._eni.id)

    def describe_nat_gateways(self, filters, nat_gateway_ids):  # type: ignore[no-untyped-def]
        for gateway in list(self.nat_gateways.values()):
            _settle(self, gateway)
        return original_describe(self, filters, nat_gateway_ids)

    NatGatewayBackend.create_nat_gateway = create_nat_gateway
    NatGatewayBackend.delete_nat_gateway = delete_nat_gateway
    NatGatewayBackend.describe_nat_gateways = describe_nat_gateways

    def live_nat_gateways(backend, **where):  # type: ignore[no-untyped-def]
        return [
            g
            for g in backend.nat_gateways.values()
            if g.state != "deleted" and all(getattr(g, k) == v for k, v in where.items())
        ]

    # (n2) Real AWS: ReleaseAddress of an address a NAT gateway holds (until the gateway is
    # `deleted`) fails with InvalidIPAddress.InUse. moto disassociates it silently and
    # releases it, leaving the gateway with an address nobody owns.
    # https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ReleaseAddress.html
    original_release = ElasticAddressBackend.release_address

    def release_address(self, address=None, allocation_id=None):  # type: ignore[no-untyped-def]
        eips = (
            self.address_by_ip([address])
            if address
            else self.address_by_allocation([allocation_id])
        )
        eni = eips[0].eni if eips else None
        if eni is not None and any(g._eni.id == eni.id for g in live_nat_gateways(self)):
            raise EC2ClientError(
                "InvalidIPAddress.InUse", f"Address {eips[0].public_ip} is in use."
            )
        return original_release(self, address=address, allocation_id=allocation_id)

    ElasticAddressBackend.release_address = release_address

    # (n3) Real AWS: DeleteSubnet fails with DependencyViolation while a NAT gateway (not yet
    # `deleted`) has its interface in the subnet. moto deletes the subnet under it.
    # https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteSubnet.html
    original_delete_subnet = SubnetBackend.delete_subnet

    def delete_subnet(self, subnet_id):  # type: ignore[no-untyped-def]
        if live_nat_gateways(self, subnet_id=subnet_id):
            raise DependencyViolationError(
                f"The subnet '{subnet_id}' has dependencies and cannot be deleted."
            )
        return original_delete_subnet(self, subnet_id)

    SubnetBackend.delete_subnet = delete_subnet

    # (n4) Real AWS: DetachInternetGateway fails with DependencyViolation while the VPC has
    # public addresses mapped (a public NAT gateway not yet `deleted`), and DeleteVpc fails
    # with DependencyViolation while an internet gateway is attached. moto detaches and
    # deletes anyway (its DeleteVpc has a TODO for the gateway).
    # https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DetachInternetGateway.html
    # https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteVpc.html
    original_detach = InternetGatewayBackend.detach_internet_gateway
    original_delete_vpc = VPCBackend.delete_vpc

    def detach_internet_gateway(self, internet_gateway_id, vpc_id):  # type: ignore[no-untyped-def]
        mapped = [
            g
            for g in live_nat_gateways(self, vpc_id=vpc_id)
            if g.connectivity_type != "private"
        ]
        if mapped:
            raise DependencyViolationError(
                f"Network {vpc_id} has some mapped public address(es). Please unmap those "
                "public address(es) before detaching the gateway."
            )
        return original_detach(self, internet_gateway_id, vpc_id)

    def delete_vpc(self, vpc_id):  # type: ignore[no-untyped-def]
        attached = self.describe_internet_gateways(filters={"attachment.vpc-id": [vpc_id]})
        if attached:
            raise DependencyViolationError(
                f"The vpc '{vpc_id}' has dependencies and cannot be deleted."
            )
        return original_delete_vpc(self, vpc_id)

    InternetGatewayBackend.detach_internet_gateway = detach_internet_gateway
    VPCBackend.delete_vpc = delete_vpc

    # (n5) Real AWS: DescribeNetworkAcls takes the `network-acl-id` filter (a filter, unlike an
    # id list, does not fail the call on an ACL that is gone). moto answers
    # FilterNotImplementedError (HTTP 500).
    # https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeNetworkAcls.html
    from moto.ec2.models.network_acls import NetworkAcl

    original_acl_filter = NetworkAcl.get_filter_value

    def acl_filter_value(self, filter_name, method_name=None):  # type: ignore[no-untyped-def]
        if filter_name == "network-acl-id":
            return self.id
        return original_acl_filter(self, filter_name, method_name)

    NetworkAcl.get_filter_value = acl_filter_value

    # (n6) Real AWS: CreateNetworkAclEntry / ReplaceNetworkAclEntry take the ICMP type and
    # code of an `icmp`/`icmpv6` entry (the `IcmpTypeCode` member, `Icmp.Code`/`Icmp.Type` on
    # the wire) and DescribeNetworkAcls answers them. moto's handlers read the parameter
    # under a name its request parser does not give it, so the entry keeps none.
    # https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateNetworkAclEntry.html
    from moto.ec2.responses.network_acls import NetworkACLs

    def reading_icmp(original):  # type: ignore[no-untyped-def]
        def handler(self):  # type: ignore[no-untyped-def]
            get = self._get_param

            def get_param(name, *args, **kwargs):  # type: ignore[no-untyped-def]
                if name.startswith("Icmp."):
                    name = "IcmpTypeCode." + name[len("Icmp.") :]
                return get(name, *args, **kwargs)

            self._get_param = get_param
            try:
                return original(self)
            finally:
                del self._get_param

        return handler

    NetworkACLs.create_network_acl_entry = reading_icmp(NetworkACLs.create_network_acl_entry)
    NetworkACLs.replace_network_acl_entry = reading_icmp(
        NetworkACLs.replace_network_acl_entry
    )

    # (n7) Real AWS: ModifySubnetAttribute sets `EnableDns64`,
    # `EnableResourceNameDnsAAAARecordOnLaunch` and `PrivateDnsHostnameTypeOnLaunch`, and
    # DescribeSubnets answers them (`EnableDns64`, `PrivateDnsNameOptionsOnLaunch`). moto
    # ignores the three, and never answers `EnableDns64`.
    # https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifySubnetAttribute.html
    from moto.ec2.models.subnets import Subnet
    from moto.ec2.responses.subnets import Subnets

    Subnet.enable_dns64 = False
    original_modify_subnet = Subnets.modify_subnet_attribute

    def modify_subnet_attribute(self):  # type: ignore[no-untyped-def]
        subnet = self.ec2_backend.get_subnet(self._get_param("SubnetId"))
        flag = lambda name: str(self._get_param(f"{name}.Value")).lower() == "true"  # noqa: E731
        if self._get_param("EnableDns64.Value") is not None:
            subnet.enable_dns64 = flag("EnableDns64")
        options = subnet.private_dns_name_options_on_launch
        if self._get_param("EnableResourceNameDnsAAAARecordOnLaunch.Value") is not None:
            options["EnableResourceNameDnsAAAARecord"] = flag(
                "EnableResourceNameDnsAAAARecordOnLaunch"
            )
        if self._get_param("PrivateDnsHostnameTypeOnLaunch") is not None:
            options["HostnameType"] = self._get_param("PrivateDnsHostnameTypeOnLaunch")
        return original_modify_subnet(self)

    Subnets.modify_subnet_attribute = modify_subnet_attribute

    # (n8) Real AWS: a subnet's `Ipv6CidrBlockAssociationSet[].Ipv6CidrBlockState.State` is
    # `associated` (or `associating`, `disassociated`, …). moto nests its state record inside
    # another and answers the text `{'State': 'associated'}`, so no IPv6 block reads as
    # associated.
    # https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_SubnetIpv6CidrBlockAssociation.html
    def ipv6_cidr_block_association_set(self):  # type: ignore[no-untyped-def]
        return [
            {
                "AssociationId": association["associationId"],
                "Ipv6CidrBlock": association["ipv6CidrBlock"],
                "Ipv6CidrBlockState": {"State": association["ipv6CidrBlockState"]["State"]},
            }
            for association in self.ipv6_cidr_block_associations.values()
            if association["ipv6CidrBlockState"]["State"] == "associated"
        ]

    Subnet.ipv6_cidr_block_association_set = property(ipv6_cidr_block_association_set)

    # (n9) Real AWS: `AvailableIpAddressCount` counts unused private IPv4 addresses, so an
    # IPv6-only subnet (`Ipv6Native`) has 0. moto counts the /64's addresses, 2^64 - 5, which
    # no 32-bit integer holds: an SDK cannot read the answer at all.
    # https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Subnet.html
    original_available = Subnet.available_ip_address_count

    def available_ip_address_count(self):  # type: ignore[no-untyped-def]
        if self.ipv6_native:
            return 0
        return original_available.fget(self)

    Subnet.available_ip_address_count = property(available_ip_address_count)

    # (n10) Real AWS: the values of one filter are ORed — an object matches when any of its
    # values (a route table's association ids, …) matches any value given. moto matches a
    # list-valued attribute only when its values are a subset or a superset of those given,
    # so a batched DescribeRouteTables by the association ids of two tables' subnets finds
    # neither table.
    # https://docs.aws.amazon.com/AWSEC2/latest/APIReference/Query-Requests.html#query-filtering
    import fnmatch
    from datetime import datetime

    from moto.ec2 import utils as ec2_utils

    original_matching = ec2_utils.is_filter_matching

    def is_filter_matching(obj, _filter, filter_value):  # type: ignore[no-untyped-def]
        value = obj.get_filter_value(_filter)
        scalar = isinstance(value, (bool, datetime, int, str, type(None)))
        if scalar or not isinstance(filter_value, list):
            return original_matching(obj, _filter, filter_value)
        try:
            elements = [e for e in value if isinstance(e, str)]
        except TypeError:
            return original_matching(obj, _filter, filter_value)
        return any(fnmatch.fnmatch(e, pattern) for e in elements for pattern in filter_value)

    ec2_utils.is_filter_matching = is_filter_matching

    # (n11) Real AWS: CreateDhcpOptions takes TagSpecifications and the new set carries the
    # tags (in the answer and in DescribeDhcpOptions). moto ignores them.
    # https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateDhcpOptions.html
    from moto.ec2.responses.dhcp_options import DHCPOptions

    original_create_dhcp = DHCPOptions.create_dhcp_options

    def create_dhcp_options(self):  # type: ignore[no-untyped-def]
        tags = self._parse_tag_specification().get("dhcp-options", {})
        answer = original_create_dhcp(self)
        answer.result["DhcpOptions"].add_tags(tags)
        return answer

    DHCPOptions.create_dhcp_options = create_dhcp_options


def _patch_ec2_endpoints_and_peering() -> None:
    import json

    from moto.core.responses import ActionResult
    from moto.ec2.models.vpc_peering_connections import (
        VPCPeeringConnection,
        VPCPeeringConnectionBackend,
    )
    from moto.ec2.models.vpcs import VPCBackend, VPCEndPoint
    from moto.ec2.responses.vpc_peering_connections import VPCPeeringConnections
    from moto.ec2.responses.vpcs import VPCs
    from moto.ec2.utils import generic_filter, random_private_ip

    # (e1) Real AWS: DescribeVpcEndpoints takes the `vpc-endpoint-id` filter (a filter, unlike
    # an id list, does not fail the call on an endpoint that is gone). moto answers
    # FilterNotImplementedError (HTTP 500).
    # https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeVpcEndpoints.html
    VPCEndPoint.vpc_endpoint_id = property(lambda self: self.id)

    # (e2) Real AWS: CreateVpcEndpoint without VpcEndpointType makes a Gateway endpoint, keeps
    # IpAddressType (ipv4 unless given) and, for an Interface endpoint, DnsOptions
    # (DnsRecordIpType ipv4 unless given), and DescribeVpcEndpoints reports them with
    # RequesterManaged. moto drops IpAddressType and DnsOptions, reports neither, and leaves the
    # type unset (DeleteVpcEndpoints of such an endpoint is then an HTTP 500).
    # https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateVpcEndpoint.html
    # https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_VpcEndpoint.html
    original_create_endpoint = VPCs.create_vpc_endpoint

    def create_vpc_endpoint(self):  # type: ignore[no-untyped-def]
        before = set(self.ec2_backend.vpc_end_points)
        result = original_create_endpoint(self)
        for endpoint_id in set(self.ec2_backend.vpc_end_points) - before:
            endpoint = self.ec2_backend.vpc_end_points[endpoint_id]
            endpoint.vpc_endpoint_type = endpoint.vpc_endpoint_type or "Gateway"
            endpoint.ip_address_type = self._get_param("IpAddressType") or "ipv4"
            endpoint.requester_managed = False
            endpoint.dns_options = None
            if endpoint.vpc_endpoint_type.lower() == "interface":
                endpoint.dns_options = {"DnsRecordIpType": "ipv4"}
                endpoint.dns_options.update(self._get_param("DnsOptions") or {})
        return result

    VPCs.create_vpc_endpoint = create_vpc_endpoint

    # (e3) Real AWS: ModifyVpcEndpoint adds the route to the service's prefix list in every
    # route table it adds to a Gateway endpoint and removes it from every table it removes;
    # gives an Interface endpoint a network interface in every subnet it adds and deletes the
    # one in every subnet it removes; ResetPolicy restores the full-access policy; and
    # PrivateDnsEnabled, IpAddressType and DnsOptions change the endpoint. moto changes only the
    # id lists and the policy: the routes and interfaces stay as they were (DeleteVpcEndpoints
    # then fails on a table added by a modify), the other parameters are ignored.
    # https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyVpcEndpoint.html
    original_modify_endpoint = VPCs.modify_vpc_endpoint

    def modify_vpc_endpoint(self):  # type: ignore[no-untyped-def]
        backend = self.ec2_backend
        endpoint = backend.get_vpc_end_point(self._get_param("VpcEndpointId"))
        added_tables = self._get_param("AddRouteTableIds", [])
        removed_tables = self._get_param("RemoveRouteTableIds", [])
        added_subnets = self._get_param("AddSubnetIds", [])
        removed_subnets = self._get_param("RemoveSubnetIds", [])
        endpoint.subnet_ids = endpoint.subnet_ids or []
        prefix_list = endpoint.destination_prefix_list_id
        gateway = (endpoint.vpc_endpoint_type or "Gateway").lower() == "gateway"
        result = original_modify_endpoint(self)
        if gateway and prefix_list:
            for table in removed_tables:
                backend.delete_route(table, None, destination_prefix_list_id=prefix_list)
            for table in added_tables:
                backend.create_route(
                    table, None, gateway_id=endpoint.id, destination_prefix_list_id=prefix_list
                )
        if not gateway:
            for subnet_id in removed_subnets:
                for eni_id in list(endpoint.network_interface_ids):
                    eni = backend.enis.get(eni_id)
                    if eni is not None and eni.subnet.id == subnet_id:
                        backend.delete_network_interface(eni_id)
                        endpoint.network_interface_ids.remove(eni_id)
            for subnet_id in added_subnets:
                subnet = backend.get_subnet(subnet_id)
                eni = backend.create_network_interface(subnet, random_private_ip())
                endpoint.network_interface_ids.append(eni.id)
        if self._get_bool_param("ResetPolicy"):
            endpoint.policy_document = json.dumps(VPCEndPoint.DEFAULT_POLICY)
        private_dns = self._get_bool_param("PrivateDnsEnabled")
        if private_dns is not None:
            endpoint.private_dns_enabled = private_dns
        if self._get_param("IpAddressType"):
            endpoint.ip_address_type = self._get_param("IpAddressType")
        if self._get_param("DnsOptions") and getattr(endpoint, "dns_options", None) is not None:
            endpoint.dns_options.update(self._get_param("DnsOptions"))
        return result

    VPCs.modify_vpc_endpoint = modify_vpc_endpoint

    # (e6) Real AWS: DeleteVpcEndpoints of an endpoint already deleted does nothing more (the
    # endpoint is reported among the Unsuccessful items, InvalidVpcEndpoint.NotFound). moto
    # deletes its routes again and fails with InvalidRoute.NotFound.
    # https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteVpcEndpoints.html
    original_delete_endpoints = VPCBackend.delete_vpc_endpoints

    def delete_vpc_endpoints(self, vpce_ids=None):  # type: ignore[no-untyped-def]
        live = [
            i
            for i in vpce_ids or []
            if getattr(self.vpc_end_points.get(i), "state", "deleted") != "deleted"
        ]
        return original_delete_endpoints(self, vpce_ids=live)

    VPCBackend.delete_vpc_endpoints = delete_vpc_endpoints

    # (e4) Real AWS: DescribeVpcEndpointServices takes the `service-name` and `service-type`
    # filters and reports each service's SupportedIpAddressTypes. moto reads each filter's
    # values from a key the request never has (HTTP 500, KeyError 'Value') and reports no
    # supported address types.
    # https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeVpcEndpointServices.html
    original_describe_services = VPCBackend.describe_vpc_endpoint_services

    def describe_vpc_endpoint_services(self, service_names, filters, *args, **kwargs):  # type: ignore[no-untyped-def]
        filters = [
            {**f, "Value": f.get("Values", f.get("Value", []))} for f in filters or []
        ]
        answer = original_describe_services(self, service_names, filters, *args, **kwargs)
        for service in answer["servicesDetails"]:
            service.setdefault("SupportedIpAddressTypes", ["ipv4"])
        return answer

    VPCBackend.describe_vpc_endpoint_services = describe_vpc_endpoint_services

    # (e5) Real AWS: DescribeVpcPeeringConnections applies its filters
    # (`vpc-peering-connection-id`, `status-code`, `requester-vpc-info.vpc-id`,
    # `accepter-vpc-info.vpc-id`, tags). moto ignores them and answers every connection.
    # https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeVpcPeeringConnections.html
    original_peering_filter = VPCPeeringConnection.get_filter_value

    def peering_filter_value(self, filter_name, method_name=None):  # type: ignore[no-untyped-def]
        values = {
            "vpc-peering-connection-id": self.id,
            "status-code": self._status.code,
            "requester-vpc-info.vpc-id": self.vpc.id,
            "requester-vpc-info.owner-id": self.vpc.owner_id,
            "accepter-vpc-info.vpc-id": self.peer_vpc.id,
            "accepter-vpc-info.owner-id": self.peer_vpc.owner_id,
        }
        if filter_name in values:
            return values[filter_name]
        return original_peering_filter(self, filter_name, method_name)

    VPCPeeringConnection.get_filter_value = peering_filter_value
    original_describe_peerings = VPCPeeringConnectionBackend.describe_vpc_peering_connections

    def describe_vpc_peering_connections(self, vpc_peering_ids=None, filters=None):  # type: ignore[no-untyped-def]
        found = original_describe_peerings(self, vpc_peering_ids=vpc_peering_ids)
        return generic_filter(filters or {}, found)

    VPCPeeringConnectionBackend.describe_vpc_peering_connections = (
        describe_vpc_peering_connections
    )

    def describe_peerings_response(self):  # type: ignore[no-untyped-def]
        found = self.ec2_backend.describe_vpc_peering_connections(
            vpc_peering_ids=self._get_param("VpcPeeringConnectionIds", []),
            filters=self._filters_from_querystring(),
        )
        return ActionResult({"VpcPeeringConnections": found})

    VPCPeeringConnections.describe_vpc_peering_connections = describe_peerings_response
def _patch_ec2_endpoint_addresses() -> None:
    from moto.ec2.responses.vpcs import VPCs

    # (n12) Real AWS: an Interface endpoint's network interface in each subnet takes the
    # address SubnetConfigurations gives for that subnet (CreateVpcEndpoint,
    # ModifyVpcEndpoint), else a free address of the subnet's range. moto ignores
    # SubnetConfigurations and draws a random address of 10.0.0.0/8, whatever the subnet.
    # https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_SubnetConfiguration.html
    def placing_addresses(original):  # type: ignore[no-untyped-def]
        def handler(self):  # type: ignore[no-untyped-def]
            answer = original(self)
            backend = self.ec2_backend
            endpoint_id = self._get_param("VpcEndpointId") or answer.result["VpcEndpoint"].id
            endpoint = backend.vpc_end_points[endpoint_id]
            wanted = {
                c.get("SubnetId"): c.get("Ipv4")
                for c in self._get_param("SubnetConfigurations", []) or []
            }
            for eni_id in endpoint.network_interface_ids or []:
                eni = backend.enis.get(eni_id)
                if eni is None:
                    continue
                subnet = eni.subnet
                address = wanted.get(subnet.id)
                current = eni.private_ip_address
                if address == current or (
                    address is None and ipaddress.ip_address(current) in subnet.cidr
                ):
                    continue
                if address is None:
                    address = subnet.get_available_subnet_ip(eni)
                else:
                    subnet.request_ip(address, eni)
                eni.private_ip_address = address
                eni.private_ip_addresses = [{"Primary": True, "PrivateIpAddress": address}]
            return answer

        return handler

    VPCs.create_vpc_endpoint = placing_addresses(VPCs.create_vpc_endpoint)
    VPCs.modify_vpc_endpoint = placing_addresses(VPCs.modify_vpc_endpoint)


def _patch_ec2_vpn() -> None:
    from moto.core.responses import ActionResult, EmptyResult
    from moto.ec2.exceptions import EC2ClientError
    from moto.ec2.models.route_tables import RouteTable
    from moto.ec2.responses import EC2Response
    from moto.ec2.responses.customer_gateways import CustomerGateways
    from moto.ec2.responses.flow_logs import FlowLogs as FlowLogsResponse

    # (b1) EnableVgwRoutePropagation / DisableVgwRoutePropagation are not implemented by moto
    # (HTTP 500) and DescribeRouteTables never answers PropagatingVgws. Real AWS: the table
    # takes the routes of a virtual private gateway attached to its VPC (Gateway.NotAttached
    # while it is not, which terraform-provider-aws retries), lists it in PropagatingVgws, and
    # stops on Disable; InvalidRouteTableID.NotFound / InvalidVpnGatewayID.NotFound for an
    # unknown table or gateway.
    # https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_EnableVgwRoutePropagation.html
    # https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DisableVgwRoutePropagation.html
    # https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_RouteTable.html
    def propagating(table):  # type: ignore[no-untyped-def]
        if not hasattr(table, "_strata_vgws"):
            table._strata_vgws = []
        return table._strata_vgws

    RouteTable.propagating_vgws = property(  # type: ignore[attr-defined]
        lambda self: [{"GatewayId": g} for g in propagating(self)]
    )

    def table_and_gateway(self):  # type: ignore[no-untyped-def]
        table = self.ec2_backend.get_route_table(self._get_param("RouteTableId"))
        gateway = self.ec2_backend.get_vpn_gateway(self._get_param("GatewayId"))
        return table, gateway

    def enable_vgw_route_propagation(self):  # type: ignore[no-untyped-def]
        table, gateway = table_and_gateway(self)
        attachment = gateway.attachments.get(table.vpc_id)
        if attachment is None or attachment.state != "attached":
            raise EC2ClientError(
                "Gateway.NotAttached",
                f"resource {gateway.id} is not attached to network {table.vpc_id}",
            )
        if gateway.id not in propagating(table):
            propagating(table).append(gateway.id)
        return EmptyResult()

    def disable_vgw_route_propagation(self):  # type: ignore[no-untyped-def]
        table, gateway = table_and_gateway(self)
        if gateway.id in propagating(table):
            propagating(table).remove(gateway.id)
        return EmptyResult()

    EC2Response.enable_vgw_route_propagation = enable_vgw_route_propagation
    EC2Response.disable_vgw_route_propagation = disable_vgw_route_propagation

    # (b2) Real AWS: CreateCustomerGateway keeps DeviceName, CertificateArn and
    # BgpAsnExtended (an ASN over 2,147,483,647) and DescribeCustomerGateways answers them.
    # moto drops all three, so a configured device name would read back as none: a
    # replacement planned forever.
    # https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateCustomerGateway.html
    # https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CustomerGateway.html
    def create_customer_gateway(self):  # type: ignore[no-untyped-def]
        gateway = self.ec2_backend.create_customer_gateway(
            self._get_param("Type"),
            ip_address=self._get_param("IpAddress") or self._get_param("PublicIp"),
            bgp_asn=self._get_param("BgpAsn"),
            tags=self._parse_tag_specification().get("customer-gateway", {}),
        )
        gateway.device_name = self._get_param("DeviceName")
        gateway.certificate_arn = self._get_param("CertificateArn")
        gateway.bgp_asn_extended = self._get_param("BgpAsnExtended")
        return ActionResult({"CustomerGateway": gateway})

    CustomerGateways.create_customer_gateway = create_customer_gateway


    # (b6) Real AWS: CreateFlowLogs keeps DestinationOptions (an S3 destination's file format
    # and partitioning; AWS's defaults plain-text, false, false) and DeliverCrossAccountRole,
    # and DescribeFlowLogs answers them. moto drops both, so configured S3 options would read
    # back as none: a replacement planned forever.
    # https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateFlowLogs.html
    # https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_FlowLog.html
    original_create_flow_logs = FlowLogsResponse.create_flow_logs

    def create_flow_logs(self):  # type: ignore[no-untyped-def]
        answer = original_create_flow_logs(self)
        options = self._get_param("DestinationOptions")
        role = self._get_param("DeliverCrossAccountRole")
        for flow_log_id in answer.result["FlowLogIds"]:
            flow_log = self.ec2_backend.flow_logs[flow_log_id]
            flow_log.deliver_cross_account_role = role
            if options or flow_log.log_destination_type == "s3":
                options = options or {}
                flow_log.destination_options = {
                    "FileFormat": options.get("FileFormat", "plain-text"),
                    "HiveCompatiblePartitions": str(
                        options.get("HiveCompatiblePartitions", "false")
                    ).lower()
                    == "true",
                    "PerHourPartition": str(options.get("PerHourPartition", "false")).lower()
                    == "true",
                }
        return answer

    FlowLogsResponse.create_flow_logs = create_flow_logs


def _patch_ec2_block_public_access() -> None:
    import datetime

    from moto.core.responses import ActionResult
    from moto.ec2.exceptions import EC2ClientError
    from moto.ec2.responses import EC2Response
    from moto.ec2.utils import random_id

    # (b3) VPC Block Public Access options (DescribeVpcBlockPublicAccessOptions,
    # ModifyVpcBlockPublicAccessOptions) are not implemented by moto (HTTP 500). Real AWS: one
    # per account and Region, `off` until set; a Modify answers `update-in-progress`, and a
    # later describe `update-complete` (here: the first describe after a Modify still shows
    # `update-in-progress`, the next `update-complete`).
    # https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyVpcBlockPublicAccessOptions.html
    # https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_VpcBlockPublicAccessOptions.html
    def now():  # type: ignore[no-untyped-def]
        return datetime.datetime.now(datetime.timezone.utc)

    def options(backend):  # type: ignore[no-untyped-def]
        if not hasattr(backend, "_strata_bpa"):
            backend._strata_bpa = {
                "AwsAccountId": backend.account_id,
                "AwsRegion": backend.region_name,
                "State": "default-state",
                "InternetGatewayBlockMode": "off",
                "ExclusionsAllowed": "allowed",
                "ManagedBy": "account",
                "_shown": True,
            }
        return backend._strata_bpa

    def answer(item):  # type: ignore[no-untyped-def]
        return {k: v for k, v in item.items() if not k.startswith("_")}

    def settle(item, pending, done):  # type: ignore[no-untyped-def]
        # A state `pending` is shown by one describe, then becomes `done`.
        if item["State"] == pending:
            if item["_shown"]:
                item["State"] = done
            else:
                item["_shown"] = True

    def describe_options(self):  # type: ignore[no-untyped-def]
        o = options(self.ec2_backend)
        settle(o, "update-in-progress", "update-complete")
        return ActionResult({"VpcBlockPublicAccessOptions": answer(o)})

    def modify_options(self):  # type: ignore[no-untyped-def]
        mode = self._get_param("InternetGatewayBlockMode")
        if mode not in ("off", "block-bidirectional", "block-ingress"):
            raise EC2ClientError(
                "InvalidParameterValue", f"Invalid InternetGatewayBlockMode: {mode}"
            )
        o = options(self.ec2_backend)
        o.update(
            State="update-in-progress",
            InternetGatewayBlockMode=mode,
            LastUpdateTimestamp=now(),
            _shown=False,
        )
        return ActionResult({"VpcBlockPublicAccessOptions": answer(o)})

    EC2Response.describe_vpc_block_public_access_options = describe_options
    EC2Response.modify_vpc_block_public_access_options = modify_options

    # (b4) VPC Block Public Access exclusions (Create/Describe/Modify/Delete
    # VpcBlockPublicAccessExclusion[s]) are not implemented by moto (HTTP 500). Real AWS: an
    # exclusion of one VPC or subnet (ResourceArn), `create-in-progress` → `create-complete`,
    # `update-in-progress` → `update-complete` after a Modify, `delete-in-progress` →
    # `delete-complete` after a Delete (still listed then); an unknown id in ExclusionIds fails
    # the call with InvalidVpcBlockPublicAccessExclusionId.NotFound; a VPC or subnet that does
    # not exist is InvalidVpcID.NotFound / InvalidSubnetID.NotFound. Each in-progress state
    # lasts one describe here.
    # https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateVpcBlockPublicAccessExclusion.html
    # https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeVpcBlockPublicAccessExclusions.html
    # https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyVpcBlockPublicAccessExclusion.html
    # https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteVpcBlockPublicAccessExclusion.html
    def exclusions(backend):  # type: ignore[no-untyped-def]
        if not hasattr(backend, "_strata_bpa_exclusions"):
            backend._strata_bpa_exclusions = {}
        return backend._strata_bpa_exclusions

    def exclusion(backend, exclusion_id):  # type: ignore[no-untyped-def]
        found = exclusions(backend).get(exclusion_id)
        if found is None:
            raise EC2ClientError(
                "InvalidVpcBlockPublicAccessExclusionId.NotFound",
                f"The exclusion ID '{exclusion_id}' does not exist",
            )
        return found

    def exclusion_mode(self):  # type: ignore[no-untyped-def]
        mode = self._get_param("InternetGatewayExclusionMode")
        if mode not in ("allow-bidirectional", "allow-egress"):
            raise EC2ClientError(
                "InvalidParameterValue", f"Invalid InternetGatewayExclusionMode: {mode}"
            )
        return mode

    def create_exclusion(self):  # type: ignore[no-untyped-def]
        backend = self.ec2_backend
        vpc_id, subnet_id = self._get_param("VpcId"), self._get_param("SubnetId")
        if bool(vpc_id) == bool(subnet_id):
            raise EC2ClientError(
                "InvalidParameterCombination", "Specify either a VpcId or a SubnetId"
            )
        if vpc_id:
            backend.get_vpc(vpc_id)
            kind, resource = "vpc", vpc_id
        else:
            backend.get_subnet(subnet_id)
            kind, resource = "subnet", subnet_id
        tags = self._parse_tag_specification().get("vpc-block-public-access-exclusion", {})
        item = {
            "ExclusionId": random_id(prefix="exclusion", size=17),
            "InternetGatewayExclusionMode": exclusion_mode(self),
            "ResourceArn": f"arn:aws:ec2:{backend.region_name}:{backend.account_id}:{kind}/{resource}",
            "State": "create-in-progress",
            "CreationTimestamp": now(),
            "LastUpdateTimestamp": now(),
            "Tags": [{"Key": k, "Value": v} for k, v in tags.items()],
            "_shown": False,
        }
        exclusions(backend)[item["ExclusionId"]] = item
        return ActionResult({"VpcBlockPublicAccessExclusion": answer(item)})

    def describe_exclusions(self):  # type: ignore[no-untyped-def]
        backend = self.ec2_backend
        ids = self._get_param("ExclusionIds", [])
        items = [exclusion(backend, i) for i in ids] if ids else list(exclusions(backend).values())
        for item in items:
            settle(item, "create-in-progress", "create-complete")
            settle(item, "update-in-progress", "update-complete")
            settle(item, "delete-in-progress", "delete-complete")
        return ActionResult({"VpcBlockPublicAccessExclusions": [answer(i) for i in items]})

    def modify_exclusion(self):  # type: ignore[no-untyped-def]
        item = exclusion(self.ec2_backend, self._get_param("ExclusionId"))
        item.update(
            InternetGatewayExclusionMode=exclusion_mode(self),
            State="update-in-progress",
            LastUpdateTimestamp=now(),
            _shown=False,
        )
        return ActionResult({"VpcBlockPublicAccessExclusion": answer(item)})

    def delete_exclusion(self):  # type: ignore[no-untyped-def]
        item = exclusion(self.ec2_backend, self._get_param("ExclusionId"))
        if item["State"] in ("delete-in-progress", "delete-complete"):
            raise EC2ClientError(
                "InvalidParameterValue",
                f"Exclusion {item['ExclusionId']} is in {item['State']} state and cannot be deleted",
            )
        item.update(State="delete-in-progress", DeletionTimestamp=now(), _shown=False)
        return ActionResult({"VpcBlockPublicAccessExclusion": answer(item)})

    EC2Response.create_vpc_block_public_access_exclusion = create_exclusion
    EC2Response.describe_vpc_block_public_access_exclusions = describe_exclusions
    EC2Response.modify_vpc_block_public_access_exclusion = modify_exclusion
    EC2Response.delete_vpc_block_public_access_exclusion = delete_exclusion


def _patch_redshift() -> None:
    from moto.core.responses import ActionResult
    from moto.redshift.exceptions import ClusterSubnetGroupNotFoundError
    from moto.redshift.models import RedshiftBackend
    from moto.redshift.responses import RedshiftResponse

    # (b5) ModifyClusterSubnetGroup is not implemented by moto (HTTP 500). Real AWS changes
    # the description and/or subnets of the group in place (same name, ARN and tags) and
    # answers with the group; ClusterSubnetGroupNotFoundFault when it does not exist.
    # https://docs.aws.amazon.com/redshift/latest/APIReference/API_ModifyClusterSubnetGroup.html
    def backend_modify(self, name, description, subnet_ids):  # type: ignore[no-untyped-def]
        group = self.subnet_groups.get(name)
        if group is None:
            raise ClusterSubnetGroupNotFoundError(name)
        if description is not None:
            group.description = description
        if subnet_ids:
            group.subnet_ids = subnet_ids
        return group

    def response_modify(self):  # type: ignore[no-untyped-def]
        group = self.redshift_backend.modify_cluster_subnet_group(
            self._get_param("ClusterSubnetGroupName"),
            self._get_param("Description"),
            self._get_param("SubnetIds", []),
        )
        return ActionResult({"ClusterSubnetGroup": group})

    RedshiftBackend.modify_cluster_subnet_group = backend_modify
    RedshiftResponse.modify_cluster_subnet_group = response_modify


def _patch_ec2_describe_regions() -> None:
    from moto.core.responses import ActionResult
    from moto.ec2.exceptions import InvalidFilter
    from moto.ec2.responses.availability_zones_and_regions import AvailabilityZonesAndRegions

    # (q) Real AWS: DescribeRegions lists the Regions enabled for the account (opt-in not
    # required, or opted in) unless AllRegions is true, and applies its Filters (endpoint,
    # opt-in-status, region-name; any other is InvalidFilter). moto lists every Region of
    # every partition and ignores both.
    # https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeRegions.html
    by_filter = {
        "endpoint": lambda r: r.endpoint,
        "opt-in-status": lambda r: r.opt_in_status,
        "region-name": lambda r: r.name,
    }

    def describe_regions(self):  # type: ignore[no-untyped-def]
        self.error_on_dryrun()
        regions = self.ec2_backend.describe_regions(self._get_param("RegionNames", []))
        if str(self._get_param("AllRegions", "false")).lower() != "true":
            regions = [r for r in regions if r.opt_in_status != "not-opted-in"]
        for name, values in self._filters_from_querystring().items():
            if name not in by_filter:
                raise InvalidFilter(name)
            regions = [r for r in regions if by_filter[name](r) in values]
        return ActionResult({"Regions": regions})

    AvailabilityZonesAndRegions.describe_regions = describe_regions


def _patch_sts_role_id() -> None:
    from moto.sts.models import AssumedRole

    # (r) Real AWS: an assumed-role session's UserId is the role's unique id (AROA...), the
    # same on every GetCallerIdentity, then ":" and the session name. moto draws a new
    # random id on every call when the role is not in its IAM backend (the test accounts
    # assume a role no one created), so aws_caller_identity would drift between plans.
    # https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html
    original = AssumedRole.user_id.fget
    role_ids: dict = {}

    def user_id(self):  # type: ignore[no-untyped-def]
        role_id, _, session = original(self).partition(":")
        role_id = role_ids.setdefault((self.account_id, self.role_arn), role_id)
        return f"{role_id}:{session}"

    AssumedRole.user_id = property(user_id)

def _patch_ec2_rule_matching() -> None:
    from moto.core.responses import ActionResult
    from moto.ec2.exceptions import InvalidPermissionNotFoundError
    from moto.ec2.models.security_groups import SecurityGroupRule
    from moto.ec2.responses.security_groups import SecurityGroups

    # (n) Real AWS: a rule is its group, direction, protocol, ports and one source; the
    # description is not part of it. "If the security group rule has a description, you do
    # not need to specify the description to revoke the rule", and authorising the same
    # rule with another description is InvalidPermission.Duplicate. moto compares a group
    # source's whole pair, description included: a revoke without (or with another)
    # description is InvalidPermission.NotFound and the rule stays; a second authorisation
    # with another description adds a second rule. The same comparison with the pair
    # reduced to its group id.
    # https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_RevokeSecurityGroupIngress.html
    def rule_eq(self, other):  # type: ignore[no-untyped-def]
        if not isinstance(other, SecurityGroupRule):
            return NotImplemented
        if self.ip_protocol != other.ip_protocol:
            return False
        for key in ("CidrIp", "CidrIpv6"):
            if key in self.ip_range and self.ip_range.get(key) != other.ip_range.get(key):
                return False
        if (self.source_group or {}).get("GroupId") != (other.source_group or {}).get("GroupId"):
            return False
        if self.prefix_list_id != other.prefix_list_id:
            return False
        if self.ip_protocol != "-1" and (
            self.from_port != other.from_port or self.to_port != other.to_port
        ):
            return False
        return True

    SecurityGroupRule.__eq__ = rule_eq

    # (o) Real AWS, RevokeSecurityGroupIngress/Egress by rule properties: "For a default VPC,
    # if the values you specify do not match the existing rule's values, no error is
    # returned, and the output describes the security group rules that were not revoked"
    # (UnknownIpPermissions); in any other VPC, InvalidPermission.NotFound and nothing is
    # revoked. moto answers InvalidPermission.NotFound everywhere. In a default VPC each
    # source is revoked on its own and the ones not found are answered back.
    # https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_RevokeSecurityGroupIngress.html
    def in_default_vpc(backend, group_name_or_id):  # type: ignore[no-untyped-def]
        group = backend.get_security_group_by_name_or_id(group_name_or_id)
        vpc = backend.vpcs.get(group.vpc_id) if group is not None and group.vpc_id else None
        return bool(vpc is not None and vpc.is_default)

    def one_source_each(args):  # type: ignore[no-untyped-def]
        base = dict(args, ip_ranges=[], source_groups=[], prefix_list_ids=[])
        for key in ("ip_ranges", "source_groups", "prefix_list_ids"):
            for item in args.get(key) or []:
                yield dict(base, **{key: [item]})

    def as_permission(args):  # type: ignore[no-untyped-def]
        perm = {"IpProtocol": args["ip_protocol"]}
        if args.get("from_port") is not None:
            perm["FromPort"] = int(args["from_port"])
        if args.get("to_port") is not None:
            perm["ToPort"] = int(args["to_port"])
        ranges = args.get("ip_ranges") or []
        perm["IpRanges"] = [r for r in ranges if "CidrIp" in r]
        perm["Ipv6Ranges"] = [r for r in ranges if "CidrIpv6" in r]
        perm["UserIdGroupPairs"] = args.get("source_groups") or []
        perm["PrefixListIds"] = args.get("prefix_list_ids") or []
        return perm

    def revoke(self, revoke_one):  # type: ignore[no-untyped-def]
        self.error_on_dryrun()
        unknown = []
        for args in self._process_rules_from_querystring():
            del args["sgrule_tags"]
            if args["security_rule_ids"] or not in_default_vpc(self.ec2_backend, args["group_name_or_id"]):
                revoke_one(**args)
                continue
            for single in one_source_each(args):
                try:
                    revoke_one(**single)
                except InvalidPermissionNotFoundError:
                    unknown.append(as_permission(single))
        result = {"Return": True}
        if unknown:
            result["UnknownIpPermissions"] = unknown
        return ActionResult(result)

    def revoke_security_group_ingress(self):  # type: ignore[no-untyped-def]
        return revoke(self, self.ec2_backend.revoke_security_group_ingress)

    def revoke_security_group_egress(self):  # type: ignore[no-untyped-def]
        return revoke(self, self.ec2_backend.revoke_security_group_egress)

    SecurityGroups.revoke_security_group_ingress = revoke_security_group_ingress
    SecurityGroups.revoke_security_group_egress = revoke_security_group_egress


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
# Resource Groups Tagging API
# --------------------------------------------------------------------------------------


def _patch_tagging_api() -> None:
    from moto.core.resource_tagging import TaggedResource, iter_taggable_backends
    from moto.elasticache.models import ElastiCacheBackend
    from moto.rds.models import RDSBackend
    from moto.resourcegroupstaggingapi.exceptions import ResourceGroupsTaggingAPIError
    from moto.resourcegroupstaggingapi.responses import ResourceGroupsTaggingAPIResponse
    from moto.core.responses import ActionResult

    # (l) Real AWS: GetResources covers every taggable RDS and ElastiCache resource, under the
    # resource type its ARN names (`rds:subgrp`, `rds:pg`, `rds:cluster-pg`, `rds:og`,
    # `elasticache:cluster`, `elasticache:replicationgroup`, `elasticache:parametergroup`,
    # `elasticache:subnetgroup`, ...), with the tags ListTagsForResource shows. moto's RDS
    # backend only reports db, cluster, snapshot, cluster-snapshot and db-proxy; its
    # ElastiCache backend reports made-up types (`elasticache:cache_clusters`, ...) and no
    # parameter groups (those are patch (j)'s, tags in the backend's tagging service).
    # Real AWS also answers a ResourceARNList request whole: the list holds at most 100 ARNs
    # and may not be combined with ResourcesPerPage, TagsPerPage, PaginationToken,
    # TagFilters or ResourceTypeFilters (InvalidParameterException), so there is no next page
    # to ask for; moto splits it into pages of 50 resources (or 100 tags) all the same.
    # https://docs.aws.amazon.com/resourcegroupstagging/latest/APIReference/API_GetResources.html
    # https://docs.aws.amazon.com/resourcegroupstagging/latest/APIReference/supported-services.html
    # https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonrds.html#amazonrds-resources-for-iam-policies
    # https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticache.html#amazonelasticache-resources-for-iam-policies
    original_rds = RDSBackend.iter_tagged_resources

    def rds_tagged(self):  # type: ignore[no-untyped-def]
        yield from original_rds(self)
        for resource_type, items in (
            ("rds:subgrp", self.subnet_groups),
            ("rds:pg", self.db_parameter_groups),
            ("rds:cluster-pg", self.db_cluster_parameter_groups),
            ("rds:og", self.option_groups),
        ):
            for item in list(items.values()):
                yield TaggedResource(
                    arn=item.arn,
                    tags={tag["Key"]: tag["Value"] for tag in item.get_tags()},
                    resource_type=resource_type,
                )

    RDSBackend.iter_tagged_resources = rds_tagged

    def elasticache_tagged(self):  # type: ignore[no-untyped-def]
        for resource_type, items in (
            ("elasticache:cluster", self.cache_clusters),
            ("elasticache:subnetgroup", self.cache_subnet_groups),
            ("elasticache:replicationgroup", self.replication_groups),
            ("elasticache:parametergroup", getattr(self, "cache_parameter_groups", {})),
            ("elasticache:snapshot", self.snapshots),
            ("elasticache:user", self.users),
        ):
            for item in list(items.values()):
                if resource_type == "elasticache:user" and item.id == "default":
                    continue
                yield TaggedResource(
                    arn=item.arn,
                    tags=self.tagging_service.get_tag_dict_for_resource(item.arn),
                    resource_type=resource_type,
                    # As moto had it: untagged ElastiCache resources are listed (empty tags).
                    extra={"include_untagged": True},
                )

    ElastiCacheBackend.iter_tagged_resources = elasticache_tagged

    original_get_resources = ResourceGroupsTaggingAPIResponse.get_resources

    def get_resources(self):  # type: ignore[no-untyped-def]
        arns = self._get_param("ResourceARNList", [])
        if not arns:
            return original_get_resources(self)
        if len(arns) > 100:
            raise ResourceGroupsTaggingAPIError(
                "InvalidParameterException", "ResourceARNList must hold 1 to 100 ARNs"
            )
        for other in ("ResourcesPerPage", "TagsPerPage", "PaginationToken", "TagFilters", "ResourceTypeFilters"):
            if self._get_param(other):
                raise ResourceGroupsTaggingAPIError(
                    "InvalidParameterException", f"ResourceARNList cannot be combined with {other}"
                )
        # Only the backends owning the ARNs, and a set: moto's generator walks every resource
        # of every service (400 security groups, say) once per call, which made each call of
        # a large benchmark cost ~50 ms of the emulator's single core.
        wanted = set(arns)
        found = [
            r
            for b in iter_taggable_backends(self.backend.account_id, self.backend.region_name)
            if any(b.owns_arn(a) for a in wanted)
            for r in b.iter_tagged_resources()
            if r.arn in wanted and (r.tags or r.extra.get("include_untagged"))
        ]
        return ActionResult(
            {
                "ResourceTagMappingList": [
                    {"ResourceARN": r.arn, "Tags": [{"Key": k, "Value": v} for k, v in r.tags.items()]}
                    for r in found
                ],
                "PaginationToken": None,
            }
        )

    ResourceGroupsTaggingAPIResponse.get_resources = get_resources


# --------------------------------------------------------------------------------------
# CloudWatch Logs
# --------------------------------------------------------------------------------------


def _patch_logs() -> None:
    import json

    from moto.logs.exceptions import ResourceNotFoundException
    from moto.logs.models import LogGroup
    from moto.logs.responses import LogsResponse

    # (u) Real AWS: CreateLogGroup takes a logGroupClass (STANDARD, INFREQUENT_ACCESS or
    # DELIVERY; STANDARD when not given) and DescribeLogGroups answers it for every group.
    # moto ignores the argument and never answers the class, so a configured class would
    # read back as none: a replacement planned forever.
    # https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html
    # https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_LogGroup.html
    original_create = LogsResponse.create_log_group

    def create_log_group(self):  # type: ignore[no-untyped-def]
        answer = original_create(self)
        group = self.logs_backend.groups[self._get_param("logGroupName")]
        group.log_group_class = self._get_param("logGroupClass") or "STANDARD"
        return answer

    LogsResponse.create_log_group = create_log_group

    original_describe = LogGroup.to_describe_dict

    def to_describe_dict(self):  # type: ignore[no-untyped-def]
        answer = original_describe(self)
        answer["logGroupClass"] = getattr(self, "log_group_class", "STANDARD")
        return answer

    LogGroup.to_describe_dict = to_describe_dict

    # (u) AssociateKmsKey and DisassociateKmsKey are not implemented by moto (HTTP 500). Real
    # AWS sets (or removes) the group's kmsKeyId, which DescribeLogGroups then answers;
    # ResourceNotFoundException for a group that does not exist.
    # https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_AssociateKmsKey.html
    # https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_DisassociateKmsKey.html
    def set_kms_key(self, key):  # type: ignore[no-untyped-def]
        group = self.logs_backend.groups.get(self._get_param("logGroupName"))
        if group is None:
            raise ResourceNotFoundException()
        group.kms_key_id = key
        return json.dumps({})

    LogsResponse.associate_kms_key = lambda self: set_kms_key(self, self._get_param("kmsKeyId"))
    LogsResponse.disassociate_kms_key = lambda self: set_kms_key(self, None)


# --------------------------------------------------------------------------------------
# IAM
# --------------------------------------------------------------------------------------


def _patch_iam() -> None:
    import json

    from moto.iam.aws_managed_policies import aws_managed_policies_data
    from moto.iam.models import AWSManagedPolicy, IAMBackend

    # (v) Real AWS: every account can read and attach the AWS managed policies
    # (arn:aws:iam::aws:policy/..., such as service-role/AmazonRDSEnhancedMonitoringRole,
    # which every RDS enhanced-monitoring configuration attaches). moto has them only with
    # MOTO_IAM_LOAD_MANAGED_POLICIES=true, else GetPolicy and AttachRolePolicy answer
    # NoSuchEntity. Loaded for every account here, the data parsed once for all.
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-vs-inline.html#aws-managed-policies
    parsed: dict = {}

    def init_aws_policies(self):  # type: ignore[no-untyped-def]
        if not parsed:
            parsed.update(json.loads(aws_managed_policies_data))
        return [
            AWSManagedPolicy.from_data(name, self.account_id, self.region_name, data)
            for name, data in parsed.items()
        ]

    IAMBackend._init_aws_policies = init_aws_policies


# --------------------------------------------------------------------------------------
# Opt-in: provisioning time
# --------------------------------------------------------------------------------------


def _patch_rds_provisioning_time(seconds: float, first_ends: str) -> None:
    """Real AWS: a new DB instance is `creating` for minutes (then `backing-up`, then
    `available`); moto makes it `available` at once, so no wait of strata's ever waits. With
    ``--db-create-seconds N`` a new instance reports `creating` for its first N seconds —
    for the tests of what an interrupt does to a long wait. Off by default: every other test
    would only get slower. With ``--db-first-create-ends failed`` the first instance of each
    identifier ends `failed` instead of `available` (AWS: "the instance has failed and
    Amazon RDS can't recover it"), its replacement `available` — for the test of a create
    that never becomes usable.
    https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/accessing-monitoring.html#Overview.DBInstance.Status
    """
    import itertools
    import time

    from moto.rds.models import DBInstance

    births = itertools.count()
    # identifier -> the birth number of its first instance
    first_of: dict = {}

    def get_status(self):  # type: ignore[no-untyped-def]
        status = self.__dict__.get("_strata_status", "available")
        born = self.__dict__.get("_strata_born")
        if status != "available" or born is None:
            return status
        if time.monotonic() < born + seconds:
            return "creating"
        birth = self.__dict__["_strata_birth"]
        if first_ends != "available" and first_of.setdefault(self.db_instance_identifier, birth) == birth:
            return first_ends
        return status

    def set_status(self, value):  # type: ignore[no-untyped-def]
        # moto's constructor sets the first status: that is the moment of creation.
        if "_strata_born" not in self.__dict__:
            self.__dict__["_strata_born"] = time.monotonic()
            self.__dict__["_strata_birth"] = next(births)
        self.__dict__["_strata_status"] = value

    DBInstance.status = property(get_status, set_status)  # type: ignore[assignment]


# --------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument(
        "--db-create-seconds",
        type=float,
        default=0,
        help="new DB instances report `creating` this long (real AWS: minutes; moto: never)",
    )
    parser.add_argument(
        "--db-first-create-ends",
        default="available",
        help="the status the first DB instance of each identifier ends in after "
        "--db-create-seconds (default available; `failed` for a create that never becomes usable)",
    )
    args = parser.parse_args()

    # Request lines would flood the log; errors (tracebacks) are still logged.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    apply_patches()
    if args.db_create_seconds > 0:
        _patch_rds_provisioning_time(args.db_create_seconds, args.db_first_create_ends)

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
