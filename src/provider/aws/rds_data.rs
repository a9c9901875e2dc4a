//! Data sources of the data tier: `aws_security_group`, `aws_db_instance`, `aws_rds_cluster`
//! and `aws_db_snapshot`. Each reads exactly one object and fails when nothing (or, where
//! Terraform says so, more than one thing) matches.

use super::security_group::{has_code, partition, tags_map};
use super::Ctx;
use crate::provider::{obj, DataSourceType, ProviderError, ProviderResult};
use crate::schema::{Attribute, BlockType, Schema};
use crate::value::{Map, Value};
use async_trait::async_trait;
use aws_sdk_ec2::types::Filter as Ec2Filter;
use aws_sdk_rds::types::{DbSnapshot as SdkSnapshot, Filter};
use std::sync::LazyLock;

pub struct SecurityGroupData;
pub struct DbInstanceData;
pub struct RdsClusterData;
pub struct DbSnapshotData;

fn filter_block() -> BlockType {
    BlockType::set(
        "filter",
        Schema::new()
            .attr(Attribute::string("name").required())
            .attr(Attribute::string_set("values").required()),
    )
    .describe("EC2 filters; the group must match every one.")
}

fn outputs(mut s: Schema, names: &[&'static str]) -> Schema {
    for n in names {
        s = s.attr(Attribute::string(n).output());
    }
    s
}

fn put(m: &mut Map, k: &str, v: Value) {
    m.insert(k.to_string(), v);
}

// ---------------------------------------------------------------------------------------------
// aws_security_group
// ---------------------------------------------------------------------------------------------

static SG_SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    Schema::new()
        .describe("Looks up exactly one security group.")
        .attr(Attribute::string("id").computed())
        .attr(Attribute::string("name").computed())
        .attr(Attribute::string("vpc_id").computed())
        .attr(Attribute::string_map("tags").computed())
        .attr(Attribute::string("arn").output())
        .attr(Attribute::string("description").output())
        .attr(Attribute::string("owner_id").output())
        .block(filter_block())
});

#[async_trait]
impl DataSourceType for SecurityGroupData {
    fn type_name(&self) -> &'static str {
        "aws_security_group"
    }

    fn schema(&self) -> &Schema {
        &SG_SCHEMA
    }

    async fn read(&self, ctx: &Ctx, config: &Value) -> ProviderResult<Value> {
        let mut filters: Vec<Ec2Filter> = config
            .get("filter")
            .and_then(Value::as_list)
            .into_iter()
            .flatten()
            .filter_map(|f| {
                Some(
                    Ec2Filter::builder()
                        .name(obj::str(f, "name")?)
                        .set_values(Some(obj::strings(f, "values")))
                        .build(),
                )
            })
            .collect();
        for (name, key) in [("group-name", "name"), ("vpc-id", "vpc_id")] {
            if let Some(v) = obj::string(config, key) {
                filters.push(Ec2Filter::builder().name(name).values(v).build());
            }
        }
        for (k, v) in obj::string_map(config, "tags") {
            filters.push(
                Ec2Filter::builder()
                    .name(format!("tag:{k}"))
                    .values(v)
                    .build(),
            );
        }
        let resp = ctx
            .ec2()
            .describe_security_groups()
            .set_group_ids(obj::string(config, "id").map(|id| vec![id]))
            .set_filters((!filters.is_empty()).then_some(filters))
            .send()
            .await;
        let groups = match resp {
            Ok(r) => r.security_groups.unwrap_or_default(),
            Err(e) if has_code(&e, super::security_group::NOT_FOUND_CODES) => Vec::new(),
            Err(e) => return Err(ProviderError::sdk("describing security groups", e)),
        };
        let g = match groups.as_slice() {
            [one] => one,
            [] => {
                return Err(ProviderError::new(
                    "no security group matches the aws_security_group arguments",
                ))
            }
            many => {
                return Err(ProviderError::new(format!(
                    "{} security groups match the aws_security_group arguments; exactly one \
                     must match: add filters (ids: {})",
                    many.len(),
                    many.iter()
                        .filter_map(|g| g.group_id())
                        .collect::<Vec<_>>()
                        .join(", ")
                )))
            }
        };
        let id = g.group_id().unwrap_or_default();
        let owner = g.owner_id().unwrap_or_default();
        let mut m = Map::new();
        put(&mut m, "id", Value::from(id));
        put(&mut m, "name", obj::opt_str(g.group_name()));
        put(&mut m, "vpc_id", obj::opt_str(g.vpc_id()));
        put(&mut m, "tags", obj::map(tags_map(g.tags())));
        put(
            &mut m,
            "arn",
            Value::from(format!(
                "arn:{}:ec2:{}:{owner}:security-group/{id}",
                partition(ctx.region()),
                ctx.region()
            )),
        );
        put(&mut m, "description", obj::opt_str(g.description()));
        put(&mut m, "owner_id", Value::from(owner));
        put(
            &mut m,
            "filter",
            config.get("filter").cloned().unwrap_or(Value::List(vec![])),
        );
        Ok(Value::Map(m))
    }
}

