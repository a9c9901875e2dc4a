//! RDS snapshots: `aws_db_snapshot`, `aws_db_cluster_snapshot`, `aws_db_snapshot_copy` and
//! `aws_db_cluster_snapshot_copy` (the Aurora copy terraform-provider-aws lacks, #40429).
//!
//! Everything but `tags` forces a new snapshot: AWS cannot change a snapshot in place.
//!
//! **Copies across regions.** A copy is created through the *destination* region's provider:
//! the resource's own provider (alias) is the destination, and the source is given as an ARN
//! whose region is the source region. `destination_region` is accepted for Terraform
//! compatibility, but unlike Terraform (which ignores it, #39951) a value that differs from the
//! provider's region is an error. The Rust SDK has no `SourceRegion` shortcut; outside GovCloud
//! AWS ignores `PreSignedUrl` for these calls, so none is sent. An encrypted source copied to
//! another region needs `kms_key_id` (KMS keys are regional): that is checked before any call,
//! from the source snapshot described in the source region.

use super::{rds_tags, Ctx, ProviderSettings};
use crate::provider::{obj, ConfigProblem, ProviderError, ProviderResult, ResourceType};
use crate::schema::{Attribute, Schema};
use crate::value::{Map, Value};
use async_trait::async_trait;
use aws_sdk_rds::types::{DbClusterSnapshot as SdkCluster, DbSnapshot as SdkDb, Filter};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;
use std::time::Duration;

const CREATE_TIMEOUT: Duration = Duration::from_secs(20 * 60);
const DELETE_TIMEOUT: Duration = Duration::from_secs(20 * 60);

/// RDS filters accept at most 100 values.
const READ_BATCH: usize = 100;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Db,
    DbCopy,
    Cluster,
    ClusterCopy,
}

impl Kind {
    fn cluster(self) -> bool {
        matches!(self, Kind::Cluster | Kind::ClusterCopy)
    }

    fn copy(self) -> bool {
        matches!(self, Kind::DbCopy | Kind::ClusterCopy)
    }

    fn noun(self) -> &'static str {
        if self.cluster() {
            "DB cluster snapshot"
        } else {
            "DB snapshot"
        }
    }

    /// The argument holding the new snapshot's identifier.
    fn id_attr(self) -> &'static str {
        match self {
            Kind::Db => "db_snapshot_identifier",
            Kind::DbCopy => "target_db_snapshot_identifier",
            Kind::Cluster => "db_cluster_snapshot_identifier",
            Kind::ClusterCopy => "target_db_cluster_snapshot_identifier",
        }
    }

    fn source_attr(self) -> &'static str {
        match self {
            Kind::Db => "db_instance_identifier",
            Kind::DbCopy => "source_db_snapshot_identifier",
            Kind::Cluster => "db_cluster_identifier",
            Kind::ClusterCopy => "source_db_cluster_snapshot_identifier",
        }
    }

    fn arn_attr(self) -> &'static str {
        if self.cluster() {
            "db_cluster_snapshot_arn"
        } else {
            "db_snapshot_arn"
        }
    }
}

/// One RDS snapshot resource type.
pub struct Snapshot {
    kind: Kind,
}

pub static DB_SNAPSHOT: Snapshot = Snapshot { kind: Kind::Db };
pub static DB_SNAPSHOT_COPY: Snapshot = Snapshot { kind: Kind::DbCopy };
pub static DB_CLUSTER_SNAPSHOT: Snapshot = Snapshot {
    kind: Kind::Cluster,
};
pub static DB_CLUSTER_SNAPSHOT_COPY: Snapshot = Snapshot {
    kind: Kind::ClusterCopy,
};

fn out(name: &'static str) -> Attribute {
    Attribute::string(name).output()
}

