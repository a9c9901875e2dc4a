//! Data source `aws_security_group`: exactly one security group.

use super::NOT_FOUND_CODES;
use crate::provider::aws::kit::prelude::*;
use aws_sdk_ec2::types::Filter;

pub struct SecurityGroupData;
pub static SECURITY_GROUP_DATA: SecurityGroupData = SecurityGroupData;

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    let filter = schema! {
        "";
        name   string     required;
        values string_set required;
    };
    schema! {
        "Looks up exactly one security group.";
        regional;
        id          string     computed;
        name        string     computed;
        vpc_id      string     computed;
        tags        string_map computed;
        arn         string     output;
        description string     output;
        owner_id    string     output;
        block BlockType::set("filter", filter).describe("EC2 filters; the group must match every one.");
    }
});

#[async_trait]
impl DataSourceType for SecurityGroupData {
    named!("aws_security_group", SCHEMA);

    async fn read(&self, ctx: &Ctx, config: &Value) -> ProviderResult<Value> {
        let mut filters = super::filters(config);
        for (name, key) in [("group-name", "name"), ("vpc-id", "vpc_id")] {
            filters.extend(
                obj::string(config, key).map(|v| Filter::builder().name(name).values(v).build()),
            );
        }
        let ids = obj::string(config, "id").map(|id| vec![id]);
        let call = ctx
            .ec2()
            .describe_security_groups()
            .set_group_ids(ids)
            .set_filters(super::non_empty(filters));
        let found = unless(
            call.send().await.during("describing security groups"),
            NOT_FOUND_CODES,
        )?;
        let groups = found.and_then(|r| r.security_groups).unwrap_or_default();
        let g = match groups.as_slice() {
            [one] => one,
            [] => {
                return Err(ProviderError::new(
                    "no security group matches the aws_security_group arguments",
                ))
            }
            many => {
                let ids: Vec<&str> = many.iter().filter_map(|g| g.group_id()).collect();
                return Err(ProviderError::new(format!(
                    "{} security groups match the aws_security_group arguments; exactly one must match: add filters (ids: {})",
                    many.len(),
                    ids.join(", ")
                )));
            }
        };
        let (id, owner) = (
            g.group_id().unwrap_or_default(),
            g.owner_id().unwrap_or_default(),
        );
        Ok(Value::Map(object! {
            "id" => id,
            "name" => g.group_name(),
            "vpc_id" => g.vpc_id(),
            "tags" => obj::map(tags::read(g.tags())),
            "arn" => format!("arn:{}:ec2:{}:{owner}:security-group/{id}", ctx.partition(), ctx.region()),
            "description" => g.description(),
            "owner_id" => owner,
            "filter" => config.get("filter").cloned().unwrap_or(Value::List(vec![])),
        }))
    }
}