// ---------------------------------------------------------------------------------------------
// aws_db_instance
// ---------------------------------------------------------------------------------------------

static DB_SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    let s = Schema::new()
        .describe("Looks up one RDS DB instance by identifier.")
        .attr(Attribute::string("db_instance_identifier").required())
        .attr(Attribute::string_map("tags").computed())
        .attr(Attribute::string("id").output())
        .attr(Attribute::number("port").output())
        .attr(Attribute::number("allocated_storage").output())
        .attr(Attribute::bool("storage_encrypted").output())
        .attr(Attribute::bool("multi_az").output())
        .attr(Attribute::bool("publicly_accessible").output())
        .attr(Attribute::string_list("vpc_security_groups").output());
    outputs(
        s,
        &[
            "address",
            "endpoint",
            "hosted_zone_id",
            "engine",
            "engine_version",
            "db_instance_arn",
            "arn",
            "resource_id",
            "db_instance_class",
            "db_name",
            "master_username",
            "db_subnet_group",
            "availability_zone",
            "kms_key_id",
            "storage_type",
            "db_instance_status",
            "replicate_source_db",
        ],
    )
});

#[async_trait]
impl DataSourceType for DbInstanceData {
    fn type_name(&self) -> &'static str {
        "aws_db_instance"
    }

    fn schema(&self) -> &Schema {
        &DB_SCHEMA
    }

    async fn read(&self, ctx: &Ctx, config: &Value) -> ProviderResult<Value> {
        let id = obj::string(config, "db_instance_identifier").ok_or_else(|| {
            ProviderError::new("aws_db_instance: db_instance_identifier is required")
        })?;
        let resp = ctx
            .rds()
            .describe_db_instances()
            .filters(Filter::builder().name("db-instance-id").values(&id).build())
            .send()
            .await
            .map_err(|e| ProviderError::sdk("describing DB instances", e))?;
        let db = resp
            .db_instances()
            .iter()
            .find(|d| d.db_instance_identifier() == Some(id.as_str()))
            .ok_or_else(|| ProviderError::new(format!("no DB instance \"{id}\" found")))?;
        let endpoint = db.endpoint();
        let address = endpoint.and_then(|e| e.address());
        let port = endpoint.and_then(|e| e.port()).or(db.db_instance_port());
        let mut m = Map::new();
        put(&mut m, "db_instance_identifier", Value::from(id.as_str()));
        put(&mut m, "id", Value::from(id.as_str()));
        put(
            &mut m,
            "tags",
            obj::map(crate::provider::aws::kit::tags::read(db.tag_list())),
        );
        put(&mut m, "address", obj::opt_str(address));
        put(
            &mut m,
            "endpoint",
            match (address, port) {
                (Some(a), Some(p)) => Value::from(format!("{a}:{p}")),
                (Some(a), None) => Value::from(a),
                _ => Value::Null,
            },
        );
        put(&mut m, "port", obj::opt_i32(port));
        put(
            &mut m,
            "hosted_zone_id",
            obj::opt_str(endpoint.and_then(|e| e.hosted_zone_id())),
        );
        put(&mut m, "engine", obj::opt_str(db.engine()));
        put(&mut m, "engine_version", obj::opt_str(db.engine_version()));
        put(
            &mut m,
            "db_instance_arn",
            obj::opt_str(db.db_instance_arn()),
        );
        put(&mut m, "arn", obj::opt_str(db.db_instance_arn()));
        put(&mut m, "resource_id", obj::opt_str(db.dbi_resource_id()));
        put(
            &mut m,
            "db_instance_class",
            obj::opt_str(db.db_instance_class()),
        );
        put(&mut m, "db_name", obj::opt_str(db.db_name()));
        put(
            &mut m,
            "master_username",
            obj::opt_str(db.master_username()),
        );
        put(
            &mut m,
            "db_subnet_group",
            obj::opt_str(db.db_subnet_group().and_then(|g| g.db_subnet_group_name())),
        );
        put(
            &mut m,
            "availability_zone",
            obj::opt_str(db.availability_zone()),
        );
        put(&mut m, "kms_key_id", obj::opt_str(db.kms_key_id()));
        put(&mut m, "storage_type", obj::opt_str(db.storage_type()));
        put(
            &mut m,
            "db_instance_status",
            obj::opt_str(db.db_instance_status()),
        );
        put(
            &mut m,
            "replicate_source_db",
            obj::opt_str(db.read_replica_source_db_instance_identifier()),
        );
        put(
            &mut m,
            "allocated_storage",
            obj::opt_i32(db.allocated_storage()),
        );
        put(
            &mut m,
            "storage_encrypted",
            Value::Bool(db.storage_encrypted().unwrap_or(false)),
        );
        put(&mut m, "multi_az", obj::opt_bool(db.multi_az()));
        put(
            &mut m,
            "publicly_accessible",
            Value::Bool(db.publicly_accessible().unwrap_or(false)),
        );
        put(
            &mut m,
            "vpc_security_groups",
            obj::set(
                db.vpc_security_groups()
                    .iter()
                    .filter_map(|g| g.vpc_security_group_id().map(Value::from)),
            ),
        );
        Ok(Value::Map(m))
    }
}

