//! `aws_secretsmanager_secret_version`: one value of a secret, with its staging labels. The
//! state id is `SECRET_ARN|VERSION_ID`, as the provider's. The value is never read back: state
//! keeps a salted hash of it (or nothing at all, for the write-only `secret_string_wo`), and
//! a new value is a new version. The labels of every version asked are read with one
//! ListSecretVersionIds per secret.

use super::GONE;
use crate::provider::aws::kit::prelude::*;

pub struct SecretVersion;
pub static SECRET_VERSION: SecretVersion = SecretVersion;

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    schema! {
        "A value of a Secrets Manager secret.";
        regional;
        id                       string output "SECRET_ARN|VERSION_ID.";
        arn                      string output "The secret's ARN.";
        secret_id                string required force_new "The secret's ARN or name.";
        secret_string            string force_new hashed_secret exactly_one_of(&["secret_binary", "secret_string_wo"]) "The value, as text (state keeps a salted hash).";
        secret_binary            string force_new hashed_secret "The value, base64-encoded binary (state keeps a salted hash).";
        secret_string_wo         string write_only required_with(&["secret_string_wo_version"]) "The value, write-only (Terraform 1.11): sent when created and whenever secret_string_wo_version changes.";
        secret_string_wo_version number write_only_version force_new required_with(&["secret_string_wo"]) "Change it to send secret_string_wo again.";
        version_id               string output "The version's id.";
        version_stages           string_set computed "Staging labels (AWSCURRENT when not set).";
    }
});

/// `ARN|VERSION_ID`.
fn split_id(id: &str) -> Option<(&str, &str)> {
    id.split_once('|')
        .filter(|(a, v)| !a.is_empty() && !v.is_empty())
}

/// The staging labels of every version of `secret`: version id → labels.
async fn versions(ctx: &Ctx, secret: String) -> ProviderResult<BTreeMap<String, Vec<String>>> {
    let pages = ctx
        .secretsmanager()
        .list_secret_version_ids()
        .secret_id(&secret)
        .into_paginator()
        .send();
    let listed = unless(all("listing secret versions", pages).await, GONE)?;
    Ok(listed
        .unwrap_or_default()
        .iter()
        .flat_map(|page| page.versions())
        .filter_map(|v| Some((v.version_id()?.to_string(), v.version_stages().to_vec())))
        .collect())
}

fn state_of(arn: &str, version: &str, stages: &[String]) -> Value {
    Value::Map(object! {
        "id" => format!("{arn}|{version}"),
        "arn" => arn,
        "secret_id" => arn,
        "version_id" => version,
        "version_stages" => obj::set(stages.iter().map(|s| Value::from(s.as_str()))),
    })
}

/// Moves `stages` onto or off `version`: each label AWS keeps on one version at a time.
async fn restage(
    ctx: &Ctx,
    arn: &str,
    version: &str,
    add: &[String],
    remove: &[String],
) -> ProviderResult<()> {
    for stage in add {
        let call = ctx.secretsmanager().update_secret_version_stage();
        call.secret_id(arn)
            .version_stage(stage)
            .move_to_version_id(version)
            .send()
            .await
            .during(&format!("labelling version {version} of {arn} {stage}"))?;
    }
    for stage in remove {
        let call = ctx.secretsmanager().update_secret_version_stage();
        let removed = call
            .secret_id(arn)
            .version_stage(stage)
            .remove_from_version_id(version)
            .send()
            .await
            .map(drop)
            .during(&format!(
                "removing label {stage} from version {version} of {arn}"
            ));
        unless(removed, GONE)?;
    }
    Ok(())
}

#[async_trait]
impl ResourceType for SecretVersion {
    named!("aws_secretsmanager_secret_version", SCHEMA);

    fn natural_id(&self, _planned: &Value) -> Option<String> {
        None
    }

