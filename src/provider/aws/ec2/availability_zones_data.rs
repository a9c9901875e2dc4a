//! Data source `aws_availability_zones`: the zones of the region (EC2
//! DescribeAvailabilityZones), sorted by name as terraform-provider-aws sorts them, with
//! `zone_ids` in the same order and the exclusions applied after the call.

use super::{filter_block, filters, non_empty};
use crate::provider::aws::kit::prelude::*;
use aws_sdk_ec2::types::Filter;

pub struct AvailabilityZonesData;
pub static AVAILABILITY_ZONES_DATA: AvailabilityZonesData = AvailabilityZonesData;

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    schema! {
        "The Availability Zones of the region the account can use.";
        regional;
        all_availability_zones bool                   "Include the Local and Wavelength Zones whatever their opt-in status.";
        exclude_names          string_set             "Zone names to leave out.";
        exclude_zone_ids       string_set             "Zone ids to leave out.";
        state                  string one_of(&["available", "information", "impaired", "unavailable"]) "Only the zones in this state.";
        id                     string      output     "The region.";
        names                  string_list output     "The zone names, sorted.";
        zone_ids               string_list output     "The zone ids, in the order of names.";
        group_names            string_set  output     "The zone groups of the zones listed.";
        block filter_block();
    }
});

#[async_trait]
impl DataSourceType for AvailabilityZonesData {
    named!("aws_availability_zones", SCHEMA);

    async fn read(&self, ctx: &Ctx, config: &Value) -> ProviderResult<Value> {
        let mut fs: Vec<Filter> = obj::string(config, "state")
            .map(|s| Filter::builder().name("state").values(s).build())
            .into_iter()
            .collect();
        fs.extend(filters(config));
        let out = ctx
            .ec2()
            .describe_availability_zones()
            .set_all_availability_zones(obj::bool(config, "all_availability_zones"))
            .set_filters(non_empty(fs))
            .send()
            .await
            .during("describing availability zones")?;
        let mut zones = out.availability_zones().to_vec();
        zones.sort_by(|a, b| a.zone_name().cmp(&b.zone_name()));
        let exclude_names = obj::strings(config, "exclude_names");
        let exclude_ids = obj::strings(config, "exclude_zone_ids");
        let (mut names, mut ids, mut groups) = (vec![], vec![], BTreeSet::new());
        for z in &zones {
            let name = z.zone_name().unwrap_or_default().to_string();
            let id = z.zone_id().unwrap_or_default().to_string();
            if exclude_names.contains(&name) || exclude_ids.contains(&id) {
                continue;
            }
            groups.insert(z.group_name().unwrap_or_default().to_string());
            names.push(name);
            ids.push(id);
        }
        let given = |k: &str| config.get(k).cloned().unwrap_or(Value::Null);
        Ok(Value::Map(object! {
            "all_availability_zones" => given("all_availability_zones"),
            "exclude_names" => given("exclude_names"),
            "exclude_zone_ids" => given("exclude_zone_ids"),
            "state" => given("state"),
            "filter" => config.get("filter").cloned().unwrap_or(Value::List(vec![])),
            "id" => ctx.region(),
            "names" => obj::list(names),
            "zone_ids" => obj::list(ids),
            "group_names" => obj::set(groups),
        }))
    }
}
