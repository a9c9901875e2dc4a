//! The AWS side of a drill: find the recovery point, restore it where it is into an instance
//! that admits nothing, wait on the shared poller, check, delete. Deletes go through the
//! resource types' own deletes, so their retries and waits are the ones apply uses.

use super::{
    major_version, Check, Database, Drill, Options, RecoveryPoint, Report, Restored, Source,
    DRILL_TAG,
};
use crate::provider::{Aws, Ctx, ProviderSettings};
use crate::value::Value;
use aws_sdk_rds::types::{DbInstance, Tag};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

fn ctx(aws: &Arc<Aws>, settings: &ProviderSettings, region: &str) -> Ctx {
    Ctx {
        aws: aws.clone(),
        settings: ProviderSettings {
            region: region.to_string(),
            ..settings.clone()
        },
    }
}

fn has_drill_tag(tags: &[Tag]) -> bool {
    tags.iter().any(|t| t.key() == Some(DRILL_TAG))
}

/// Deletes every drill object a killed run left in these regions (instances, then their
/// security groups); returns what it deleted.
pub async fn cleanup(
    aws: &Arc<Aws>,
    settings: &ProviderSettings,
    regions: &[String],
) -> Result<Vec<String>, String> {
    let mut deleted = Vec::new();
    for region in regions {
        let ctx = ctx(aws, settings, region);
        let instances = ctx
            .rds()
            .describe_db_instances()
            .send()
            .await
            .map_err(|e| crate::sdk_error::describe("listing DB instances", &e))?;
        for db in instances.db_instances() {
            if !has_drill_tag(db.tag_list()) {
                continue;
            }
            let id = db.db_instance_identifier().unwrap_or_default().to_string();
            delete_instance(&ctx, &id).await?;
            deleted.push(format!("DB instance {id} in {region}"));
        }
        let subnet_groups = ctx
            .rds()
            .describe_db_subnet_groups()
            .send()
            .await
            .map_err(|e| crate::sdk_error::describe("listing DB subnet groups", &e))?;
        for g in subnet_groups.db_subnet_groups() {
            let name = g.db_subnet_group_name().unwrap_or_default();
            if !name.starts_with("drill-") {
                continue;
            }
            let tags = ctx
                .rds()
                .list_tags_for_resource()
                .resource_name(g.db_subnet_group_arn().unwrap_or_default())
                .send()
                .await
                .map_err(|e| crate::sdk_error::describe("reading DB subnet group tags", &e))?;
            if has_drill_tag(tags.tag_list()) {
                delete_subnet_group(&ctx, name).await?;
                deleted.push(format!("DB subnet group {name} in {region}"));
            }
        }
        let groups = ctx
            .ec2()
            .describe_security_groups()
            .filters(
                aws_sdk_ec2::types::Filter::builder()
                    .name("tag-key")
                    .values(DRILL_TAG)
                    .build(),
            )
            .send()
            .await
            .map_err(|e| crate::sdk_error::describe("listing security groups", &e))?;
        for g in groups.security_groups() {
            let id = g.group_id().unwrap_or_default().to_string();
            delete_group(&ctx, &id).await?;
            deleted.push(format!("security group {id} in {region}"));
        }
    }
    Ok(deleted)
}

async fn delete_instance(ctx: &Ctx, id: &str) -> Result<(), String> {
    let rt = crate::provider::resource_type("aws_db_instance").ok_or("no aws_db_instance type")?;
    let prior = Value::object(&[
        ("id", id.into()),
        ("identifier", id.into()),
        ("skip_final_snapshot", true.into()),
        ("delete_automated_backups", true.into()),
        ("deletion_protection", false.into()),
    ]);
    rt.delete(ctx, &prior).await.map_err(|e| e.message)
}

async fn delete_subnet_group(ctx: &Ctx, name: &str) -> Result<(), String> {
    let rt = crate::provider::resource_type("aws_db_subnet_group")
        .ok_or("no aws_db_subnet_group type")?;
    rt.delete(
        ctx,
        &Value::object(&[("id", name.into()), ("name", name.into())]),
    )
    .await
    .map_err(|e| e.message)
}