// ---------------------------------------------------------------------------------------------
// aws_rds_cluster
// ---------------------------------------------------------------------------------------------

static CLUSTER_SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    let s = Schema::new()
        .describe("Looks up one RDS (Aurora) DB cluster by identifier.")
        .attr(Attribute::string("cluster_identifier").required())
        .attr(Attribute::string_map("tags").computed())
        .attr(Attribute::string("id").output())
        .attr(Attribute::number("port").output())
        .attr(Attribute::bool("storage_encrypted").output())
        .attr(Attribute::string_set("cluster_members").output())
        .attr(Attribute::string_set("vpc_security_group_ids").output())
        .attr(Attribute::string_set("availability_zones").output());
    outputs(
        s,
        &[
            "arn",
            "endpoint",
            "reader_endpoint",
            "hosted_zone_id",
            "engine",
            "engine_version",
            "engine_mode",
            "database_name",
            "master_username",
            "db_subnet_group_name",
            "db_cluster_parameter_group_name",
            "kms_key_id",
            "cluster_resource_id",
            "status",
        ],
    )
});

#[async_trait]
impl DataSourceType for RdsClusterData {
    fn type_name(&self) -> &'static str {
        "aws_rds_cluster"
    }

    fn schema(&self) -> &Schema {
        &CLUSTER_SCHEMA
    }

    async fn read(&self, ctx: &Ctx, config: &Value) -> ProviderResult<Value> {
        let id = obj::string(config, "cluster_identifier")
            .ok_or_else(|| ProviderError::new("aws_rds_cluster: cluster_identifier is required"))?;
        let resp = ctx
            .rds()
            .describe_db_clusters()
            .filters(Filter::builder().name("db-cluster-id").values(&id).build())
            .send()
            .await
            .map_err(|e| ProviderError::sdk("describing DB clusters", e))?;
        let c = resp
            .db_clusters()
            .iter()
            .find(|c| c.db_cluster_identifier() == Some(id.as_str()))
            .ok_or_else(|| ProviderError::new(format!("no DB cluster \"{id}\" found")))?;
        let mut m = Map::new();
        put(&mut m, "cluster_identifier", Value::from(id.as_str()));
        put(&mut m, "id", Value::from(id.as_str()));
        put(
            &mut m,
            "tags",
            obj::map(crate::provider::aws::kit::tags::read(c.tag_list())),
        );
        put(&mut m, "port", obj::opt_i32(c.port()));
        put(
            &mut m,
            "storage_encrypted",
            Value::Bool(c.storage_encrypted().unwrap_or(false)),
        );
        put(
            &mut m,
            "cluster_members",
            obj::set(
                c.db_cluster_members()
                    .iter()
                    .filter_map(|x| x.db_instance_identifier().map(Value::from)),
            ),
        );
        put(
            &mut m,
            "vpc_security_group_ids",
            obj::set(
                c.vpc_security_groups()
                    .iter()
                    .filter_map(|g| g.vpc_security_group_id().map(Value::from)),
            ),
        );
        put(
            &mut m,
            "availability_zones",
            obj::set(
                c.availability_zones()
                    .iter()
                    .map(|z| Value::from(z.as_str())),
            ),
        );
        put(&mut m, "arn", obj::opt_str(c.db_cluster_arn()));
        put(&mut m, "endpoint", obj::opt_str(c.endpoint()));
        put(&mut m, "reader_endpoint", obj::opt_str(c.reader_endpoint()));
        put(&mut m, "hosted_zone_id", obj::opt_str(c.hosted_zone_id()));
        put(&mut m, "engine", obj::opt_str(c.engine()));
        put(&mut m, "engine_version", obj::opt_str(c.engine_version()));
        put(&mut m, "engine_mode", obj::opt_str(c.engine_mode()));
        put(&mut m, "database_name", obj::opt_str(c.database_name()));
        put(&mut m, "master_username", obj::opt_str(c.master_username()));
        put(
            &mut m,
            "db_subnet_group_name",
            obj::opt_str(c.db_subnet_group()),
        );
        put(
            &mut m,
            "db_cluster_parameter_group_name",
            obj::opt_str(c.db_cluster_parameter_group()),
        );
        put(&mut m, "kms_key_id", obj::opt_str(c.kms_key_id()));
        put(
            &mut m,
            "cluster_resource_id",
            obj::opt_str(c.db_cluster_resource_id()),
        );
        put(&mut m, "status", obj::opt_str(c.status()));
        Ok(Value::Map(m))
    }
}

