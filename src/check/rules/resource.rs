//! Rules on one resource's own settings: public access, encryption at rest and in transit,
//! snapshot copies without a key, and the safety nets a production database needs.

use super::{
    CACHE_AT_REST_UNENCRYPTED, CACHE_TRANSIT_UNENCRYPTED, DB_PUBLICLY_ACCESSIBLE,
    DB_STORAGE_UNENCRYPTED, PROD_NO_BACKUPS, PROD_NO_DELETION_PROTECTION, PROD_NO_FINAL_SNAPSHOT,
    SNAPSHOT_COPY_NO_KMS_KEY,
};
use crate::check::{Finding, Instance};
use crate::value::Value;

pub(super) fn publicly_accessible(inst: &Instance, out: &mut Vec<Finding>) {
    if inst.get("publicly_accessible").as_bool() == Some(true) {
        out.push(Finding::new(
            DB_PUBLICLY_ACCESSIBLE,
            inst.address(),
            Some(inst.span_of("publicly_accessible")),
            "publicly_accessible = true gives the database a public address on the internet",
        ));
    }
}

/// Unset or false (known); unknown values are not judged.
fn off(v: &Value) -> bool {
    v.is_null() || v.as_bool() == Some(false)
}

fn is_set(v: &Value) -> bool {
    !v.is_null() && !(v.as_list().is_some_and(|l| l.is_empty()))
}

pub(super) fn storage_encryption(inst: &Instance, out: &mut Vec<Finding>) {
    if !matches!(inst.type_(), "aws_db_instance" | "aws_rds_cluster") {
        return;
    }
    // Replicas, restores and cluster members inherit their encryption.
    let inherits = [
        "replicate_source_db",
        "snapshot_identifier",
        "replication_source_identifier",
        "restore_to_point_in_time",
        "s3_import",
        "cluster_identifier",
        "global_cluster_identifier",
        "source_db_cluster_identifier",
    ];
    if inherits.iter().any(|a| is_set(inst.get(a))) {
        return;
    }
    if inst.get("engine_mode").as_str() == Some("serverless") {
        return;
    }
    if off(inst.get("storage_encrypted")) {
        out.push(Finding::new(
            DB_STORAGE_UNENCRYPTED,
            inst.address(),
            Some(inst.span_of("storage_encrypted")),
            "storage_encrypted is not true: the data, its backups and snapshots are stored unencrypted",
        ));
    }
}

pub(super) fn cache_encryption(inst: &Instance, out: &mut Vec<Finding>) {
    if inst.type_() != "aws_elasticache_replication_group" {
        return;
    }
    if is_set(inst.get("global_replication_group_id")) {
        return;
    }
    if off(inst.get("at_rest_encryption_enabled")) {
        out.push(Finding::new(
            CACHE_AT_REST_UNENCRYPTED,
            inst.address(),
            Some(inst.span_of("at_rest_encryption_enabled")),
            "at_rest_encryption_enabled is not true: cached data and backups are stored unencrypted",
        ));
    }
    if off(inst.get("transit_encryption_enabled")) {
        out.push(Finding::new(
            CACHE_TRANSIT_UNENCRYPTED,
            inst.address(),
            Some(inst.span_of("transit_encryption_enabled")),
            "transit_encryption_enabled is not true: clients talk to the cache in clear text",
        ));
    }
}

pub(super) fn snapshot_copy_key(inst: &Instance, out: &mut Vec<Finding>) {
    if !matches!(
        inst.type_(),
        "aws_db_snapshot_copy" | "aws_db_cluster_snapshot_copy"
    ) {
        return;
    }
    if inst.get("kms_key_id").is_null() {
        out.push(Finding::new(
            SNAPSHOT_COPY_NO_KMS_KEY,
            inst.address(),
            Some(inst.resource.span),
            "the snapshot copy has no kms_key_id: it is unencrypted when the source is, and a cross-region copy of an encrypted snapshot fails",
        ));
    }
}

pub(super) fn production(inst: &Instance, out: &mut Vec<Finding>) {
    if !matches!(inst.type_(), "aws_db_instance" | "aws_rds_cluster") || !inst.is_production() {
        return;
    }
    if inst.get("backup_retention_period").as_i64() == Some(0) {
        out.push(Finding::new(
            PROD_NO_BACKUPS,
            inst.address(),
            Some(inst.span_of("backup_retention_period")),
            "backup_retention_period = 0 on a production database: no automated backups, no point-in-time recovery",
        ));
    }
    if inst.get("skip_final_snapshot").as_bool() == Some(true)
        && inst.get("final_snapshot_identifier").is_null()
    {
        out.push(Finding::new(
            PROD_NO_FINAL_SNAPSHOT,
            inst.address(),
            Some(inst.span_of("skip_final_snapshot")),
            "skip_final_snapshot = true with no final_snapshot_identifier on a production database: destroying it loses the data",
        ));
    }
    if off(inst.get("deletion_protection")) {
        out.push(Finding::new(
            PROD_NO_DELETION_PROTECTION,
            inst.address(),
            Some(inst.span_of("deletion_protection")),
            "deletion_protection is not true on a production database",
        ));
    }
}
