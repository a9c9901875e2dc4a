//! Data source `aws_kms_key`: one DescribeKey by key id, key ARN, alias name or alias ARN.

use super::Ctx;
use crate::provider::{obj, DataSourceType, ProviderError, ProviderResult};
use crate::schema::{Attribute, Schema};
use crate::value::{Map, Value};
use async_trait::async_trait;
use std::sync::LazyLock;

pub struct KmsKeyData;

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    let mut s = Schema::new()
        .describe("Looks up a KMS key by id, ARN, alias name (alias/aws/rds) or alias ARN.")
        .attr(
            Attribute::string("key_id")
                .required()
                .describe("Key id, key ARN, alias name or alias ARN."),
        )
        .attr(Attribute::string_list("grant_tokens"))
        .attr(
            Attribute::string("id")
                .output()
                .describe("The key id (UUID), even when looked up by alias."),
        );
    for name in [
        "arn",
        "aws_account_id",
        "cloud_hsm_cluster_id",
        "custom_key_store_id",
        "customer_master_key_spec",
        "description",
        "expiration_model",
        "key_manager",
        "key_spec",
        "key_state",
        "key_usage",
        "origin",
        "creation_date",
        "deletion_date",
        "valid_to",
    ] {
        s = s.attr(Attribute::string(name).output());
    }
    s.attr(Attribute::bool("enabled").output())
        .attr(Attribute::bool("multi_region").output())
        .attr(Attribute::number("pending_deletion_window_in_days").output())
});

fn rfc3339(t: Option<&aws_smithy_types::DateTime>) -> Value {
    t.and_then(|t| t.fmt(aws_smithy_types::date_time::Format::DateTime).ok())
        .map(Value::from)
        .unwrap_or(Value::Null)
}

#[async_trait]
impl DataSourceType for KmsKeyData {
    fn type_name(&self) -> &'static str {
        "aws_kms_key"
    }

    fn schema(&self) -> &Schema {
        &SCHEMA
    }

    async fn read(&self, ctx: &Ctx, config: &Value) -> ProviderResult<Value> {
        let key_id = obj::string(config, "key_id")
            .ok_or_else(|| ProviderError::new("aws_kms_key: key_id is required"))?;
        let grants = obj::strings(config, "grant_tokens");
        let out = ctx
            .kms()
            .describe_key()
            .key_id(&key_id)
            .set_grant_tokens((!grants.is_empty()).then_some(grants))
            .send()
            .await
            .map_err(|e| ProviderError::sdk(&format!("describing KMS key {key_id}"), e))?;
        let k = out
            .key_metadata()
            .ok_or_else(|| ProviderError::new(format!("KMS key {key_id}: no metadata")))?;
        let mut m = Map::new();
        let mut put = |k: &str, v: Value| {
            m.insert(k.to_string(), v);
        };
        put("key_id", Value::from(key_id.as_str()));
        put(
            "grant_tokens",
            config.get("grant_tokens").cloned().unwrap_or(Value::Null),
        );
        put("id", Value::from(k.key_id()));
        put("arn", obj::opt_str(k.arn()));
        put("aws_account_id", obj::opt_str(k.aws_account_id()));
        put(
            "cloud_hsm_cluster_id",
            obj::opt_str(k.cloud_hsm_cluster_id()),
        );
        put("custom_key_store_id", obj::opt_str(k.custom_key_store_id()));
        // Terraform still exposes the deprecated name; AWS fills both with the same value.
        put(
            "customer_master_key_spec",
            obj::opt_str(k.key_spec().map(|s| s.as_str())),
        );
        put("description", obj::opt_str(k.description()));
        put(
            "expiration_model",
            obj::opt_str(k.expiration_model().map(|s| s.as_str())),
        );
        put(
            "key_manager",
            obj::opt_str(k.key_manager().map(|s| s.as_str())),
        );
        put("key_spec", obj::opt_str(k.key_spec().map(|s| s.as_str())));
        put("key_state", obj::opt_str(k.key_state().map(|s| s.as_str())));
        put("key_usage", obj::opt_str(k.key_usage().map(|s| s.as_str())));
        put("origin", obj::opt_str(k.origin().map(|s| s.as_str())));
        put("creation_date", rfc3339(k.creation_date()));
        put("deletion_date", rfc3339(k.deletion_date()));
        put("valid_to", rfc3339(k.valid_to()));
        put("enabled", Value::Bool(k.enabled()));
        put("multi_region", obj::opt_bool(k.multi_region()));
        put(
            "pending_deletion_window_in_days",
            obj::opt_i32(k.pending_deletion_window_in_days()),
        );
        Ok(Value::Map(m))
    }
}
