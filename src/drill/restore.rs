//! The AWS side of a drill: find the recovery point, restore it where it is into an instance
//! that admits nothing, wait on the shared poller, check, delete. Deletes go through the
//! resource types' own deletes, so their retries and waits are the ones apply uses.

use super::{
    major_version, Check, Database, Drill, Kind, Options, RecoveryPoint, Report, Restored, Source,
    DRILL_TAG,
};
use crate::provider::aws::kit::all;
use crate::provider::aws::kit::tagging::list_all;
use crate::provider::aws::kit::tags::Service;
use crate::provider::{Aws, Ctx, ProviderSettings};
use crate::value::Value;
use aws_sdk_rds::types::{DbInstance, Tag};
use std::sync::Arc;
use std::time::{Instant, SystemTime};

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
    regions: &[(ProviderSettings, String)],
) -> Result<Vec<String>, String> {
    let mut deleted = Vec::new();
    for (settings, region) in regions {
        let ctx = ctx(aws, settings, region);
        let rds = ctx.rds();
        let pages = rds.describe_db_instances().into_paginator().items().send();
        let instances = all("listing DB instances", pages)
            .await
            .map_err(|e| e.message)?;
        for db in &instances {
            if !has_drill_tag(db.tag_list()) {
                continue;
            }
            let id = db.db_instance_identifier().unwrap_or_default().to_string();
            if db.db_cluster_identifier().is_some() {
                delete_of(
                    "aws_rds_cluster_instance",
                    &ctx,
                    &Value::object(&[("id", id.as_str().into())]),
                )
                .await?;
            } else {
                delete_instance(&ctx, &id).await?;
            }
            deleted.push(format!("DB instance {id} in {region}"));
        }
        let pages = rds.describe_db_clusters().into_paginator().items().send();
        let clusters = all("listing DB clusters", pages)
            .await
            .map_err(|e| e.message)?;
        for c in &clusters {
            if has_drill_tag(c.tag_list()) {
                let id = c.db_cluster_identifier().unwrap_or_default();
                delete_cluster_itself(&ctx, id).await?;
                deleted.push(format!("DB cluster {id} in {region}"));
            }
        }
        let pages = rds
            .describe_db_subnet_groups()
            .into_paginator()
            .items()
            .send();
        let subnet_groups = all("listing DB subnet groups", pages)
            .await
            .map_err(|e| e.message)?;
        // Subnet groups carry no tags in the listing: only those named as a drill names them
        // are asked for theirs.
        for g in &subnet_groups {
            let name = g.db_subnet_group_name().unwrap_or_default();
            if !name.starts_with("drill-") {
                continue;
            }
            let arn = g.db_subnet_group_arn().unwrap_or_default();
            let tags = list_all(&ctx, Service::Rds, arn)
                .await
                .map_err(|e| e.message)?;
            if tags.contains_key(DRILL_TAG) {
                delete_subnet_group(&ctx, name).await?;
                deleted.push(format!("DB subnet group {name} in {region}"));
            }
        }
        let tagged = aws_sdk_ec2::types::Filter::builder()
            .name("tag-key")
            .values(DRILL_TAG)
            .build();
        let pages = ctx
            .ec2()
            .describe_security_groups()
            .filters(tagged)
            .into_paginator()
            .items()
            .send();
        let groups = all("listing security groups", pages)
            .await
            .map_err(|e| e.message)?;
        for g in &groups {
            let id = g.group_id().unwrap_or_default().to_string();
            delete_group(&ctx, &id).await?;
            deleted.push(format!("security group {id} in {region}"));
        }
    }
    Ok(deleted)
}

async fn delete_of(type_: &str, ctx: &Ctx, prior: &Value) -> Result<(), String> {
    let rt = crate::provider::resource_type(type_).ok_or("no such resource type")?;
    rt.delete(ctx, prior).await.map_err(|e| e.message)
}