async fn delete_group(ctx: &Ctx, id: &str) -> Result<(), String> {
    let rt =
        crate::provider::resource_type("aws_security_group").ok_or("no aws_security_group type")?;
    rt.delete(ctx, &Value::object(&[("id", id.into())]))
        .await
        .map_err(|e| e.message)
}

/// The newest available recovery point of `source`'s kind for `db` in `region`.
async fn newest_point(
    ctx: &Ctx,
    db: &Database,
    region: &str,
    source: Source,
) -> Result<Option<RecoveryPoint>, String> {
    if source == Source::Copy && region == db.region {
        return Ok(None);
    }
    let mut call = ctx
        .rds()
        .describe_db_snapshots()
        .db_instance_identifier(&db.identifier);
    if source == Source::Automated {
        call = call.snapshot_type("automated");
    }
    let answer = call
        .send()
        .await
        .map_err(|e| crate::sdk_error::describe("listing DB snapshots", &e))?;
    let newest = answer
        .db_snapshots()
        .iter()
        .filter(|s| s.status() == Some("available"))
        .filter_map(|s| s.snapshot_create_time().map(|t| (t.secs(), s)))
        .max_by_key(|(t, _)| *t);
    Ok(newest.map(|(created, s)| {
        let now = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(created);
        let kind = if region != db.region {
            "copy"
        } else if s.snapshot_type() == Some("automated") {
            "automated"
        } else {
            "snapshot"
        };
        RecoveryPoint {
            kind: kind.to_string(),
            id: s.db_snapshot_identifier().unwrap_or_default().to_string(),
            region: region.to_string(),
            created: s
                .snapshot_create_time()
                .map(|t| t.to_string())
                .unwrap_or_default(),
            arn: s.db_snapshot_arn().unwrap_or_default().to_string(),
            age: Duration::from_secs(now.saturating_sub(created).max(0) as u64),
            encrypted: s.encrypted().unwrap_or(false),
            allocated_storage: s.allocated_storage().map(i64::from).unwrap_or(0),
        }
    }))
}

/// What each drill will restore: the newest point of the asked kind per database and region.
pub async fn points(
    aws: &Arc<Aws>,
    targets: &[(Database, Vec<String>)],
    source: Source,
) -> Result<Vec<(Database, String, Option<RecoveryPoint>)>, String> {
    let mut out = Vec::new();
    for (db, regions) in targets {
        for region in regions {
            let ctx = ctx(aws, &db.settings, region);
            let point = newest_point(&ctx, db, region, source).await?;
            if point.is_none() && region != &db.region {
                continue;
            }
            out.push((db.clone(), region.clone(), point));
        }
    }
    Ok(out)
}

