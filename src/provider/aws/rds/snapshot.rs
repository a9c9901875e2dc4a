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

use crate::provider::aws::kit::prelude::*;
use aws_sdk_rds::types::{DbClusterSnapshot as SdkCluster, DbSnapshot as SdkDb, Filter};

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

    fn waiter(self) -> &'static Waiter {
        if self.cluster() {
            &CLUSTER_WAITER
        } else {
            &DB_WAITER
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

/// A snapshot identifier: 1-255 characters (63 for a cluster snapshot), the RDS shape.
fn snapshot_id(v: &Value, max: usize) -> Option<String> {
    let id = v.as_str()?;
    if id.is_empty() || id.len() > 255 {
        return Some("must be 1 to 255 characters".into());
    }
    super::snapshot_identifier(v)
        .or_else(|| (id.len() > max).then(|| format!("must be at most {max} characters")))
}

fn schema(kind: Kind) -> Schema {
    let source = Attribute::string(kind.source_attr()).required().force_new();
    // AWS names a copy's source only for some copies: state keeps the configured one; as an
    // id or as an ARN it is the same snapshot.
    let source = match kind.copy() {
        true => source
            .virtual_()
            .equivalent(|p, o| arn_name(p) == arn_name(o)),
        false => source,
    };
    let id = Attribute::string(kind.id_attr())
        .required()
        .force_new()
        .lowercase();
    let id = if kind.cluster() {
        id.check(|v| snapshot_id(v, 63))
    } else {
        id.check(|v| snapshot_id(v, 255))
    };
    let s = schema! {
        "";
        id string output "The snapshot identifier.";
        regional;
    }
    .attr(source.describe(match kind {
        Kind::Db => "The DB instance to snapshot.",
        Kind::Cluster => "The DB cluster to snapshot.",
        _ => "The source snapshot: an identifier in this region, or an ARN (another region or account).",
    }))
    .attr(id.describe("The identifier of the new snapshot."))
    .attr(Attribute::string(kind.arn_attr()).output());
    let s = schema! {
        with s;
        allocated_storage number output;
        engine            string output;
        engine_version    string output;
        license_model     string output;
        port              number output;
        snapshot_type     string output;
        status            string output;
        vpc_id            string output;
    };
    let s = if kind.copy() {
        schema! {
            with s;
            kms_key_id         string computed force_new equivalent(|p, o| p == o || o.ends_with(&format!("key/{p}"))) "KMS key of the copy, in the destination region; required to copy an encrypted snapshot across regions.";
            copy_tags          bool   force_new virtual_  "Copy the source snapshot's tags.";
            destination_region string force_new virtual_  "Must be the provider's region when set: a copy is made by the destination region's provider.";
            source_region      string output              "The region of the source snapshot.";
        }
    } else {
        s.attr(Attribute::string("kms_key_id").output())
    };
    let s = match kind {
        Kind::Db => schema! {
            with s;
            availability_zone string output;
            encrypted         bool   output;
            iops              number output;
            storage_type      string output;
            // On a plain snapshot the source is something AWS reports; on a copy it is the
            // argument declared above (declaring it twice made the copy's source unknown).
            option_group_name string output;
            source_region     string output;
            source_db_snapshot_identifier string output;
        },
        Kind::DbCopy => schema! {
            with s;
            availability_zone string output;
            encrypted         bool   output;
            iops              number output;
            storage_type      string output;
            option_group_name string computed force_new;
        },
        Kind::Cluster | Kind::ClusterCopy => schema! {
            with s;
            availability_zones             string_list output;
            storage_encrypted              bool        output;
            source_db_cluster_snapshot_arn string      output;
        },
    };
    let description = match kind {
        Kind::Db => "A manual snapshot of an RDS DB instance.",
        Kind::DbCopy => "A copy of a DB snapshot, possibly from another region or account.",
        Kind::Cluster => "A manual snapshot of an Aurora DB cluster.",
        Kind::ClusterCopy => {
            "A copy of a DB cluster snapshot, possibly from another region or account."
        }
    };
    s.tags()
        .id_from(kind.id_attr())
        .describe(description)
        .timeouts(&[("create", 20)])
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
    let id = s.db_snapshot_identifier().unwrap_or_default();
    let mut m = object! {
        "id" => id,
        "db_snapshot_arn" => s.db_snapshot_arn(),
        "allocated_storage" => s.allocated_storage(),
        "availability_zone" => s.availability_zone(),
        "encrypted" => s.encrypted().unwrap_or(false),
        "engine" => s.engine(),
        "engine_version" => s.engine_version(),
        "iops" => s.iops(),
        "kms_key_id" => s.kms_key_id(),
        "license_model" => s.license_model(),
        "option_group_name" => s.option_group_name(),
        "port" => s.port(),
        "source_db_snapshot_identifier" => s.source_db_snapshot_identifier(),
        // A copy's source region is only known for cross-region ones.
        "source_region" => s.source_region().or((kind == Kind::DbCopy).then(|| ctx.region())),
        "snapshot_type" => s.snapshot_type(),
        "status" => s.status(),
        "storage_type" => s.storage_type(),
        "vpc_id" => s.vpc_id(),
    };
    m.insert(kind.id_attr().into(), Value::from(id));
    if kind == Kind::Db {
        m.insert(
            "db_instance_identifier".into(),
            s.db_instance_identifier().to_value(),
        );
    }
    tags::put(ctx, &mut m, tags::read(s.tag_list()));
    Found {
        id: id.to_string(),
        status: s.status().unwrap_or_default().to_string(),
        state: state::complete(&SCHEMAS[kind as usize], m),
    }
}

fn cluster_state(ctx: &Ctx, kind: Kind, s: &SdkCluster) -> Found {
    let id = s.db_cluster_snapshot_identifier().unwrap_or_default();
    let source_arn = s.source_db_cluster_snapshot_arn();
    let mut m = object! {
        "id" => id,
        "db_cluster_snapshot_arn" => s.db_cluster_snapshot_arn(),
        "allocated_storage" => s.allocated_storage(),
        "availability_zones" => obj::list(s.availability_zones().iter().map(|z| Value::from(z.as_str()))),
        "engine" => s.engine(),
        "engine_version" => s.engine_version(),
        "kms_key_id" => s.kms_key_id(),
        "license_model" => s.license_model(),
        "port" => s.port(),
        "snapshot_type" => s.snapshot_type(),
        "source_db_cluster_snapshot_arn" => source_arn,
        "status" => s.status(),
        "storage_encrypted" => s.storage_encrypted().unwrap_or(false),
        "vpc_id" => s.vpc_id(),
    };
    m.insert(kind.id_attr().into(), Value::from(id));
    let extra = match kind {
        Kind::Cluster => object! { "db_cluster_identifier" => s.db_cluster_identifier() },
        _ => object! {
            "source_region" => source_arn.and_then(arn_region).unwrap_or(ctx.region()),
            "source_db_cluster_snapshot_identifier" => source_arn,
        },
    };
    m.extend(extra);
    tags::put(ctx, &mut m, tags::read(s.tag_list()));
    Found {
        id: id.to_string(),
        status: s.status().unwrap_or_default().to_string(),
        state: state::complete(&SCHEMAS[kind as usize], m),
    }
}

/// The statuses of the snapshots among `ids`, for the waiters.
fn statuses(
    kind: Kind,
    ctx: Ctx,
    ids: Vec<String>,
) -> futures::future::BoxFuture<'static, ProviderResult<BTreeMap<String, Value>>> {
    Box::pin(async move {
        let found = describe(&ctx, kind, &ids).await?;
        Ok(found
            .into_iter()
            .map(|f| (f.id, wait::status_value(Some(&f.status), false)))
            .collect())
    })
}

