//! KMS: the `aws_kms_key` data source (one DescribeKey by key id, key ARN, alias name or alias
//! ARN), which copies across regions name their key with.

use crate::provider::aws::kit::prelude::*;

pub struct KmsKeyData;
pub static KMS_KEY_DATA: KmsKeyData = KmsKeyData;

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    schema! {
        "Looks up a KMS key by id, ARN, alias name (alias/aws/rds) or alias ARN.";
        regional;
        key_id                   string      required "Key id, key ARN, alias name or alias ARN.";
        grant_tokens             string_list;
        id                       string      output   "The key id (UUID), even when looked up by alias.";
        arn                      string      output;
        aws_account_id           string      output;
        cloud_hsm_cluster_id     string      output;
        custom_key_store_id      string      output;
        customer_master_key_spec string      output;
        description              string      output;
        expiration_model         string      output;
        key_manager              string      output;
        key_spec                 string      output;
        key_state                string      output;
        key_usage                string      output;
        origin                   string      output;
        creation_date            string      output;
        deletion_date            string      output;
        valid_to                 string      output;
        enabled                  bool        output;
        multi_region             bool        output;
        pending_deletion_window_in_days number output;
    }
});

#[async_trait]
impl DataSourceType for KmsKeyData {
    named!("aws_kms_key", SCHEMA);

    async fn read(&self, ctx: &Ctx, config: &Value) -> ProviderResult<Value> {
        let key_id = state::required(config, "key_id", self.type_name())?;
        let call = ctx.kms().describe_key().key_id(&key_id);
        let out = call
            .set_grant_tokens(modify::some_strings(config, "grant_tokens"))
            .send()
            .await;
        let out = out.during(&format!("describing KMS key {key_id}"))?;
        let k = out
            .key_metadata()
            .ok_or_else(|| ProviderError::new(format!("KMS key {key_id}: no metadata")))?;
        Ok(Value::Map(object! {
            "key_id" => key_id.as_str(),
            "grant_tokens" => config.get("grant_tokens").cloned().unwrap_or(Value::Null),
            "id" => k.key_id(),
            "arn" => k.arn(),
            "aws_account_id" => k.aws_account_id(),
            "cloud_hsm_cluster_id" => k.cloud_hsm_cluster_id(),
            "custom_key_store_id" => k.custom_key_store_id(),
            // Terraform still exposes the deprecated name; AWS fills both with the same value.
            "customer_master_key_spec" => k.key_spec().map(|s| s.as_str()),
            "description" => k.description(),
            "expiration_model" => k.expiration_model().map(|s| s.as_str()),
            "key_manager" => k.key_manager().map(|s| s.as_str()),
            "key_spec" => k.key_spec().map(|s| s.as_str()),
            "key_state" => k.key_state().map(|s| s.as_str()),
            "key_usage" => k.key_usage().map(|s| s.as_str()),
            "origin" => k.origin().map(|s| s.as_str()),
            "creation_date" => state::time(k.creation_date()),
            "deletion_date" => state::time(k.deletion_date()),
            "valid_to" => state::time(k.valid_to()),
            "enabled" => k.enabled(),
            "multi_region" => k.multi_region(),
            "pending_deletion_window_in_days" => k.pending_deletion_window_in_days(),
        }))
    }
}