/// Runs the drills `points` chose, one after another, each cleaned up before the next.
pub async fn run(
    aws: &Arc<Aws>,
    chosen: Vec<(Database, String, Option<RecoveryPoint>)>,
    options: &Options,
    progress: &(dyn Fn(&str) + Sync),
) -> Report {
    let mut drills = Vec::new();
    for (n, (db, region, point)) in chosen.into_iter().enumerate() {
        let ctx = ctx(aws, &db.settings, &region);
        let mut drill = Drill {
            address: db.address.clone(),
            source: point.clone(),
            restored: None,
            restore_seconds: None,
            recovery_point_age_seconds: point.as_ref().map(|p| p.age.as_secs()),
            checks: Vec::new(),
            cleaned_up: true,
            ok: false,
        };
        let Some(point) = point else {
            drill.checks.push(Check {
                name: "recovery point",
                ok: false,
                detail: format!(
                    "no available recovery point of {} in {region}",
                    db.identifier
                ),
            });
            drills.push(drill);
            continue;
        };
        if let Some(max) = options.max_age {
            let ok = point.age <= max;
            drill.checks.push(Check {
                name: "recovery point age",
                ok,
                detail: format!(
                    "{}s old, the objective is at most {}s",
                    point.age.as_secs(),
                    max.as_secs()
                ),
            });
        }
        let id = format!("drill-{}-{n}", options.run_id);
        progress(&format!(
            "{}: restoring {} {} in {region} as {id}...",
            db.address, point.kind, point.id
        ));
        let started = Instant::now();
        match restore(&ctx, &point, &id, options).await {
            Ok(group) => {
                drill.restored = Some(Restored {
                    id: id.clone(),
                    region: region.clone(),
                });
                drill.restore_seconds = Some(started.elapsed().as_secs());
                progress(&format!(
                    "{}: {id} available after {}s; checking",
                    db.address,
                    started.elapsed().as_secs()
                ));
                drill.checks.extend(checks(&ctx, &db, &point, &id).await);
                if !options.keep {
                    let gone = delete_instance(&ctx, &id).await;
                    let subnets_gone = delete_subnet_group(&ctx, &id).await;
                    let group_gone = delete_group(&ctx, &group).await;
                    drill.cleaned_up = gone.is_ok() && subnets_gone.is_ok() && group_gone.is_ok();
                    for e in [gone.err(), subnets_gone.err(), group_gone.err()]
                        .into_iter()
                        .flatten()
                    {
                        drill.checks.push(Check {
                            name: "cleanup",
                            ok: false,
                            detail: e,
                        });
                    }
                } else {
                    drill.cleaned_up = false;
                }
            }
            Err(e) => {
                drill.checks.push(Check {
                    name: "became available",
                    ok: false,
                    detail: e,
                });
                // What the failed restore left is the next drill's cleanup's (it is tagged).
                drill.cleaned_up = cleanup(aws, &db.settings, std::slice::from_ref(&region))
                    .await
                    .is_ok();
            }
        }
        drill.ok = drill.cleaned_up || options.keep;
        drill.ok &= !drill.checks.is_empty() && drill.checks.iter().all(|c| c.ok);
        drills.push(drill);
    }
    Report { drills }
}

/// Restores `point` as `id` in a security group of its own that admits nothing and a subnet
/// group of its own (both named `id`) in the region's default VPC; returns the security
/// group's id once the instance is available.
async fn restore(
    ctx: &Ctx,
    point: &RecoveryPoint,
    id: &str,
    options: &Options,
) -> Result<String, String> {
    let tag = Tag::builder().key(DRILL_TAG).value(&options.run_id).build();
    let ec2 = ctx.ec2();
    let vpcs = ec2
        .describe_vpcs()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("is-default")
                .values("true")
                .build(),
        )
        .send()
        .await
        .map_err(|e| crate::sdk_error::describe("finding the default VPC", &e))?;
    let vpc = vpcs
        .vpcs()
        .first()
        .and_then(|v| v.vpc_id())
        .ok_or_else(|| format!("{} has no default VPC to restore into", ctx.settings.region))?;
    let group = ec2
        .create_security_group()
        .group_name(id)
        .description(format!("strata drill {}: admits nothing", options.run_id))
        .vpc_id(vpc)
        .tag_specifications(
            aws_sdk_ec2::types::TagSpecification::builder()
                .resource_type(aws_sdk_ec2::types::ResourceType::SecurityGroup)
                .tags(
                    aws_sdk_ec2::types::Tag::builder()
                        .key(DRILL_TAG)
                        .value(&options.run_id)
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .map_err(|e| crate::sdk_error::describe(&format!("creating security group {id}"), &e))?;
    let group = group.group_id().unwrap_or_default().to_string();
    let subnets = ec2
        .describe_subnets()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("vpc-id")
                .values(vpc)
                .build(),
        )
        .send()
        .await
        .map_err(|e| crate::sdk_error::describe("listing the default VPC's subnets", &e))?;
    ctx.rds()
        .create_db_subnet_group()
        .db_subnet_group_name(id)
        .db_subnet_group_description(format!("strata drill {}", options.run_id))
        .set_subnet_ids(Some(
            subnets
                .subnets()
                .iter()
                .filter_map(|s| s.subnet_id().map(str::to_string))
                .collect(),
        ))
        .tags(tag.clone())
        .send()
        .await
        .map_err(|e| crate::sdk_error::describe(&format!("creating DB subnet group {id}"), &e))?;
    ctx.rds()
        .restore_db_instance_from_db_snapshot()
        .db_instance_identifier(id)
        .db_snapshot_identifier(&point.id)
        .db_instance_class(&options.instance_class)
        .publicly_accessible(false)
        .db_subnet_group_name(id)
        .vpc_security_group_ids(&group)
        .tags(tag)
        .send()
        .await
        .map_err(|e| crate::sdk_error::describe(&format!("restoring {} as {id}", point.id), &e))?;
    let rt = crate::provider::resource_type("aws_db_instance").ok_or("no aws_db_instance type")?;
    rt.wait_usable(ctx, &Value::object(&[("id", id.into())]))
        .await
        .map_err(|e| e.message)?;
    Ok(group)
}

