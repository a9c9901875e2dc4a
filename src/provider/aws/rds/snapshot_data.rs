//! Data source `aws_db_snapshot`: one DB snapshot; with `most_recent`, the newest of those
//! matching.

use crate::provider::aws::kit::prelude::*;
use aws_sdk_rds::types::{DbSnapshot as SdkSnapshot, Filter};

pub struct DbSnapshotData;
pub static DB_SNAPSHOT_DATA: DbSnapshotData = DbSnapshotData;

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    schema! {
        "Looks up one DB snapshot; with most_recent, the newest of those matching.";
        regional;
        db_instance_identifier        string;
        db_snapshot_identifier        string     computed;
        snapshot_type                 string;
        include_shared                bool       default(false);
        include_public                bool       default(false);
        most_recent                   bool       default(false) "Pick the newest when several snapshots match.";
        tags                          string_map computed;
        id                            string     output;
        allocated_storage             number     output;
        iops                          number     output;
        port                          number     output;
        encrypted                     bool       output;
        db_snapshot_arn               string     output;
        availability_zone             string     output;
        engine                        string     output;
        engine_version                string     output;
        kms_key_id                    string     output;
        license_model                 string     output;
        option_group_name             string     output;
        source_db_snapshot_identifier string     output;
        source_region                 string     output;
        status                        string     output;
        storage_type                  string     output;
        vpc_id                        string     output;
        snapshot_create_time          string     output;
        original_snapshot_create_time string     output;
    }
});

#[async_trait]
impl DataSourceType for DbSnapshotData {
    named!("aws_db_snapshot", SCHEMA);

    async fn read(&self, ctx: &Ctx, config: &Value) -> ProviderResult<Value> {
        let filter = |name: &str, key: &str| {
            Some(
                Filter::builder()
                    .name(name)
                    .values(obj::string(config, key)?)
                    .build(),
            )
        };
        let filters: Vec<Filter> = [
            filter("db-instance-id", "db_instance_identifier"),
            filter("db-snapshot-id", "db_snapshot_identifier"),
        ]
        .into_iter()
        .flatten()
        .collect();
        let req = ctx
            .rds()
            .describe_db_snapshots()
            .set_include_shared(obj::bool(config, "include_shared"))
            .set_include_public(obj::bool(config, "include_public"))
            .set_snapshot_type(obj::string(config, "snapshot_type"))
            .set_filters((!filters.is_empty()).then_some(filters));
        let mut found = all(
            "describing DB snapshots",
            req.into_paginator().items().send(),
        )
        .await?;
        let wanted_tags = obj::string_map(config, "tags");
        found.retain(|s| {
            let tags = tags::read(s.tag_list());
            wanted_tags.iter().all(|(k, v)| tags.get(k) == Some(v))
        });
        let created = |s: &SdkSnapshot| {
            s.snapshot_create_time()
                .map(|t| (t.secs(), t.subsec_nanos()))
        };
        let snap = match found.len() {
            0 => return Err(ProviderError::new(
                "Your query returned no results. Please change your search criteria and try again.",
            )),
            1 => found.remove(0),
            n if obj::bool(config, "most_recent") != Some(true) => {
                return Err(ProviderError::new(format!(
                    "Your query returned more than one result ({n} snapshots). Please try a more \
                     specific search criteria, or set `most_recent` attribute to true."
                )))
            }
            _ => found
                .into_iter()
                .max_by_key(created)
                .unwrap_or_else(|| unreachable!("more than one snapshot matched")),
        };
        let id = snap.db_snapshot_identifier();
        let config_value = |k: &str| config.get(k).cloned().unwrap_or(Value::Null);
        Ok(Value::Map(object! {
            "include_shared" => config_value("include_shared"),
            "include_public" => config_value("include_public"),
            "most_recent" => config_value("most_recent"),
            "db_instance_identifier" => snap.db_instance_identifier(),
            "snapshot_type" => snap.snapshot_type(),
            "db_snapshot_identifier" => id,
            "id" => id,
            "tags" => obj::map(tags::read(snap.tag_list())),
            "allocated_storage" => snap.allocated_storage(),
            "iops" => snap.iops(),
            "port" => snap.port(),
            "encrypted" => snap.encrypted().unwrap_or(false),
            "db_snapshot_arn" => snap.db_snapshot_arn(),
            "availability_zone" => snap.availability_zone(),
            "engine" => snap.engine(),
            "engine_version" => snap.engine_version(),
            "kms_key_id" => snap.kms_key_id(),
            "license_model" => snap.license_model(),
            "option_group_name" => snap.option_group_name(),
            "source_db_snapshot_identifier" => snap.source_db_snapshot_identifier(),
            "source_region" => snap.source_region(),
            "status" => snap.status(),
            "storage_type" => snap.storage_type(),
            "vpc_id" => snap.vpc_id(),
            "snapshot_create_time" => state::time(snap.snapshot_create_time()),
            "original_snapshot_create_time" => state::time(snap.original_snapshot_create_time()),
        }))
    }
}
