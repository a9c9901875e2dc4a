//! Data source `aws_region`: a region's name, description and EC2 endpoint, from the SDK's
//! partition data with no call to AWS (as terraform-provider-aws 6 answers). `region` selects
//! it (the provider's when unset), `name` is its deprecated alias, `endpoint` finds the region
//! whose EC2 endpoint it is.

use crate::provider::aws::kit::prelude::*;
use crate::provider::regions;

pub struct RegionData;
pub static REGION_DATA: RegionData = RegionData;

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    schema! {
        "A region's name, description and EC2 endpoint (the provider configuration's region by default).";
        region      string computed "The region to select, e.g. us-east-1; the provider's region when unset.";
        name        string computed "Deprecated: use region.";
        endpoint    string computed "The EC2 endpoint of the region to select (ec2.us-east-1.amazonaws.com).";
        id          string output   "The region's name.";
        description string output   "The region's description, e.g. US East (N. Virginia).";
    }
});

/// A region's EC2 endpoint host, as the provider's endpoint resolver gives it.
fn ec2_endpoint(region: &str) -> String {
    format!("ec2.{region}.{}", regions::partition(region).dns_suffix)
}

fn by_endpoint(endpoint: &str) -> ProviderResult<&'static str> {
    regions::REGIONS
        .iter()
        .map(|(name, _)| *name)
        .find(|name| ec2_endpoint(name) == endpoint)
        .ok_or_else(|| ProviderError::new(format!("no region has the EC2 endpoint {endpoint:?}")))
}

fn by_name(name: &str) -> ProviderResult<&'static str> {
    regions::REGIONS
        .iter()
        .map(|(name, _)| *name)
        .find(|known| *known == name)
        .ok_or_else(|| {
            let near = regions::nearest(name);
            let hint = match near.first() {
                Some(n) => format!(" (did you mean {n}?)"),
                None => String::new(),
            };
            ProviderError::new(format!("region not found for name {name:?}{hint}"))
        })
}

#[async_trait]
impl DataSourceType for RegionData {
    named!("aws_region", SCHEMA);

    async fn read(&self, ctx: &Ctx, config: &Value) -> ProviderResult<Value> {
        let mut found: Option<&str> = None;
        for (argument, look_up) in [
            (
                "endpoint",
                by_endpoint as fn(&str) -> ProviderResult<&'static str>,
            ),
            ("name", by_name),
            ("region", by_name),
        ] {
            let Some(given) = obj::str(config, argument) else {
                continue;
            };
            let region = look_up(given)?;
            if found.is_some_and(|f| f != region) {
                return Err(ProviderError::new(format!(
                    "multiple Regions matched: {argument} = {given:?} names another region than the other arguments; use arguments that agree on one region"
                )));
            }
            found = Some(region);
        }
        let region = match found {
            Some(r) => r,
            None => by_name(ctx.region())?,
        };
        Ok(Value::Map(object! {
            "region" => region,
            "name" => region,
            "id" => region,
            "endpoint" => ec2_endpoint(region),
            "description" => regions::description(region),
        }))
    }
}