async fn delete_cluster_itself(ctx: &Ctx, id: &str) -> Result<(), String> {
    let prior = Value::object(&[
        ("id", id.into()),
        ("cluster_identifier", id.into()),
        ("skip_final_snapshot", true.into()),
        ("deletion_protection", false.into()),
    ]);
    delete_of("aws_rds_cluster", ctx, &prior).await
}

/// A drill's restored database: a cluster's writer goes before the cluster.
async fn delete_restored(ctx: &Ctx, kind: Kind, id: &str) -> Result<(), String> {
    match kind {
        Kind::Instance => delete_instance(ctx, id).await,
        Kind::Cluster => {
            let w = writer(id);
            delete_of(
                "aws_rds_cluster_instance",
                ctx,
                &Value::object(&[("id", w.as_str().into())]),
            )
            .await?;
            delete_cluster_itself(ctx, id).await
        }
    }
}

async fn delete_instance(ctx: &Ctx, id: &str) -> Result<(), String> {
    let prior = Value::object(&[
        ("id", id.into()),
        ("identifier", id.into()),
        ("skip_final_snapshot", true.into()),
        ("delete_automated_backups", true.into()),
        ("deletion_protection", false.into()),
    ]);
    delete_of("aws_db_instance", ctx, &prior).await
}

async fn delete_subnet_group(ctx: &Ctx, name: &str) -> Result<(), String> {
    let prior = Value::object(&[("id", name.into()), ("name", name.into())]);
    delete_of("aws_db_subnet_group", ctx, &prior).await
}

async fn delete_group(ctx: &Ctx, id: &str) -> Result<(), String> {
    delete_of(
        "aws_security_group",
        ctx,
        &Value::object(&[("id", id.into())]),
    )
    .await
}

/// A snapshot of either API, or replicated automated backups, as far as a drill cares.
struct Candidate {
    id: String,
    created: Option<aws_smithy_types::DateTime>,
    automated: bool,
    /// Automated backups replicated to this region (`id` is their ARN; `created` the latest
    /// time they restore to).
    replicated: bool,
    encrypted: bool,
    allocated_storage: i64,
}

/// The available snapshots one describe call lists, as candidates (the instance and cluster
/// APIs differ only in names).
macro_rules! available {
    ($ctx:expr, $db:expr, $automated:expr, $describe:ident, $by:ident, $what:literal, |$s:ident| $candidate:expr) => {{
        let pages = $ctx
            .rds()
            .$describe()
            .$by(&$db.identifier)
            .set_snapshot_type($automated.map(str::to_string))
            .into_paginator()
            .items()
            .send();
        all($what, pages)
            .await
            .map_err(|e| e.message)?
            .iter()
            .filter(|s| s.status() == Some("available"))
            .map(|$s| $candidate)
            .collect()
    }};
}

/// The available snapshots of `db` in the region `ctx` calls, and in another region than
/// the instance's the automated backups replicated there (unless only copies are asked).
async fn candidates(ctx: &Ctx, db: &Database, source: Source) -> Result<Vec<Candidate>, String> {
    let mut found = snapshots(ctx, db, source).await?;
    if db.kind == Kind::Instance && ctx.region() != db.region && source != Source::Copy {
        found.extend(replicated_backups(ctx, db).await?);
    }
    Ok(found)
}

/// The automated backups of `db` replicated to the region `ctx` calls, restorable up to
/// their latest restorable time.
async fn replicated_backups(ctx: &Ctx, db: &Database) -> Result<Vec<Candidate>, String> {
    let backups = crate::provider::aws::rds::replications(ctx)
        .await
        .map_err(|e| e.message)?;
    Ok(backups
        .iter()
        .filter(|b| {
            b.db_instance_arn() == Some(db.arn.as_str()) && b.status() == Some("replicating")
        })
        .filter_map(|b| {
            Some(Candidate {
                id: b.db_instance_automated_backups_arn()?.to_string(),
                created: b.restore_window().and_then(|w| w.latest_time()).cloned(),
                automated: true,
                replicated: true,
                encrypted: b.encrypted().unwrap_or(false),
                allocated_storage: b.allocated_storage().map(i64::from).unwrap_or(0),
            })
        })
        .collect())
}