// ---------------------------------------------------------------------------------------------
// aws_db_snapshot
// ---------------------------------------------------------------------------------------------

static SNAPSHOT_SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    let s = Schema::new()
        .describe("Looks up one DB snapshot; with most_recent, the newest of those matching.")
        .attr(Attribute::string("db_instance_identifier"))
        .attr(Attribute::string("db_snapshot_identifier").computed())
        .attr(Attribute::string("snapshot_type"))
        .attr(Attribute::bool("include_shared").default(false))
        .attr(Attribute::bool("include_public").default(false))
        .attr(
            Attribute::bool("most_recent")
                .default(false)
                .describe("Pick the newest when several snapshots match."),
        )
        .attr(Attribute::string_map("tags").computed())
        .attr(Attribute::string("id").output())
        .attr(Attribute::number("allocated_storage").output())
        .attr(Attribute::number("iops").output())
        .attr(Attribute::number("port").output())
        .attr(Attribute::bool("encrypted").output());
    outputs(
        s,
        &[
            "db_snapshot_arn",
            "availability_zone",
            "engine",
            "engine_version",
            "kms_key_id",
            "license_model",
            "option_group_name",
            "source_db_snapshot_identifier",
            "source_region",
            "status",
            "storage_type",
            "vpc_id",
            "snapshot_create_time",
            "original_snapshot_create_time",
        ],
    )
});

fn time_string(t: Option<&aws_smithy_types::DateTime>) -> Option<String> {
    t.and_then(|t| t.fmt(aws_smithy_types::date_time::Format::DateTime).ok())
}