fn schema(kind: Kind) -> Schema {
    let mut s = Schema::new()
        .describe(match kind {
            Kind::Db => "A manual snapshot of an RDS DB instance.",
            Kind::DbCopy => "A copy of a DB snapshot, possibly from another region or account.",
            Kind::Cluster => "A manual snapshot of an Aurora DB cluster.",
            Kind::ClusterCopy => {
                "A copy of a DB cluster snapshot, possibly from another region or account."
            }
        })
        .attr(out("id").describe("The snapshot identifier."))
        .attr({
            let a = Attribute::string(kind.source_attr()).required().force_new();
            // AWS names a copy's source only for some copies: state keeps the configured one.
            if kind.copy() { a.virtual_() } else { a }
        }
                .describe(match kind {
                    Kind::Db => "The DB instance to snapshot.",
                    Kind::Cluster => "The DB cluster to snapshot.",
                    _ => "The source snapshot: an identifier in this region, or an ARN (another region or account).",
                }),
        )
        .attr(
            Attribute::string(kind.id_attr())
                .required()
                .force_new()
                .describe("The identifier of the new snapshot."),
        )
        .attr(out(kind.arn_attr()))
        .attr(Attribute::number("allocated_storage").output())
        .attr(out("engine"))
        .attr(out("engine_version"))
        .attr(out("license_model"))
        .attr(Attribute::number("port").output())
        .attr(out("snapshot_type"))
        .attr(out("status"))
        .attr(out("vpc_id"));
    if kind.copy() {
        s = s
            .attr(
                Attribute::string("kms_key_id")
                    .computed()
                    .force_new()
                    .describe("KMS key of the copy, in the destination region; required to copy an encrypted snapshot across regions."),
            )
            .attr(
                Attribute::bool("copy_tags")
                    .force_new()
                    .virtual_()
                    .describe("Copy the source snapshot's tags."),
            )
            .attr(
                Attribute::string("destination_region")
                    .force_new()
                    .virtual_()
                    .describe("Must be the provider's region when set: a copy is made by the destination region's provider."),
            )
            .attr(out("source_region").describe("The region of the source snapshot."));
    } else {
        s = s.attr(out("kms_key_id"));
    }
    match kind {
        Kind::Db | Kind::DbCopy => {
            s = s
                .attr(out("availability_zone"))
                .attr(Attribute::bool("encrypted").output())
                .attr(Attribute::number("iops").output())
                .attr(out("storage_type"));
            s = if kind.copy() {
                s.attr(
                    Attribute::string("option_group_name")
                        .computed()
                        .force_new(),
                )
            } else {
                // On a plain snapshot the source is something AWS reports; on a copy it is the
                // argument declared above (declaring it twice made the copy's source unknown).
                s.attr(out("option_group_name"))
                    .attr(out("source_region"))
                    .attr(out("source_db_snapshot_identifier"))
            };
        }
        Kind::Cluster | Kind::ClusterCopy => {
            s = s
                .attr(Attribute::string_list("availability_zones").output())
                .attr(Attribute::bool("storage_encrypted").output())
                .attr(out("source_db_cluster_snapshot_arn"));
        }
    }
    s.tags()
}

static SCHEMAS: LazyLock<[Schema; 4]> = LazyLock::new(|| {
    [
        schema(Kind::Db),
        schema(Kind::DbCopy),
        schema(Kind::Cluster),
        schema(Kind::ClusterCopy),
    ]
});

/// The region of an ARN (`arn:aws:rds:REGION:ACCOUNT:snapshot:NAME`).
pub fn arn_region(s: &str) -> Option<&str> {
    let mut parts = s.split(':');
    (parts.next() == Some("arn"))
        .then(|| parts.nth(2))
        .flatten()
        .filter(|r| !r.is_empty())
}

/// The resource name at the end of an ARN, or `s` itself.
fn arn_name(s: &str) -> &str {
    if s.starts_with("arn:") {
        s.rsplit(':').next().unwrap_or(s)
    } else {
        s
    }
}

/// A snapshot of either kind, as far as state needs it.
struct Found {
    id: String,
    status: String,
    state: Value,
}