const PENDING: &[&str] = &["creating", "copying", "pending"];

static DB_WAITER: Waiter = Waiter {
    noun: "DB snapshot",
    key: "aws_db_snapshot/status",
    statuses: |ctx, ids| statuses(Kind::Db, ctx, ids),
    pending: PENDING,
    ready: &["available"],
};

static CLUSTER_WAITER: Waiter = Waiter {
    noun: "DB cluster snapshot",
    key: "aws_db_cluster_snapshot/status",
    statuses: |ctx, ids| statuses(Kind::Cluster, ctx, ids),
    pending: PENDING,
    ready: &["available"],
};

/// The snapshots of `kind` with these ids, ≤100 per call, all pages.
async fn describe(ctx: &Ctx, kind: Kind, ids: &[String]) -> ProviderResult<Vec<Found>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(READ_BATCH) {
        let filter = |name: &str| {
            Filter::builder()
                .name(name)
                .set_values(Some(chunk.to_vec()))
                .build()
        };
        if kind.cluster() {
            let pages = ctx
                .rds()
                .describe_db_cluster_snapshots()
                .filters(filter("db-cluster-snapshot-id"));
            let found = all(
                "describing DB cluster snapshots",
                pages.into_paginator().items().send(),
            )
            .await?;
            out.extend(found.iter().map(|s| cluster_state(ctx, kind, s)));
        } else {
            let pages = ctx
                .rds()
                .describe_db_snapshots()
                .filters(filter("db-snapshot-id"));
            let found = all(
                "describing DB snapshots",
                pages.into_paginator().items().send(),
            )
            .await?;
            out.extend(found.iter().map(|s| db_state(ctx, kind, s)));
        }
    }
    // A name that differs is an eventual-consistency answer: absent.
    out.retain(|f| ids.iter().any(|i| i == &f.id));
    Ok(out)
}

