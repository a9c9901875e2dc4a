//! Data source `aws_subnets`: the ids of the subnets matching the filters.

use super::{filters, non_empty};
use crate::provider::aws::kit::prelude::*;

pub struct SubnetsData;
pub static SUBNETS_DATA: SubnetsData = SubnetsData;

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    schema! {
        "The ids of the subnets matching the filters.";
        regional;
        id   string      output;
        tags string_map  computed;
        ids  string_list output;
        block super::filter_block();
    }
});

#[async_trait]
impl DataSourceType for SubnetsData {
    named!("aws_subnets", SCHEMA);

    async fn read(&self, ctx: &Ctx, config: &Value) -> ProviderResult<Value> {
        let subnets = ctx
            .ec2()
            .describe_subnets()
            .set_filters(non_empty(filters(config)));
        let subnets = all(
            "describing subnets",
            subnets.into_paginator().items().send(),
        )
        .await?;
        let mut ids: Vec<String> = subnets
            .iter()
            .filter_map(|s| s.subnet_id().map(str::to_string))
            .collect();
        ids.sort();
        ids.dedup();
        Ok(Value::Map(object! {
            "id" => ctx.region(),
            "ids" => obj::list(ids),
            "tags" => config.get("tags").filter(|t| !t.is_null()).cloned().unwrap_or(Value::Map(Map::new())),
            "filter" => config.get("filter").cloned().unwrap_or(Value::List(vec![])),
        }))
    }
}