fn db_state(ctx: &Ctx, kind: Kind, s: &SdkDb) -> Found {
    let id = s.db_snapshot_identifier().unwrap_or_default().to_string();
    let (tags, tags_all) = rds_tags::state_values(ctx, &rds_tags::from_sdk(s.tag_list()));
    let mut m = Map::new();
    let mut put = |k: &str, v: Value| {
        m.insert(k.to_string(), v);
    };
    put("id", Value::from(id.as_str()));
    put(kind.id_attr(), Value::from(id.as_str()));
    put("db_snapshot_arn", obj::opt_str(s.db_snapshot_arn()));
    put("allocated_storage", obj::opt_i32(s.allocated_storage()));
    put("availability_zone", obj::opt_str(s.availability_zone()));
    put("encrypted", Value::Bool(s.encrypted().unwrap_or(false)));
    put("engine", obj::opt_str(s.engine()));
    put("engine_version", obj::opt_str(s.engine_version()));
    put("iops", obj::opt_i32(s.iops()));
    put("kms_key_id", obj::opt_str(s.kms_key_id()));
    put("license_model", obj::opt_str(s.license_model()));
    put("option_group_name", obj::opt_str(s.option_group_name()));
    put("port", obj::opt_i32(s.port()));
    put(
        "source_db_snapshot_identifier",
        obj::opt_str(s.source_db_snapshot_identifier()),
    );
    put("source_region", obj::opt_str(s.source_region()));
    put("snapshot_type", obj::opt_str(s.snapshot_type()));
    put("status", obj::opt_str(s.status()));
    put("storage_type", obj::opt_str(s.storage_type()));
    put("vpc_id", obj::opt_str(s.vpc_id()));
    put("tags", tags);
    put("tags_all", tags_all);
    match kind {
        Kind::Db => put(
            "db_instance_identifier",
            obj::opt_str(s.db_instance_identifier()),
        ),
        _ => {
            // Arguments AWS does not echo; a copy's source is only known for cross-region ones.
            for k in ["copy_tags", "destination_region"] {
                m.entry(k.to_string()).or_insert(Value::Null);
            }
            if m.get("source_region").is_none_or(Value::is_null) {
                m.insert("source_region".into(), Value::from(ctx.region()));
            }
        }
    }
    Found {
        id,
        status: s.status().unwrap_or_default().to_string(),
        state: Value::Map(m),
    }
}

fn cluster_state(ctx: &Ctx, kind: Kind, s: &SdkCluster) -> Found {
    let id = s
        .db_cluster_snapshot_identifier()
        .unwrap_or_default()
        .to_string();
    let (tags, tags_all) = rds_tags::state_values(ctx, &rds_tags::from_sdk(s.tag_list()));
    let mut m = Map::new();
    let mut put = |k: &str, v: Value| {
        m.insert(k.to_string(), v);
    };
    put("id", Value::from(id.as_str()));
    put(kind.id_attr(), Value::from(id.as_str()));
    put(
        "db_cluster_snapshot_arn",
        obj::opt_str(s.db_cluster_snapshot_arn()),
    );
    put("allocated_storage", obj::opt_i32(s.allocated_storage()));
    put(
        "availability_zones",
        obj::list(
            s.availability_zones()
                .iter()
                .map(|z| Value::from(z.as_str())),
        ),
    );
    put("engine", obj::opt_str(s.engine()));
    put("engine_version", obj::opt_str(s.engine_version()));
    put("kms_key_id", obj::opt_str(s.kms_key_id()));
    put("license_model", obj::opt_str(s.license_model()));
    put("port", obj::opt_i32(s.port()));
    put("snapshot_type", obj::opt_str(s.snapshot_type()));
    put(
        "source_db_cluster_snapshot_arn",
        obj::opt_str(s.source_db_cluster_snapshot_arn()),
    );
    put("status", obj::opt_str(s.status()));
    put(
        "storage_encrypted",
        Value::Bool(s.storage_encrypted().unwrap_or(false)),
    );
    put("vpc_id", obj::opt_str(s.vpc_id()));
    put("tags", tags);
    put("tags_all", tags_all);
    match kind {
        Kind::Cluster => put(
            "db_cluster_identifier",
            obj::opt_str(s.db_cluster_identifier()),
        ),
        _ => {
            let source_region = s
                .source_db_cluster_snapshot_arn()
                .and_then(arn_region)
                .unwrap_or(ctx.region())
                .to_string();
            put("source_region", Value::from(source_region));
            put(
                "source_db_cluster_snapshot_identifier",
                obj::opt_str(s.source_db_cluster_snapshot_arn()),
            );
            put("copy_tags", Value::Null);
            put("destination_region", Value::Null);
        }
    }
    Found {
        id,
        status: s.status().unwrap_or_default().to_string(),
        state: Value::Map(m),
    }
}