impl Snapshot {
    fn registered(&self) -> &'static Snapshot {
        match self.kind {
            Kind::Db => &DB_SNAPSHOT,
            Kind::DbCopy => &DB_SNAPSHOT_COPY,
            Kind::Cluster => &DB_CLUSTER_SNAPSHOT,
            Kind::ClusterCopy => &DB_CLUSTER_SNAPSHOT_COPY,
        }
    }

    /// For a copy: refuses what cannot work before any AWS call.
    async fn check_copy(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<()> {
        let (noun, here) = (self.kind.noun(), ctx.region());
        let target = obj::str(planned, self.kind.id_attr()).unwrap_or_default();
        if let Some(dest) = obj::str(planned, "destination_region").filter(|d| *d != here) {
            return Err(ProviderError::new(format!(
                "{noun} {target}: destination_region is \"{dest}\" but the provider's region is \"{here}\". \
                 A copy is created by the destination region's provider: give the resource a \
                 provider (alias) configured for {dest} and the source snapshot as an ARN, or \
                 remove destination_region"
            )));
        }
        let source = obj::str(planned, self.kind.source_attr()).unwrap_or_default();
        let source_region = arn_region(source).unwrap_or(here).to_string();
        if source_region == here || obj::str(planned, "kms_key_id").is_some() {
            return Ok(());
        }
        let rds = ctx.in_region(&source_region).rds();
        let name = arn_name(source);
        let encrypted = if self.kind.cluster() {
            let found = rds
                .describe_db_cluster_snapshots()
                .db_cluster_snapshot_identifier(name)
                .send()
                .await;
            found
                .ok()
                .and_then(|r| r.db_cluster_snapshots().first()?.storage_encrypted())
        } else {
            let found = rds
                .describe_db_snapshots()
                .db_snapshot_identifier(name)
                .send()
                .await;
            found
                .ok()
                .and_then(|r| r.db_snapshots().first()?.encrypted())
        };
        // A source that cannot be described here (shared from another account) is left to AWS.
        if encrypted == Some(true) {
            return Err(ProviderError::new(format!(
                "{noun} {target}: the source {source} in {source_region} is encrypted, and copying it \
                 to {here} needs kms_key_id: KMS keys are regional, so the copy must be encrypted with \
                 a key in the destination region ({here}). Set kms_key_id to the ARN, id or alias of a \
                 KMS key in {here}"
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

    fn customize_plan(&self, _prior: Option<&Value>, planned: &mut Value) {
        let Value::Map(m) = planned else { return };
        if m.get("tags").is_none_or(Value::is_null) {
            m.insert("tags".into(), Value::Map(Map::new()));
        }
    }

    async fn read(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, Value>> {
        let unique: Vec<String> = state::unique(ids);
        let found = describe(ctx, self.kind, &unique).await?;
        Ok(found.into_iter().map(|f| (f.id, f.state)).collect())
    }

    fn waiter(&self) -> Option<&'static Waiter> {
        Some(self.kind.waiter())
    }

    async fn create(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        let noun = self.kind.noun();
        let id = state::required(planned, self.kind.id_attr(), noun)?.to_lowercase();
        let source = state::required(planned, self.kind.source_attr(), noun)?;
        let (tags, rds) = (tags::for_create(ctx, planned), ctx.rds());
        let what = format!("creating {noun} {id}");
        if self.kind.copy() {
            self.check_copy(ctx, planned).await?;
        }
        let (kms, copy_tags) = (
            obj::string(planned, "kms_key_id"),
            obj::bool(planned, "copy_tags"),
        );
        match self.kind {
            Kind::Db => {
                let call = rds
                    .create_db_snapshot()
                    .db_instance_identifier(&source)
                    .db_snapshot_identifier(&id);
                call.set_tags(tags).send().await.during(&what).map(drop)
            }
            Kind::Cluster => {
                let call = rds
                    .create_db_cluster_snapshot()
                    .db_cluster_identifier(&source);
                call.db_cluster_snapshot_identifier(&id)
                    .set_tags(tags)
                    .send()
                    .await
                    .during(&what)
                    .map(drop)
            }
            Kind::DbCopy => {
                let call = rds
                    .copy_db_snapshot()
                    .source_db_snapshot_identifier(&source)
                    .target_db_snapshot_identifier(&id);
                let call = call
                    .set_kms_key_id(kms)
                    .set_copy_tags(copy_tags)
                    .set_tags(tags);
                call.set_option_group_name(obj::string(planned, "option_group_name"))
                    .send()
                    .await
                    .during(&what)
                    .map(drop)
            }
            Kind::ClusterCopy => {
                let call = rds
                    .copy_db_cluster_snapshot()
                    .source_db_cluster_snapshot_identifier(&source);
                let call = call
                    .target_db_cluster_snapshot_identifier(&id)
                    .set_kms_key_id(kms);
                call.set_copy_tags(copy_tags)
                    .set_tags(tags)
                    .send()
                    .await
                    .during(&what)
                    .map(drop)
            }
        }?;
        lifecycle::ready_after_create(self, self.kind.waiter(), ctx, &id, planned).await
    }

    async fn update(&self, ctx: &Ctx, prior: &Value, planned: &Value) -> ProviderResult<Value> {
        let id = state::id(prior, self.type_name())?;
        tags::update_at(
            ctx,
            Service::Rds,
            obj::str(prior, self.kind.arn_attr()),
            prior,
            planned,
        )
        .await?;
        state::read_back(ctx, self.registered(), &id, planned).await
    }

    async fn delete(&self, ctx: &Ctx, prior: &Value) -> ProviderResult<()> {
        let Some(id) = obj::string(prior, "id") else {
            return Ok(());
        };
        let (what, rds) = (format!("deleting {} {id}", self.kind.noun()), ctx.rds());
        let deleted = if self.kind.cluster() {
            let call = rds
                .delete_db_cluster_snapshot()
                .db_cluster_snapshot_identifier(&id)
                .send()
                .await;
            unless(
                call.during(&what).map(drop),
                &["DBClusterSnapshotNotFoundFault"],
            )?
        } else {
            let call = rds
                .delete_db_snapshot()
                .db_snapshot_identifier(&id)
                .send()
                .await;
            unless(call.during(&what).map(drop), &["DBSnapshotNotFound"])?
        };
        match deleted {
            Some(()) => self.kind.waiter().gone(ctx, &id, DELETE_TIMEOUT).await,
            None => Ok(()),
        }
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
        let problems = |c| crate::provider::config_problems(&DB_SNAPSHOT, &c);
        assert!(problems(cfg("nightly-1")).is_empty());
        assert_eq!(problems(cfg("1nightly")).len(), 1);
        assert_eq!(problems(cfg("a--b")).len(), 1);
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