/// The available snapshots of `db` in the region `ctx` calls.
async fn snapshots(ctx: &Ctx, db: &Database, source: Source) -> Result<Vec<Candidate>, String> {
    let automated = (source == Source::Automated).then_some("automated");
    Ok(match db.kind {
        Kind::Instance => available!(
            ctx,
            db,
            automated,
            describe_db_snapshots,
            db_instance_identifier,
            "listing DB snapshots",
            |s| Candidate {
                id: s.db_snapshot_identifier().unwrap_or_default().to_string(),
                created: s.snapshot_create_time().cloned(),
                automated: s.snapshot_type() == Some("automated"),
                replicated: false,
                encrypted: s.encrypted().unwrap_or(false),
                allocated_storage: s.allocated_storage().map(i64::from).unwrap_or(0),
            }
        ),
        Kind::Cluster => available!(
            ctx,
            db,
            automated,
            describe_db_cluster_snapshots,
            db_cluster_identifier,
            "listing DB cluster snapshots",
            |s| Candidate {
                id: s
                    .db_cluster_snapshot_identifier()
                    .unwrap_or_default()
                    .to_string(),
                created: s.snapshot_create_time().cloned(),
                automated: s.snapshot_type() == Some("automated"),
                replicated: false,
                encrypted: s.storage_encrypted().unwrap_or(false),
                allocated_storage: 0,
            }
        ),
    })
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
    let newest = candidates(ctx, db, source)
        .await?
        .into_iter()
        .filter_map(|c| Some((c.created?, c)))
        .max_by_key(|(t, _)| t.secs());
    Ok(newest.map(|(created, c)| {
        // To the nanosecond: a point is never of age zero, so an objective of 0s always fails.
        let age = SystemTime::try_from(created)
            .ok()
            .and_then(|t| SystemTime::now().duration_since(t).ok())
            .unwrap_or_default();
        let kind = if c.replicated {
            "replicated"
        } else if region != db.region {
            "copy"
        } else if c.automated {
            "automated"
        } else {
            "snapshot"
        };
        RecoveryPoint {
            kind: kind.to_string(),
            id: c.id,
            region: region.to_string(),
            created: created.to_string(),
            age,
            encrypted: c.encrypted,
            allocated_storage: c.allocated_storage,
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
            // A region without a point is a failed drill only where a point must be: the
            // database's own region, unless the drill is of copies (never there).
            let own = region == &db.region && source != Source::Copy;
            if point.is_none() && !own {
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
                    "{:.1}s old, the objective is at most {}s",
                    point.age.as_secs_f64(),
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
        match restore(&ctx, &db, &point, &id, options).await {
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
                    let gone = delete_restored(&ctx, db.kind, &id).await;
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
                drill.cleaned_up = cleanup(aws, &[(db.settings.clone(), region.clone())])
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
    db: &Database,
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
    let wait = |type_: &'static str, id: String| async move {
        let rt = crate::provider::resource_type(type_).ok_or("no such resource type")?;
        rt.wait_usable(ctx, &Value::object(&[("id", id.into())]))
            .await
            .map_err(|e| e.message)
    };
    let restoring = format!("restoring {} as {id}", point.id);
    // Both instance restores place the new instance alike: small, private, in the drill's
    // subnet and security groups, tagged.
    macro_rules! placed_instance {
        ($call:expr) => {{
            $call
                .db_instance_class(class(db, options))
                .publicly_accessible(false)
                .db_subnet_group_name(id)
                .vpc_security_group_ids(&group)
                .tags(tag)
                .send()
                .await
                .map_err(|e| crate::sdk_error::describe(&restoring, &e))?;
            wait("aws_db_instance", id.to_string()).await?;
        }};
    }
    match db.kind {
        Kind::Instance if point.kind == "replicated" => placed_instance!(ctx
            .rds()
            .restore_db_instance_to_point_in_time()
            .source_db_instance_automated_backups_arn(&point.id)
            .use_latest_restorable_time(true)
            .target_db_instance_identifier(id)),
        Kind::Instance => placed_instance!(ctx
            .rds()
            .restore_db_instance_from_db_snapshot()
            .db_instance_identifier(id)
            .db_snapshot_identifier(&point.id)),
        Kind::Cluster => {
            ctx.rds()
                .restore_db_cluster_from_snapshot()
                .db_cluster_identifier(id)
                .snapshot_identifier(&point.id)
                .engine(&db.engine)
                .db_subnet_group_name(id)
                .vpc_security_group_ids(&group)
                .tags(tag.clone())
                .send()
                .await
                .map_err(|e| crate::sdk_error::describe(&restoring, &e))?;
            // A restored cluster has no instance: its writer is made here.
            ctx.rds()
                .create_db_instance()
                .db_instance_identifier(writer(id))
                .db_cluster_identifier(id)
                .engine(&db.engine)
                .db_instance_class(class(db, options))
                .publicly_accessible(false)
                .tags(tag)
                .send()
                .await
                .map_err(|e| crate::sdk_error::describe(&format!("creating {id}'s writer"), &e))?;
            wait("aws_rds_cluster", id.to_string()).await?;
            wait("aws_rds_cluster_instance", writer(id)).await?;
        }
    }
    Ok(group)
}

/// The name of a restored cluster's writer instance.
fn writer(cluster: &str) -> String {
    format!("{cluster}-writer")
}

/// The class asked for, else the smallest of the kind.
fn class(db: &Database, options: &Options) -> String {
    options.instance_class.clone().unwrap_or_else(|| {
        match db.kind {
            Kind::Instance => "db.t3.micro",
            Kind::Cluster => "db.t3.medium",
        }
        .to_string()
    })
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

/// What a drill checks of a database, from either API.
struct Observed {
    status: String,
    engine: String,
    version: String,
    encrypted: bool,
    key: String,
    /// `None` where storage grows by itself (Aurora).
    storage: Option<i64>,
    parameter_group: String,
    family: Option<String>,
    /// A cluster's writer instance: whether it is available, and what it says.
    writer: Option<(bool, String)>,
}

/// An instance's DB parameter group and that group's family.
async fn parameter_family(ctx: &Ctx, db: &DbInstance) -> (String, Option<String>) {
    let group = db
        .db_parameter_groups()
        .first()
        .and_then(|g| g.db_parameter_group_name())
        .unwrap_or_default()
        .to_string();
    let family = ctx
        .rds()
        .describe_db_parameter_groups()
        .db_parameter_group_name(&group)
        .send()
        .await
        .ok()
        .and_then(|a| {
            a.db_parameter_groups()
                .first()
                .and_then(|g| g.db_parameter_group_family().map(str::to_string))
        });
    (group, family)
}

async fn observe(ctx: &Ctx, kind: Kind, id: &str) -> Option<Observed> {
    let rds = ctx.rds();
    match kind {
        Kind::Instance => {
            let db = describe(ctx, id).await?;
            let (group, family) = parameter_family(ctx, &db).await;
            Some(Observed {
                status: db.db_instance_status().unwrap_or_default().to_string(),
                engine: db.engine().unwrap_or_default().to_string(),
                version: db.engine_version().unwrap_or_default().to_string(),
                encrypted: db.storage_encrypted().unwrap_or(false),
                key: db.kms_key_id().unwrap_or_default().to_string(),
                storage: db.allocated_storage().map(i64::from),
                parameter_group: group,
                family,
                writer: None,
            })
        }
        Kind::Cluster => {
            let answer = rds
                .describe_db_clusters()
                .db_cluster_identifier(id)
                .send()
                .await
                .ok()?;
            let c = answer.db_clusters().first()?.clone();
            // The family of the writer's DB parameter group (aurora-mysql8.0): the engine
            // family the cluster runs, which every instance's group must match.
            let writer = c
                .db_cluster_members()
                .iter()
                .find(|m| m.is_cluster_writer() == Some(true))
                .and_then(|m| m.db_instance_identifier())
                .map(str::to_string);
            let writer_db = match &writer {
                Some(w) => describe(ctx, w).await,
                None => None,
            };
            let (group, family) = match &writer_db {
                Some(db) => parameter_family(ctx, db).await,
                None => (String::new(), None),
            };
            let writer = match (writer, &writer_db) {
                (Some(w), Some(db)) => {
                    let status = db.db_instance_status().unwrap_or_default();
                    (status == "available", format!("{w}: {status}"))
                }
                (Some(w), None) => (false, format!("{w} is gone")),
                (None, _) => (false, "the cluster has no writer".to_string()),
            };
            Some(Observed {
                status: c.status().unwrap_or_default().to_string(),
                engine: c.engine().unwrap_or_default().to_string(),
                version: c.engine_version().unwrap_or_default().to_string(),
                encrypted: c.storage_encrypted().unwrap_or(false),
                key: c.kms_key_id().unwrap_or_default().to_string(),
                storage: None,
                parameter_group: group,
                family,
                writer: Some(writer),
            })
        }
    }
}

/// The checks of a restored database against its source.
async fn checks(ctx: &Ctx, db: &Database, point: &RecoveryPoint, id: &str) -> Vec<Check> {
    let Some(restored) = observe(ctx, db.kind, id).await else {
        return vec![Check {
            name: "became available",
            ok: false,
            detail: format!("{id} is gone"),
        }];
    };
    let mut out = vec![Check {
        name: "became available",
        ok: restored.status == "available",
        detail: format!("status {}", restored.status),
    }];
    if let Some((ok, detail)) = restored.writer.clone() {
        out.push(Check {
            name: "writer came up",
            ok,
            detail,
        });
    }
    let (engine, version) = (&restored.engine, &restored.version);
    out.push(Check {
        name: "engine and major version",
        ok: *engine == db.engine
            && major_version(&db.engine, &db.engine_version) == major_version(engine, version),
        detail: format!(
            "{engine} {version}; the source runs {} {}",
            db.engine, db.engine_version
        ),
    });
    let region = &ctx.settings.region;
    let key = &restored.key;
    out.push(Check {
        name: "storage encryption",
        ok: restored.encrypted == point.encrypted
            && (!restored.encrypted || key.contains(&format!(":{region}:"))),
        detail: if restored.encrypted {
            format!("encrypted with {key}")
        } else {
            "not encrypted".to_string()
        },
    });
    if let Some(storage) = restored.storage {
        let want = point.allocated_storage.max(db.allocated_storage);
        out.push(Check {
            name: "allocated storage",
            ok: storage >= want,
            detail: format!("{storage} GiB; the source has {want} GiB"),
        });
    }
    let source_ctx = Ctx {
        aws: ctx.aws.clone(),
        settings: db.settings.clone(),
    };
    let source_family = observe(&source_ctx, db.kind, &db.identifier)
        .await
        .and_then(|o| o.family);
    out.push(Check {
        name: "parameter group family",
        ok: restored.family.is_some()
            && (source_family.is_none() || restored.family == source_family),
        detail: match (&restored.family, &source_family) {
            (Some(r), Some(s)) => format!("{r}; the source's is {s}"),
            (Some(r), None) => format!("{r}; the source is gone, nothing to compare"),
            _ => format!("parameter group {} has no family", restored.parameter_group),
        },
    });
    out
}