/// A ctx for another region of the same provider configuration (credentials, endpoints).
fn region_ctx(ctx: &Ctx, region: &str) -> Ctx {
    Ctx {
        aws: ctx.aws.clone(),
        settings: ProviderSettings {
            region: region.to_string(),
            ..ctx.settings.clone()
        },
    }
}

impl Snapshot {
    async fn describe(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<Vec<Found>> {
        let rds = ctx.rds();
        let mut out = Vec::new();
        for chunk in ids.chunks(READ_BATCH) {
            if self.kind.cluster() {
                let mut pages = rds
                    .describe_db_cluster_snapshots()
                    .filters(
                        Filter::builder()
                            .name("db-cluster-snapshot-id")
                            .set_values(Some(chunk.to_vec()))
                            .build(),
                    )
                    .into_paginator()
                    .send();
                while let Some(page) = pages.next().await {
                    let page =
                        page.map_err(|e| ProviderError::sdk("describing DB cluster snapshots", e))?;
                    out.extend(
                        page.db_cluster_snapshots()
                            .iter()
                            .map(|s| cluster_state(ctx, self.kind, s)),
                    );
                }
            } else {
                let mut pages = rds
                    .describe_db_snapshots()
                    .filters(
                        Filter::builder()
                            .name("db-snapshot-id")
                            .set_values(Some(chunk.to_vec()))
                            .build(),
                    )
                    .into_paginator()
                    .send();
                while let Some(page) = pages.next().await {
                    let page =
                        page.map_err(|e| ProviderError::sdk("describing DB snapshots", e))?;
                    out.extend(
                        page.db_snapshots()
                            .iter()
                            .map(|s| db_state(ctx, self.kind, s)),
                    );
                }
            }
        }
        // A name that differs is an eventual-consistency answer: absent.
        out.retain(|f| ids.iter().any(|i| i == &f.id));
        Ok(out)
    }

    async fn describe_one(&self, ctx: &Ctx, id: &str) -> ProviderResult<Option<Found>> {
        Ok(self.describe(ctx, &[id.to_string()]).await?.pop())
    }

    async fn wait_available(&self, ctx: &Ctx, id: &str) -> ProviderResult<()> {
        let noun = self.kind.noun();
        ctx.wait_until(
            &format!("{noun} {id} to become available"),
            CREATE_TIMEOUT,
            || async {
                match self.describe_one(ctx, id).await? {
                    None => Err(ProviderError::not_found(format!("{noun} {id} not found"))),
                    Some(f) if f.status == "available" => Ok(true),
                    Some(f) if ["creating", "copying", "pending"].contains(&f.status.as_str()) => {
                        Ok(false)
                    }
                    Some(f) => Err(ProviderError::new(format!(
                        "{noun} {id} is in unexpected status \"{}\" while waiting for it to become available",
                        f.status
                    ))),
                }
            },
        )
        .await
    }

    /// Reads back after a write and keeps what AWS never returns from the plan.
    async fn state_after_write(
        &self,
        ctx: &Ctx,
        id: &str,
        planned: &Value,
    ) -> ProviderResult<Value> {
        let f = self.describe_one(ctx, id).await?.ok_or_else(|| {
            ProviderError::not_found(format!(
                "{} {id} not found after writing it",
                self.kind.noun()
            ))
        })?;
        let mut state = f.state;
        if self.kind.copy() {
            obj::keep_from(
                &mut state,
                planned,
                &[self.kind.source_attr(), "copy_tags", "destination_region"],
            );
        }
        Ok(state)
    }

    /// For a copy: refuses what cannot work before any AWS call.
    async fn check_copy(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<()> {
        let target = obj::str(planned, self.kind.id_attr()).unwrap_or_default();
        if let Some(dest) = obj::str(planned, "destination_region") {
            if dest != ctx.region() {
                return Err(ProviderError::new(format!(
                    "{} {target}: destination_region is \"{dest}\" but the provider's region is \"{}\". \
                     A copy is created by the destination region's provider: give the resource a \
                     provider (alias) configured for {dest} and the source snapshot as an ARN, or \
                     remove destination_region",
                    self.kind.noun(),
                    ctx.region()
                )));
            }
        }
        let source = obj::str(planned, self.kind.source_attr()).unwrap_or_default();
        let source_region = arn_region(source).unwrap_or(ctx.region()).to_string();
        if source_region == ctx.region() || obj::str(planned, "kms_key_id").is_some() {
            return Ok(());
        }
        let source_ctx = region_ctx(ctx, &source_region);
        let name = arn_name(source);
        let encrypted = if self.kind.cluster() {
            source_ctx
                .rds()
                .describe_db_cluster_snapshots()
                .db_cluster_snapshot_identifier(name)
                .send()
                .await
                .ok()
                .and_then(|r| r.db_cluster_snapshots().first()?.storage_encrypted())
        } else {
            source_ctx
                .rds()
                .describe_db_snapshots()
                .db_snapshot_identifier(name)
                .send()
                .await
                .ok()
                .and_then(|r| r.db_snapshots().first()?.encrypted())
        };
        // A source that cannot be described here (shared from another account) is left to AWS.
        if encrypted == Some(true) {
            return Err(ProviderError::new(format!(
                "{} {target}: the source {source} in {source_region} is encrypted, and copying it \
                 to {} needs kms_key_id: KMS keys are regional, so the copy must be encrypted with \
                 a key in the destination region ({}). Set kms_key_id to the ARN, id or alias of a \
                 KMS key in {}",
                self.kind.noun(),
                ctx.region(),
                ctx.region(),
                ctx.region()
            )));
        }
        Ok(())
    }
}

#[async_trait]
impl ResourceType for Snapshot {
    fn type_name(&self) -> &'static str {
        match self.kind {
            Kind::Db => "aws_db_snapshot",
            Kind::DbCopy => "aws_db_snapshot_copy",
            Kind::Cluster => "aws_db_cluster_snapshot",
            Kind::ClusterCopy => "aws_db_cluster_snapshot_copy",
        }
    }

    /// The identifier strata chooses (the default looks for `identifier`, which a snapshot
    /// does not have): without it neither the journal nor a retried create could find one.
    fn natural_id(&self, planned: &Value) -> Option<String> {
        obj::str(planned, self.kind.id_attr()).map(str::to_lowercase)
    }

    fn schema(&self) -> &Schema {
        &SCHEMAS[self.kind as usize]
    }

    fn validate(&self, config: &Value) -> Vec<ConfigProblem> {
        let mut out = Vec::new();
        let attr = self.kind.id_attr();
        if let Some(id) = config.get(attr).and_then(Value::as_str) {
            let problem = if id.is_empty() || id.len() > 255 {
                Some("must be 1 to 255 characters")
            } else if !id.starts_with(|c: char| c.is_ascii_alphabetic()) {
                Some("must start with a letter")
            } else if !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
                Some("only letters, digits and hyphens are allowed")
            } else if id.contains("--") {
                Some("must not contain two consecutive hyphens")
            } else if id.ends_with('-') {
                Some("must not end with a hyphen")
            } else if self.kind.cluster() && id.len() > 63 {
                Some("must be at most 63 characters")
            } else {
                None
            };
            if let Some(p) = problem {
                out.push(ConfigProblem::new(
                    Some(attr),
                    format!("{attr} \"{id}\" is not a valid snapshot identifier: {p}"),
                    "a snapshot identifier starts with a letter and holds letters, digits and single hyphens",
                ));
            }
        }
        out
    }

