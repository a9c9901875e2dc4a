//! `aws_db_instance_automated_backups_replication`: a DB instance's automated backups
//! replicated to the provider's Region (the destination), for disaster recovery: restorable
//! there to any point in the retention period. The state id is the replicated backups' ARN
//! in the destination Region. Every replication of a Region is read with one paginated
//! DescribeDBInstanceAutomatedBackups.

use crate::provider::aws::kit::prelude::*;
use aws_sdk_rds::types::DbInstanceAutomatedBackup as SdkBackup;

pub struct BackupReplication;
pub static DB_INSTANCE_AUTOMATED_BACKUPS_REPLICATION: BackupReplication = BackupReplication;

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    schema! {
        "A DB instance's automated backups replicated to this Region.";
        regional;
        id                     string output             "ARN of the replicated automated backups in this Region.";
        source_db_instance_arn string required force_new regex("^arn:", "an ARN, e.g. arn:aws:rds:eu-west-1:123456789012:db:orders") "ARN of the source DB instance (in another Region).";
        kms_key_id             string computed force_new "KMS key of this Region the replicated backups are encrypted with (required for an encrypted source).";
        retention_period       number force_new default(7) range(1.0, 35.0) "Days to keep the replicated backups.";
        pre_signed_url         string force_new virtual_ "A presigned StartDBInstanceAutomatedBackupsReplication request (GovCloud).";
        timeouts create(75) delete(75);
    }
});

static WAITER: Waiter = Waiter {
    noun: "replicated automated backups",
    key: "aws_db_instance_automated_backups_replication/status",
    statuses,
    pending: &["pending"],
    ready: &["replicating"],
};

/// The replications of this Region (backups whose source lives in another Region).
pub async fn replications(ctx: &Ctx) -> ProviderResult<Vec<SdkBackup>> {
    let pages = ctx
        .rds()
        .describe_db_instance_automated_backups()
        .into_paginator()
        .items()
        .send();
    let mut backups = all("describing automated backups", pages).await?;
    backups.retain(|b| {
        b.db_instance_automated_backups_arn().is_some() && b.region() != Some(ctx.region())
    });
    Ok(backups)
}

fn statuses(
    ctx: Ctx,
    ids: Vec<String>,
) -> futures::future::BoxFuture<'static, ProviderResult<BTreeMap<String, Value>>> {
    Box::pin(async move {
        Ok(replications(&ctx)
            .await?
            .iter()
            .filter_map(|b| {
                let arn = b.db_instance_automated_backups_arn()?;
                ids.iter()
                    .any(|i| i == arn)
                    .then(|| (arn.to_string(), wait::status_value(b.status(), false)))
            })
            .collect())
    })
}

fn state_of(b: &SdkBackup) -> Value {
    Value::Map(object! {
        "id" => b.db_instance_automated_backups_arn(),
        "source_db_instance_arn" => b.db_instance_arn(),
        "kms_key_id" => b.kms_key_id(),
        "retention_period" => b.backup_retention_period(),
    })
}

#[async_trait]
impl ResourceType for BackupReplication {
    named!(
        "aws_db_instance_automated_backups_replication",
        SCHEMA,
        WAITER
    );

    /// The source instance: a Region holds one replication of it at most, so an interrupted
    /// start is found again by it.
    fn natural_id(&self, planned: &Value) -> Option<String> {
        obj::string(planned, "source_db_instance_arn")
    }

    async fn read(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, Value>> {
        let backups = replications(ctx).await?;
        Ok(backups
            .iter()
            .filter(|b| {
                b.db_instance_automated_backups_arn()
                    .is_some_and(|arn| ids.iter().any(|i| i == arn))
            })
            .map(|b| {
                let arn = b.db_instance_automated_backups_arn().unwrap_or_default();
                (arn.to_string(), state_of(b))
            })
            .collect())
    }

    async fn find_by_natural_id(&self, ctx: &Ctx, source: &str) -> ProviderResult<Option<Value>> {
        let backups = replications(ctx).await?;
        Ok(backups
            .iter()
            .find(|b| b.db_instance_arn() == Some(source))
            .map(state_of))
    }

    async fn create(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        let source = state::required(planned, "source_db_instance_arn", self.type_name())?;
        let started = ctx
            .rds()
            .start_db_instance_automated_backups_replication()
            .source_db_instance_arn(&source)
            .set_backup_retention_period(obj::i32(planned, "retention_period"))
            .set_kms_key_id(obj::string(planned, "kms_key_id"))
            .set_pre_signed_url(obj::string(planned, "pre_signed_url"))
            .send()
            .await
            .during(&format!("replicating the automated backups of {source}"))?;
        let arn = started
            .db_instance_automated_backup()
            .and_then(|b| b.db_instance_automated_backups_arn())
            .ok_or_else(|| {
                ProviderError::new(format!("AWS named no replicated backups of {source}"))
            })?
            .to_string();
        lifecycle::ready_after_create(self, &WAITER, ctx, &arn, planned).await
    }

    async fn update(&self, _ctx: &Ctx, _prior: &Value, planned: &Value) -> ProviderResult<Value> {
        // Every argument replaces the replication: only `timeouts` can change in place.
        Ok(planned.clone())
    }

    async fn delete(&self, ctx: &Ctx, prior: &Value) -> ProviderResult<()> {
        let id = state::id(prior, self.type_name())?;
        let source = state::required(prior, "source_db_instance_arn", self.type_name())?;
        let stopped = ctx
            .rds()
            .stop_db_instance_automated_backups_replication()
            .source_db_instance_arn(&source)
            .send()
            .await
            .map(drop)
            .during(&format!(
                "stopping the replication of {source}'s automated backups"
            ));
        let gone = [
            "DBInstanceNotFound",
            "InvalidDBInstanceAutomatedBackupState",
        ];
        if unless(stopped, &gone)?.is_none() {
            return Ok(());
        }
        WAITER.gone(ctx, &id, SCHEMA.timeout(prior, "delete")).await
    }
}
