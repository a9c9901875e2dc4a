//! Data source `aws_caller_identity`: the account, ARN and user id the provider configuration
//! runs as (STS GetCallerIdentity, looked up once per provider configuration and run).

use crate::provider::aws::kit::prelude::*;

pub struct CallerIdentityData;
pub static CALLER_IDENTITY_DATA: CallerIdentityData = CallerIdentityData;

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    schema! {
        "The account, ARN and user id the provider configuration runs as.";
        id         string output "The account id.";
        account_id string output "The AWS account id.";
        arn        string output "The ARN of the calling user, role or assumed-role session.";
        user_id    string output "The unique id of the calling entity.";
    }
});

#[async_trait]
impl DataSourceType for CallerIdentityData {
    named!("aws_caller_identity", SCHEMA);

    async fn read(&self, ctx: &Ctx, _config: &Value) -> ProviderResult<Value> {
        let mut identity = ctx.caller_identity().await?;
        if let Value::Map(m) = &mut identity {
            let account = m.get("account_id").cloned().unwrap_or(Value::Null);
            m.insert("id".into(), account);
        }
        Ok(identity)
    }
}