    fn customize_plan(&self, prior: Option<&Value>, planned: &mut Value) {
        let Value::Map(m) = planned else { return };
        if let (Some(prior), true) = (prior, self.kind.copy()) {
            // The source as an id or as an ARN, and the key as an id or an ARN, are the same.
            let same_source = |p: &str, o: &str| arn_name(p) == arn_name(o);
            let same_key = |p: &str, o: &str| p == o || o.ends_with(&format!("key/{p}"));
            for (k, same) in [
                (
                    self.kind.source_attr(),
                    &same_source as &dyn Fn(&str, &str) -> bool,
                ),
                ("kms_key_id", &same_key),
            ] {
                if let (Some(p), Some(o)) = (m.get(k).and_then(Value::as_str), obj::str(prior, k)) {
                    if same(p, o) {
                        m.insert(k.into(), Value::from(o));
                    }
                }
            }
        }
        if m.get("tags").is_none_or(Value::is_null) {
            m.insert("tags".into(), Value::Map(Map::new()));
        }
        let id = m
            .get(self.kind.id_attr())
            .cloned()
            .unwrap_or(Value::Unknown);
        // AWS stores snapshot identifiers lower-cased.
        let id = match id {
            Value::String(s) => Value::from(s.to_lowercase()),
            other => other,
        };
        m.insert(self.kind.id_attr().into(), id.clone());
        m.insert("id".into(), id);
    }

