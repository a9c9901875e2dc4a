//! Data source `aws_db_subnet_group`: one DB subnet group by name (one DescribeDBSubnetGroups
//! naming it), read as the resource reads it, with its status.

use crate::provider::aws::ec2::network::project;
use crate::provider::aws::kit::prelude::*;

pub struct DbSubnetGroupData;
pub static DB_SUBNET_GROUP_DATA: DbSubnetGroupData = DbSubnetGroupData;

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    schema! {
        "Looks up one DB subnet group by name.";
        regional;
        name                    string     required "The group's name.";
        id                      string     output   "The group's name.";
        arn                     string     output;
        description             string     output;
        subnet_ids              string_set output;
        supported_network_types string_set output   "IPV4 and/or DUAL.";
        vpc_id                  string     output;
        status                  string     output   "Complete, or what AWS is still doing to it.";
    }
});

#[async_trait]
impl DataSourceType for DbSubnetGroupData {
    named!("aws_db_subnet_group", SCHEMA);

    async fn read(&self, ctx: &Ctx, config: &Value) -> ProviderResult<Value> {
        let name = state::required(config, "name", self.type_name())?;
        let call = ctx.rds().describe_db_subnet_groups();
        let found = call.db_subnet_group_name(&name).send().await;
        let found = found.during(&format!("describing DB subnet group {name}"));
        let group = unless(found, &["DBSubnetGroupNotFoundFault"])?
            .and_then(|out| out.db_subnet_groups().first().cloned())
            .ok_or_else(|| ProviderError::new(format!("no DB subnet group \"{name}\" found")))?;
        let state = super::db_subnet_group::state_of(ctx, &group, BTreeMap::new());
        let mut v = project(&SCHEMA, &state);
        if let Value::Map(m) = &mut v {
            m.insert("status".into(), group.subnet_group_status().to_value());
        }
        Ok(v)
    }
}
