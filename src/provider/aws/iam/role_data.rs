//! Data source `aws_iam_role`: one IAM role by name (GetRole), as the resource reads it.

use super::role::{attributes, get_role};
use crate::provider::aws::kit::prelude::*;

pub struct IamRoleData;
pub static IAM_ROLE_DATA: IamRoleData = IamRoleData;

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    schema! {
        "Looks up one IAM role by name.";
        name                 string     required "The role's name.";
        tags                 string_map computed "The role's tags.";
        id                   string     output   "The role's name.";
        arn                  string     output;
        assume_role_policy   string     output   "Trust policy (JSON).";
        create_date          string     output;
        description          string     output;
        max_session_duration number     output;
        path                 string     output;
        permissions_boundary string     output;
        unique_id            string     output;
        role_last_used       map_list   output   "When and in which region the role was last used (`last_used_date`, `region`).";
    }
});

#[async_trait]
impl DataSourceType for IamRoleData {
    named!("aws_iam_role", SCHEMA);

    async fn read(&self, ctx: &Ctx, config: &Value) -> ProviderResult<Value> {
        let name = state::required(config, "name", self.type_name())?;
        let role = get_role(ctx, name.clone()).await?;
        let r = role.ok_or_else(|| ProviderError::new(format!("no IAM role \"{name}\" found")))?;
        let mut m = attributes(&r);
        m.insert("tags".into(), obj::map(tags::read(r.tags())));
        let used = r.role_last_used().map(|u| {
            obj::map(
                [
                    ("last_used_date", state::time(u.last_used_date())),
                    ("region", u.region().map(str::to_string)),
                ]
                .into_iter()
                .filter_map(|(k, v)| Some((k.to_string(), v?))),
            )
        });
        m.insert("role_last_used".into(), obj::list(used));
        Ok(Value::Map(m))
    }
}