    async fn read(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, Value>> {
        let unique: Vec<String> = ids
            .iter()
            .cloned()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        Ok(self
            .describe(ctx, &unique)
            .await?
            .into_iter()
            .map(|f| (f.id, f.state))
            .collect())
    }

    async fn wait_usable(&self, ctx: &Ctx, found: &Value) -> ProviderResult<()> {
        match obj::string(found, "id") {
            Some(id) => self.wait_available(ctx, &id).await,
            None => Ok(()),
        }
    }

    async fn create(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        let noun = self.kind.noun();
        let id = obj::str(planned, self.kind.id_attr())
            .ok_or_else(|| ProviderError::new(format!("{noun}: the identifier is not known")))?
            .to_lowercase();
        let source = obj::string(planned, self.kind.source_attr())
            .ok_or_else(|| ProviderError::new(format!("{noun} {id}: the source is not known")))?;
        let tags = rds_tags::create_tags(ctx, planned);
        let rds = ctx.rds();
        let what = format!("creating {noun} {id}");
        match self.kind {
            Kind::Db => {
                rds.create_db_snapshot()
                    .db_instance_identifier(&source)
                    .db_snapshot_identifier(&id)
                    .set_tags(tags)
                    .send()
                    .await
                    .map_err(|e| ProviderError::sdk(&what, e))?;
            }
            Kind::Cluster => {
                rds.create_db_cluster_snapshot()
                    .db_cluster_identifier(&source)
                    .db_cluster_snapshot_identifier(&id)
                    .set_tags(tags)
                    .send()
                    .await
                    .map_err(|e| ProviderError::sdk(&what, e))?;
            }
            Kind::DbCopy => {
                self.check_copy(ctx, planned).await?;
                rds.copy_db_snapshot()
                    .source_db_snapshot_identifier(&source)
                    .target_db_snapshot_identifier(&id)
                    .set_kms_key_id(obj::string(planned, "kms_key_id"))
                    .set_copy_tags(obj::bool(planned, "copy_tags"))
                    .set_option_group_name(obj::string(planned, "option_group_name"))
                    .set_tags(tags)
                    .send()
                    .await
                    .map_err(|e| ProviderError::sdk(&what, e))?;
            }
            Kind::ClusterCopy => {
                self.check_copy(ctx, planned).await?;
                rds.copy_db_cluster_snapshot()
                    .source_db_cluster_snapshot_identifier(&source)
                    .target_db_cluster_snapshot_identifier(&id)
                    .set_kms_key_id(obj::string(planned, "kms_key_id"))
                    .set_copy_tags(obj::bool(planned, "copy_tags"))
                    .set_tags(tags)
                    .send()
                    .await
                    .map_err(|e| ProviderError::sdk(&what, e))?;
            }
        }
        self.wait_available(ctx, &id).await?;
        self.state_after_write(ctx, &id, planned).await
    }

    async fn update(&self, ctx: &Ctx, prior: &Value, planned: &Value) -> ProviderResult<Value> {
        let id = obj::string(prior, "id").ok_or_else(|| {
            ProviderError::new(format!("{}: prior state has no id", self.kind.noun()))
        })?;
        let old_tags = obj::string_map(prior, "tags_all");
        let new_tags = rds_tags::planned_all(ctx, planned);
        if old_tags != new_tags {
            let arn = obj::string(prior, self.kind.arn_attr()).ok_or_else(|| {
                ProviderError::new(format!("{} {id}: no ARN in state", self.kind.noun()))
            })?;
            rds_tags::update(ctx, &arn, &old_tags, &new_tags).await?;
        }
        self.state_after_write(ctx, &id, planned).await
    }

    /// The create call's object exists, its answer lost: what create does after the call
    /// (an update could not start from an object still being created).
    async fn settle_retried_create(
        &self,
        ctx: &Ctx,
        found: &Value,
        planned: &Value,
    ) -> ProviderResult<Value> {
        let id = obj::string(found, "id")
            .ok_or_else(|| ProviderError::new("the snapshot found has no id"))?;
        self.wait_available(ctx, &id).await?;
        self.state_after_write(ctx, &id, planned).await
    }

    async fn delete(&self, ctx: &Ctx, prior: &Value) -> ProviderResult<()> {
        let Some(id) = obj::string(prior, "id") else {
            return Ok(());
        };
        let noun = self.kind.noun();
        let what = format!("deleting {noun} {id}");
        let rds = ctx.rds();
        if self.kind.cluster() {
            match rds
                .delete_db_cluster_snapshot()
                .db_cluster_snapshot_identifier(&id)
                .send()
                .await
            {
                Ok(_) => {}
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|s| s.is_db_cluster_snapshot_not_found_fault()) =>
                {
                    return Ok(())
                }
                Err(e) => return Err(ProviderError::sdk(&what, e)),
            }
        } else {
            match rds
                .delete_db_snapshot()
                .db_snapshot_identifier(&id)
                .send()
                .await
            {
                Ok(_) => {}
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|s| s.is_db_snapshot_not_found_fault()) =>
                {
                    return Ok(())
                }
                Err(e) => return Err(ProviderError::sdk(&what, e)),
            }
        }
        ctx.wait_until(
            &format!("{noun} {id} to be deleted"),
            DELETE_TIMEOUT,
            || async { Ok(self.describe_one(ctx, &id).await?.is_none()) },
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arn_parts() {
        let arn = "arn:aws:rds:us-east-1:123456789012:snapshot:db-snap";
        assert_eq!(arn_region(arn), Some("us-east-1"));
        assert_eq!(arn_name(arn), "db-snap");
        assert_eq!(arn_region("db-snap"), None);
        assert_eq!(arn_name("db-snap"), "db-snap");
    }

    #[test]
    fn identifiers_are_checked() {
        let cfg = |v: &str| {
            Value::Map(Map::from([(
                "db_snapshot_identifier".to_string(),
                Value::from(v),
            )]))
        };
        assert!(DB_SNAPSHOT.validate(&cfg("nightly-1")).is_empty());
        assert_eq!(DB_SNAPSHOT.validate(&cfg("1nightly")).len(), 1);
        assert_eq!(DB_SNAPSHOT.validate(&cfg("a--b")).len(), 1);
    }

    #[test]
    fn schemas_differ_per_kind() {
        assert!(DB_SNAPSHOT_COPY
            .schema()
            .attribute("destination_region")
            .is_some());
        assert!(DB_SNAPSHOT
            .schema()
            .attribute("destination_region")
            .is_none());
        assert!(DB_CLUSTER_SNAPSHOT
            .schema()
            .attribute("availability_zones")
            .is_some());
        let kms = DB_SNAPSHOT_COPY.schema().attribute("kms_key_id").unwrap();
        assert!(kms.force_new && kms.optional);
    }
}