    async fn read(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, Value>> {
        let wanted: Vec<(&str, &str)> = ids.iter().filter_map(|i| split_id(i)).collect();
        let secrets = state::unique(
            &wanted
                .iter()
                .map(|(a, _)| a.to_string())
                .collect::<Vec<_>>(),
        );
        let listed = read_each(secrets, |secret| versions(ctx, secret)).await?;
        Ok(wanted
            .into_iter()
            .filter_map(|(arn, version)| {
                let stages = listed.get(arn)?.get(version)?;
                Some((format!("{arn}|{version}"), state_of(arn, version, stages)))
            })
            .collect())
    }

    async fn create(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        let secret = state::required(planned, "secret_id", self.type_name())?;
        let binary = match obj::str(planned, "secret_binary") {
            Some(b) => Some(aws_smithy_types::Blob::new(
                base64::Engine::decode(&base64::engine::general_purpose::STANDARD, b)
                    .map_err(|e| ProviderError::new(format!("secret_binary is not base64: {e}")))?,
            )),
            None => None,
        };
        let text = obj::string(planned, "secret_string")
            .or_else(|| obj::string(planned, "secret_string_wo"));
        let put = ctx
            .secretsmanager()
            .put_secret_value()
            .secret_id(&secret)
            .set_secret_string(text)
            .set_secret_binary(binary)
            .set_version_stages(modify::some_strings(planned, "version_stages"))
            .send()
            .await
            .during(&format!("putting a value of secret {secret}"))?;
        let arn = put.arn().unwrap_or(&secret).to_string();
        let version = put.version_id().unwrap_or_default().to_string();
        let stages: Vec<String> = put.version_stages().to_vec();
        Ok(state::with_virtual(
            &SCHEMA,
            state_of(&arn, &version, &stages),
            planned,
        ))
    }

    async fn update(&self, ctx: &Ctx, prior: &Value, planned: &Value) -> ProviderResult<Value> {
        let id = state::id(prior, self.type_name())?;
        let (arn, version) =
            split_id(&id).ok_or_else(|| ProviderError::new(format!("{id}: not ARN|VERSION_ID")))?;
        let (before, after) = (
            obj::strings(prior, "version_stages"),
            obj::strings(planned, "version_stages"),
        );
        if planned.get("version_stages").is_some_and(Value::is_known) {
            let add: Vec<String> = after
                .iter()
                .filter(|s| !before.contains(s))
                .cloned()
                .collect();
            let remove: Vec<String> = before
                .iter()
                .filter(|s| !after.contains(s))
                .cloned()
                .collect();
            restage(ctx, arn, version, &add, &remove).await?;
        }
        let now = versions(ctx, arn.to_string()).await?;
        let stages = now.get(version).cloned().unwrap_or_default();
        Ok(state::with_virtual(
            &SCHEMA,
            state_of(arn, version, &stages),
            planned,
        ))
    }

    /// The version's labels are taken off; AWSCURRENT stays (a secret always has a current
    /// value: AWS removes a version only when it holds no label), as the provider does.
    async fn delete(&self, ctx: &Ctx, prior: &Value) -> ProviderResult<()> {
        let id = state::id(prior, self.type_name())?;
        let Some((arn, version)) = split_id(&id) else {
            return Ok(());
        };
        let now = versions(ctx, arn.to_string()).await?;
        let Some(stages) = now.get(version) else {
            return Ok(());
        };
        let remove: Vec<String> = stages
            .iter()
            .filter(|s| *s != "AWSCURRENT")
            .cloned()
            .collect();
        restage(ctx, arn, version, &[], &remove).await
    }

    async fn import(&self, ctx: &Ctx, id: &str) -> ProviderResult<Option<Value>> {
        if split_id(id).is_none() {
            return Err(ProviderError::new(format!(
                "\"{id}\" is not an import id of aws_secretsmanager_secret_version: write SECRET_ARN|VERSION_ID"
            )));
        }
        Ok(self.read(ctx, &[id.to_string()]).await?.remove(id))
    }
}
