//! Data source `aws_regions`: the names of the regions EC2 DescribeRegions lists (the enabled
//! ones, or all with `all_regions`), filtered.

use crate::provider::aws::ec2::{filter_block, filters, non_empty};
use crate::provider::aws::kit::prelude::*;

pub struct RegionsData;
pub static REGIONS_DATA: RegionsData = RegionsData;

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    schema! {
        "The names of the regions enabled for the account (or all of them), filtered.";
        regional;
        all_regions bool;
        id          string     computed "The partition, e.g. aws.";
        names       string_set output   "The names of the regions that match.";
        block filter_block();
    }
});

#[async_trait]
impl DataSourceType for RegionsData {
    named!("aws_regions", SCHEMA);

    async fn read(&self, ctx: &Ctx, config: &Value) -> ProviderResult<Value> {
        let out = ctx
            .ec2()
            .describe_regions()
            .set_all_regions(obj::bool(config, "all_regions"))
            .set_filters(non_empty(filters(config)))
            .send()
            .await
            .during("describing regions")?;
        let names = out.regions().iter().filter_map(|r| r.region_name());
        Ok(Value::Map(object! {
            "all_regions" => config.get("all_regions").cloned().unwrap_or(Value::Null),
            "id" => ctx.partition(),
            "names" => obj::set(names.map(str::to_string)),
            "filter" => config.get("filter").cloned().unwrap_or(Value::List(vec![])),
        }))
    }
}