async fn describe(ctx: &Ctx, id: &str) -> Option<DbInstance> {
    let answer = ctx
        .rds()
        .describe_db_instances()
        .db_instance_identifier(id)
        .send()
        .await
        .ok()?;
    answer.db_instances().first().cloned()
}

async fn family(ctx: &Ctx, group: &str) -> Option<String> {
    let answer = ctx
        .rds()
        .describe_db_parameter_groups()
        .db_parameter_group_name(group)
        .send()
        .await
        .ok()?;
    answer
        .db_parameter_groups()
        .first()
        .and_then(|g| g.db_parameter_group_family())
        .map(str::to_string)
}

/// The checks of a restored instance against its source.
async fn checks(ctx: &Ctx, db: &Database, point: &RecoveryPoint, id: &str) -> Vec<Check> {
    let Some(restored) = describe(ctx, id).await else {
        return vec![Check {
            name: "became available",
            ok: false,
            detail: format!("{id} is gone"),
        }];
    };
    let status = restored.db_instance_status().unwrap_or_default();
    let mut out = vec![Check {
        name: "became available",
        ok: status == "available",
        detail: format!("status {status}"),
    }];
    let engine = restored.engine().unwrap_or_default();
    let version = restored.engine_version().unwrap_or_default();
    let (want, got) = (
        major_version(&db.engine, &db.engine_version),
        major_version(engine, version),
    );
    out.push(Check {
        name: "engine and major version",
        ok: engine == db.engine && want == got,
        detail: format!(
            "{engine} {version}; the source runs {} {}",
            db.engine, db.engine_version
        ),
    });
    let encrypted = restored.storage_encrypted().unwrap_or(false);
    let key = restored.kms_key_id().unwrap_or_default();
    let region = &ctx.settings.region;
    out.push(Check {
        name: "storage encryption",
        ok: encrypted == point.encrypted && (!encrypted || key.contains(&format!(":{region}:"))),
        detail: if encrypted {
            format!("encrypted with {key}")
        } else {
            "not encrypted".to_string()
        },
    });
    let storage = restored.allocated_storage().map(i64::from).unwrap_or(0);
    let want_storage = point.allocated_storage.max(db.allocated_storage);
    out.push(Check {
        name: "allocated storage",
        ok: storage >= want_storage,
        detail: format!("{storage} GiB; the source has {want_storage} GiB"),
    });
    let restored_group = restored
        .db_parameter_groups()
        .first()
        .and_then(|g| g.db_parameter_group_name())
        .unwrap_or_default();
    let restored_family = family(ctx, restored_group).await;
    let source_ctx = Ctx {
        aws: ctx.aws.clone(),
        settings: db.settings.clone(),
    };
    let source_family = match describe(&source_ctx, &db.identifier).await {
        Some(s) => {
            let g = s
                .db_parameter_groups()
                .first()
                .and_then(|g| g.db_parameter_group_name())
                .unwrap_or_default()
                .to_string();
            family(&source_ctx, &g).await
        }
        None => None,
    };
    out.push(Check {
        name: "parameter group family",
        ok: restored_family.is_some()
            && (source_family.is_none() || restored_family == source_family),
        detail: match (&restored_family, &source_family) {
            (Some(r), Some(s)) => format!("{r}; the source's is {s}"),
            (Some(r), None) => format!("{r}; the source is gone, nothing to compare"),
            _ => format!("parameter group {restored_group} has no family"),
        },
    });
    out
}
