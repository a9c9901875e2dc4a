//! Data source `aws_secretsmanager_secret`: a secret's metadata by ARN or name, with its
//! resource policy. One DescribeSecret (which, unlike ListSecrets, also finds a secret another
//! account shares by ARN) and one GetResourcePolicy; a secret scheduled for deletion is not
//! found, as the provider treats it.

use super::GONE;
use crate::provider::aws::kit::prelude::*;

pub struct SecretData;
pub static SECRET_DATA: SecretData = SecretData;

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    schema! {
        "Looks up a Secrets Manager secret's metadata by ARN or name (its value: aws_secretsmanager_secret_version).";
        regional;
        arn               string     computed exactly_one_of(&["name"]) "The secret's ARN.";
        name              string     computed exactly_one_of(&["arn"]) "The secret's name.";
        id                string     output   "The secret's ARN.";
        description       string     output;
        kms_key_id        string     output   "KMS key that encrypts the secret's values (none: aws/secretsmanager).";
        policy            string     output   "The resource policy as JSON; empty when there is none.";
        tags              string_map output;
        created_date      string     output;
        last_changed_date string     output;
    }
});

#[async_trait]
impl DataSourceType for SecretData {
    named!("aws_secretsmanager_secret", SCHEMA);

    async fn read(&self, ctx: &Ctx, config: &Value) -> ProviderResult<Value> {
        let id = obj::string(config, "arn")
            .or_else(|| obj::string(config, "name"))
            .ok_or_else(|| {
                ProviderError::new("aws_secretsmanager_secret: arn or name is not known")
            })?;
        let sm = ctx.secretsmanager();
        let described = sm.describe_secret().secret_id(&id).send().await;
        let described = unless(described.during(&format!("describing secret {id}")), GONE)?
            .filter(|s| s.deleted_date().is_none())
            .ok_or_else(|| ProviderError::new(format!("no secret \"{id}\" found")))?;
        let arn = described.arn().unwrap_or(&id);
        let policy = sm.get_resource_policy().secret_id(arn).send().await;
        let policy = policy.during(&format!("reading the resource policy of secret {arn}"))?;
        let tags = described.tags().iter().map(|t| (t.key(), t.value()));
        Ok(Value::Map(object! {
            "id" => arn,
            "arn" => arn,
            "name" => described.name(),
            "description" => described.description(),
            "kms_key_id" => described.kms_key_id(),
            "policy" => policy.resource_policy().unwrap_or_default(),
            "tags" => obj::map(tags::from_pairs(tags)),
            "created_date" => state::time(described.created_date()),
            "last_changed_date" => state::time(described.last_changed_date()),
        }))
    }
}