#[async_trait]
impl DataSourceType for DbSnapshotData {
    fn type_name(&self) -> &'static str {
        "aws_db_snapshot"
    }

    fn schema(&self) -> &Schema {
        &SNAPSHOT_SCHEMA
    }

    async fn read(&self, ctx: &Ctx, config: &Value) -> ProviderResult<Value> {
        let mut filters = Vec::new();
        let mut req = ctx
            .rds()
            .describe_db_snapshots()
            .set_include_shared(obj::bool(config, "include_shared"))
            .set_include_public(obj::bool(config, "include_public"))
            .set_snapshot_type(obj::string(config, "snapshot_type"));
        if let Some(i) = obj::string(config, "db_instance_identifier") {
            filters.push(Filter::builder().name("db-instance-id").values(i).build());
        }
        if let Some(s) = obj::string(config, "db_snapshot_identifier") {
            filters.push(Filter::builder().name("db-snapshot-id").values(s).build());
        }
        if !filters.is_empty() {
            req = req.set_filters(Some(filters));
        }
        let mut pages = req.into_paginator().send();
        let mut found: Vec<SdkSnapshot> = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| ProviderError::sdk("describing DB snapshots", e))?;
            found.extend(page.db_snapshots.unwrap_or_default());
        }
        let wanted_tags = obj::string_map(config, "tags");
        found.retain(|s| {
            let tags = crate::provider::aws::kit::tags::read(s.tag_list());
            wanted_tags.iter().all(|(k, v)| tags.get(k) == Some(v))
        });
        let snap = match found.len() {
            0 => return Err(ProviderError::new(
                "Your query returned no results. Please change your search criteria and try again.",
            )),
            1 => found.remove(0),
            n if obj::bool(config, "most_recent") == Some(true) => {
                let _ = n;
                found.sort_by(|a, b| {
                    let t = |s: &SdkSnapshot| {
                        s.snapshot_create_time()
                            .map(|t| (t.secs(), t.subsec_nanos()))
                    };
                    t(a).cmp(&t(b))
                });
                found
                    .pop()
                    .unwrap_or_else(|| unreachable!("more than one snapshot matched"))
            }
            n => {
                return Err(ProviderError::new(format!(
                    "Your query returned more than one result ({n} snapshots). Please try a more \
                     specific search criteria, or set `most_recent` attribute to true."
                )))
            }
        };
        let id = snap.db_snapshot_identifier().unwrap_or_default();
        let mut m = Map::new();
        for k in [
            "db_instance_identifier",
            "snapshot_type",
            "include_shared",
            "include_public",
            "most_recent",
        ] {
            put(&mut m, k, config.get(k).cloned().unwrap_or(Value::Null));
        }
        put(
            &mut m,
            "db_instance_identifier",
            obj::opt_str(snap.db_instance_identifier()),
        );
        put(&mut m, "snapshot_type", obj::opt_str(snap.snapshot_type()));
        put(&mut m, "db_snapshot_identifier", Value::from(id));
        put(&mut m, "id", Value::from(id));
        put(
            &mut m,
            "tags",
            obj::map(crate::provider::aws::kit::tags::read(snap.tag_list())),
        );
        put(
            &mut m,
            "allocated_storage",
            obj::opt_i32(snap.allocated_storage()),
        );
        put(&mut m, "iops", obj::opt_i32(snap.iops()));
        put(&mut m, "port", obj::opt_i32(snap.port()));
        put(
            &mut m,
            "encrypted",
            Value::Bool(snap.encrypted().unwrap_or(false)),
        );
        put(
            &mut m,
            "db_snapshot_arn",
            obj::opt_str(snap.db_snapshot_arn()),
        );
        put(
            &mut m,
            "availability_zone",
            obj::opt_str(snap.availability_zone()),
        );
        put(&mut m, "engine", obj::opt_str(snap.engine()));
        put(
            &mut m,
            "engine_version",
            obj::opt_str(snap.engine_version()),
        );
        put(&mut m, "kms_key_id", obj::opt_str(snap.kms_key_id()));
        put(&mut m, "license_model", obj::opt_str(snap.license_model()));
        put(
            &mut m,
            "option_group_name",
            obj::opt_str(snap.option_group_name()),
        );
        put(
            &mut m,
            "source_db_snapshot_identifier",
            obj::opt_str(snap.source_db_snapshot_identifier()),
        );
        put(&mut m, "source_region", obj::opt_str(snap.source_region()));
        put(&mut m, "status", obj::opt_str(snap.status()));
        put(&mut m, "storage_type", obj::opt_str(snap.storage_type()));
        put(&mut m, "vpc_id", obj::opt_str(snap.vpc_id()));
        put(
            &mut m,
            "snapshot_create_time",
            obj::opt_str(time_string(snap.snapshot_create_time()).as_deref()),
        );
        put(
            &mut m,
            "original_snapshot_create_time",
            obj::opt_str(time_string(snap.original_snapshot_create_time()).as_deref()),
        );
        Ok(Value::Map(m))
    }
}
