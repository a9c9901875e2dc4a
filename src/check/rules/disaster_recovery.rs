//! PROD_NO_DR: a production database whose data exists in one region only. Covered is a
//! database with a snapshot of it copied under another provider configuration or region, or
//! with its automated backups replicated; read from the configuration's references, so a
//! plan that creates all of them is judged before anything exists.

use super::{attr_refs, PROD_NO_DR};
use crate::check::{Finding, Instance};

/// (database type, its snapshot type, the snapshot's argument naming the database, the copy
/// type, the copy's argument naming the snapshot)
const CHAINS: &[(&str, &str, &str, &str, &str)] = &[
    (
        "aws_db_instance",
        "aws_db_snapshot",
        "db_instance_identifier",
        "aws_db_snapshot_copy",
        "source_db_snapshot_identifier",
    ),
    (
        "aws_rds_cluster",
        "aws_db_cluster_snapshot",
        "db_cluster_identifier",
        "aws_db_cluster_snapshot_copy",
        "source_db_cluster_snapshot_identifier",
    ),
];

/// The copy lives elsewhere than the database: another provider configuration, or another
/// `region` / `destination_region` argument.
fn elsewhere(copy: &Instance, db: &Instance) -> bool {
    let provider = |i: &Instance| i.resource.provider.as_ref().map(|p| p.to_string());
    let region = |i: &Instance| i.get("region").as_str().map(str::to_string);
    provider(copy) != provider(db)
        || (region(copy).is_some() && region(copy) != region(db))
        || copy.get("destination_region").as_str().is_some()
}

pub(super) fn copies(instances: &[Instance], out: &mut Vec<Finding>) {
    let same_module = |a: &Instance, b: &Instance| a.addr.module == b.addr.module;
    for db in instances {
        let Some(&(_, snapshot_type, snapshot_arg, copy_type, copy_arg)) =
            CHAINS.iter().find(|c| c.0 == db.type_())
        else {
            continue;
        };
        if !db.is_production() {
            continue;
        }
        let name = &db.addr.resource.name;
        let snapshots: Vec<&String> = instances
            .iter()
            .filter(|s| s.type_() == snapshot_type && same_module(s, db))
            .filter(|s| attr_refs(s, snapshot_arg, db.type_()).contains(name))
            .map(|s| &s.addr.resource.name)
            .collect();
        let copied = instances.iter().any(|c| {
            c.type_() == copy_type
                && same_module(c, db)
                && elsewhere(c, db)
                && attr_refs(c, copy_arg, snapshot_type)
                    .iter()
                    .any(|s| snapshots.contains(&s))
        });
        let replicated = instances.iter().any(|r| {
            r.type_() == "aws_db_instance_automated_backups_replication"
                && same_module(r, db)
                && attr_refs(r, "source_db_instance_arn", db.type_()).contains(name)
        });
        if !copied && !replicated {
            out.push(Finding::new(
                PROD_NO_DR,
                db.address(),
                Some(db.resource.span),
                "a production database with no snapshot copied to another region and no automated-backups replication: a regional outage takes its data",
            ));
        }
    }
}
